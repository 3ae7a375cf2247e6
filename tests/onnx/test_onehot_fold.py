"""One-hot indicators folded into a lookup tree (skdistill.onnx._onehot_fold)."""

import warnings

import numpy as np
import pytest
from onnx_cases import distiller, scaled_linear
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import make_student, to_onnx, verify_onnx
from skdistill._categorical import OneHotColumns
from skdistill.onnx import _converters, _dense, _onehot_fold

CATEGORICAL = [0, 1, 2]


def hard_rows(n, seed):
    """Categorical codes with every trap, a numeric column, a calendar year.

    Column 0: codes 0..5 with missing values (its own indicator); column 1:
    codes float32 cannot hold (0.1, 0.2, 0.7), no missing value in training;
    column 2: negative and large codes, one category only; column 3: numeric
    with missing values; column 4: a year, whose scaler cannot be folded in
    float32 (|mean| / scale far above the limit).
    """
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.integers(0, 6, n).astype(float),
            rng.choice([0.1, 0.2, 0.7], n),
            rng.choice([-3.0, 1e6], n, p=[0.9, 0.1]),
            rng.normal(size=n),
            2000.0 + rng.integers(0, 20, n),
        ]
    )
    X[rng.random(n) < 0.05, 0] = np.nan
    X[rng.random(n) < 0.05, 3] = np.nan
    return X


def hard_targets(X, task):
    signal = (
        (X[:, 0] == 3)
        + 2 * (X[:, 1] > 0.15)
        - (X[:, 2] > 0)
        + np.nan_to_num(X[:, 3])
        + (X[:, 4] - 2010) / 5
    )
    if task == "binary":
        return (signal > 1).astype(int)
    if task == "multiclass":
        return np.array(["lo", "mid", "hi"])[np.digitize(signal, [0.5, 2.0])]
    return signal


def hard_test_rows():
    test = hard_rows(1000, seed=1)
    test[:40, 0] = 9.0  # unseen codes
    test[40:60, 1] = 0.3
    test[60:80, 1] = np.nan  # missing where training had none
    test[80:100, 2] = 7.0
    test[100:120, 3] = 40.0  # outside the training range
    test[120:140, 4] = 1950.0
    return test


def fit_hard(task, student):
    X = hard_rows(1500, seed=0)
    y = hard_targets(X, task)
    if student == "scaled-linear":
        student = scaled_linear(task, CATEGORICAL)
    elif isinstance(student, str):
        kind = "regression" if task == "regression" else "classification"
        student = make_student(student, kind, 0, categorical=CATEGORICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return distiller(task, student, categorical_features=CATEGORICAL).fit(X, y)


def without_fold(monkeypatch):
    """Export as before the fold existed: literal encoding, scaler folded by
    skdistill.onnx._dense where it can be."""
    monkeypatch.setattr(_onehot_fold, "fold_one_hot", lambda *args: None)
    monkeypatch.setattr(_converters, "split_dense_steps", _dense.split_steps)


def op_types(onx):
    return {node.op_type for node in onx.graph.node}


@pytest.mark.parametrize("student", ["scaled-linear", "mlp"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_folded_graph_matches_the_model(student, task, monkeypatch):
    model = fit_hard(task, student)
    test = hard_test_rows().astype(np.float32)
    onx = to_onnx(model, test[:1])
    ops = op_types(onx)
    assert "TreeEnsembleRegressor" in ops
    assert "Equal" not in ops  # the literal encoding is gone
    # the first layer is a Gemm adding the lookups, never a Concat of both
    assert "Gemm" in ops and "Concat" not in ops
    parity = verify_onnx(model, onx, test)
    # the literal encoding's graph, for comparison
    without_fold(monkeypatch)
    literal = verify_onnx(model, to_onnx(model, test[:1]), test)
    assert "Equal" in op_types(to_onnx(model, test[:1]))
    if task == "regression":
        scale = np.abs(model.predict(test)).max()
        assert parity.max_abs_diff <= 1e-5 * scale, parity
    else:
        assert parity.label_agreement == 1.0, parity
        # Both graphs hold the year's scaler offset (mean ~2009.5) in float32,
        # off by up to 6e-5 (1e-5 once scaled): the MLP's larger weights turn
        # that into ~2e-5 in probability, on either graph.
        bound = 1e-5 if student == "scaled-linear" else 3e-5
        assert parity.max_abs_diff <= bound, parity
    assert parity.max_abs_diff <= 1.1 * literal.max_abs_diff + 1e-7, (parity, literal)


def test_float_labels_read_the_logits_without_an_identity_layer():
    """Float class labels: the folded linear classifier's Gemm gives the
    logits straight to Softmax (no identity Gemm between them)."""
    X = hard_rows(1500, seed=0)
    y = np.digitize(hard_targets(X, "regression"), [0.5, 2.0]) + 1.0  # 1., 2., 3.
    student = scaled_linear("multiclass", CATEGORICAL)
    model = distiller("multiclass", student, categorical_features=CATEGORICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    test = hard_test_rows().astype(np.float32)
    onx = to_onnx(model, test[:1])
    ops = [node.op_type for node in onx.graph.node]
    assert ops.count("Gemm") == 1 and "Softmax" in ops, ops
    parity = verify_onnx(model, onx, test)
    assert parity.label_agreement == 1.0
    assert parity.max_abs_diff <= 1e-5


def test_float64_graph_keeps_the_literal_encoding():
    """TreeEnsembleRegressor computes in float32: float64 graphs do not fold."""
    model = fit_hard("binary", "scaled-linear")
    test = hard_test_rows()
    onx = to_onnx(model, test[:1])
    assert "TreeEnsembleRegressor" not in op_types(onx)
    parity = verify_onnx(model, onx, test)
    assert parity.label_agreement == 1.0
    assert parity.max_abs_diff <= 1e-12


@pytest.mark.parametrize("keep_codes", [False, True])
def test_user_pipeline_with_rare_categories(keep_codes):
    """A hand-built student: codes beyond max_categories and unseen ones look
    alike (no indicator); without keep_codes the numeric columns are gathered."""
    student = make_pipeline(
        OneHotColumns(categorical=CATEGORICAL, max_categories=3, keep_codes=keep_codes),
        SimpleImputer(strategy="median"),
        StandardScaler(),
        LogisticRegression(max_iter=500),
    )
    model = fit_hard("multiclass", student)
    test = hard_test_rows().astype(np.float32)
    onx = to_onnx(model, test[:1])
    assert "TreeEnsembleRegressor" in op_types(onx)
    assert ("Gather" in op_types(onx)) != keep_codes
    parity = verify_onnx(model, onx, test)
    assert parity.label_agreement == 1.0
    assert parity.max_abs_diff <= 1e-5


@pytest.mark.parametrize("family", ["linear", "mlp"])
def test_only_categorical_columns(family):
    """No numeric column: the lookups are the first layer's output (its bias
    in their base values); no Gemm reads them."""
    X = hard_rows(1500, seed=0)[:, CATEGORICAL]
    y = hard_targets(hard_rows(1500, seed=0), "binary")
    final = (
        LogisticRegression(max_iter=500)
        if family == "linear"
        else MLPClassifier((8, 8), max_iter=300, random_state=0)
    )
    student = make_pipeline(OneHotColumns(categorical=[0, 1, 2]), final)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = distiller("binary", student, categorical_features=[0, 1, 2]).fit(X, y)
    test = hard_test_rows()[:, CATEGORICAL].astype(np.float32)
    onx = to_onnx(model, test[:1])
    ops = [node.op_type for node in onx.graph.node]
    assert {"Concat", "Equal"}.isdisjoint(ops)
    gemms = {"linear": 0, "mlp": 1}[family]  # the MLP's second hidden layer
    assert ops[0] == "TreeEnsembleRegressor" and ops.count("Gemm") == gemms, ops
    parity = verify_onnx(model, onx, test)
    assert parity.label_agreement == 1.0
    assert parity.max_abs_diff <= 1e-5


def test_dominant_category_keeps_float32_precision(monkeypatch):
    """A category held by nearly every row scales to |mean| / scale ~ 60: its
    constant part stays inside its column's leaves (summed in float64), not in
    the bias, where two large float32 terms would cancel."""
    rng = np.random.default_rng(0)
    n = 20_000
    codes = np.zeros(n)
    codes[:3], codes[3:5] = 1.0, 2.0
    X = np.column_stack([codes, rng.normal(size=n), 2000.0 + rng.integers(0, 20, n)])
    rng.shuffle(X)
    y = ((X[:, 1] > 0) ^ (X[:, 0] > 0)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = distiller(
            "binary",
            make_student("mlp", "classification", 0, categorical=[0]),
            categorical_features=[0],
            n_synthetic=2000,
        ).fit(X, y)
    test = X[:3000].astype(np.float32)
    test[:50, 0] = np.arange(50) % 3
    parity = verify_onnx(model, to_onnx(model, test[:1]), test)
    without_fold(monkeypatch)
    literal = verify_onnx(model, to_onnx(model, test[:1]), test)
    assert parity.label_agreement == 1.0
    assert parity.max_abs_diff <= max(1e-6, 1.5 * literal.max_abs_diff), (
        parity,
        literal,
    )


def test_no_fold_when_the_imputer_drops_a_column():
    """An imputer that drops an all-missing column is not folded; the scaler
    is then folded into the first layer as before (no Scaler node)."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge

    from skdistill import DistilledRegressor

    rng = np.random.default_rng(0)
    n = 600
    X = np.column_stack(
        [rng.integers(0, 4, n), rng.normal(size=n), np.full(n, np.nan)]
    ).astype(float)
    student = make_pipeline(
        OneHotColumns(categorical=[0]),
        SimpleImputer(keep_empty_features=False),
        StandardScaler(),
        Ridge(),
    )
    model = DistilledRegressor(
        RandomForestRegressor(10, random_state=0),
        student,
        categorical_features=[0],
        n_synthetic=200,
        random_state=0,
    ).fit(X, X[:, 0] + X[:, 1])
    onx = to_onnx(model, X[:1].astype(np.float32))
    assert {"TreeEnsembleRegressor", "Scaler"}.isdisjoint(op_types(onx))
    parity = verify_onnx(model, onx, X.astype(np.float32))
    assert parity.max_abs_diff <= 1e-5 * np.abs(model.predict(X)).max()
