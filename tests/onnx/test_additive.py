"""The 'linear' students (a linear model on BinnedColumns) in ONNX
(skdistill/onnx/_additive.py): one tree-ensemble node in float32 graphs, the
literal indicators elsewhere, exact both ways."""

import warnings

import numpy as np
import onnxruntime as ort
import pytest
import skl2onnx
from onnx_cases import distiller
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from test_onehot_fold import CATEGORICAL, fit_hard, hard_rows, hard_targets
from test_onehot_fold import hard_test_rows as _hard_test_rows

from skdistill import make_student, to_onnx, verify_onnx
from skdistill._binning import BinnedColumns

BOUND = {np.float32: 1e-5, np.float64: 1e-12}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
ENCODINGS = pytest.mark.parametrize("encode", ["thermometer", "onehot"])


def hard_test_rows():
    test = _hard_test_rows()
    test[140:160, 4] = np.nan  # missing in a numeric column that had none
    test[160:180, 3] = -40.0  # below the training range
    return test


def ops(onx):
    return [node.op_type for node in onx.graph.node]


def check(model, onx, test, dtype, regression=False):
    parity = verify_onnx(model, onx, test)
    if regression:
        scale = max(1.0, float(np.abs(model.predict(test)).max()))
        assert parity.max_abs_diff <= BOUND[dtype] * scale, parity
    else:
        assert parity.label_agreement == 1.0, parity
        assert parity.max_abs_diff <= BOUND[dtype], parity


@DTYPES
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_linear_student_is_one_node_in_float32(task, dtype):
    """Missing values (with and without their own indicator), unseen and
    float32-unrepresentable codes, values outside the training range."""
    model = fit_hard(task, "linear")
    assert isinstance(model.student_[0], BinnedColumns)
    test = hard_test_rows().astype(dtype)
    onx = to_onnx(model, test[:1])
    if dtype == np.float32:
        expected = {
            "binary": ["TreeEnsembleRegressor", "Softmax", "ArgMax"],
            "multiclass": ["TreeEnsembleClassifier"],  # string labels
            "regression": ["TreeEnsembleRegressor"],
        }[task]
        assert ops(onx) == expected
    else:
        assert not {"TreeEnsembleClassifier", "TreeEnsembleRegressor"} & set(ops(onx))
    check(model, onx, test, dtype, regression=task == "regression")


@pytest.mark.parametrize("labels", [[3, 5], [3, 5, 9], ["no", "yes"]])
def test_labels_of_the_tree_node(labels):
    """Integer labels other than 0..K-1 and string labels, binary and
    multiclass: the node's own class labels."""
    X = hard_rows(1500, seed=0)
    signal = hard_targets(X, "regression")
    index = np.digitize(signal, [0.5, 2.0]) if len(labels) == 3 else signal > 1
    y = np.asarray(labels)[index.astype(int)]
    student = make_student("linear", "classification", 0, categorical=CATEGORICAL)
    model = distiller("binary", student, categorical_features=CATEGORICAL).fit(X, y)
    test = hard_test_rows().astype(np.float32)
    onx = to_onnx(model, test[:1])
    expected = ["TreeEnsembleClassifier"]
    if len(labels) == 2:  # the logits' softmax, then the label of its argmax
        expected = ["TreeEnsembleRegressor", "Softmax", "ArgMax", "Gather"]
    assert ops(onx) == expected
    check(model, onx, test, np.float32)


def test_float_labels_take_the_literal_route():
    X = hard_rows(1500, seed=0)
    y = np.digitize(hard_targets(X, "regression"), [0.5, 2.0]) + 1.0
    student = make_student("linear", "classification", 0)
    model = distiller("multiclass", student).fit(X, y)
    test = hard_test_rows().astype(np.float32)
    onx = to_onnx(model, test[:1])
    assert "TreeEnsembleClassifier" not in ops(onx) and "Equal" in ops(onx)
    check(model, onx, test, np.float32)


def test_multioutput_regression_is_one_node():
    X = np.nan_to_num(hard_rows(1500, seed=0))  # the teacher refuses NaN
    signal = hard_targets(X, "regression")
    y = np.column_stack([signal, 100.0 * np.nan_to_num(X[:, 3]) + 1e3])
    student = make_student("linear", "regression", 0)
    model = distiller("multioutput", student).fit(X, y)
    test = hard_test_rows().astype(np.float32)
    onx = to_onnx(model, test[:1])
    assert ops(onx) == ["TreeEnsembleRegressor"]
    assert model.predict(test).shape == (len(test), 2)
    check(model, onx, test, np.float32, regression=True)


@ENCODINGS
@DTYPES
def test_binned_columns_alone_is_exact(dtype, encode):
    X = hard_rows(1500, seed=0)
    bins = BinnedColumns(n_bins=8, encode=encode, categorical=CATEGORICAL).fit(X)
    test = hard_test_rows().astype(dtype)
    onx = skl2onnx.to_onnx(bins, test[:1])
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    got = session.run(None, {session.get_inputs()[0].name: test})[0]
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, bins.transform(test).toarray())


@ENCODINGS
@DTYPES
def test_other_models_behind_the_bins(dtype, encode):
    """A hand-built student: an MLP on the indicators reads the literal
    encoding; the tree route is for a single linear layer only."""
    student = make_pipeline(
        BinnedColumns(n_bins=16, encode=encode, categorical=CATEGORICAL),
        MLPClassifier((8,), max_iter=200, random_state=0),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = fit_hard("multiclass", student)
    test = hard_test_rows().astype(dtype)
    onx = to_onnx(model, test[:1])
    assert "TreeEnsembleClassifier" not in ops(onx)
    check(model, onx, test, dtype)


@ENCODINGS
@DTYPES
def test_hand_built_linear_student_takes_the_tree_route(dtype, encode):
    student = make_pipeline(
        BinnedColumns(n_bins=4, encode=encode), LogisticRegression(C=0.1)
    )
    model = fit_hard("multiclass", student)
    test = hard_test_rows().astype(dtype)
    onx = to_onnx(model, test[:1])
    if dtype == np.float32:
        assert ops(onx) == ["TreeEnsembleClassifier"]
    check(model, onx, test, dtype)


def test_float64_rows_on_a_float32_graph():
    """Rows a float32 graph receives cast from float64, some a hair below a
    bin edge: they fall where the model puts them."""
    model = fit_hard("binary", "linear")
    test = hard_test_rows()
    bins = model.student_[0]
    edges = bins.edges_[3]
    test[: len(edges), 3] = np.nextafter(edges, -np.inf)
    onx = to_onnx(model, test[:1].astype(np.float32))
    parity = verify_onnx(model, onx, test)
    assert parity.label_agreement == 1.0, parity
    assert parity.max_abs_diff <= 1e-5, parity


@pytest.mark.parametrize(
    "task, labels",
    [
        ("binary", None),
        ("binary", ["no", "yes"]),
        ("multiclass", None),
        ("regression", None),
    ],
)
@DTYPES
def test_graphs_follow_the_onnx_specification(task, labels, dtype):
    """ONNX's reference evaluator (which follows the specification) gives the
    answers ONNX Runtime gives: the graphs do not lean on one runtime's
    reading of a kernel (ONNX Runtime reads a two-class
    TreeEnsembleClassifier its own way)."""
    from onnx.reference import ReferenceEvaluator

    X = hard_rows(1500, seed=0)
    if labels is not None:
        y = np.asarray(labels)[(hard_targets(X, "regression") > 1).astype(int)]
        student = make_student("linear", "classification", 0, categorical=CATEGORICAL)
        model = distiller(task, student, categorical_features=CATEGORICAL).fit(X, y)
    else:
        model = fit_hard(task, "linear")
    test = hard_test_rows().astype(dtype)
    onx = to_onnx(model, test[:1])
    name = onx.graph.input[0].name
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    runtime = session.run(None, {name: test})
    reference = ReferenceEvaluator(onx).run(None, {name: test})
    for got, want in zip(reference, runtime, strict=True):
        if got.dtype.kind in "fc":
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        else:
            np.testing.assert_array_equal(got, want)


@DTYPES
def test_a_constant_column(dtype):
    """A numeric column with one value has one bin and no edge: its tree is
    a single leaf adding nothing (thermometer) in float32, no column in the
    float64 graph."""
    X = hard_rows(1500, seed=0)
    y = hard_targets(X, "regression") > 1
    X = np.column_stack([X, np.full(len(X), 2.5)])
    student = make_student("linear", "classification", 0, categorical=CATEGORICAL)
    model = distiller("binary", student, categorical_features=CATEGORICAL).fit(X, y)
    assert len(model.student_[0].edges_[5]) == 0
    test = hard_test_rows()
    other = np.resize([2.5, -1e3, 7.0, np.nan], len(test))  # all in its one bin
    test = np.column_stack([test, other]).astype(dtype)
    onx = to_onnx(model, test[:1])
    check(model, onx, test, dtype)


def test_values_beyond_float32_in_a_float64_graph():
    """A finite float64 value beyond float32's range is +inf once binned: the
    last bin of its column, in Python and in the float64 graph (whose edge
    padding must not count it past its column's edges)."""
    model = fit_hard("multiclass", "linear")
    test = hard_test_rows()
    bins = model.student_[0]
    assert len(bins.edges_[4]) < len(bins.edges_[3])  # the year: 19 edges
    test[:20, 4] = 1e39
    onx = to_onnx(model, test[:1])
    check(model, onx, test, np.float64)
