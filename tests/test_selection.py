"""student='auto': budgeted choice of the student, with every candidate kept."""

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)

from skdistill import DistilledClassifier, DistilledRegressor
from skdistill._selection import check_budget


@pytest.fixture(scope="module")
def data():
    return make_classification(600, 8, n_informative=5, random_state=0)


@pytest.fixture(scope="module")
def auto_model(data):
    X, y = data
    return DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=30),
        "auto",
        n_synthetic=0.5,
        random_state=0,
    ).fit(X, y)


def test_auto_keeps_every_candidate_and_picks_the_most_faithful(auto_model, data):
    X, y = data
    search = auto_model.student_search_
    assert len(search) == 8
    assert sum(r["chosen"] for r in search) == 1
    chosen = next(r for r in search if r["chosen"])
    assert chosen["fidelity"] == max(r["fidelity"] for r in search)
    for r in search:
        assert 0 <= r["fidelity"] <= 1
        assert r["latency_us"] > 0 and r["onnx_bytes"] > 0
    assert auto_model.score(X, y) > 0.85
    proba = auto_model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_budget_excludes_expensive_candidates(auto_model, data):
    X, y = data
    sizes = sorted(r["onnx_bytes"] for r in auto_model.student_search_)
    limit = sizes[2]  # only the three smallest fit
    model = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=30),
        "auto",
        n_synthetic=0.5,
        student_budget={"onnx_bytes": limit},
        random_state=0,
    ).fit(X, y)
    chosen = next(r for r in model.student_search_ if r["chosen"])
    assert chosen["onnx_bytes"] <= limit
    within = [r for r in model.student_search_ if r["within_budget"]]
    assert all(r["onnx_bytes"] <= limit for r in within)
    assert chosen["fidelity"] == max(r["fidelity"] for r in within)


def test_impossible_budget_is_a_clear_error(data):
    X, y = data
    with pytest.raises(ValueError, match="No student meets the budget"):
        DistilledClassifier(
            HistGradientBoostingClassifier(max_iter=10),
            "auto",
            n_synthetic=0.2,
            student_budget={"onnx_bytes": 1},
        ).fit(X, y)


def test_auto_regression():
    X, y = make_regression(400, 5, noise=5.0, random_state=0)
    model = DistilledRegressor(
        HistGradientBoostingRegressor(max_iter=30),
        "auto",
        n_synthetic=0.5,
        random_state=0,
    ).fit(X, y)
    assert any(r["chosen"] for r in model.student_search_)
    assert model.score(X, y) > 0.7


@pytest.mark.parametrize(
    "budget, message",
    [
        ({"latency": 5}, "unknown keys"),
        ({"latency_us": 0}, "must be > 0"),
        ({"onnx_bytes": "big"}, "must be > 0"),
    ],
)
def test_budget_validation(budget, message):
    with pytest.raises(ValueError, match=message):
        check_budget(budget)


def test_candidates_are_measured_in_the_exported_graph(auto_model, data):
    """The search measures each candidate in the graph skdistill.to_onnx writes
    for the distiller (lean dense layers), not skl2onnx's graph of the bare
    student: the chosen size is the exported model's size."""
    from skdistill import to_onnx

    X, y = data
    model = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=30),
        "auto",
        n_synthetic=0.5,
        # the depth-3 tree (1,317 bytes) and the 16-unit MLP (1,361) fit
        student_budget={"onnx_bytes": 1400},
        random_state=0,
    ).fit(X, y)
    chosen = next(r for r in model.student_search_ if r["chosen"])
    assert chosen["name"] == "mlp-16"
    exported = to_onnx(model, X[:1].astype(np.float32))
    assert chosen["onnx_bytes"] == len(exported.SerializeToString())
