"""SoftTargetMLPClassifier: labels as its parent, soft targets as specified."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.neural_network import MLPClassifier

from skdistill import DistilledClassifier, SoftTargetMLPClassifier, make_student
from skdistill._soft_mlp import is_soft_target
from skdistill._students import learns_soft_targets

PARAMS = dict(hidden_layer_sizes=(8,), max_iter=30, random_state=0)


def _data(n_classes):
    return make_classification(
        300, 6, n_informative=4, n_classes=n_classes, random_state=0
    )


def _same_weights(a, b):
    return all(
        np.array_equal(u, v)
        for u, v in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_classes", [2, 3])
def test_labels_fit_exactly_the_parent_model(n_classes):
    X, y = _data(n_classes)
    parent = MLPClassifier(**PARAMS).fit(X, y)
    soft = SoftTargetMLPClassifier(**PARAMS).fit(X, y)
    assert _same_weights(parent, soft)
    np.testing.assert_array_equal(parent.predict_proba(X), soft.predict_proba(X))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n_classes", [2, 3])
def test_one_hot_soft_targets_equal_labels(n_classes):
    # one-hot rows are the soft targets of hard labels: same loss, same model
    X, y = _data(n_classes)
    one_hot = np.eye(n_classes)[y]
    a = SoftTargetMLPClassifier(**PARAMS).fit(X, y)
    b = SoftTargetMLPClassifier(**PARAMS).fit(X, one_hot)
    assert _same_weights(a, b)
    np.testing.assert_array_equal(b.classes_, np.arange(n_classes))
    assert b.out_activation_ == ("logistic" if n_classes == 2 else "softmax")


def test_learns_the_probability_vectors():
    # at the optimum the output biases' gradient, mean(p - q), is zero: the mean
    # predicted vector is the mean target (a hard-label fit could not give 0.2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    target = np.tile([0.2, 0.5, 0.3], (400, 1))
    mlp = SoftTargetMLPClassifier(hidden_layer_sizes=(4,), max_iter=2000, tol=1e-7)
    mlp.set_params(random_state=0).fit(X, target)
    np.testing.assert_allclose(mlp.predict_proba(X).mean(axis=0), target[0], atol=0.01)
    assert mlp.loss_ < -np.sum(target[0] * np.log(target[0])) + 0.01


def test_partial_fit_continues_on_soft_targets():
    X, y = _data(3)
    soft = np.full((len(X), 3), 1 / 3)
    mlp = SoftTargetMLPClassifier(**PARAMS, warm_start=False)
    with pytest.warns(Warning):  # few iterations: not converged
        mlp.fit(X, np.eye(3)[y])
    before = [c.copy() for c in mlp.coefs_]
    mlp.partial_fit(X, soft)
    assert not all(
        np.array_equal(u, v) for u, v in zip(before, mlp.coefs_, strict=True)
    )
    with pytest.raises(ValueError, match="2 columns of soft targets"):
        mlp.partial_fit(X, np.full((len(X), 2), 0.5))


@pytest.mark.parametrize(
    "y, match",
    [
        (np.full((300, 2), 0.7), "must sum to 1"),
        (np.tile([1.5, -0.5], (300, 1)), "negative entries"),
        (np.full((10, 2), 0.5), "10 rows of soft targets but X has 300"),
        (np.tile([np.nan, 1.0], (300, 1)), "NaN or infinite"),
        (np.full((300, 1), 0.3), "one column of fractions"),
    ],
)
def test_bad_soft_targets_are_named(y, match):
    X, _ = _data(2)
    with pytest.raises(ValueError, match=match):
        SoftTargetMLPClassifier(**PARAMS).fit(X, y)


def test_early_stopping_needs_labels():
    X, y = _data(2)
    with pytest.raises(ValueError, match="early_stopping=True needs class labels"):
        SoftTargetMLPClassifier(early_stopping=True).fit(X, np.full((300, 2), 0.5))


def test_which_targets_are_soft():
    assert is_soft_target(np.full((3, 2), 0.5))
    assert is_soft_target(np.eye(3))  # one-hot rows
    assert not is_soft_target(np.array([[1.0, 1.0], [0.0, 1.0]]))  # multilabel
    assert not is_soft_target(np.array([0, 1, 1]))
    assert not is_soft_target(np.eye(3, dtype=int))
    assert not is_soft_target(sparse.csr_matrix(np.eye(3)))  # multilabel indicator
    assert is_soft_target(pd.DataFrame(np.full((3, 2), 0.5)))


def test_distiller_mlp_learns_soft_targets_directly(monkeypatch):
    X, y = _data(3)
    student = make_student("mlp", "classification")
    assert learns_soft_targets(student)
    assert not learns_soft_targets(
        student.set_params(mlpclassifier__early_stopping=True)
    )
    seen = []
    fit = SoftTargetMLPClassifier.fit

    def spy(self, X, y, sample_weight=None):
        seen.append((X.shape[0], np.shape(y)))
        return fit(self, X, y, sample_weight=sample_weight)

    monkeypatch.setattr(SoftTargetMLPClassifier, "fit", spy)
    model = DistilledClassifier(
        teacher=MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0),
        student="mlp",
        n_synthetic=1.0,
        random_state=0,
    )
    with pytest.warns(Warning):
        model.fit(X, y)
    # the transfer set's rows (300 real + 300 synthetic), each once, 3 columns
    assert seen == [(600, (600, 3))]
    assert model.predict_proba(X).shape == (300, 3)
