"""ONNX Runtime reproduces scikit-learn for every student family, task and dtype.

Matrix: student family ('tree', 'mlp', 'linear') x task (binary, multiclass with
string labels, regression, multi-output regression) x input dtype (float32,
float64) x form (bare distiller, Pipeline with a ColumnTransformer holding
StandardScaler, OneHotEncoder and OrdinalEncoder). 1,200 test rows, a quarter
of them far outside the training range.

Bounds, and why they hold
-------------------------
float64 graphs run the same IEEE double operations as scikit-learn. Trees are
bit-exact: the routing is scikit-learn's and the outputs are read from tables
computed by the library's own numpy code (the StandardScaler in front is Sub/Div,
exactly rounded as in numpy). Bound: 0. MLPs and linear models (Gemm/Relu/
Softmax chains with the StandardScaler folded into the first layer when
|mean| / scale <= 100, exact Where(IsNaN) imputation) differ only in the order
of sums and the exp/sigmoid implementation: a few ulps (<= 5.1e-15 observed).
Bound: 1e-12 (probabilities), 1e-12 relative to the largest prediction
(regression).

float32 graphs: a tree routes exactly as scikit-learn (which casts X to float32
too; thresholds are rounded down to float32 so ``x <= t`` is decided the same
way) and returns its float64 table rounded to float32: error <= 2**-24 relative
(6e-8; 3e-8 observed). Bound: 1e-7 (probabilities), 1e-7 relative (regression).
MLPs and linear models compute in float32 (~1e-7 relative per operation; the
scaler is folded only when |mean| / scale <= 16; up to 1.7e-6 observed for MLP
probabilities, 2.6e-7 for linear). Bound: 1e-5
(probabilities), 1e-5 relative (regression). Tree labels are exact by
construction (ArgMax over the float32 table only when it gives every leaf its
float64 label, else a float64 label table); the other students' labels come
from float32 probabilities and agree with scikit-learn on every test row here.
"""

import numpy as np
import pytest
from onnx_cases import as_dtype, fitted

from skdistill import to_onnx, verify_onnx
from skdistill.onnx import session

FAMILIES = ["tree", "mlp", "linear"]
TASKS = ["binary", "multiclass", "regression", "multioutput"]

BOUND = {
    ("tree", np.float32): 1e-7,
    ("mlp", np.float32): 1e-5,
    ("linear", np.float32): 1e-5,
    ("tree", np.float64): 0.0,
    ("mlp", np.float64): 1e-12,
    ("linear", np.float64): 1e-12,
}


def check_parity(model, onx, X, bound):
    result = verify_onnx(model, onx, X)
    assert result.n_rows == len(X)
    if result.output == "probabilities":
        assert result.label_agreement == 1.0
        assert result.max_abs_diff <= bound, result
    else:
        scale = max(1.0, float(np.max(np.abs(model.predict(X)))))
        assert result.max_abs_diff <= bound * scale, result
    return result


@pytest.mark.parametrize("wrapper", ["bare", "pipeline"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("family", FAMILIES)
def test_parity(family, task, dtype, wrapper):
    model, X_train, X_test = fitted(task, family, wrapper)
    X_test = as_dtype(X_test, dtype)
    onx = to_onnx(model, as_dtype(X_train, dtype)[:1])
    expected_type = "tensor(float)" if dtype == np.float32 else "tensor(double)"
    assert onx.graph.input[0].type.tensor_type.elem_type == (
        1 if dtype == np.float32 else 11
    )
    result = check_parity(model, onx, X_test, BOUND[family, dtype])
    assert result.input_type == expected_type
    # the probability / prediction output keeps the graph's precision
    out = onx.graph.output[-1].type.tensor_type
    assert out.elem_type == (1 if dtype == np.float32 else 11)
    if task == "multioutput":
        assert out.shape.dim[1].dim_value == 2
        # what ONNX Runtime returns, not only what the graph declares: skl2onnx's
        # own multi-output MLPRegressor converter gives (N * k, 1)
        sess = session(onx)
        name = sess.get_inputs()[0].name
        if wrapper == "bare":
            raw = sess.run(None, {name: np.asarray(X_test, dtype=dtype)})[-1]
            assert raw.shape == (len(X_test), 2)
    if task == "multiclass":
        assert onx.graph.output[0].type.tensor_type.elem_type == 8  # string labels
    if task == "binary":
        assert onx.graph.output[0].type.tensor_type.elem_type == 7  # int64 labels
