"""ONNX export of the teacher (for comparison and fallback deployment).

The default teacher is a soft vote of :class:`EarlyStoppingClassifier` (XGBoost),
:class:`EarlyStoppingClassifier` (LightGBM), HistGradientBoosting and
extra-trees. skl2onnx converts the vote, HistGradientBoosting and extra-trees;
XGBoost and LightGBM need ``onnxmltools`` (imported only here, on first use),
whose converters require the ``ai.onnx.ml`` opset to be at most 3.

Two skl2onnx 1.20 converters need mending. HistGradientBoosting's passes numpy
booleans to an integer ONNX attribute, which protobuf >= 7 refuses (``Expected
an int, got a boolean``); those of scikit-learn's trees and forests drop the
fitted routing of missing values (``tree_.missing_go_to_left``), so ONNX
Runtime sends every NaN right (the default teacher's extra-trees on adult:
probabilities 0.27 apart on rows with a missing value). Every conversion this
package starts (:func:`convert_with_fixes`: :func:`skdistill.to_onnx`,
:func:`teacher_to_onnx`, trial conversions) runs them through a container that
mends the nodes they write, in skl2onnx's registry for that call only
(:func:`mended_converters`). Only a distiller converted by ``skl2onnx.to_onnx``
itself, whose student embeds a model skl2onnx converts as a sub-estimator, has
no such call to hook: its converter installs the same mends in skl2onnx's
registry for the rest of the process (:func:`install_converter_mends`).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import functools

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_operator import OnnxSubEstimator
from skl2onnx.algebra.onnx_ops import OnnxArgMax, OnnxCast, OnnxGather, OnnxIdentity
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from skl2onnx.common.shape_calculator import (
    calculate_linear_classifier_output_shapes,
    calculate_linear_regressor_output_shapes,
)
from sklearn.base import is_classifier

from .._teacher import EarlyStoppingClassifier, EarlyStoppingRegressor, unfrozen
from ._graph import OnnxExportError, proto_type

#: onnxmltools 1.16 converts XGBoost 3.2 / LightGBM 4.7 only when the
#: ``ai.onnx.ml`` opset is at most 3 ("The model is using version 5 of domain
#: 'ai.onnx.ml' not supported yet"); the main opset may be as recent as
#: skl2onnx supports (checked up to 21). skl2onnx picks ml opset 5 for a plain
#: integer target_opset, so teachers are converted with an explicit dict.
TEACHER_ML_OPSET = 3


def teacher_opsets(target_opset) -> dict:
    """``{'': main, 'ai.onnx.ml': 3}`` from an int, a dict or None."""
    if isinstance(target_opset, dict):
        return {"ai.onnx.ml": TEACHER_ML_OPSET, **target_opset}
    if target_opset is None:
        from skl2onnx import get_latest_tested_opset_version

        target_opset = get_latest_tested_opset_version()
    return {"": int(target_opset), "ai.onnx.ml": TEACHER_ML_OPSET}


_BOOSTERS_REGISTERED = False


def register_boosters() -> None:
    """Register onnxmltools' XGBoost and LightGBM converters with skl2onnx."""
    global _BOOSTERS_REGISTERED
    if _BOOSTERS_REGISTERED:
        return
    try:
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import (
            convert_lightgbm,
        )
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import (
            convert_xgboost,
        )
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise OnnxExportError(
            "Exporting XGBoost or LightGBM models needs onnxmltools: "
            "pip install onnxmltools"
        ) from exc
    from lightgbm import LGBMClassifier, LGBMRegressor
    from xgboost import XGBClassifier, XGBRegressor

    classifier_options = {"nocl": [True, False], "zipmap": [True, False, "columns"]}
    update_registered_converter(
        XGBClassifier,
        "XGBoostXGBClassifier",
        calculate_linear_classifier_output_shapes,
        convert_xgboost,
        options=classifier_options,
    )
    update_registered_converter(
        LGBMClassifier,
        "LightGbmLGBMClassifier",
        calculate_linear_classifier_output_shapes,
        convert_lightgbm,
        options=classifier_options,
    )
    update_registered_converter(
        XGBRegressor,
        "XGBoostXGBRegressor",
        calculate_linear_regressor_output_shapes,
        convert_xgboost,
    )
    update_registered_converter(
        LGBMRegressor,
        "LightGbmLGBMRegressor",
        calculate_linear_regressor_output_shapes,
        convert_lightgbm,
        options={"split": None},
    )
    _BOOSTERS_REGISTERED = True


def _booster_input(operator, opv):
    """Boosters are converted in float32 (onnxmltools' tree nodes are float)."""
    X = operator.inputs[0]
    if isinstance(X.type, FloatTensorType):
        return X
    return OnnxCast(X, to=proto_type(np.float32), op_version=opv)


def _out_dtype(operator):
    return (
        np.float64
        if isinstance(operator.inputs[0].type, DoubleTensorType)
        else (np.float32)
    )


def convert_early_stopping_classifier(scope, operator, container):
    register_boosters()
    est = operator.raw_operator
    opv = container.target_opset
    sub = OnnxSubEstimator(
        est.estimator_,
        _booster_input(operator, opv),
        op_version=opv,
        options={"zipmap": False},
    )
    proba = OnnxCast(sub[1], to=proto_type(_out_dtype(operator)), op_version=opv)
    proba = OnnxIdentity(proba, op_version=opv, output_names=[operator.outputs[1]])
    classes = np.asarray(est.classes_)
    if classes.dtype.kind in "biuf":
        classes = classes.astype(np.int64)
    else:
        classes = np.array([str(c) for c in classes], dtype=object)
    label = OnnxGather(
        classes,
        OnnxArgMax(proba, axis=1, keepdims=0, op_version=opv),
        axis=0,
        op_version=opv,
        output_names=[operator.outputs[0]],
    )
    proba.add_to(scope, container)
    label.add_to(scope, container)


def convert_early_stopping_regressor(scope, operator, container):
    register_boosters()
    est = operator.raw_operator
    opv = container.target_opset
    sub = OnnxSubEstimator(
        est.estimator_, _booster_input(operator, opv), op_version=opv
    )
    out = OnnxCast(
        sub,
        to=proto_type(_out_dtype(operator)),
        op_version=opv,
        output_names=[operator.outputs[0]],
    )
    out.add_to(scope, container)


def register_teacher_converters() -> None:
    """Register the early-stopping wrappers (cheap: no onnxmltools import)."""
    update_registered_converter(
        EarlyStoppingClassifier,
        "SkdistillEarlyStoppingClassifier",
        calculate_linear_classifier_output_shapes,
        convert_early_stopping_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
    )
    update_registered_converter(
        EarlyStoppingRegressor,
        "SkdistillEarlyStoppingRegressor",
        calculate_linear_regressor_output_shapes,
        convert_early_stopping_regressor,
    )


# --------------------------------------------------- skl2onnx converter mends
#: scikit-learn trees that route missing values (``tree_.missing_go_to_left``),
#: whose skl2onnx converters (1.20) write ``nodes_missing_value_tracks_true=0``
#: everywhere: ONNX Runtime then sends every missing value right, scikit-learn
#: wherever the fitted tree says.
_NAN_ROUTING_TREES = (
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
)

#: Other converters that need the mend: HistGradientBoosting's pass numpy
#: booleans to an integer attribute, which protobuf >= 7 refuses.
_BOOLEAN_ATTRIBUTE_MODELS = (
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
)


def _node_arrays(attrs: dict) -> dict:
    """The node attributes of a tree ensemble node as numpy arrays."""
    keys = ("treeids", "nodeids", "featureids", "truenodeids", "falsenodeids")
    out = {key: np.asarray(attrs[f"nodes_{key}"], dtype=np.int64) for key in keys}
    out["leaf"] = np.asarray(attrs["nodes_modes"]) == "LEAF"
    out["values"] = np.asarray(attrs["nodes_values"], dtype=np.float64)
    return out


def _same_tree(tree, nodes: dict, rows: np.ndarray, *, thresholds: bool) -> bool:
    """Whether the ONNX nodes ``rows`` are ``tree``'s nodes (same ids, leaves,
    split features and children; with ``thresholds``, also the thresholds up
    to float32 rounding)."""
    n = nodes["nodeids"][rows]
    if n.min() < 0 or n.max() >= tree.node_count:
        return False
    leaf = nodes["leaf"][rows]
    if not np.array_equal(tree.children_left[n] == -1, leaf):
        return False
    split = n[~leaf]
    ok = (
        np.array_equal(tree.feature[split], nodes["featureids"][rows][~leaf])
        and np.array_equal(tree.children_left[split], nodes["truenodeids"][rows][~leaf])
        and np.array_equal(
            tree.children_right[split], nodes["falsenodeids"][rows][~leaf]
        )
    )
    if ok and thresholds:
        ok = np.allclose(
            nodes["values"][rows][~leaf], tree.threshold[split], rtol=1e-6, atol=1e-6
        )
    return bool(ok)


def _missing_tracks_true(model, attrs: dict) -> list[int] | None:
    """``nodes_missing_value_tracks_true`` as ``model``'s trees route NaN.

    ``BRANCH_LEQ`` sends a node's true branch to its left child, so a missing
    value that scikit-learn sends left tracks true. Each tree of the ONNX node
    is matched to the fitted tree it was written from by its structure (ids,
    leaves, features, children, then thresholds): skl2onnx numbers trees by
    their position in ``estimators_`` in most converters, but writes some
    (multi-output forests, the ``decision_leaf`` option) one at a time as
    tree 0. None (leave the node as it is) when a tree matches no fitted tree,
    or several that route missing values differently.
    """
    trees = [e.tree_ for e in getattr(model, "estimators_", None) or [model]]
    nodes = _node_arrays(attrs)
    out = np.zeros(len(nodes["nodeids"]), dtype=np.int64)
    for t in np.unique(nodes["treeids"]):
        rows = np.flatnonzero(nodes["treeids"] == t)
        if 0 <= t < len(trees) and _same_tree(trees[t], nodes, rows, thresholds=True):
            matches = [trees[t]]
        else:
            matches = [
                tree
                for tree in trees
                if _same_tree(tree, nodes, rows, thresholds=False)
            ]
            if len(matches) > 1:
                matches = [
                    tree
                    for tree in matches
                    if _same_tree(tree, nodes, rows, thresholds=True)
                ]
        routes = {_routing(tree, nodes["nodeids"][rows]) for tree in matches}
        if len(routes) != 1:
            return None
        out[rows] = routes.pop()
    return out.tolist()


def _routing(tree, node_ids: np.ndarray) -> tuple[int, ...]:
    """Per node: 1 where a split sends missing values left (its true branch)."""
    left = getattr(tree, "missing_go_to_left", None)
    if left is None:
        return (0,) * len(node_ids)
    split = tree.children_left[node_ids] != -1
    return tuple((split & (np.asarray(left)[node_ids] != 0)).astype(int).tolist())


class _MendedContainer:
    """Forwards to skl2onnx's container, mending the attributes of each node.

    Booleans in list attributes become ints (the HistGradientBoosting
    converters); a tree ensemble of a scikit-learn tree or forest gets its
    missing-value routing (:func:`_missing_tracks_true`).
    """

    def __init__(self, container, model):
        self._container = container
        self._model = model

    def __getattr__(self, name):
        return getattr(self._container, name)

    def add_node(self, op_type, *args, **attrs):
        for key, value in attrs.items():
            if isinstance(value, (list, tuple)) and any(
                isinstance(v, (bool, np.bool_)) for v in value
            ):
                attrs[key] = [int(v) for v in value]
        if (
            op_type in ("TreeEnsembleClassifier", "TreeEnsembleRegressor")
            and type(self._model).__name__ in _NAN_ROUTING_TREES
            and "nodes_treeids" in attrs
        ):
            routing = _missing_tracks_true(self._model, attrs)
            if routing is not None:
                attrs["nodes_missing_value_tracks_true"] = routing
        return self._container.add_node(op_type, *args, **attrs)


def _mended(converter):
    def convert(scope, operator, container):
        mended = _MendedContainer(container, operator.raw_operator)
        return converter(scope, operator, mended)

    return convert


@functools.cache
def _mended_aliases() -> tuple[str, ...]:
    """skl2onnx's converter names of the scikit-learn models mended here."""
    from skl2onnx._supported_operators import sklearn_operator_name_map

    wanted = {*_NAN_ROUTING_TREES, *_BOOLEAN_ATTRIBUTE_MODELS}
    return tuple(
        sorted(
            {
                alias
                for cls, alias in sklearn_operator_name_map.items()
                if cls.__name__ in wanted and cls.__module__.startswith("sklearn.")
            }
        )
    )


def install_converter_mends() -> None:
    """Mend skl2onnx's registered converters (see :class:`_MendedContainer`).

    Inside :func:`convert_with_fixes` (every conversion this package starts)
    the mends are already in place and this does nothing. A distiller
    converted by ``skl2onnx.to_onnx`` itself (in a user's pipeline) has no
    such call: its converter installs the mends before it embeds a student
    skl2onnx converts, and they stay for the rest of the process. The mended
    converters write what the originals write, with boolean lists as the
    integers ONNX defines them to be and the trees' missing-value routing as
    scikit-learn fitted it.
    """
    from skl2onnx.common._registration import get_converter, register_converter

    for alias in _mended_aliases():
        current = get_converter(alias)
        if getattr(current, "_skdistill_mended", False):
            continue
        register_converter(
            alias,
            _mended(current),
            overwrite=True,
            options=current.get_allowed_options(),
        )
        get_converter(alias)._skdistill_mended = True


@contextlib.contextmanager
def mended_converters():
    """skl2onnx's converters mended inside the block, restored after it."""
    from skl2onnx.common import _registration

    pool = _registration._converter_pool
    saved = {alias: pool[alias] for alias in _mended_aliases()}
    install_converter_mends()
    try:
        yield
    finally:
        pool.update(saved)


def conversion_problem(estimator, n_features: int, *, target_opset=None):
    """Convert ``estimator`` alone: the error message if that fails, else None.

    A trial on one row of zeros (conversion depends on types and shapes only),
    classifiers without ZipMap; the message is cut to 500 characters.
    """
    from ._graph import _allowed_options, _steps

    options = {
        id(step): {"zipmap": False}
        for step in _steps(estimator)
        if "zipmap" in _allowed_options(step)
    }
    X = np.zeros((1, n_features), dtype=np.float32)
    try:
        convert_with_fixes(
            estimator, X, options=options or None, target_opset=target_opset
        )
    except Exception as exc:  # skl2onnx raises many types
        message = f"{type(exc).__name__}: {exc}"
        return message if len(message) <= 500 else message[:500] + " ..."
    return None


def embedding_problem(distiller) -> str | None:
    """Why a student that converts alone cannot be embedded, if known."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import FeatureUnion

    from ._graph import _steps

    for step in _steps(distiller.student_):
        if isinstance(step, (ColumnTransformer, FeatureUnion)):
            kind = type(step).__name__
            return (
                f"its {kind} converts only at the top of a model in skl2onnx, not "
                "inside the distiller's graph. Move it in front of the distiller: "
                f"make_pipeline({kind}(...), {type(distiller).__name__}(student="
                "<the rest of the student>))."
            )
    return None


#: Whether a distiller's converter tries its student alone first (see
#: ``_converters.check_student``); :func:`skdistill.to_onnx` turns it off, as it
#: explains failures itself after the conversion.
_TRIAL = contextvars.ContextVar("skdistill_trial_conversions", default=True)


def trial_conversions_enabled() -> bool:
    return _TRIAL.get()


@contextlib.contextmanager
def trial_conversions(enabled: bool):
    """Turn the converters' trial conversion of students on or off inside."""
    token = _TRIAL.set(enabled)
    try:
        yield
    finally:
        _TRIAL.reset(token)


def initial_types(X_sample) -> list:
    """The graph inputs for ``X_sample``, as ``skl2onnx.to_onnx`` guesses them,
    except for two kinds of DataFrame column skl2onnx fails on: a text column
    (object or pandas string dtype, or a ``category`` of text) is a string
    input whatever its first value
    (skl2onnx looks at that value only, and fails on a missing one), and a
    pandas nullable number or boolean (``Int64``, ``Float64``, ``boolean``) is
    a float64 input, as scikit-learn reads it (missing values NaN)."""
    import pandas as pd
    from pandas.api.types import (
        is_bool_dtype,
        is_numeric_dtype,
        is_object_dtype,
        is_string_dtype,
    )
    from skl2onnx.algebra.type_helper import guess_initial_types
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    if not hasattr(X_sample, "columns"):
        return guess_initial_types(X_sample, None)
    types = []
    for name in X_sample.columns:
        dtype = X_sample[name].dtype
        nullable = isinstance(dtype, pd.api.extensions.ExtensionDtype) and (
            is_numeric_dtype(dtype) or is_bool_dtype(dtype)
        )
        text_categories = isinstance(dtype, pd.CategoricalDtype) and (
            is_object_dtype(dtype.categories.dtype)
            or is_string_dtype(dtype.categories.dtype)
        )
        if is_object_dtype(dtype) or is_string_dtype(dtype) or text_categories:
            types.append((name, StringTensorType([None, 1])))
        elif nullable and not isinstance(dtype, pd.CategoricalDtype):
            types.append((name, DoubleTensorType([None, 1])))
        else:
            types.extend(guess_initial_types(X_sample[[name]].iloc[:1], None))
    return types


def convert_with_fixes(model, X_sample, *, options=None, target_opset=None):
    """``skl2onnx.to_onnx`` with the converter mends for this call only."""
    from skl2onnx import convert_sklearn

    with mended_converters():
        return convert_sklearn(
            model,
            initial_types=initial_types(X_sample),
            target_opset=target_opset,
            name=f"ONNX({type(model).__name__})",
            options=options,
        )


# ------------------------------------------------------------------- export
def _members(teacher) -> list[tuple[str, object]]:
    if hasattr(teacher, "named_estimators_"):
        return list(teacher.named_estimators_.items())
    if hasattr(teacher, "estimators_") and isinstance(teacher.estimators_, list):
        return [(f"estimators_[{i}]", e) for i, e in enumerate(teacher.estimators_)]
    return []


def convert_teacher(teacher, X_sample, *, zipmap, target_opset):
    """Convert a teacher; a failure names the member of the ensemble that failed."""
    try:
        register_boosters()
    except OnnxExportError:  # no onnxmltools: only boosters will fail, by name
        pass
    if getattr(teacher, "flatten_transform", False):
        # skl2onnx refuses VotingClassifier(flatten_transform=True), which only
        # changes transform(); convert a shallow copy without it
        teacher = copy.copy(teacher)
        teacher.flatten_transform = False
    options = {id(teacher): {"zipmap": zipmap}} if is_classifier(teacher) else None
    try:
        return convert_with_fixes(
            teacher, X_sample, options=options, target_opset=target_opset
        )
    except Exception as exc:
        failed = []
        for name, member in _members(teacher):
            member = unfrozen(member)
            opts = {id(member): {"zipmap": False}} if is_classifier(member) else None
            try:
                convert_with_fixes(
                    member, X_sample, options=opts, target_opset=target_opset
                )
            except Exception as member_exc:
                message = f"{type(member_exc).__name__}: {member_exc}"[:400]
                failed.append(f"member {name!r} ({type(member).__name__}): {message}")
        where = "; ".join(failed) or f"{type(exc).__name__}: {str(exc)[:400]}"
        raise OnnxExportError(
            f"The teacher {type(teacher).__name__} could not be converted to ONNX "
            f"(target_opset={target_opset}). {where}"
        ) from exc
