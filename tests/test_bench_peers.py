"""Tests for the helpers of benchmarks/bench_peers.py (not the benchmark run)."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_classification

_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

bp = pytest.importorskip("benchmarks.bench_peers")


def test_proba_from_regression_binary_clips_and_sums_to_one():
    p = bp.proba_from_regression(np.array([-0.2, 0.3, 1.4]), 2)
    np.testing.assert_allclose(p, [[1.0, 0.0], [0.7, 0.3], [0.0, 1.0]])


def test_proba_from_regression_multiclass_renormalises():
    raw = np.array([[0.2, 0.2, 0.6], [-0.1, 0.5, 0.5], [0.0, 0.0, 0.0]])
    p = bp.proba_from_regression(raw, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [0.2, 0.2, 0.6])
    np.testing.assert_allclose(p[1], [0.0, 0.5, 0.5])
    np.testing.assert_allclose(p[2], [1 / 3] * 3)


def test_regressor_student_has_skdistill_tree_capacity():
    from skdistill import make_student

    st = bp.regressor_student("tree", 3, regression_task=False)
    ref = make_student("tree", "classification", 3)
    assert st.max_leaf_nodes == ref.max_leaf_nodes
    assert st.min_samples_leaf == ref.min_samples_leaf
    wrapped = bp.regressor_student("tree", 3, regression_task=True)
    assert isinstance(wrapped, TransformedTargetRegressor)


def test_student_size_counts_nodes_and_parameters():
    X, y = make_classification(300, 5, random_state=0)
    tree = bp.regressor_student("tree", 0, regression_task=True).fit(X, y * 1.0)
    assert bp.student_size(tree) == tree.regressor_.tree_.node_count
    mlp = bp.regressor_student("mlp", 0, regression_task=False)
    mlp.set_params(mlpregressor__max_iter=5)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp.fit(X, y * 1.0)
    # 5 -> 32 -> 32 -> 1 with biases
    assert bp.student_size(mlp) == 5 * 32 + 32 + 32 * 32 + 32 + 32 + 1


def test_tune_lightgbm_uses_only_given_rows_and_returns_a_teacher():
    pytest.importorskip("lightgbm")
    X, y = make_classification(400, 6, random_state=0)
    labels = np.array(["no", "yes"])[y]  # string labels, as in the benchmark
    out = bp.tune_lightgbm(X, labels, True, seed=0, n_iter=2)
    assert len(out["trials"]) == 2
    best = min(t["val_score"] for t in out["trials"])
    chosen = [t for t in out["trials"] if t["val_score"] == best][0]
    assert out["params"]["n_estimators"] == round(chosen["best_iteration"] * 1.25)
    teacher = bp.tuned_lightgbm(out["params"], True).fit(X, labels)
    assert teacher.predict_proba(X).shape == (400, 2)


def _rec(ds, task, teacher, method, seed, acc, **kw):
    return dict(
        dataset=ds,
        task=task,
        seed=seed,
        teacher=teacher,
        family="tree",
        method=method,
        metrics={"accuracy": acc, "roc_auc": 0.9, "fidelity": 0.95},
        size=511,
        t_distil=1.0,
        t_total=2.0,
        **kw,
    )


def test_summary_tables_say_not_supported_and_compare_per_seed():
    recs = []
    for s, (a, b) in enumerate([(0.80, 0.78), (0.82, 0.83)]):
        recs.append(_rec("letter", "multiclass", "default", "skdistill", s, a))
        recs.append(_rec("letter", "multiclass", "default", "diy", s, b))
        recs.append(
            dict(
                _rec("letter", "multiclass", "default", "imodels", s, 0.0),
                supported=False,
                reason="binary only",
                metrics={},
            )
        )
    rows = bp.summarize(recs)
    comps = bp.comparisons(recs)
    (c,) = [c for c in comps if c["peer"] == "diy"]
    assert c["seeds_better"] == 1 and c["seeds_worse"] == 1
    assert c["diff_mean"] == pytest.approx(((0.80 - 0.78) + (0.82 - 0.83)) / 2)
    sk = [r for r in rows if r["method"] == "skdistill"][0]
    assert sk["m_accuracy"] == pytest.approx(0.81)
    meta = dict(tag="t", command="c", seeds=[0, 1], n_records=len(recs), environment={})
    md = bp.markdown(rows, comps, meta)
    assert "| default | tree | imodels | not supported | not supported |" in md
    assert "| letter | default | tree | +0.0050 (1↑ 1↓ of 2) | not supported |" in md


def test_latest_records_keeps_the_last_run_of_each_model():
    a = _rec("adult", "binary", "default", "diy", 0, 0.80)
    b = _rec("adult", "binary", "default", "hard", 0, 0.70)
    a2 = _rec("adult", "binary", "default", "diy", 0, 0.81)
    out = bp.latest_records([a, b, a2])
    assert [r["metrics"]["accuracy"] for r in out] == [0.70, 0.81]
