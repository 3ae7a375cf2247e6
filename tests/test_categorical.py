"""OneHotColumns and the categorical-aware MLP and linear students."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdistill import DistilledClassifier, make_student
from skdistill._binning import BinnedColumns
from skdistill._categorical import OneHotColumns


def _rows(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.integers(0, 4, n).astype(float),  # codes 0-3
            rng.normal(size=n),
            rng.choice([0.1, 0.2, 0.7], n),  # codes float32 cannot hold
        ]
    )
    X[rng.random(n) < 0.1, 0] = np.nan
    X[rng.random(n) < 0.1, 1] = np.nan
    return X


def test_transform_is_numeric_columns_then_indicators():
    X = _rows()
    enc = OneHotColumns(categorical=[0, 2]).fit(X)
    np.testing.assert_array_equal(enc.numeric_, [1])
    np.testing.assert_array_equal(enc.categories_[0], [0, 1, 2, 3])
    np.testing.assert_array_equal(enc.missing_category_, [True, False])
    out = enc.transform(X)
    assert out.shape == (len(X), 1 + 5 + 3)
    np.testing.assert_array_equal(out[:, 0], X[:, 1])  # NaN kept for the imputer
    indicators = out[:, 1:]
    assert set(np.unique(indicators)) <= {0.0, 1.0}
    np.testing.assert_array_equal(indicators.sum(axis=1), 2.0)  # one per column
    np.testing.assert_array_equal(out[:, 5], np.isnan(X[:, 0]))
    np.testing.assert_array_equal(out[:, 1], X[:, 0] == 0)


def test_unseen_values_and_unseen_missing_get_zeros():
    X = _rows()
    X[:, 2] = np.where(np.isnan(X[:, 2]), 0.1, X[:, 2])
    enc = OneHotColumns(categorical=[2]).fit(X)
    new = X[:3].copy()
    new[0, 2] = 5.0  # a value not seen in fit
    new[1, 2] = np.nan  # missing, never seen in fit
    out = enc.transform(new)
    np.testing.assert_array_equal(out[:2, 2:], 0.0)
    assert out[2, 2:].sum() == 1.0


def test_user_array_is_not_modified():
    X = _rows()
    before = X.copy()
    OneHotColumns(categorical=[0]).fit(X).transform(X)
    np.testing.assert_array_equal(X, before)


def test_keep_codes_outputs_every_column_then_indicators():
    X = _rows()
    out = OneHotColumns(categorical=[0, 2], keep_codes=True).fit_transform(X)
    np.testing.assert_array_equal(out[:, :3], X)
    plain = OneHotColumns(categorical=[0, 2]).fit_transform(X)
    np.testing.assert_array_equal(out[:, 3:], plain[:, 1:])


def test_max_categories_keeps_the_most_frequent_codes():
    rng = np.random.default_rng(0)
    codes = np.concatenate([np.repeat([5.0, 9.0], 50), np.arange(100.0, 400.0)])
    X = np.column_stack([rng.permutation(codes), rng.normal(size=len(codes))])
    enc = OneHotColumns(categorical=[0], max_categories=3).fit(X)
    np.testing.assert_array_equal(enc.categories_[0], [5.0, 9.0, 100.0])
    out = enc.transform(np.array([[250.0, 0.0], [9.0, 0.0]]))
    np.testing.assert_array_equal(out[:, 1:], [[0, 0, 0], [0, 1, 0]])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"categorical": [3]}, "out of range"),
        ({"categorical": [0, 0]}, "repeats"),
        ({"categorical": [0], "max_categories": 0}, "max_categories"),
    ],
)
def test_bad_parameters_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        OneHotColumns(**params).fit(_rows())


@parametrize_with_checks([OneHotColumns(categorical=[0])])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "alias, encoder", [("mlp", OneHotColumns), ("linear", BinnedColumns)]
)
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_aliases_one_hot_encode_known_categoricals(alias, encoder, task):
    mask = np.array([True, False, True])
    student = make_student(alias, task, 0, categorical=mask)
    assert isinstance(student.steps[0][1], encoder)
    assert student.steps[0][1].categorical == [0, 2]
    name = student.steps[0][0]
    assert clone(student).get_params()[f"{name}__categorical"] == [0, 2]
    plain = make_student(alias, task, 0)
    assert not isinstance(plain.steps[0][1], OneHotColumns)
    if alias == "linear":  # left to the distiller
        assert plain.steps[0][1].categorical is None
    tree = make_student("tree", task, 0, categorical=mask)
    assert not hasattr(tree, "steps")  # trees split on the codes


def test_a_linear_student_instance_gets_the_distillers_columns():
    """make_student('linear', task) (as a grid search over its parameters
    needs) leaves its columns to the distiller, as the alias does; an explicit
    list, empty included, is kept; the user's instance is not changed."""
    X = _rows()
    y = ((X[:, 0] == 2) | (np.nan_to_num(X[:, 1]) > 1)).astype(int)
    teacher = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    student = make_student("linear", "classification")
    model = DistilledClassifier(
        teacher, student=student, categorical_features=[0, 2], n_synthetic=0
    ).fit(X, y)
    assert model.student_[0].categorical == [0, 2]
    assert student[0].categorical is None
    mine = make_student("linear", "classification", categorical=[])
    kept = DistilledClassifier(
        teacher, student=mine, categorical_features=[0, 2], n_synthetic=0
    ).fit(X, y)
    assert kept.student_[0].categorical == []
    # behind another step the columns may be others': left alone
    behind = make_pipeline(SimpleImputer(), make_student("linear", "classification"))
    other = DistilledClassifier(
        teacher, student=behind, categorical_features=[0, 2], n_synthetic=0
    ).fit(X, y)
    assert other.student_[-1][0].categorical is None
    nested = make_pipeline(make_student("linear", "classification"))
    first = DistilledClassifier(
        teacher, student=nested, categorical_features=[0, 2], n_synthetic=0
    ).fit(X, y)
    assert first.student_[0][0].categorical == [0, 2]


@pytest.mark.parametrize(
    "categorical, message",
    [(["city"], "column indices"), ([[0, 1]], "1-D"), ([1.5], "column indices")],
)
def test_make_student_names_bad_categorical(categorical, message):
    with pytest.raises(ValueError, match=message):
        make_student("linear", "classification", categorical=categorical)


def test_distiller_gives_the_categorical_columns_to_linear_students_only():
    X = _rows()
    y = ((X[:, 0] == 2) | (np.nan_to_num(X[:, 1]) > 1)).astype(int)
    teacher = HistGradientBoostingClassifier(max_iter=20, random_state=0)
    model = DistilledClassifier(
        teacher,
        student="linear",
        categorical_features=[0, 2],
        n_synthetic=0.5,
        random_state=0,
    ).fit(X, y)
    enc = model.student_.steps[0][1]
    assert isinstance(enc, BinnedColumns)
    # the categorical columns get one indicator per code, the other one bins
    assert [c is not None for c in enc.categories_] == [True, False, True]
    assert model.score(X, y) > 0.95
    mlp = DistilledClassifier(
        teacher,
        student="mlp",
        categorical_features=[0, 2],
        n_synthetic=0.5,
        random_state=0,
    ).fit(X, y)
    assert not isinstance(mlp.student_.steps[0][1], OneHotColumns)
