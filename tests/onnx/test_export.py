"""Student modes, options, dtypes and errors of the ONNX export."""

import copy
import json
import subprocess
import sys
import warnings

import numpy as np
import onnx
import pytest
import skl2onnx
from onnx_cases import (
    as_dtype,
    column_transformer,
    data,
    distiller,
    fitted,
    frozen_teacher,
    numeric_rows,
)
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from threadpoolctl import threadpool_limits

from skdistill import make_student, to_onnx, verify_onnx
from skdistill.onnx import OnnxExportError, session

DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
# see test_parity.py for why these bounds hold
PROBA_BOUND = {np.float32: 1e-5, np.float64: 1e-12}


_FITTED = {}


def fit(task, student, **params):
    """A bare distiller on the shared data and teacher, with its test rows.

    Fitted once per (task, student, params) and handed out as a deep copy, so
    tests may modify it and the float32/float64 variants share one fit.
    """
    key = (task, repr(student), tuple(sorted(params.items())))
    if key not in _FITTED:
        X, y, X_test = data(task, "bare")
        model = distiller(task, student, frozen_teacher(task, "bare"), **params)
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        _FITTED[key] = (model, X, X_test)
    model, X, X_test = _FITTED[key]
    return copy.deepcopy(model), X, X_test


def assert_parity(model, X_test, dtype, bound=None, **export):
    X_test = np.asarray(X_test, dtype=dtype)
    onx = to_onnx(model, X_test[:1], **export)
    result = verify_onnx(model, onx, X_test)
    assert result.label_agreement == 1.0, result
    assert result.max_abs_diff <= (bound or PROBA_BOUND[dtype]), result
    return onx, result


def assert_skl2onnx_parity(model, X_test):
    """As assert_parity, but exported by skl2onnx.to_onnx itself (float32)."""
    X_test = np.asarray(X_test, dtype=np.float32)
    onx = skl2onnx.to_onnx(model, X_test[:1], options={id(model): {"zipmap": False}})
    result = verify_onnx(model, onx, X_test)
    assert result.label_agreement == 1.0, result
    assert result.max_abs_diff <= PROBA_BOUND[np.float32], result


# ------------------------------------------------------------ student modes
@DTYPES
@pytest.mark.parametrize("task", ["binary", "multiclass"])
@pytest.mark.parametrize(
    "student, target, mode",
    [
        (Ridge(), "auto", "regress_logits"),
        (Ridge(), "proba", "regress_proba"),
        (DecisionTreeRegressor(max_depth=5), "auto", "regress_proba"),
        (DecisionTreeRegressor(max_depth=5), "logits", "regress_logits"),
        (MLPRegressor(hidden_layer_sizes=(8,), max_iter=300), "proba", "regress_proba"),
    ],
    ids=["ridge-logits", "ridge-proba", "tree-proba", "tree-logits", "mlp-proba"],
)
def test_regressor_students(student, target, mode, task, dtype):
    model, _, X_test = fit(task, student, student_target=target)
    assert model.student_mode_ == mode
    assert_parity(model, X_test, dtype)


@DTYPES
@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_softening_temperature(student, dtype):
    model, _, X_test = fit("multiclass", student, softening_temperature=2.5)
    assert_parity(model, X_test, dtype)


@DTYPES
def test_teacher_labels_student_with_a_missing_class(dtype):
    model, X, X_test = fit("multiclass", KNeighborsClassifier())
    assert model.student_mode_ == "teacher_labels"
    # refit the student without class 1: its columns must be scattered
    index = np.argmax(model.teacher_predict_proba(X), axis=1)
    keep = index != 1
    model.student_ = KNeighborsClassifier().fit(X[keep], index[keep])
    assert model.predict_proba(X_test)[:, 1].max() == 0.0
    # KNN runs in float32 inside a float64 graph (distances): float32 bound
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert_parity(model, X_test, dtype, bound=1e-5)


def test_student_without_predict_proba_gives_one_hot():
    model, _, X_test = fit("multiclass", LinearSVC())
    assert not hasattr(model, "predict_proba")
    X32 = np.asarray(X_test, dtype=np.float32)
    onx = to_onnx(model, X32[:1])
    result = verify_onnx(model, onx, X32)
    assert result.label_agreement == 1.0 and result.max_abs_diff is None
    label, proba = session(onx).run(None, {"X": X32})
    assert set(np.unique(proba)) == {0.0, 1.0}
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], label)


@DTYPES
@pytest.mark.parametrize("student", ["tree", "mlp"])
def test_missing_values(student, dtype):
    X = numeric_rows(600, seed=5)
    X[::5, 1] = np.nan
    X[::7, 3] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) > 0).astype(int)
    model = distiller("binary", student)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    X_test = numeric_rows(1200, seed=6, outside=300)
    X_test[::3, 1] = np.nan
    X_test[::4, 3] = np.nan
    bound = 1e-7 if student == "tree" and dtype == np.float32 else None
    assert_parity(model, X_test, dtype, bound=bound)


@DTYPES
@pytest.mark.parametrize(
    "task, student",
    [
        ("binary", DecisionTreeClassifier(min_samples_split=10**6)),
        ("multiclass", DecisionTreeRegressor(min_samples_split=10**6)),
        ("regression", DecisionTreeRegressor(min_samples_split=10**6)),
    ],
)
def test_single_leaf_trees(task, student, dtype):
    model, _, X_test = fit(task, student)
    assert model.student_.tree_.node_count == 1
    X_test = np.asarray(X_test, dtype=dtype)
    result = verify_onnx(model, to_onnx(model, X_test[:1]), X_test)
    scale = 1.0 if task != "regression" else np.abs(model.predict(X_test)).max()
    assert result.max_abs_diff <= 1e-7 * scale
    assert result.label_agreement in (None, 1.0)


def test_float32_near_tie_keeps_exact_labels():
    """A leaf whose label float32 rounding would flip uses the exact label table."""
    model, X, _ = fit("binary", DecisionTreeClassifier(max_depth=3))
    tree = model.student_.tree_
    leaf = np.bincount(model.student_.apply(X), minlength=tree.node_count).argmax()
    tree.value[leaf, 0, :] = [0.5 - 1e-9, 0.5 + 1e-9]  # float32: a tie, argmax 0
    X32 = np.asarray(X, dtype=np.float32)
    assert (model.predict(X32) == 1).sum() >= (model.student_.apply(X32) == leaf).sum()
    onx = to_onnx(model, X32[:1])
    assert "ArgMax" not in [node.op_type for node in onx.graph.node]
    result = verify_onnx(model, onx, X32)
    assert result.label_agreement == 1.0 and result.max_abs_diff <= 1e-7


def test_float64_fallback_warns_and_stays_close():
    model, _, X_test = fit("regression", KNeighborsRegressor())
    X64 = np.asarray(X_test, dtype=np.float64)
    with pytest.warns(UserWarning, match="KNeighborsRegressor.*float32"):
        onx = to_onnx(model, X64[:1])
    assert onx.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    result = verify_onnx(model, onx, X64)
    scale = np.abs(model.predict(X64)).max()
    assert result.max_abs_diff <= 1e-6 * scale


@pytest.mark.parametrize(
    "student", [LinearRegression(), Lasso(alpha=0.01), ElasticNet(alpha=0.01)]
)
def test_float64_safe_regressors_are_exact(student):
    model, _, X_test = fit("regression", student)
    X64 = np.asarray(X_test, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no float32 fallback
        onx = to_onnx(model, X64[:1])
    result = verify_onnx(model, onx, X64)
    assert result.max_abs_diff <= 1e-12 * np.abs(model.predict(X64)).max()


def test_unused_sub_estimator_outputs_are_pruned():
    model, X, _ = fitted("multiclass", "mlp", "bare")
    onx = to_onnx(model, np.asarray(X[:1], dtype=np.float32))
    ops = [node.op_type for node in onx.graph.node]
    assert "ArrayFeatureExtractor" not in ops  # the MLP's own labels
    assert "Identity" not in ops
    produced = {name for node in onx.graph.node for name in node.output}
    assert {o.name for o in onx.graph.output} <= produced


# ------------------------------------------------------------------ options
def test_zipmap_options_agree():
    model, X, X_test = fitted("multiclass", "mlp", "bare")
    X32 = np.asarray(X_test, dtype=np.float32)
    plain = session(to_onnx(model, X32[:1])).run(None, {"X": X32})
    for zipmap in (True, "columns"):
        onx = to_onnx(model, X32[:1], zipmap=zipmap)
        result = verify_onnx(model, onx, X32)
        assert result.label_agreement == 1.0 and result.max_abs_diff <= 1e-5
        out = session(onx).run(None, {"X": X32})
        np.testing.assert_array_equal(out[0], plain[0])
        if zipmap is True:
            assert sorted(out[1][0]) == sorted(model.classes_)
            assert [o.name for o in onx.graph.output] == [
                "output_label",
                "output_probability",
            ]
        else:
            assert len(out) == 1 + len(model.classes_)


def test_skl2onnx_to_onnx_directly_on_a_pipeline():
    """``import skdistill`` is enough for skl2onnx (zipmap on by default)."""
    model, X, X_test = fitted("binary", "tree", "bare")
    pipe = make_pipeline(StandardScaler(), clone(model)).fit(X, model.predict(X))
    X32 = np.asarray(X_test, dtype=np.float32)
    onx = skl2onnx.to_onnx(pipe, X32[:1])
    result = verify_onnx(pipe, onx, X32)
    assert result.label_agreement == 1.0 and result.max_abs_diff <= 1e-7
    onx = skl2onnx.to_onnx(
        pipe, X32[:1], options={type(model): {"zipmap": False, "nocl": True}}
    )
    label, proba = session(onx).run(None, {"X": X32})
    np.testing.assert_array_equal(label, proba.argmax(axis=1))


def test_float_labels():
    model, X, X_test = fit("binary", "tree")
    model.classes_ = model.classes_.astype(np.float64) + 0.5
    X32 = np.asarray(X_test, dtype=np.float32)
    onx = to_onnx(model, X32[:1])
    assert onx.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert verify_onnx(model, onx, X32).label_agreement == 1.0
    with pytest.raises(OnnxExportError, match="float class labels"):
        to_onnx(model, X32[:1], zipmap=True)


def test_zipmap_refused_in_float64():
    model, X, _ = fitted("binary", "tree", "bare")
    with pytest.raises(OnnxExportError, match="ZipMap only holds float32"):
        to_onnx(model, np.asarray(X[:1], dtype=np.float64), zipmap=True)


def test_pipeline_input_from_a_dataframe_with_string_columns():
    model, X, X_test = fitted("multiclass", "linear", "pipeline")
    onx = to_onnx(model, as_dtype(X, np.float32)[:1])
    names = [i.name for i in onx.graph.input]
    assert names == list(X.columns)
    assert onx.graph.input[-1].type.tensor_type.elem_type == onnx.TensorProto.STRING


def test_columns_whose_names_skl2onnx_rewrites():
    """skl2onnx names a column's input C-like ('monthly fee' -> 'monthly_fee',
    '1st' -> '_1st'): feeding a DataFrame by its own column names still works."""
    X, y, X_test = data("multiclass", "pipeline")
    renames = dict(zip(X.columns[:3], ["monthly fee", "x-1", "1st"], strict=True))
    X, X_test = X.rename(columns=renames), X_test.rename(columns=renames)
    columns = [
        (name, step, [renames.get(c, c) for c in cols])
        for name, step, cols in column_transformer().transformers
    ]
    model = make_pipeline(
        ColumnTransformer(columns),
        distiller("multiclass", "linear", frozen_teacher("multiclass", "pipeline")),
    )
    with threadpool_limits(1):
        model.fit(X, y)
    onx = to_onnx(model, as_dtype(X, np.float32)[:1])
    assert [i.name for i in onx.graph.input][:3] == ["monthly_fee", "x_1", "_1st"]
    parity = verify_onnx(model, onx, as_dtype(X_test, np.float32))
    assert parity.label_agreement == 1.0


def test_columns_sharing_an_onnx_name_are_refused():
    """'x0 b' and 'x0_b' would both be input 'x0_b' (skl2onnx numbers the
    second by column order): refused at export, and when feeding by name."""
    from skdistill.onnx._api import input_columns

    X, y, _ = data("multiclass", "pipeline")
    X = X.assign(**{"x0 b": X["x0"], "x0_b": X["x1"]})
    model = make_pipeline(
        column_transformer(),
        distiller("multiclass", "linear", frozen_teacher("multiclass", "pipeline")),
    )
    with threadpool_limits(1):
        model.fit(X, y)
    with pytest.raises(OnnxExportError, match="share one ONNX input name"):
        to_onnx(model, X[:1])

    class Input:
        name = "x0_b"

    with pytest.raises(ValueError, match=r"\['x0 b', 'x0_b'\] -> 'x0_b'"):
        input_columns([Input()], X.columns)


@pytest.mark.parametrize("dtype", [object, "category"])
def test_sample_whose_text_value_is_missing(dtype):
    """skl2onnx guesses a column's type from its first value; a text column
    whose sample value is missing is still a string input, and rows with
    missing text (a category the encoder learnt) match the pipeline."""
    X, y, X_test = data("multiclass", "pipeline")
    X, X_test = X.copy(), X_test.copy()
    X["color"] = X["color"].astype(object)
    X_test["color"] = X_test["color"].astype(object)
    X.loc[X.index[::9], "color"] = np.nan
    X_test.loc[X_test.index[::5], "color"] = np.nan
    for frame_ in (X, X_test):
        frame_["color"] = frame_["color"].astype(dtype)
    model = make_pipeline(column_transformer(), distiller("multiclass", "tree"))
    with threadpool_limits(1):
        model.fit(X, y)
    categories = model[0].named_transformers_["ohe"].categories_[0]
    assert isinstance(categories[-1], float) and np.isnan(categories[-1])
    sample = X_test.iloc[[0]]
    assert sample["color"].isna().all()
    onx = to_onnx(model, sample)
    kinds = {i.name: i.type.tensor_type.elem_type for i in onx.graph.input}
    assert kinds["color"] == onnx.TensorProto.STRING
    result = verify_onnx(model, onx, X_test)
    assert result.label_agreement == 1.0, result
    assert result.max_abs_diff <= PROBA_BOUND[np.float32], result


def test_pandas_nullable_columns():
    """Int64, Float64 and boolean columns are float64 graph inputs, as
    scikit-learn reads them (skl2onnx alone fails on their arrays). Without
    pd.NA: a passthrough refuses it, and onnxruntime has no float64 Imputer."""
    import pandas as pd

    rng = np.random.default_rng(0)

    def frame(n):
        k = pd.array(rng.integers(0, 5, n), dtype="Int64")
        f = pd.array(rng.normal(size=n), dtype="Float64")
        b = pd.array(rng.random(n) < 0.5, dtype="boolean")
        return pd.DataFrame({"k": k, "f": f, "b": b, "s": rng.choice(["u", "v"], n)})

    X, X_test = frame(600), frame(300)
    y = np.where((X.k > 2) ^ (X.s == "u"), "yes", "no")
    model = make_pipeline(
        ColumnTransformer(
            [
                ("num", "passthrough", ["k", "f", "b"]),
                ("cat", OneHotEncoder(handle_unknown="ignore"), ["s"]),
            ]
        ),
        distiller("binary", "tree"),
    )
    with threadpool_limits(1):
        model.fit(X, y)
    onx = to_onnx(model, X_test[:1])
    kinds = {i.name: i.type.tensor_type.elem_type for i in onx.graph.input}
    assert kinds == {
        "k": onnx.TensorProto.DOUBLE,
        "f": onnx.TensorProto.DOUBLE,
        "b": onnx.TensorProto.DOUBLE,
        "s": onnx.TensorProto.STRING,
    }
    result = verify_onnx(model, onx, X_test)
    assert result.label_agreement == 1.0, result
    assert result.max_abs_diff <= PROBA_BOUND[np.float32], result


def test_ordinal_encoder_coding_missing_values_as_nan_is_refused():
    """skl2onnx would code the NaN an OrdinalEncoder learnt as a category
    index: refused, naming the column and the fix; a numeric
    encoded_missing_value exports with parity."""
    from sklearn.preprocessing import OrdinalEncoder

    X, y, X_test = data("multiclass", "pipeline")
    X, X_test = X.copy(), X_test.copy()
    for frame_ in (X, X_test):
        frame_["color"] = frame_["color"].astype(object)
        frame_.loc[frame_.index[1::7], "color"] = np.nan

    def model(**encoder):
        encode = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, **encoder
        )
        return make_pipeline(
            ColumnTransformer([("ord", encode, ["color"])], remainder="drop"),
            distiller("multiclass", "tree", categorical_features=[0]),
        )

    with threadpool_limits(1):
        refused = model().fit(X, y)
        kept = model(encoded_missing_value=-2).fit(X, y)
    with pytest.raises(OnnxExportError, match=r"\['color'\].*encoded_missing_value"):
        to_onnx(refused, X[:1])
    result = verify_onnx(kept, to_onnx(kept, X[:1]), X_test)
    assert result.label_agreement == 1.0, result
    assert result.max_abs_diff <= PROBA_BOUND[np.float32], result


def test_a_graph_onnx_runtime_cannot_load_is_refused_with_the_fix(tmp_path):
    """skl2onnx writes a SimpleImputer as an Imputer node, which ONNX Runtime
    runs on float32 only: from float64 columns the export is refused (no
    file written) with the fix; from float32 columns it exports with parity."""
    from sklearn.impute import SimpleImputer

    X, y, X_test = data("binary", "pipeline")
    X, X_test = X.copy(), X_test.copy()
    X.loc[X.index[::9], "x0"] = np.nan
    numeric = make_pipeline(SimpleImputer(), StandardScaler())
    model = make_pipeline(
        ColumnTransformer(
            [
                ("cat", OneHotEncoder(sparse_output=False), ["color"]),
                ("num", numeric, ["x0", "x1"]),
            ]
        ),
        distiller("binary", "linear"),
    )
    with threadpool_limits(1):
        model.fit(X, y)
    path = tmp_path / "never.onnx"
    with pytest.raises(OnnxExportError, match=r"Imputer.*float32 only"):
        to_onnx(model, X[:1], path=path)
    assert not path.exists()
    as32 = X_test.astype({"x0": np.float32, "x1": np.float32})
    result = verify_onnx(model, to_onnx(model, as32[:1]), as32)
    assert result.label_agreement == 1.0, result


def test_parity_counts_a_nan_on_one_side_as_infinitely_far():
    from skdistill.onnx._api import _max_abs_diff

    expected = np.array([[0.2, 0.8], [np.nan, 1.0], [np.inf, 0.0]])
    assert _max_abs_diff(expected.copy(), expected) == 0.0
    got = expected.copy()
    got[0, 1] = np.nan
    assert _max_abs_diff(got, expected) == np.inf
    got = expected.copy()
    got[0, 0] = 0.25
    assert _max_abs_diff(got, expected) == pytest.approx(0.05)
    assert _max_abs_diff(np.empty((0, 2)), np.empty((0, 2))) == 0.0


def test_verify_onnx_names_a_column_count_that_differs():
    model, _, X_test = fit("binary", "tree")
    onx = to_onnx(model, X_test[:1])
    with pytest.raises(ValueError, match=r"X must have \d+ columns.*shape \(5, 2\)"):
        verify_onnx(model, onx, X_test[:5, :2])


def test_column_metadata_only_where_the_command_line_can_read_the_graph():
    """A distiller fitted on a DataFrame, one numeric matrix input, label and
    probabilities out: the column names are in the metadata; not for zipmap
    outputs or a cascade (its routing outputs), nor for arrays."""
    import pandas as pd

    from skdistill import DistilledCascade

    X, y, _ = data("binary", "bare")
    frame = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    with threadpool_limits(1):
        model = distiller("binary", "tree").fit(frame, y)
        cascade = DistilledCascade(FrozenEstimator(model)).fit(frame, y)

    def props(onx):
        return {p.key: p.value for p in onx.metadata_props}

    names = json.loads(props(to_onnx(model, frame[:1]))["skdistill.columns"])
    assert [c["name"] for c in names] == list(frame.columns)
    assert props(to_onnx(model, frame[:1]))["skdistill.task"] == "classification"
    for onx in (
        to_onnx(model, frame[:1], zipmap="columns"),
        to_onnx(cascade, frame[:1]),
        to_onnx(distiller("binary", "tree").fit(X, y), X[:1]),
    ):
        assert "skdistill.columns" not in props(onx)


def test_ordinal_encoder_in_a_feature_union_is_checked_too():
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import OrdinalEncoder

    X, y, _ = data("multiclass", "pipeline")
    X = X[["color"]].astype(object)
    X.loc[X.index[1::7], "color"] = np.nan
    union = FeatureUnion([("ord", OrdinalEncoder())])
    model = make_pipeline(union, distiller("multiclass", "tree"))
    with threadpool_limits(1):
        model.fit(X, y)
    with pytest.raises(OnnxExportError, match="OrdinalEncoder learnt missing"):
        to_onnx(model, X[:1])


def test_frozen_preprocessing_in_front_of_the_distiller_exports():
    """The frozen-teacher recipe (docs/examples/frozen-teacher.md): a fitted
    pipeline's preprocessing, frozen, in front of a distiller of its frozen
    model. skl2onnx knows no FrozenEstimator; skdistill exports what it wraps,
    through skl2onnx.to_onnx too, and checks OrdinalEncoders inside it."""
    from sklearn.frozen import FrozenEstimator
    from sklearn.preprocessing import OrdinalEncoder

    X, y, X_test = data("multiclass", "pipeline")
    existing = make_pipeline(
        column_transformer(), HistGradientBoostingClassifier(max_iter=20)
    )
    with threadpool_limits(1):
        existing.fit(X, y)
        model = make_pipeline(
            FrozenEstimator(existing[:-1]),
            distiller("multiclass", "tree", FrozenEstimator(existing[-1])),
        ).fit(X, y)
    for onx in (
        to_onnx(model, X[:1]),
        skl2onnx.to_onnx(model, X[:1], options={"zipmap": False}),
    ):
        result = verify_onnx(model, onx, X_test)
        assert result.label_agreement == 1.0, result
        assert result.max_abs_diff <= PROBA_BOUND[np.float32], result
    X_nan = X[["color"]].astype(object)
    X_nan.loc[X_nan.index[1::7], "color"] = np.nan
    encoder = make_pipeline(OrdinalEncoder()).fit(X_nan)
    frozen_nan = make_pipeline(
        FrozenEstimator(encoder), distiller("multiclass", "tree")
    )
    with threadpool_limits(1):
        frozen_nan.fit(X_nan, y)
    with pytest.raises(OnnxExportError, match="OrdinalEncoder learnt missing"):
        to_onnx(frozen_nan, X_nan[:1])


def test_missing_value_for_an_integer_input_is_refused():
    """A graph exported from integer columns has int64 inputs: a missing
    value there has no int64 form (it was cast to INT64_MIN)."""
    import pandas as pd

    from skdistill.onnx._api import onnx_feeds

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"k": rng.integers(0, 5, 300), "s": rng.choice(["u", "v"], 300)})
    y = np.where((X.k > 2) ^ (X.s == "u"), "yes", "no")
    model = make_pipeline(
        ColumnTransformer(
            [("num", "passthrough", ["k"]), ("cat", OneHotEncoder(), ["s"])]
        ),
        distiller("binary", "tree"),
    )
    with threadpool_limits(1):
        model.fit(X, y)
    sess = session(to_onnx(model, X[:1]))
    rows = X[:5].astype({"k": float})
    rows.loc[rows.index[2], "k"] = np.nan
    with pytest.raises(ValueError, match="'k' has missing values.*tensor\\(int64\\)"):
        onnx_feeds(sess, rows)


def test_non_convertible_step_around_the_distiller_is_explained():
    """A step skl2onnx refuses (a text imputer of NaN) is not the student's
    fault: the error says so and carries skl2onnx's reason."""
    from sklearn.impute import SimpleImputer

    X, y, _ = data("multiclass", "pipeline")
    X = X.copy()
    X["color"] = X["color"].astype(object)
    X.loc[X.index[::9], "color"] = np.nan
    text = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="none"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    model = make_pipeline(
        ColumnTransformer([("text", text, ["color"])], remainder="drop"),
        distiller("multiclass", "tree"),
    )
    with threadpool_limits(1):
        model.fit(X, y)
    with pytest.raises(OnnxExportError, match="step around it.*missing values"):
        to_onnx(model, X[:1])


# ------------------------------------------------------------------- errors
class _OpaqueRegressor(RegressorMixin, BaseEstimator):
    """A regressor skl2onnx has never heard of."""

    def fit(self, X, y):
        self.mean_ = np.mean(y, axis=0)
        return self

    def predict(self, X):
        return np.tile(self.mean_, (len(X), 1)).squeeze()


@pytest.mark.parametrize("task", ["multiclass", "regression"])
def test_non_convertible_student_names_its_type(task):
    model, X, _ = fit(task, _OpaqueRegressor())
    with pytest.raises(OnnxExportError, match="_OpaqueRegressor"):
        to_onnx(model, np.asarray(X[:1], dtype=np.float32))


def test_hist_gradient_boosting_student_converts():
    """skl2onnx's converter trips on protobuf 7; skdistill.to_onnx works around it."""
    student = HistGradientBoostingClassifier(max_iter=5, random_state=0)
    model, _, X_test = fit("binary", student)
    assert_parity(model, X_test, np.float32)


def test_hist_gradient_boosting_student_converts_with_skl2onnx_itself():
    """skl2onnx.to_onnx on the distiller (no skdistill.to_onnx) mends it too."""
    student = HistGradientBoostingClassifier(max_iter=5, random_state=0)
    model, _, X_test = fit("binary", student)
    assert_skl2onnx_parity(model, X_test)


def test_hist_gradient_boosting_inside_an_ensemble_student():
    """The mend reaches a HistGradientBoosting model wherever it sits."""
    from sklearn.ensemble import VotingClassifier

    student = VotingClassifier(
        [
            ("hgb", HistGradientBoostingClassifier(max_iter=5, random_state=0)),
            ("tree", DecisionTreeClassifier(max_depth=3, random_state=0)),
        ],
        voting="soft",
        flatten_transform=False,
    )
    model, _, X_test = fit("binary", student)
    assert_skl2onnx_parity(model, X_test)


def test_skdistill_to_onnx_does_not_convert_the_student_twice(monkeypatch):
    """Only skl2onnx.to_onnx needs the trial conversion; to_onnx explains
    failures after the fact instead."""
    from skdistill.onnx import _converters

    calls = []
    original = _converters.conversion_problem
    monkeypatch.setattr(
        _converters,
        "conversion_problem",
        lambda *a, **k: calls.append(1) or original(*a, **k),
    )
    model, _, X_test = fit("binary", KNeighborsClassifier(n_neighbors=3))
    X = np.asarray(X_test[:1], dtype=np.float32)
    to_onnx(model, X)
    assert calls == []
    skl2onnx.to_onnx(model, X, options={id(model): {"zipmap": False}})
    assert calls == [1]


def _callable_metric(a, b):
    return float(np.abs(a - b).sum())


@pytest.mark.parametrize("convert", ["skdistill", "skl2onnx"])
def test_student_skl2onnx_fails_on_is_named(convert):
    """skl2onnx has a converter for the type but not for these parameters."""
    student = KNeighborsClassifier(n_neighbors=3, metric=_callable_metric)
    model, _, X_test = fit("binary", student)
    X = np.asarray(X_test[:1], dtype=np.float32)
    export = to_onnx if convert == "skdistill" else skl2onnx.to_onnx
    with pytest.raises(OnnxExportError, match="student KNeighborsClassifier.*metric"):
        export(model, X)


def test_too_old_opset_is_refused():
    model, X, _ = fitted("binary", "tree", "bare")
    with pytest.raises(OnnxExportError, match="target_opset >= 13"):
        to_onnx(model, np.asarray(X[:1], dtype=np.float32), target_opset=12)


def test_sample_shaped_unlike_the_training_rows_is_refused():
    model, X, _ = fitted("binary", "tree", "bare")
    wide = np.zeros((1, X.shape[1] + 4), dtype=np.float32)
    message = f"{X.shape[1] + 4} columns .* on {X.shape[1]}"
    with pytest.raises(ValueError, match=message):
        to_onnx(model, wide)
    with pytest.raises(ValueError, match="2-D"):
        to_onnx(model, np.zeros(X.shape[1], dtype=np.float32))


def test_sample_dataframe_missing_a_column_is_refused():
    model, X, _ = fitted("multiclass", "linear", "pipeline")
    with pytest.raises(ValueError, match=repr(X.columns[0])):
        to_onnx(model, as_dtype(X, np.float32)[:1].drop(columns=X.columns[0]))


def test_verify_with_a_dataframe_lacking_an_input_column():
    model, X, X_test = fitted("multiclass", "linear", "pipeline")
    onx = to_onnx(model, as_dtype(X, np.float32)[:1])
    with pytest.raises(ValueError, match="expects the input column"):
        verify_onnx(model, onx, X_test.drop(columns=X.columns[0]))


@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_dataframe_with_pandas_extension_dtypes(student):
    """A numeric ``category`` column and a nullable ``Int64`` one with missing
    values: fit accepts them, so the export and its check must too."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    X["code"] = pd.Categorical(rng.choice([3, 7, 11], len(X)))
    counts = pd.array(rng.integers(0, 5, len(X)), dtype="Int64")
    counts[:20] = pd.NA
    X["count"] = counts
    y = (X["a"] + (X["code"].astype(float) > 5) > 0.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = distiller("binary", student).fit(X, y)
    onx = to_onnx(model, X[:1])
    parity = verify_onnx(model, onx, X)
    assert parity.label_agreement == 1.0
    assert parity.max_abs_diff <= 1e-12


def test_column_transformer_inside_the_student_names_the_fix():
    """skl2onnx converts a ColumnTransformer only at the top of a model: the
    error says to move it in front of the distiller (which works)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression

    X, y, _ = data("binary", "bare")
    columns = ColumnTransformer(
        [("scaled", StandardScaler(), [0, 1])], remainder="passthrough"
    )
    student = make_pipeline(columns, LogisticRegression())
    model = distiller("binary", student).fit(X, y)
    for export in (to_onnx, skl2onnx.to_onnx):  # ours, and skl2onnx's own
        with pytest.raises(OnnxExportError, match="Move it in front of the distill"):
            export(model, as_dtype(X, np.float32)[:1])
    front = make_pipeline(clone(columns), distiller("binary", "linear")).fit(X, y)
    onx = to_onnx(front, as_dtype(X, np.float32)[:1])
    assert verify_onnx(front, onx, as_dtype(X, np.float32)).label_agreement == 1.0


@pytest.mark.parametrize("student", ["mlp", "linear"])
@pytest.mark.parametrize("task", ["binary", "regression"])
@DTYPES
def test_one_hot_categorical_columns(student, task, dtype):
    """Students that one-hot encode categorical codes (missing values, codes
    float32 cannot hold, unseen codes at predict time) export exactly."""
    rng = np.random.default_rng(0)
    n = 1500
    X = np.column_stack(
        [
            rng.integers(0, 5, n).astype(float),
            rng.choice([0.1, 0.2, 0.7], n),
            rng.normal(size=n),
            rng.normal(size=n) * 50,
        ]
    )
    X[rng.random(n) < 0.05, 0] = np.nan
    X[rng.random(n) < 0.05, 2] = np.nan
    signal = (X[:, 0] == 3) + 2 * (X[:, 1] > 0.15) + np.nan_to_num(X[:, 2])
    y = (signal > 1).astype(int) if task == "binary" else signal + X[:, 3] / 50
    test = X[:1000].copy()
    test[:40, 0] = 9.0  # unseen codes
    test[40:60, 1] = 0.3
    test[60:80, 2] = 40.0  # outside the training range
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        kind = "classification" if task == "binary" else "regression"
        model = distiller(
            task,
            make_student(student, kind, 0, categorical=[0, 1]),
            categorical_features=[0, 1],
        ).fit(X, y)
    first = {"mlp": "OneHotColumns", "linear": "BinnedColumns"}[student]
    assert type(model.student_.steps[0][1]).__name__ == first
    onx = to_onnx(model, as_dtype(test, dtype)[:1])
    parity = verify_onnx(model, onx, as_dtype(test, dtype))
    if task == "binary":
        assert parity.label_agreement == 1.0
        assert parity.max_abs_diff <= PROBA_BOUND[dtype]
    else:
        scale = np.abs(model.predict(test)).max()
        assert parity.max_abs_diff <= (1e-5 if dtype == np.float32 else 1e-12) * scale


@DTYPES
def test_one_hot_columns_converts_standalone(dtype):
    """skl2onnx converts OneHotColumns alone too (student='auto' measures its
    candidates' ONNX cost that way), in the input's precision."""
    import onnxruntime as ort

    from skdistill._categorical import OneHotColumns

    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.integers(0, 4, 300).astype(float), rng.choice([0.1, 0.2], 300)]
    )
    X[:20, 0] = np.nan
    enc = OneHotColumns(categorical=[0, 1], keep_codes=True).fit(X)
    test = X.copy()
    test[:5, 0] = 9.0
    onx = skl2onnx.to_onnx(enc, as_dtype(test[:1], dtype))
    sess = ort.InferenceSession(onx.SerializeToString())
    got = sess.run(None, {sess.get_inputs()[0].name: as_dtype(test, dtype)})[0]
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, enc.transform(as_dtype(test, dtype)))


def test_not_a_distiller():
    with pytest.raises(TypeError, match="DistilledClassifier"):
        to_onnx(StandardScaler().fit(np.ones((3, 2))), np.ones((1, 2)))


# -------------------------------------------------------------- file, cache
def test_path_and_session_cache(tmp_path):
    model, X, X_test = fitted("regression", "tree", "bare")
    path = tmp_path / "student.onnx"
    onx = to_onnx(model, np.asarray(X[:1], dtype=np.float32), path=path)
    assert path.read_bytes() == onx.SerializeToString()
    assert session(onx) is session(onx) is session(path)
    assert verify_onnx(model, path, np.asarray(X_test, np.float32)).n_rows == 1200
    assert onx.graph.output[0].type.tensor_type.shape.dim[1].dim_value == 1


def test_import_does_not_load_onnxmltools():
    code = "import sys, skdistill; print('onnxmltools' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_sample_given_as_a_list_of_rows():
    model, _, X_test = fitted("binary", "tree", "bare")
    onx = to_onnx(model, X_test[:1].tolist())
    assert verify_onnx(model, onx, X_test).label_agreement == 1.0


def test_options_given_for_a_frozen_estimator_reach_what_it_wraps():
    """skl2onnx keys options on the model object: those given for a
    FrozenEstimator (or a Pipeline ending in one) apply to what it wraps."""
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression

    X, y, _ = data("binary", "bare")
    X = X.astype(np.float32)
    labels = np.array(["no", "yes"])[y.astype(int)]
    frozen = FrozenEstimator(LogisticRegression().fit(X, labels))
    pipe = make_pipeline(StandardScaler().fit(X), frozen)
    for model, options in [
        (frozen, {"zipmap": False}),
        (frozen, {id(frozen): {"zipmap": False}}),
        (pipe, {id(pipe): {"zipmap": False}}),
    ]:
        onx = skl2onnx.to_onnx(model, X[:1], options=options)
        assert [o.name for o in onx.graph.output] == ["label", "probabilities"]
    onx = skl2onnx.to_onnx(
        frozen, X[:1], options={id(frozen): {"zipmap": False, "nocl": True}}
    )
    sess = session(onx)
    got = sess.run(None, {sess.get_inputs()[0].name: X[:20]})[0]
    np.testing.assert_array_equal(got, (frozen.predict(X[:20]) == "yes").astype(int))
