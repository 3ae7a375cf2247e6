"""fine_tune: adapt the student to new labelled rows without forgetting."""

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)

from skdistill import DistilledClassifier, DistilledRegressor


@pytest.fixture(scope="module")
def shifted():
    """Old domain: feature 0 < 0; new domain: feature 0 > 1 with its own rule."""
    rng = np.random.default_rng(0)
    X_old = rng.normal(size=(800, 4))
    X_old[:, 0] = -np.abs(X_old[:, 0])
    y_old = (X_old[:, 1] > 0).astype(int)
    X_new = rng.normal(size=(300, 4))
    X_new[:, 0] = 1 + np.abs(X_new[:, 0])
    y_new = (X_new[:, 2] > 0).astype(int)  # the rule changed in the new domain
    return X_old, y_old, X_new, y_new


@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_fine_tune_adapts_and_keeps_old_domain(shifted, student):
    X_old, y_old, X_new, y_new = shifted
    model = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=50, random_state=0),
        student,
        n_synthetic=1.0,
        random_state=0,
    ).fit(X_old, y_old)
    old_acc_before = model.score(X_old, y_old)
    new_acc_before = model.score(X_new, y_new)
    before = model.student_
    model.fine_tune(X_new, y_new, label_weight=1.0, replay=1.0)
    assert model.student_ is not before
    assert model.fine_tune_["n_new_rows"] == 300
    assert model.fine_tune_["n_replayed"] == 800 + model.n_synthetic_
    assert model.fine_tune_["warm_start"] == (student == "mlp")
    if student == "mlp":  # continued from its weights, preprocessing kept
        assert model.student_[0] is not before[0]
        np.testing.assert_array_equal(model.student_[1].mean_, before[1].mean_)
    assert model.score(X_new, y_new) > new_acc_before + 0.1
    if student != "linear":  # one hyperplane cannot hold both domains' rules
        assert model.score(X_old, y_old) > old_acc_before - 0.05


def test_fine_tune_without_replay_forgets_more(shifted):
    X_old, y_old, X_new, y_new = shifted
    kwargs = dict(teacher=HistGradientBoostingClassifier(max_iter=50), random_state=0)
    with_replay = DistilledClassifier(**kwargs).fit(X_old, y_old)
    without = DistilledClassifier(**kwargs).fit(X_old, y_old)
    with_replay.fine_tune(X_new, y_new, label_weight=1.0, replay=1.0)
    without.fine_tune(X_new, y_new, label_weight=1.0, replay=0.0)
    assert with_replay.score(X_old, y_old) >= without.score(X_old, y_old)
    assert without.fine_tune_["n_replayed"] == 0


def test_fine_tune_regression(shifted):
    X, y = make_regression(400, 4, noise=1.0, random_state=0)
    model = DistilledRegressor(
        HistGradientBoostingRegressor(max_iter=50), "linear", random_state=0
    ).fit(X, y)
    y_shift = y + 100.0
    model.fine_tune(X[:200], y_shift[:200], label_weight=1.0, replay=0.0)
    assert abs(np.mean(model.predict(X) - y) - 100.0) < 10.0


def test_fine_tune_bad_input(shifted):
    X_old, y_old, X_new, y_new = shifted
    model = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=20), n_synthetic=0.2
    )
    with pytest.raises(ValueError, match="fitted"):
        model.fine_tune(X_new, y_new)
    model.fit(X_old, y_old)
    with pytest.raises(ValueError, match="classes"):
        model.fine_tune(X_new, y_new + 7)
    with pytest.raises(ValueError, match="label_weight"):
        model.fine_tune(X_new, y_new, label_weight=2.0)
    with pytest.raises(ValueError, match="replay"):
        model.fine_tune(X_new, y_new, replay=-1.0)
    with pytest.raises(ValueError, match="features"):
        model.fine_tune(X_new[:, :2], y_new)
    with pytest.raises(ValueError, match="rows"):
        model.fine_tune(X_new, y_new[:10])
    with pytest.raises(ValueError, match="y must be array-like"):
        model.fine_tune(X_new[:1], 1)
    with pytest.raises(ValueError, match=r"1d array, got an array of shape \(\d+, 2\)"):
        model.fine_tune(X_new, np.column_stack([y_new, y_new]))
    model.fine_tune(X_new, y_new.reshape(-1, 1))  # a column vector is labels
    with pytest.raises(ValueError, match="label_weight must be a number"):
        model.fine_tune(X_new, y_new, label_weight="0.5")
    with pytest.raises(ValueError, match="replay must be a number"):
        model.fine_tune(X_new, y_new, replay=None)
    with pytest.raises(ValueError, match="Negative values .*sample_weight"):
        model.fine_tune(X_new, y_new, sample_weight=-np.ones(len(y_new)))
    X0 = X_new.copy()
    model.fine_tune(X_new, y_new)
    np.testing.assert_array_equal(X_new, X0)
