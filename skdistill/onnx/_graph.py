"""ONNX sub-graphs of a fitted student and the distiller's post-processing.

Everything here builds skl2onnx *algebra* expressions (``Onnx*`` operators); the
converters in :mod:`skdistill.onnx._converters` add them to the graph.

Two routes, chosen per student:

* **A single decision tree at the end of the student** (the ``'tree'`` alias, or
  any Pipeline ending in a ``DecisionTree*``/``ExtraTree*``): the whole model,
  post-processing included, is piecewise constant, so it is exported as a table
  per leaf, computed in float64 by the library's own numpy code
  (:func:`skdistill._students.classifier_student_proba`,
  :func:`skdistill._soft_targets.sharpen_student_proba`). The routing is
  scikit-learn's exactly: the input is cast to float32 (as scikit-learn's trees
  do) and every threshold is rounded *down* to float32, so that
  ``x32 <= t32`` if and only if ``x32 <= t64``. In a float32 graph a single
  ``TreeEnsembleRegressor`` returns the leaf's row of the table (then
  ArgMax/Gather for the label), unless rounding the table to float32 would
  change some leaf's label; otherwise (and in float64 graphs) the tree returns
  the leaf id and ``Gather`` reads float64 probabilities and labels from tables.
* **The 'linear' alias** (a linear model behind ``BinnedColumns``): in float32
  graphs one tree-ensemble node (one tree per column), elsewhere the
  indicators written literally, then the dense route below; see
  :mod:`skdistill.onnx._additive`.
* **MLPs and linear models** (the 'mlp' alias, any Pipeline ending in an
  ``MLP*``/``LogisticRegression``/linear regressor): written directly as a
  chain of ``Gemm`` nodes with the scaler folded in, see
  :mod:`skdistill.onnx._dense` (fewer kernels per call than skl2onnx's graphs);
  in float32 graphs, one-hot indicators in front of them become lookup trees
  added to the first layer, see :mod:`skdistill.onnx._onehot_fold`.
* **Anything else** (any convertible estimator, or the cases the lean route
  does not cover): the student is embedded with
  :class:`skl2onnx.algebra.onnx_operator.OnnxSubEstimator`, followed by ONNX
  nodes that reproduce the distiller's maths.

The graph runs in the input's precision: float64 inputs give a float64 graph.
Components skl2onnx cannot run in float64 (its ``Imputer`` node and tree
converters) are replaced by exact equivalents here; any other component that is
not known to run in float64 is evaluated in float32 inside the float64 graph,
with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np
from onnx import TensorProto
from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxArgMax,
    OnnxCast,
    OnnxClip,
    OnnxConcat,
    OnnxConstantOfShape,
    OnnxDiv,
    OnnxEqual,
    OnnxGather,
    OnnxIdentity,
    OnnxImputer,
    OnnxIsNaN,
    OnnxLessOrEqual,
    OnnxLog,
    OnnxMatMul,
    OnnxMul,
    OnnxReduceSumApi11,
    OnnxReshape,
    OnnxShape,
    OnnxSigmoid,
    OnnxSlice,
    OnnxSoftmax,
    OnnxSub,
    OnnxTreeEnsembleRegressor_1,
    OnnxWhere,
)
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)

from .._binning import BinnedColumns
from .._categorical import OneHotColumns
from .._soft_targets import PROBA_EPS, sharpen_student_proba
from .._students import classifier_student_proba
from . import _dense

#: The lowest main-domain opset the converters emit (Clip with tensor bounds,
#: ReduceSum with an ``axes`` input, Softmax over the last axis).
MIN_OPSET = 13

_TREES = (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)

#: Estimators whose skl2onnx converter was checked to run in float64 under
#: onnxruntime and to match scikit-learn to ~1e-15 (tests/onnx). Others run in
#: float32 inside a float64 graph.
_FLOAT64_SAFE = (
    StandardScaler,
    LogisticRegression,
    LinearRegression,
    Ridge,
    Lasso,
    ElasticNet,
    MLPClassifier,
    MLPRegressor,
)

#: Leaf ids travel through a float32 tree output: exact below 2**24 nodes.
_MAX_TREE_NODES = 2**24


class OnnxExportError(RuntimeError):
    """A fitted skdistill model (or a part of it) cannot be exported to ONNX."""


def proto_type(dtype) -> int:
    return TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT


# ---------------------------------------------------------------- inspection
def _steps(estimator) -> list:
    """Flatten (nested) Pipelines into their non-passthrough steps."""
    if isinstance(estimator, Pipeline):
        out = []
        for _, step in estimator.steps:
            if step is None or (isinstance(step, str) and step == "passthrough"):
                continue
            out.extend(_steps(step))
        return out
    return [estimator]


def _is_tree(estimator) -> bool:
    return isinstance(estimator, _TREES) and estimator.n_outputs_ >= 1


def _exact_imputer(est) -> bool:
    """A SimpleImputer the exact Where(IsNaN) replacement reproduces."""
    if not isinstance(est, SimpleImputer):
        return False
    missing = est.missing_values
    return (
        isinstance(missing, float)
        and np.isnan(missing)
        and not est.add_indicator
        and np.asarray(est.statistics_).dtype.kind == "f"
    )


def check_convertible(estimator, owner: str, path: str = "") -> None:
    """Raise :class:`OnnxExportError` when skl2onnx has no converter for a part.

    ``owner`` names the model (e.g. "the student ... of DistilledClassifier"),
    ``path`` where the part sits inside it.
    """
    from skl2onnx._parse import sklearn_parsers_map
    from skl2onnx._supported_operators import sklearn_operator_name_map

    for step in _steps(estimator):
        if _is_tree(step) or _exact_imputer(step) or isinstance(step, OneHotColumns):
            continue
        kind = type(step)
        here = f"{path}{kind.__name__}"
        if isinstance(step, MultiOutputRegressor):
            for i, sub in enumerate(step.estimators_):
                check_convertible(sub, owner, f"{here}.estimators_[{i}] -> ")
            continue
        if isinstance(step, (ColumnTransformer, FeatureUnion)):
            parts = getattr(step, "transformers_", None) or step.transformer_list
            for name, sub, *_ in parts:
                if not isinstance(sub, str):
                    check_convertible(sub, owner, f"{here}[{name!r}] -> ")
            continue
        if kind in sklearn_operator_name_map or kind in sklearn_parsers_map:
            continue
        if hasattr(step, "onnx_converter"):
            continue
        raise OnnxExportError(
            f"Cannot export {owner} to ONNX: skl2onnx has no converter for "
            f"{kind.__module__}.{kind.__qualname__} (at {here}). Use a student "
            "skl2onnx supports (the 'tree', 'mlp' and 'linear' aliases all are), "
            "or register a converter for it with "
            "skl2onnx.update_registered_converter."
        )


# ---------------------------------------------------------------- components
def _cast(x, dtype, opv):
    return OnnxCast(x, to=proto_type(dtype), op_version=opv)


def _tree_attributes(tree) -> dict:
    """TreeEnsembleRegressor attributes whose single output is the leaf id."""
    t = tree.tree_
    n = t.node_count
    if n >= _MAX_TREE_NODES:
        raise OnnxExportError(
            f"The tree has {n} nodes; the exported leaf ids are exact below "
            f"{_MAX_TREE_NODES} nodes."
        )
    leaf = t.children_left == -1
    thresholds = np.where(leaf, 0.0, t.threshold)
    t32 = thresholds.astype(np.float32)
    # round towards -inf: for float32 x, x <= t32 exactly when x <= t (float64)
    above = t32.astype(np.float64) > thresholds
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    ids = np.arange(n, dtype=np.int64)
    missing_left = getattr(t, "missing_go_to_left", np.zeros(n, dtype=np.uint8))
    leaves = ids[leaf]
    return dict(
        n_targets=1,
        aggregate_function="SUM",
        post_transform="NONE",
        nodes_treeids=[0] * n,
        nodes_nodeids=ids.tolist(),
        nodes_featureids=np.where(leaf, 0, t.feature).astype(int).tolist(),
        nodes_modes=["LEAF" if is_leaf else "BRANCH_LEQ" for is_leaf in leaf],
        nodes_values=t32,
        nodes_truenodeids=np.where(leaf, 0, t.children_left).astype(int).tolist(),
        nodes_falsenodeids=np.where(leaf, 0, t.children_right).astype(int).tolist(),
        nodes_missing_value_tracks_true=[
            int(bool(m) and not is_leaf)
            for m, is_leaf in zip(missing_left, leaf, strict=True)
        ],
        target_treeids=[0] * len(leaves),
        target_nodeids=leaves.astype(int).tolist(),
        target_ids=[0] * len(leaves),
        target_weights=leaves.astype(np.float32),
    )


def leaf_index(tree, X, dtype, opv):
    """Int64 node id of the leaf each row reaches, shape (N,)."""
    x32 = (
        X if dtype == np.float32 else OnnxCast(X, to=TensorProto.FLOAT, op_version=opv)
    )
    if tree.tree_.node_count == 1:  # the root is the only leaf
        n_rows = OnnxSlice(
            OnnxShape(x32, op_version=opv),
            np.array([0], dtype=np.int64),
            np.array([1], dtype=np.int64),
            op_version=opv,
        )
        return OnnxConstantOfShape(
            n_rows, value=np.array([0], dtype=np.int64), op_version=opv
        )
    leaf = OnnxTreeEnsembleRegressor_1(x32, op_version=1, **_tree_attributes(tree))
    return OnnxReshape(
        OnnxCast(leaf, to=TensorProto.INT64, op_version=opv),
        np.array([-1], dtype=np.int64),
        op_version=opv,
    )


def tree_values(tree, X, table, opv, output_names=None):
    """Float32 rows of ``table`` (indexed by node id) for each row's leaf.

    One ``TreeEnsembleRegressor`` node whose targets are the leaves' rows: the
    fastest form, used for float32 graphs.
    """
    attrs = _tree_attributes(tree)
    leaves = np.asarray(attrs["target_nodeids"], dtype=np.int64)
    n_targets = table.shape[1]
    attrs.update(
        n_targets=n_targets,
        target_treeids=[0] * (len(leaves) * n_targets),
        target_nodeids=np.repeat(leaves, n_targets).tolist(),
        target_ids=np.tile(np.arange(n_targets), len(leaves)).tolist(),
        target_weights=np.asarray(table, dtype=np.float32)[leaves].ravel(),
    )
    return OnnxTreeEnsembleRegressor_1(
        X, op_version=1, output_names=output_names, **attrs
    )


def leaves_of(tree) -> np.ndarray:
    return np.flatnonzero(tree.tree_.children_left == -1)


def tree_raw_table(tree) -> np.ndarray:
    """What ``predict_proba`` (classifier) or ``predict`` returns, per node id."""
    value = np.asarray(tree.tree_.value, dtype=np.float64)
    if isinstance(tree, DecisionTreeClassifier):
        if tree.n_outputs_ != 1:
            raise OnnxExportError("Multi-output tree classifiers are not supported.")
        # scikit-learn >= 1.4 stores class fractions and returns them as they are
        return value[:, 0, : tree.n_classes_].copy()
    out = value[:, :, 0]
    return out[:, 0] if tree.n_outputs_ == 1 else out


def _impute(imputer, X, dtype, opv):
    stats = np.asarray(imputer.statistics_, dtype=np.float64)
    keep = ~np.isnan(stats)
    filled = OnnxWhere(
        OnnxIsNaN(X, op_version=opv),
        np.where(keep, stats, 0.0).astype(dtype).reshape(1, -1),
        X,
        op_version=opv,
    )
    if keep.all():
        return filled
    return OnnxGather(
        filled, np.flatnonzero(keep).astype(np.int64), axis=1, op_version=opv
    )


def _sub_estimator(est, X, dtype, opv, *, classifier_output=None):
    """Embed ``est`` with its skl2onnx converter (float32 fallback in float64)."""
    options = None
    if classifier_output is not None and "zipmap" in _allowed_options(est):
        options = {"zipmap": False}
    in_float32 = dtype == np.float64 and not isinstance(est, _FLOAT64_SAFE)
    if in_float32:
        warnings.warn(
            f"{type(est).__name__} is not known to convert to float64 with "
            "skl2onnx; it is evaluated in float32 inside the float64 ONNX graph "
            "(expect differences around 1e-7 relative to scikit-learn).",
            UserWarning,
            stacklevel=2,
        )
        X = OnnxCast(X, to=TensorProto.FLOAT, op_version=opv)
    # the parser of a sub-estimator needs the type of an intermediate result
    tensor = FloatTensorType if in_float32 or dtype == np.float32 else DoubleTensorType
    n_features = getattr(est, "n_features_in_", None)
    node = OnnxSubEstimator(
        est,
        X,
        op_version=opv,
        options=options,
        input_types=[tensor(shape=[None, n_features])],
    )
    if classifier_output is not None:
        node = node[classifier_output]
        if classifier_output == 0:
            return node
    return _cast(node, dtype, opv) if in_float32 else node


def _allowed_options(est) -> dict:
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common._registration import get_converter

    alias = sklearn_operator_name_map.get(type(est))
    if alias is None:
        return {}
    try:
        return get_converter(alias).get_allowed_options() or {}
    except ValueError:
        return {}


def kept_columns(est: OneHotColumns, X, opv):
    """The columns ``est`` passes on as they are (``est.numeric_``), without a
    ``Gather`` kernel when they are all the columns, in order (keep_codes)."""
    numeric = est.numeric_.astype(np.int64)
    if np.array_equal(numeric, np.arange(est.n_features_in_)):
        return X
    return OnnxGather(X, numeric, axis=1, op_version=opv)


def one_hot_columns(est: OneHotColumns, X, dtype, opv, output_names=None):
    """:class:`~skdistill._categorical.OneHotColumns`, exactly, in ``dtype``.

    Used for the transformer alone and in float64 graphs; in front of a dense
    student in a float32 graph, :mod:`skdistill.onnx._onehot_fold` replaces it.

    The categorical columns are gathered once per indicator and compared with
    a constant row of categories in one ``Equal``; missing values are first
    replaced by ``-inf``, the value the missing-value indicators' slots hold
    (valid input is finite: the distillers refuse infinities). The kept
    columns are passed on without a ``Gather`` when they are all the columns,
    in order. In a float32 graph a category that float32 cannot hold is never
    matched (NaN in the row), as scikit-learn never matches it with a float32
    input either.
    """
    source, value, missing = est.output_table()
    parts = [kept_columns(est, X, opv)] if len(est.numeric_) else []
    if len(source):
        columns = OnnxGather(X, source, axis=1, op_version=opv)
        row = value.astype(dtype)
        with np.errstate(invalid="ignore"):
            row[row.astype(np.float64) != value] = np.nan
        if missing.any():
            # Missing values become -inf, which is also what the missing-value
            # indicators compare equal to: no valid row holds -inf (predict
            # refuses infinite input), so the encoding stays exact, in one
            # Imputer (float32) or IsNaN + Where (float64; Imputer has no
            # float64 kernel) instead of IsNaN + And + Or after the Equal.
            row[missing] = -np.inf
            if dtype == np.float32:
                columns = OnnxImputer(
                    columns,
                    imputed_value_floats=np.full(len(source), -np.inf, np.float32),
                    replaced_value_float=np.nan,
                    op_version=1,
                )
            else:
                columns = OnnxWhere(
                    OnnxIsNaN(columns, op_version=opv),
                    np.array([-np.inf], dtype=dtype),
                    columns,
                    op_version=opv,
                )
        hits = OnnxEqual(columns, row.reshape(1, -1), op_version=opv)
        parts.append(_cast(hits, dtype, opv))
    if len(parts) == 1:
        return OnnxIdentity(parts[0], op_version=opv, output_names=output_names)
    return OnnxConcat(*parts, axis=1, op_version=opv, output_names=output_names)


def transform(est, X, dtype, opv):
    """The output of a transformer step."""
    if isinstance(est, OneHotColumns):
        return one_hot_columns(est, X, dtype, opv)
    if isinstance(est, BinnedColumns):
        from ._additive import binned_columns  # it builds on this module

        return binned_columns(est, X, dtype, opv)
    if _exact_imputer(est):
        kept_all = not np.isnan(np.asarray(est.statistics_, dtype=np.float64)).any()
        if dtype == np.float32 and kept_all:
            return _sub_estimator(est, X, dtype, opv)  # one Imputer node
        return _impute(est, X, dtype, opv)  # Imputer has no float64 kernel
    return _sub_estimator(est, X, dtype, opv)


def regressor_output(est, X, dtype, opv, n_outputs: int):
    """A regressor's ``predict`` as an (N, n_outputs) tensor."""
    transformers, net = _dense.split_steps(_steps(est), dtype)
    for step in transformers if net is not None else transformers[:-1]:
        X = transform(step, X, dtype, opv)
    if net is not None:
        return _dense.raw_output(net, X, dtype, opv)  # already (N, n_outputs)
    final = transformers[-1]
    if _is_tree(final):
        table = tree_raw_table(final).reshape(final.tree_.node_count, -1)
        out = OnnxGather(
            table.astype(dtype),
            leaf_index(final, X, dtype, opv),
            axis=0,
            op_version=opv,
        )
    elif isinstance(final, MultiOutputRegressor):
        columns = [regressor_output(sub, X, dtype, opv, 1) for sub in final.estimators_]
        out = OnnxConcat(*columns, axis=1, op_version=opv)
    else:
        out = _sub_estimator(final, X, dtype, opv)
    # some converters (multi-output MLPRegressor) return (N * k, 1)
    return OnnxReshape(out, np.array([-1, n_outputs], dtype=np.int64), op_version=opv)


def classifier_output(est, X, dtype, opv, which: str):
    """A classifier's ``predict_proba`` (``which='proba'``) or labels."""
    *transformers, final = _steps(est)
    for step in transformers:
        X = transform(step, X, dtype, opv)
    if _is_tree(final) and which == "proba":
        table = tree_raw_table(final).astype(dtype)
        return OnnxGather(
            table, leaf_index(final, X, dtype, opv), axis=0, op_version=opv
        )
    return _sub_estimator(
        final, X, dtype, opv, classifier_output=1 if which == "proba" else 0
    )


# ------------------------------------------------------------ post-processing
class _FixedOutput:
    """Duck-typed student returning a fixed table: reuses the library's maths."""

    def __init__(self, table, classes=None):
        self._table = table
        self.classes_ = classes

    def predict_proba(self, X):
        return self._table

    def predict(self, X):
        return self._table


def tree_tables(model, tree):
    """Final probabilities and label indices of a distiller, per node id.

    Computed by the same numpy functions as ``DistilledClassifier.predict_proba``
    so the exported tables are bit-identical to scikit-learn's outputs.
    """
    table = tree_raw_table(tree)
    classes = getattr(tree, "classes_", None)
    proba = classifier_student_proba(
        _FixedOutput(table, classes),
        model.student_mode_,
        None,
        len(model.classes_),
    )
    proba = sharpen_student_proba(proba, model.softening_temperature)
    return proba, np.argmax(proba, axis=1)


def scatter_columns(proba, student_classes, n_classes: int, dtype, opv):
    """Place the student's columns at their class indices (absent ones: zero)."""
    index = np.asarray(student_classes, dtype=np.intp)
    if len(index) == n_classes and np.array_equal(index, np.arange(n_classes)):
        return proba
    scatter = np.zeros((len(index), n_classes), dtype=dtype)
    scatter[np.arange(len(index)), index] = 1.0
    return OnnxMatMul(proba, scatter, op_version=opv)


def one_hot(labels, n_classes: int, dtype, opv):
    """One-hot rows of integer class indices (students without predict_proba)."""
    column = OnnxReshape(labels, np.array([-1, 1], dtype=np.int64), op_version=opv)
    hits = OnnxEqual(
        OnnxCast(column, to=TensorProto.INT64, op_version=opv),
        np.arange(n_classes, dtype=np.int64).reshape(1, -1),
        op_version=opv,
    )
    return _cast(hits, dtype, opv)


def regressed_proba(raw, mode: str, n_classes: int, dtype, opv):
    """ONNX version of the regression branch of ``classifier_student_proba``."""
    if n_classes == 2:
        if mode == "regress_proba":
            p1 = OnnxClip(
                raw, np.array(0, dtype=dtype), np.array(1, dtype=dtype), op_version=opv
            )
        else:
            p1 = OnnxSigmoid(raw, op_version=opv)
        p0 = OnnxSub(np.array([[1]], dtype=dtype), p1, op_version=opv)
        return OnnxConcat(p0, p1, axis=1, op_version=opv)
    if mode == "regress_logits":
        return OnnxSoftmax(raw, axis=1, op_version=opv)
    clipped = OnnxClip(raw, np.array(0, dtype=dtype), op_version=opv)
    total = OnnxReduceSumApi11(clipped, axes=[1], keepdims=1, op_version=opv)
    empty = OnnxLessOrEqual(total, np.array([[0]], dtype=dtype), op_version=opv)
    return OnnxDiv(
        OnnxWhere(empty, np.array([[1]], dtype=dtype), clipped, op_version=opv),
        OnnxWhere(empty, np.array([[n_classes]], dtype=dtype), total, op_version=opv),
        op_version=opv,
    )


def sharpen(proba, softening: float, dtype, opv):
    """ONNX version of :func:`skdistill._soft_targets.sharpen_student_proba`."""
    if softening == 1.0:
        return proba
    logp = OnnxLog(
        OnnxClip(
            proba,
            np.array(PROBA_EPS, dtype=dtype),
            np.array(1, dtype=dtype),
            op_version=opv,
        ),
        op_version=opv,
    )
    scaled = OnnxDiv(logp, np.array([[1.0 / softening]], dtype=dtype), op_version=opv)
    return OnnxSoftmax(scaled, axis=1, op_version=opv)


def argmax_labels(proba, classes: np.ndarray, opv, output_names=None):
    """``classes[argmax(proba, axis=1)]`` (the first maximum, as numpy)."""
    index = OnnxArgMax(proba, axis=1, keepdims=0, op_version=opv)
    return OnnxGather(classes, index, axis=0, op_version=opv, output_names=output_names)


def identity(x, opv, output_names):
    return OnnxIdentity(x, op_version=opv, output_names=output_names)


def scale_predictions(raw, scale, mean, dtype, opv, output_names=None):
    """``raw * target_scale_ + target_mean_`` row by row."""
    scaled = OnnxMul(raw, np.asarray(scale, dtype=dtype).reshape(1, -1), op_version=opv)
    return OnnxAdd(
        scaled,
        np.asarray(mean, dtype=dtype).reshape(1, -1),
        op_version=opv,
        output_names=output_names,
    )
