"""skl2onnx parser, shape calculators and converters of the distillers.

:func:`register` makes ``skl2onnx.to_onnx`` understand :class:`DistilledClassifier`
and :class:`DistilledRegressor`, alone or as the last step of a Pipeline, and
scikit-learn's ``FrozenEstimator`` (exported as the estimator it wraps). It
runs when :mod:`skdistill` is imported; calling it again is harmless.

Outputs follow skl2onnx's contracts: a classifier has ``label`` (shape (N,):
int64 for integer or boolean classes, string for string classes, double for
float classes) and ``probabilities`` (N, n_classes), both turned into a ZipMap
by the ``zipmap`` option (``True``, ``False`` or ``'columns'``; skl2onnx's
default is ``True``); a regressor has one output ``variable`` of shape
(N, n_outputs), (N, 1) for a model fitted on 1-D ``y``.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx._parse import _parse_sklearn, _parse_sklearn_classifier
from skl2onnx.algebra.onnx_ops import OnnxCast, OnnxConcat, OnnxGather
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils import (
    check_input_and_output_numbers,
    check_input_and_output_types,
)
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import StandardScaler

from .._binning import BinnedColumns
from .._categorical import OneHotColumns
from .._distill import DistilledClassifier, DistilledRegressor, _student_has_proba
from .._soft_mlp import SoftTargetMLPClassifier
from . import _dense
from . import _graph as g
from ._additive import additive_net, binned_columns, classifier_node, regressor_node
from ._onehot_fold import dense_input, split_dense_steps
from ._teacher import (
    conversion_problem,
    embedding_problem,
    install_converter_mends,
    trial_conversions_enabled,
)

_NUMERIC_INPUTS = [FloatTensorType, DoubleTensorType, Int64TensorType]


# ------------------------------------------------------------------ helpers
def graph_dtype(inputs):
    """float64 when every input is double, float32 otherwise."""
    if all(isinstance(v.type, DoubleTensorType) for v in inputs):
        return np.float64
    return np.float32


def tensor_type(dtype):
    return DoubleTensorType if dtype == np.float64 else FloatTensorType


def _input(inputs, dtype, opv):
    """The single (N, n_features) input in the graph's precision."""
    parts = []
    for var in inputs:
        ok = isinstance(var.type, tensor_type(dtype))
        parts.append(
            var if ok else OnnxCast(var, to=g.proto_type(dtype), op_version=opv)
        )
    if len(parts) == 1:
        return parts[0]
    return OnnxConcat(*parts, axis=1, op_version=opv)


def _check_opset(container, model):
    opv = container.target_opset
    if opv is not None and opv < g.MIN_OPSET:
        raise g.OnnxExportError(
            f"Exporting {type(model).__name__} needs target_opset >= "
            f"{g.MIN_OPSET}; got {opv}."
        )
    return opv


def label_kind(classes) -> str:
    """'int', 'str' or 'float': how the label output is typed."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "biu":
        return "int"
    if classes.dtype.kind == "f":
        return "float"
    if all(isinstance(c, str) for c in classes.tolist()):
        return "str"
    raise g.OnnxExportError(
        "ONNX labels must all be integers, all strings or all floats; classes_ "
        f"holds {sorted({type(c).__name__ for c in classes.tolist()})}."
    )


def _label_table(classes) -> np.ndarray:
    kind = label_kind(classes)
    if kind == "int":
        return np.asarray(classes).astype(np.int64)
    if kind == "float":
        return np.asarray(classes, dtype=np.float64)
    return np.array([str(c) for c in classes], dtype=object)


def _student_name(model) -> str:
    student = model.student_
    return f"the student {type(student).__name__} of {type(model).__name__}"


def _add(nodes, scope, container, model):
    """Add the expressions; report failures inside the student by its type."""
    try:
        for node in nodes:
            node.add_to(scope, container)
    except g.OnnxExportError:
        raise
    except Exception as exc:  # skl2onnx raises many types
        message = str(exc)
        if len(message) > 600:
            message = message[:600] + " ..."
        raise g.OnnxExportError(
            f"skl2onnx failed to convert {_student_name(model)} "
            f"({type(exc).__name__}): {message}"
        ) from exc


def _native(step) -> bool:
    """Whether this module writes the step's nodes itself (no sub-estimator)."""
    return (
        g._is_tree(step)
        or g._exact_imputer(step)
        or isinstance(step, (OneHotColumns, BinnedColumns))
        or _dense.dense_net(step) is not None
        or isinstance(step, StandardScaler)
    )


def check_student(model, opv) -> None:
    """Fail early, naming the student, where its conversion would fail later.

    skl2onnx converts a student this module does not write itself as a
    sub-estimator *after* this converter has returned, so a failure there would
    surface as a bare skl2onnx error. Such a student is first checked for parts
    that cannot be embedded (a ColumnTransformer) and tried alone, unless
    :func:`skdistill.to_onnx` is converting (it explains failures itself); and
    skl2onnx's converters get their mends (HistGradientBoosting under protobuf
    7, the trees' missing-value routing:
    :func:`~skdistill.onnx._teacher.install_converter_mends`), wherever such a
    model sits inside the student.
    """
    student = model.student_
    g.check_convertible(student, _student_name(model))
    if all(_native(p) for p in g._steps(student)):
        return
    install_converter_mends()
    if not trial_conversions_enabled():
        return
    problem = embedding_problem(model) or conversion_problem(
        student, model.n_features_in_, target_opset=opv
    )
    if problem is not None:
        raise g.OnnxExportError(
            f"skl2onnx cannot convert {_student_name(model)}: {problem}"
        )


# ------------------------------------------------------------- classifier
def _dense_classifier(model, X, classes, dtype, opv, outputs):
    """The lean graph of an MLP or linear student, or None if it does not apply.

    Applies when the student's ``predict_proba`` is the softmax (or sigmoid) of
    its last layer over every class and no softening temperature is undone at
    predict time.
    """
    if model.softening_temperature != 1.0:
        return None
    steps = g._steps(model.student_)
    transformers, net = split_dense_steps(steps, dtype)
    n_classes = len(classes)
    if net is None or not _dense.classifier_proba_logits(net, n_classes):
        return None
    if not np.array_equal(np.asarray(steps[-1].classes_), np.arange(n_classes)):
        return None
    additive = additive_net(steps)
    if additive is not None and dtype == np.float32 and classes.dtype.kind in "iO":
        # a linear model on bins: one TreeEnsembleClassifier
        return classifier_node(*additive, X, classes, opv, outputs)
    X, net, addend = dense_input(transformers, net, X, dtype, opv)
    return _dense.classifier(net, X, classes, dtype, opv, outputs, addend)


def _nocl(scope, model) -> bool:
    return bool(scope.get_options(model, dict(nocl=False))["nocl"])


def parse_distilled_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser, refusing float labels in a ZipMap early."""
    options = scope.get_options(model, dict(zipmap=True))
    float_labels = label_kind(model.classes_) == "float" and not _nocl(scope, model)
    if float_labels and options["zipmap"] is not False:
        raise g.OnnxExportError(
            f"{type(model).__name__} has float class labels "
            f"{np.asarray(model.classes_)[:5].tolist()}, which the ZipMap of "
            f"zipmap={options['zipmap']!r} cannot key on (it names outputs and map "
            "keys by integer or string labels). Export with zipmap=False (the "
            "label output is then a double tensor), or fit on integer or string "
            "labels."
        )
    return _parse_sklearn_classifier(
        scope, model, inputs, custom_parsers=custom_parsers
    )


def label_tensor_type(classes, nocl: bool = False):
    """The skl2onnx type of the label output for these classes."""
    if nocl:
        return Int64TensorType
    return {
        "int": Int64TensorType,
        "str": StringTensorType,
        "float": DoubleTensorType,
    }[label_kind(classes)]


def shape_distilled_classifier(operator):
    check_input_and_output_numbers(
        operator, input_count_range=[1, None], output_count_range=2
    )
    check_input_and_output_types(operator, good_input_types=_NUMERIC_INPUTS)
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    label_type = label_tensor_type(model.classes_, _nocl(operator.scope_inst, model))
    operator.outputs[0].type = label_type(shape=[n_rows])
    dtype = graph_dtype(operator.inputs)
    zipmap = operator.scope_inst.get_options(model, dict(zipmap=True))["zipmap"]
    if dtype == np.float64 and zipmap is True:
        raise g.OnnxExportError(
            "ONNX ZipMap only holds float32 probabilities, and this graph is "
            "float64 (the input is double). Export with zipmap=False (a plain "
            "(N, n_classes) tensor) or zipmap='columns', or with float32 input."
        )
    operator.outputs[1].type = tensor_type(dtype)(shape=[n_rows, len(model.classes_)])


def convert_distilled_classifier(scope, operator, container):
    model = operator.raw_operator
    classifier_graph(
        scope,
        container,
        model,
        operator.inputs,
        operator.outputs[0],
        operator.outputs[1],
        nocl=_nocl(scope, model),
    )


def classifier_graph(
    scope, container, model, inputs, label_name, proba_name, nocl=False
):
    """Add the nodes writing a distiller's labels and probabilities.

    ``label_name`` and ``proba_name`` are the output variables (or names);
    ``nocl=True`` makes the labels class indices.
    """
    opv = _check_opset(container, model)
    dtype = graph_dtype(inputs)
    X = _input(inputs, dtype, opv)
    student = model.student_
    check_student(model, opv)
    classes = _label_table(model.classes_)
    n_classes = len(classes)
    if nocl:  # option nocl: labels are class indices
        classes = np.arange(n_classes, dtype=np.int64)
    has_proba = _student_has_proba(model)
    *transformers, final = g._steps(student)

    if has_proba and g._is_tree(final):
        # the whole model is a lookup table indexed by the tree's leaf
        for step in transformers:
            X = g.transform(step, X, dtype, opv)
        proba_table, label_index = g.tree_tables(model, final)
        leaves = g.leaves_of(final)
        proba32 = proba_table[leaves].astype(np.float32)
        if dtype == np.float32 and np.array_equal(
            np.argmax(proba32, axis=1), label_index[leaves]
        ):
            # float32 rounding changes no leaf's label (ArgMax takes the first
            # maximum, as numpy): one tree node gives the probabilities
            proba = g.tree_values(final, X, proba_table, opv, [proba_name])
            label = g.argmax_labels(proba, classes, opv, [label_name])
            _add([proba, label], scope, container, model)
            return
        leaf = g.leaf_index(final, X, dtype, opv)
        nodes = [
            OnnxGather(
                proba_table.astype(dtype),
                leaf,
                axis=0,
                op_version=opv,
                output_names=[proba_name],
            ),
            OnnxGather(
                classes[label_index],
                leaf,
                axis=0,
                op_version=opv,
                output_names=[label_name],
            ),
        ]
        _add(nodes, scope, container, model)
        return

    mode = model.student_mode_
    if has_proba and mode in ("soft_cross_entropy", "teacher_labels"):
        nodes = _dense_classifier(
            model, X, classes, dtype, opv, [label_name, proba_name]
        )
        if nodes is not None:
            _add(nodes, scope, container, model)
            return
    if not has_proba:
        index = OnnxCast(
            g.classifier_output(student, X, dtype, opv, "labels"),
            to=TensorProto.INT64,
            op_version=opv,
        )
        proba = g.identity(g.one_hot(index, n_classes, dtype, opv), opv, [proba_name])
        label = OnnxGather(
            classes, index, axis=0, op_version=opv, output_names=[label_name]
        )
        _add([proba, label], scope, container, model)
        return
    if mode in ("soft_cross_entropy", "teacher_labels"):
        proba = g.classifier_output(student, X, dtype, opv, "proba")
        proba = g.scatter_columns(proba, final.classes_, n_classes, dtype, opv)
    else:
        n_outputs = 1 if n_classes == 2 else n_classes
        raw = g.regressor_output(student, X, dtype, opv, n_outputs)
        proba = g.regressed_proba(raw, mode, n_classes, dtype, opv)
    proba = g.sharpen(proba, model.softening_temperature, dtype, opv)
    proba = g.identity(proba, opv, [proba_name])
    label = g.argmax_labels(proba, classes, opv, output_names=[label_name])
    _add([proba, label], scope, container, model)


# -------------------------------------------------------------- regressor
def _n_outputs(model) -> int:
    return len(np.atleast_1d(model.target_mean_))


def shape_distilled_regressor(operator):
    check_input_and_output_numbers(
        operator, input_count_range=[1, None], output_count_range=1
    )
    check_input_and_output_types(operator, good_input_types=_NUMERIC_INPUTS)
    n_rows = operator.inputs[0].get_first_dimension()
    dtype = graph_dtype(operator.inputs)
    operator.outputs[0].type = tensor_type(dtype)(
        shape=[n_rows, _n_outputs(operator.raw_operator)]
    )


def convert_distilled_regressor(scope, operator, container):
    model = operator.raw_operator
    opv = _check_opset(container, model)
    dtype = graph_dtype(operator.inputs)
    X = _input(operator.inputs, dtype, opv)
    student = model.student_
    check_student(model, opv)
    n_outputs = _n_outputs(model)
    out_name = operator.outputs[0]
    *transformers, final = g._steps(student)
    scale = np.asarray(model.target_scale_, dtype=np.float64)
    mean = np.asarray(model.target_mean_, dtype=np.float64)
    if g._is_tree(final):
        for step in transformers:
            X = g.transform(step, X, dtype, opv)
        raw = g.tree_raw_table(final)
        table = raw.reshape(len(raw), -1) * scale + mean  # as predict() computes it
        if dtype == np.float32:
            node = g.tree_values(final, X, table, opv, [out_name])
        else:
            node = OnnxGather(
                table.astype(dtype),
                g.leaf_index(final, X, dtype, opv),
                axis=0,
                op_version=opv,
                output_names=[out_name],
            )
    elif (
        dtype == np.float32
        and (additive := additive_net([*transformers, final])) is not None
    ):
        # a linear model on bins: one TreeEnsembleRegressor
        bins, net = additive
        net = _dense.output_scaled(net, scale, mean)
        node = regressor_node(bins, net, X, [out_name])
    else:
        transformers, net = split_dense_steps([*transformers, final], dtype)
        if net is not None and net.output == "identity":
            # the target scaling first: a linear regressor's only layer may add
            # the categorical lookups, which must be scaled with it
            net = _dense.output_scaled(net, scale, mean)
            X, net, addend = dense_input(transformers, net, X, dtype, opv)
            node = _dense.raw_output(
                net, X, dtype, opv, output_names=[out_name], addend=addend
            )
        else:
            raw = g.regressor_output(student, X, dtype, opv, n_outputs)
            node = g.scale_predictions(raw, scale, mean, dtype, opv, [out_name])
    _add([node], scope, container, model)


# ------------------------------------------------------------ registration
_REGISTERED = False


def register_soft_mlp_converter() -> None:
    """Convert :class:`SoftTargetMLPClassifier` as skl2onnx converts its parent.

    A fitted one is an ``MLPClassifier`` in every attribute the converter reads
    (``coefs_``, ``intercepts_``, ``out_activation_``, ``classes_``).
    """
    from skl2onnx.operator_converters.multilayer_perceptron import (
        convert_sklearn_mlp_classifier,
    )
    from skl2onnx.shape_calculators.linear_classifier import (
        calculate_linear_classifier_output_shapes,
    )

    update_registered_converter(
        SoftTargetMLPClassifier,
        "SkdistillSoftTargetMLPClassifier",
        calculate_linear_classifier_output_shapes,
        convert_sklearn_mlp_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )


def parse_frozen(scope, model, inputs, custom_parsers=None):
    """A ``FrozenEstimator`` exports as the fitted estimator it wraps (the
    frozen-teacher recipe puts one around a Pipeline's preprocessing, in
    front of the distiller); options given for the wrapper (``zipmap``,
    ``nocl``, ...) apply to what it wraps."""
    inner = model.estimator
    options = scope.options
    if options is not None and id(model) in options:
        options[id(inner)] = {**options[id(model)], **options.get(id(inner), {})}
    return _parse_sklearn(scope, inner, inputs, custom_parsers=custom_parsers)


def _frozen_shape(operator):  # pragma: no cover - the parser unwraps
    raise RuntimeError("a FrozenEstimator is exported as the estimator it wraps")


def _frozen_converter(scope, operator, container):  # pragma: no cover
    _frozen_shape(operator)


def shape_one_hot_columns(operator):
    """Same type as the input; one column per numeric column and indicator."""
    est = operator.raw_operator
    source, _, _ = est.output_table()
    n_rows = operator.inputs[0].get_first_dimension()
    kind = type(operator.inputs[0].type)
    operator.outputs[0].type = kind([n_rows, len(est.numeric_) + len(source)])


def convert_one_hot_columns(scope, operator, container):
    """:func:`skdistill.onnx._graph.one_hot_columns` as a converter."""
    opv = container.target_opset
    node = g.one_hot_columns(
        operator.raw_operator,
        operator.inputs[0],
        graph_dtype(operator.inputs),
        opv,
        output_names=[operator.outputs[0].full_name],
    )
    node.add_to(scope, container)


def shape_binned_columns(operator):
    """Same type as the input; one column per indicator."""
    n_rows = operator.inputs[0].get_first_dimension()
    kind = type(operator.inputs[0].type)
    width = int(operator.raw_operator.offsets_[-1])
    operator.outputs[0].type = kind([n_rows, width])


def convert_binned_columns(scope, operator, container):
    """:func:`skdistill.onnx._additive.binned_columns` as a converter."""
    node = binned_columns(
        operator.raw_operator,
        operator.inputs[0],
        graph_dtype(operator.inputs),
        container.target_opset,
        output_names=[operator.outputs[0].full_name],
    )
    node.add_to(scope, container)


def register() -> None:
    """Register the distillers' converters with skl2onnx (idempotent)."""
    global _REGISTERED
    if _REGISTERED:
        return
    update_registered_converter(
        DistilledClassifier,
        "SkdistillDistilledClassifier",
        shape_distilled_classifier,
        convert_distilled_classifier,
        parser=parse_distilled_classifier,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )
    update_registered_converter(
        DistilledRegressor,
        "SkdistillDistilledRegressor",
        shape_distilled_regressor,
        convert_distilled_regressor,
    )
    register_soft_mlp_converter()
    update_registered_converter(
        FrozenEstimator,
        "SkdistillFrozenEstimator",
        _frozen_shape,
        _frozen_converter,
        parser=parse_frozen,
    )
    update_registered_converter(
        OneHotColumns,
        "SkdistillOneHotColumns",
        shape_one_hot_columns,
        convert_one_hot_columns,
    )
    update_registered_converter(
        BinnedColumns,
        "SkdistillBinnedColumns",
        shape_binned_columns,
        convert_binned_columns,
    )
    from ._cascade import register_cascade_converter
    from ._teacher import register_teacher_converters

    register_cascade_converter()
    register_teacher_converters()
    _REGISTERED = True
