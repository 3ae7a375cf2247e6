"""Teacher fitting helpers (skdistill/_teacher.py): sample weights."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import DistilledClassifier
from skdistill._teacher import fit_teacher


def _data():
    X, y = make_classification(300, 5, random_state=0)
    w = np.where(y == 1, 8.0, 1.0)
    return X, y, w


def test_pipeline_teacher_receives_the_weights():
    X, y, w = _data()
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "fitted without it"
        fitted = fit_teacher(clone(pipe), X, y, sample_weight=w)
    expected = clone(pipe).fit(X, y, logisticregression__sample_weight=w)
    unweighted = clone(pipe).fit(X, y)
    coef = fitted[-1].coef_
    np.testing.assert_array_equal(coef, expected[-1].coef_)
    assert not np.allclose(coef, unweighted[-1].coef_)


def test_distiller_forwards_weights_to_a_pipeline_teacher():
    X, y, w = _data()
    teacher = make_pipeline(StandardScaler(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = DistilledClassifier(
            teacher, student="linear", n_synthetic=0.5, random_state=0
        ).fit(X, y, sample_weight=w)
    expected = clone(teacher).fit(X, y, logisticregression__sample_weight=w)
    np.testing.assert_array_equal(model.teacher_[-1].coef_, expected[-1].coef_)


def test_teacher_without_weights_is_fitted_without_them_and_warns():
    X, y, w = _data()
    with pytest.warns(UserWarning, match="KNeighborsClassifier does not accept"):
        fitted = fit_teacher(KNeighborsClassifier(), X, y, sample_weight=w)
    assert fitted.n_samples_fit_ == len(X)
