"""Block-by-block LightGBM prediction equals LightGBM's own, and is used."""

import numpy as np
import pytest
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.datasets import make_classification, make_regression

from skdistill import EarlyStoppingClassifier, EarlyStoppingRegressor, _lightgbm


@pytest.fixture
def small_thresholds(monkeypatch):
    """Blocks of 8 trees from 40 trees and 10 rows on, so small models use them."""
    monkeypatch.setattr(_lightgbm, "_BLOCK_TREES", 8)
    monkeypatch.setattr(_lightgbm, "_MIN_TREES", 40)
    monkeypatch.setattr(_lightgbm, "_MIN_ROWS", 10)


def _spy(monkeypatch, booster):
    """Record the block calls (raw scores from a start round) to the booster."""
    calls = []
    original = booster.predict

    def predict(*args, **kwargs):
        if kwargs.get("raw_score"):
            calls.append((kwargs["start_iteration"], kwargs["num_iteration"]))
        return original(*args, **kwargs)

    monkeypatch.setattr(booster, "predict", predict)
    return calls


@pytest.mark.parametrize("n_classes", [2, 4])
def test_classifier_blocks_equal_lightgbm(small_thresholds, monkeypatch, n_classes):
    X, y = make_classification(
        n_samples=300, n_informative=5, n_classes=n_classes, random_state=0
    )
    n_rounds = 50 if n_classes == 2 else 30  # 50 or 120 trees
    model = LGBMClassifier(n_estimators=n_rounds, verbose=-1, random_state=0)
    model.fit(X, y)
    expected = model.predict_proba(X)
    calls = _spy(monkeypatch, model.booster_)
    got = _lightgbm.booster_predict(model, X, proba=True)
    # blocks of 8 trees: 8 rounds (binary) or 2 rounds (4 classes) per call
    step = 8 if n_classes == 2 else 2
    assert calls == [(s, min(step, n_rounds - s)) for s in range(0, n_rounds, step)]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-13)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-12)


def test_regressor_blocks_equal_lightgbm(small_thresholds, monkeypatch):
    X, y = make_regression(n_samples=300, n_features=6, noise=5.0, random_state=0)
    model = LGBMRegressor(n_estimators=50, verbose=-1, random_state=0).fit(X, y)
    expected = model.predict(X)
    calls = _spy(monkeypatch, model.booster_)
    got = _lightgbm.booster_predict(model, X, proba=False)
    assert [start for start, _ in calls] == list(range(0, 50, 8))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)


def test_early_stopped_classifier_equals_lightgbm(small_thresholds, monkeypatch):
    """The wrapper's probabilities are the blocks', equal to LightGBM's own."""
    monkeypatch.setattr(_lightgbm, "_MIN_TREES", 10)
    X, y = make_classification(
        n_samples=400, n_classes=3, n_informative=5, random_state=1
    )
    clf = EarlyStoppingClassifier(
        LGBMClassifier(n_estimators=400, learning_rate=0.3, verbose=-1),
        patience=5,
        random_state=0,
    ).fit(X, y)
    calls = _spy(monkeypatch, clf.estimator_.booster_)
    np.testing.assert_allclose(
        clf.predict_proba(X), clf.estimator_.predict_proba(X), atol=1e-13
    )
    assert sum(n for _, n in calls) == clf.n_estimators_  # the best rounds only


@pytest.mark.parametrize(
    "reason",
    ["few rows", "few trees", "unknown link"],
)
def test_falls_back_to_lightgbm(small_thresholds, monkeypatch, reason):
    X, y = make_regression(n_samples=200, n_features=4, random_state=0)
    y = np.abs(y) + 1.0
    objective = "poisson" if reason == "unknown link" else "regression"
    n_estimators = 4 if reason == "few trees" else 40
    model = LGBMRegressor(
        n_estimators=n_estimators, objective=objective, verbose=-1
    ).fit(X, y)
    rows = X[:5] if reason == "few rows" else X
    expected = model.predict(rows)
    calls = _spy(monkeypatch, model.booster_)
    got = _lightgbm.booster_predict(model, rows, proba=False)
    assert calls == []  # LightGBM's own predict, not the blocks
    np.testing.assert_array_equal(got, expected)


def test_early_stopping_wrappers_use_blocks(small_thresholds, monkeypatch):
    X, y = make_regression(n_samples=300, n_features=5, random_state=0)
    reg = EarlyStoppingRegressor(
        LGBMRegressor(n_estimators=200, verbose=-1), random_state=0
    ).fit(X, y)
    calls = _spy(monkeypatch, reg.estimator_.booster_)
    np.testing.assert_allclose(reg.predict(X), reg.estimator_.predict(X), atol=1e-9)
    assert len(calls) > 1


@pytest.mark.parametrize(
    "params",
    [
        {"reg_sqrt": True},  # LightGBM squares the sum back
        {"boosting_type": "rf", "subsample": 0.6, "subsample_freq": 1},  # averages
        {"pred_early_stop": True},  # LightGBM stops summing early
    ],
    ids=["reg_sqrt", "random_forest", "pred_early_stop"],
)
def test_not_a_plain_sum_falls_back(small_thresholds, monkeypatch, params):
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    y = np.abs(y)
    model = LGBMRegressor(n_estimators=60, verbose=-1, **params).fit(X, y)
    expected = model.predict(X)
    calls = _spy(monkeypatch, model.booster_)
    got = _lightgbm.booster_predict(model, X, proba=False)
    assert calls == []
    np.testing.assert_array_equal(got, expected)


def test_unknown_transform_is_caught_by_the_check(small_thresholds, monkeypatch):
    """A link that does not reproduce LightGBM sends the batch to LightGBM."""
    X, y = make_classification(n_samples=300, random_state=0)
    model = LGBMClassifier(n_estimators=50, verbose=-1).fit(X, y)
    monkeypatch.setattr(
        _lightgbm, "_link", lambda model, proba: lambda raw: np.column_stack([raw, raw])
    )
    np.testing.assert_array_equal(
        _lightgbm.booster_predict(model, X, proba=True), model.predict_proba(X)
    )


@pytest.mark.parametrize("n_jobs", [1, 2, -1])
def test_blocks_use_the_models_thread_count(small_thresholds, monkeypatch, n_jobs):
    X, y = make_classification(n_samples=300, random_state=0)
    model = LGBMClassifier(n_estimators=50, n_jobs=n_jobs, verbose=-1).fit(X, y)
    threads = []
    original = model.booster_.predict

    def predict(*args, **kwargs):
        threads.append(kwargs.get("num_threads"))
        return original(*args, **kwargs)

    monkeypatch.setattr(model.booster_, "predict", predict)
    _lightgbm.booster_predict(model, X, proba=True)
    assert len(set(threads)) == 1  # the blocks and LightGBM's own check agree
    assert threads[0] == model._process_n_jobs(n_jobs)
