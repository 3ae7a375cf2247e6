"""The lean graphs of dense students (skdistill/onnx/_dense.py).

MLP and linear students are written as Gemm chains with the scaler folded into
the first layer and, in float32 classifiers, a single LinearClassifier node for
labels and probabilities. These tests pin the node lists (the point of the
module: fewer kernels per call) and check parity where the lean route takes a
different branch: scalers that must not be folded, other activations, absent
classes, regressors with folded target scaling.
"""

import copy
import warnings

import numpy as np
import pytest
from onnx_cases import data, distiller, frozen_teacher, scaled_linear
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdistill import make_student, to_onnx, verify_onnx
from skdistill.onnx import _dense
from skdistill.onnx._dense import dense_net, split_steps, within_fold_limit

BOUND = {np.float32: 1e-5, np.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])


def _fit(task, student, X=None, **params):
    if student == "scaled-linear":
        student = scaled_linear(task)
    X_fit, y, X_test = data(task, "bare")
    if X is not None:
        X_fit, X_test = X(X_fit), X(X_test)
    model = distiller(task, student, frozen_teacher(task, "bare"), **params)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_fit, y)
    return model, X_test


def _ops(onx):
    return [node.op_type for node in onx.graph.node]


def _parity(model, X_test, dtype):
    X_test = np.asarray(X_test, dtype=dtype)
    onx = to_onnx(model, X_test[:1])
    result = verify_onnx(model, onx, X_test)
    if result.output == "probabilities":
        assert result.label_agreement == 1.0, result
        assert result.max_abs_diff <= BOUND[dtype], result
    else:  # relative to the largest prediction
        scale = max(1.0, float(np.abs(model.predict(X_test)).max()))
        assert result.max_abs_diff <= BOUND[dtype] * scale, result
    return onx


@pytest.mark.parametrize(
    "task, family, expected",
    [
        (
            "binary",
            "mlp",
            ["Imputer", "Gemm", "Relu", "Gemm", "Relu", "LinearClassifier"],
        ),
        ("binary", "scaled-linear", ["Imputer", "LinearClassifier"]),
        ("binary", "linear", ["TreeEnsembleRegressor", "Softmax", "ArgMax"]),
        ("multiclass", "linear", ["TreeEnsembleClassifier"]),
        (
            "multiclass",
            "mlp",
            ["Imputer", "Gemm", "Relu", "Gemm", "Relu", "LinearClassifier"],
        ),
        ("regression", "mlp", ["Imputer", "Gemm", "Relu", "Gemm", "Relu", "Gemm"]),
        ("regression", "scaled-linear", ["Imputer", "Gemm"]),
        ("regression", "linear", ["TreeEnsembleRegressor"]),
    ],
)
def test_float32_node_lists(task, family, expected):
    model, X_test = _fit(task, family)
    onx = _parity(model, X_test, np.float32)
    assert _ops(onx) == expected


@pytest.mark.parametrize("family", ["mlp", "linear"])
def test_float64_classifier_uses_softmax_and_argmax(family):
    model, X_test = _fit("binary", family)
    onx = _parity(model, X_test, np.float64)
    ops = _ops(onx)
    assert "Scaler" not in ops and "LinearClassifier" not in ops
    # integer labels 0..K-1: the class index is the label, no Gather
    assert ops[-2:] == ["Softmax", "ArgMax"]


@DTYPES
@pytest.mark.parametrize("family", ["mlp", "scaled-linear"])
def test_scaler_far_from_zero_is_not_folded(family, dtype):
    # a column like a calendar year: mean / scale ~ 2000 would cost precision
    def shift(X):
        X = np.array(X, dtype=np.float64, copy=True)
        X[:, 0] = 2000.0 + X[:, 0]
        return X

    model, X_test = _fit("binary", family, X=shift)
    onx = _parity(model, X_test, dtype)
    ops = _ops(onx)
    assert ("Scaler" in ops) or ("Sub" in ops and "Div" in ops), ops


def test_fold_limit_weighs_each_column_by_its_weight():
    """The limit (6 in float32) bounds each unit's |w|-weighted mean of
    |mean| / scale: a column far from zero stops the fold only when it
    carries enough of some unit's weight."""
    mean, scale = np.array([2000.0, 0.5]), np.array([100.0, 1.0])  # ratios 20, 0.5

    def folds(weights, dtype=np.float32):
        return within_fold_limit(mean, scale, np.array(weights), dtype)

    assert folds([[0.01, 0.02], [1.0, 1.0]])  # units: 0.69, 0.88
    assert folds([[0.35], [1.0]])  # (7 + 0.5) / 1.35 = 5.56
    assert not folds([[0.45], [1.0]])  # (9 + 0.5) / 1.45 = 6.55
    assert not folds([[0.01, 1.0], [1.0, 1.0]])  # the second unit: 10.25
    assert folds([[0.01, 1.0], [1.0, 1.0]], np.float64)  # limit 100
    # a unit without weight folds; the far column alone does not
    assert folds(np.zeros((2, 1)))
    assert not folds([[1.0], [0.0]])


def _fold_against_kept(model, X_test, monkeypatch):
    """``(folded, max diff, max diff with the scaler kept)`` in float32."""
    onx = _parity(model, X_test, np.float32)
    diff = verify_onnx(model, onx, X_test).max_abs_diff
    with monkeypatch.context() as patch:
        patch.setitem(_dense._FOLD_LIMIT, np.float32, 0.0)
        kept = to_onnx(model, X_test[:1])
    assert "Scaler" in _ops(kept)
    return (
        "Scaler" not in _ops(onx),
        diff,
        verify_onnx(model, kept, X_test).max_abs_diff,
    )


def test_far_column_with_little_weight_is_folded(monkeypatch):
    """A column around 2,000 (|mean| / scale ~ 20, over any per-column limit)
    that the target ignores gets little of the linear student's weight: the
    scaler is folded (no Scaler node), the answers as close as with it kept."""
    rng = np.random.default_rng(3)

    def add_far_column(X):
        far = 2000.0 + 100.0 * rng.normal(size=len(X))
        return np.column_stack([np.asarray(X, dtype=np.float64), far])

    X, y, X_test = data("multiclass", "bare")
    X, X_test = add_far_column(X), add_far_column(X_test)
    # a fresh teacher: six columns
    model = distiller("multiclass", scaled_linear("multiclass"))
    with threadpool_limits(1):
        model.fit(X, y)
    X_test = np.asarray(X_test, dtype=np.float32)
    X_test[:20, -1] = 3000.0  # outside the training range
    scaler = model.student_[-2]
    assert np.max(np.abs(scaler.mean_) / scaler.scale_) > 16
    folded, diff, kept = _fold_against_kept(model, X_test, monkeypatch)
    assert folded
    assert diff <= max(1e-6, 1.5 * kept), (diff, kept)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_year_among_many_columns_keeps_float32_precision(task, monkeypatch):
    """A calendar year (|mean| / scale ~ 330) with a small share of every MLP
    unit's weight among 50 ordinary columns (weighted ratios ~15, which a
    limit of 16 folded at 5-10x the kept scaler's error): the answers stay
    within twice the kept scaler's, folded or not."""
    rng = np.random.default_rng(0)

    def rows(n, far=False):
        X = rng.normal(size=(n, 50))
        year = 2000.0 + rng.integers(0, 21, n)
        if far:
            X[: n // 4] *= 4
            year[: n // 4] = rng.choice([1900.0, 2100.0], n // 4)
        return np.column_stack([X, year])

    X, X_test = rows(1500), rows(2000, far=True).astype(np.float32)
    signal = X[:, :50] @ np.linspace(-1, 1, 50) + 0.05 * (X[:, -1] - 2010)
    y = (signal > 0).astype(int)
    if task == "multiclass":
        y = np.digitize(signal, np.quantile(signal, [0.25, 0.5, 0.75]))
    student = make_student("mlp", "classification", 0)
    model = distiller(task, student, n_synthetic=500)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    _, diff, kept = _fold_against_kept(model, X_test, monkeypatch)
    assert diff <= max(1e-6, 2 * kept), (diff, kept)


@DTYPES
@pytest.mark.parametrize("activation", ["tanh", "logistic", "identity"])
def test_other_activations(activation, dtype):
    student = make_pipeline(
        SimpleImputer(),
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(6, 5),
            activation=activation,
            max_iter=300,
            random_state=0,
        ),
    )
    model, X_test = _fit("multiclass", student)
    _parity(model, X_test, dtype)


@DTYPES
def test_multinomial_logistic_regression(dtype):
    model, X_test = _fit("multiclass", LogisticRegression(max_iter=500))
    onx = _parity(model, X_test, dtype)
    assert "Scaler" not in _ops(onx)


@DTYPES
def test_student_missing_a_class_falls_back(dtype):
    model, X_test = _fit("multiclass", "mlp")
    model = copy.deepcopy(model)
    X, y, _ = data("multiclass", "bare")
    index = np.searchsorted(model.classes_, y)
    keep = index != 2
    mlp = model.student_[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(model.student_[:-1].transform(X[keep]), index[keep])
    assert model.predict_proba(X_test)[:, 2].max() == 0.0
    onx = _parity(model, X_test, dtype)
    assert "LinearClassifier" not in _ops(onx)


@DTYPES
def test_mlp_regressor_folds_target_scaling(dtype):
    student = make_pipeline(
        SimpleImputer(),
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(8,), max_iter=300),
    )
    model, X_test = _fit("regression", student)
    onx = _parity(model, X_test, dtype)
    assert _ops(onx)[-1] == "Gemm"
    assert "Mul" not in _ops(onx)


def test_dense_net_of_other_estimators_is_none():
    assert dense_net(StandardScaler()) is None
    steps = [SimpleImputer(), StandardScaler()]
    assert split_steps(steps, np.float32) == (steps, None)
