"""ONNX export of the teacher (for comparison and fallback deployment).

The default teacher is a soft vote of :class:`EarlyStoppingClassifier` (XGBoost),
:class:`EarlyStoppingClassifier` (LightGBM), HistGradientBoosting and
extra-trees. skl2onnx converts the vote, HistGradientBoosting and extra-trees;
XGBoost and LightGBM need ``onnxmltools`` (imported only here, on first use),
whose converters require the ``ai.onnx.ml`` opset to be at most 3.

skl2onnx 1.20's HistGradientBoosting converter passes numpy booleans to an
integer ONNX attribute, which protobuf >= 7 refuses (``Expected an int, got a
boolean``). :func:`teacher_to_onnx` runs it through a container that turns
booleans into integers, for that call only (``custom_conversion_functions``).
Only a distiller converted by ``skl2onnx.to_onnx`` itself, whose student
embeds a model skl2onnx converts as a sub-estimator, has no such call to hook:
its converter installs the same mend in skl2onnx's registry, once
(:func:`install_hgb_fix`).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy

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
from sklearn.frozen import FrozenEstimator

from .._teacher import EarlyStoppingClassifier, EarlyStoppingRegressor
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


# ------------------------------------------------ HistGradientBoosting fix
class _IntAttributeContainer:
    """Forwards to skl2onnx's container; booleans in list attributes become ints."""

    def __init__(self, container):
        self._container = container

    def __getattr__(self, name):
        return getattr(self._container, name)

    def add_node(self, *args, **attrs):
        for key, value in attrs.items():
            if isinstance(value, (list, tuple)) and any(
                isinstance(v, (bool, np.bool_)) for v in value
            ):
                attrs[key] = [int(v) for v in value]
        return self._container.add_node(*args, **attrs)


def _with_int_attributes(converter):
    def convert(scope, operator, container):
        return converter(scope, operator, _IntAttributeContainer(container))

    return convert


def hgb_conversion_functions() -> dict:
    from skl2onnx.common._registration import get_converter
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    return {
        HistGradientBoostingClassifier: _with_int_attributes(
            get_converter("SklearnHistGradientBoostingClassifier")
        ),
        HistGradientBoostingRegressor: _with_int_attributes(
            get_converter("SklearnHistGradientBoostingRegressor")
        ),
    }


#: skl2onnx's names of the converters :func:`hgb_conversion_functions` mends.
_HGB_CONVERTERS = (
    "SklearnHistGradientBoostingClassifier",
    "SklearnHistGradientBoostingRegressor",
)


def install_hgb_fix() -> None:
    """Mend skl2onnx's registered HistGradientBoosting converters, once.

    :func:`convert_with_fixes` mends them for one call only. A distiller
    converted by ``skl2onnx.to_onnx`` itself (in a user's pipeline) has no such
    call: its converter installs this before it embeds a HistGradientBoosting
    student. The mended converter only writes boolean list attributes as the
    integers ONNX defines them to be, which every protobuf accepts.
    """
    from skl2onnx.common._registration import get_converter, register_converter

    for name in _HGB_CONVERTERS:
        try:
            current = get_converter(name)
        except ValueError:  # pragma: no cover - a skl2onnx without it
            continue
        if getattr(current, "_skdistill_mended", False):
            continue
        register_converter(
            name,
            _with_int_attributes(current),
            overwrite=True,
            options=current.get_allowed_options(),
        )
        get_converter(name)._skdistill_mended = True


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


def convert_with_fixes(model, X_sample, *, options=None, target_opset=None):
    """``skl2onnx.to_onnx`` with the HistGradientBoosting fix for this call only."""
    from skl2onnx import convert_sklearn
    from skl2onnx.algebra.type_helper import guess_initial_types

    return convert_sklearn(
        model,
        initial_types=guess_initial_types(X_sample, None),
        target_opset=target_opset,
        name=f"ONNX({type(model).__name__})",
        options=options,
        custom_conversion_functions=hgb_conversion_functions(),
    )


# ------------------------------------------------------------------- export
def _unwrap(teacher):
    while isinstance(teacher, FrozenEstimator):
        teacher = teacher.estimator
    return teacher


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
            member = _unwrap(member)
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
