"""ONNX export of a :class:`~skdistill.DistilledCascade`: the student plus routing.

The graph holds the distilled student only (the teacher stays where it is
served) and four outputs, so the serving side can route each row:

* ``label`` and ``probabilities``: the student's answer, as for a
  :class:`~skdistill.DistilledClassifier`;
* ``confidence``: the student's confidence as the cascade measures it
  (``max_proba``: the top probability; ``margin``: the gap between the two
  most probable classes), shape (N,);
* ``use_student``: boolean, shape (N,): ``confidence >= threshold_``. Rows
  where it is False go to the teacher (e.g. its own ONNX export,
  :func:`skdistill.onnx.teacher_to_onnx`); its label is the cascade's answer.

In a float32 graph the confidence is computed in float32, so a row whose
confidence lies within float32 rounding (~1e-7) of ``threshold_`` may be routed
differently than by :meth:`DistilledCascade.route`; a float64 graph routes as
scikit-learn does up to a few ulps.
"""

from __future__ import annotations

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_ops import (
    OnnxGather,
    OnnxGreaterOrEqual,
    OnnxSub,
    OnnxTopK,
)
from skl2onnx.common.data_types import BooleanTensorType, FloatTensorType
from skl2onnx.common.utils import check_input_and_output_numbers

from .._cascade import DistilledCascade
from . import _converters as c

OUTPUTS = ("label", "probabilities", "confidence", "use_student")


def parse_cascade(scope, model, inputs, custom_parsers=None):
    """Declare the cascade's four outputs."""
    operator = scope.declare_local_operator("SkdistillDistilledCascade", model)
    operator.inputs = inputs
    types = {
        "label": c.label_tensor_type(model.classes_)(),
        "probabilities": FloatTensorType(),
        "confidence": FloatTensorType(),
        "use_student": BooleanTensorType(),
    }
    for name in OUTPUTS:
        operator.outputs.append(scope.declare_local_variable(name, types[name]))
    return list(operator.outputs)


def shape_cascade(operator):
    check_input_and_output_numbers(
        operator, input_count_range=[1, None], output_count_range=4
    )
    model = operator.raw_operator
    n_rows = operator.inputs[0].get_first_dimension()
    dtype = c.graph_dtype(operator.inputs)
    label, proba, confidence, route = operator.outputs
    label.type = c.label_tensor_type(model.classes_)(shape=[n_rows])
    proba.type = c.tensor_type(dtype)(shape=[n_rows, len(model.classes_)])
    confidence.type = c.tensor_type(dtype)(shape=[n_rows])
    route.type = BooleanTensorType(shape=[n_rows])


def convert_cascade(scope, operator, container):
    model = operator.raw_operator
    label, proba, confidence, route = operator.outputs
    c.classifier_graph(
        scope, container, model.distiller_, operator.inputs, label, proba
    )
    opv = container.target_opset
    dtype = c.graph_dtype(operator.inputs)
    k = 1 if model.confidence == "max_proba" else 2
    top = OnnxTopK(proba, np.array([k], dtype=np.int64), axis=1, op_version=opv)[0]

    def column(j, output_names=None):
        index = np.array(j, dtype=np.int64)
        return OnnxGather(top, index, axis=1, op_version=opv, output_names=output_names)

    if k == 1:
        conf = column(0, [confidence])
    else:
        conf = OnnxSub(column(0), column(1), op_version=opv, output_names=[confidence])
    use = OnnxGreaterOrEqual(
        conf,
        np.array(model.threshold_, dtype=dtype),
        op_version=opv,
        output_names=[route],
    )
    for node in (conf, use):
        node.add_to(scope, container)


def register_cascade_converter() -> None:
    update_registered_converter(
        DistilledCascade,
        "SkdistillDistilledCascade",
        shape_cascade,
        convert_cascade,
        parser=parse_cascade,
    )
