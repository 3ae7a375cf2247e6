"""ONNX export of distilled students (and of teachers, for comparison).

Importing :mod:`skdistill` registers converters for
:class:`~skdistill.DistilledClassifier`, :class:`~skdistill.DistilledRegressor`
and the early-stopping booster wrappers with skl2onnx, so
``skl2onnx.to_onnx(model_or_pipeline, X[:1])`` works as for any scikit-learn
model. :func:`to_onnx` adds sensible defaults (no ZipMap, optional file) and
:func:`verify_onnx` measures the parity with scikit-learn in onnxruntime.

The exported graph holds the student and the distiller's post-processing only,
never the teacher; :func:`teacher_to_onnx` exports the teacher separately
(XGBoost/LightGBM members need ``onnxmltools``).
"""

from ._api import OnnxParity, session, teacher_to_onnx, to_onnx, verify_onnx
from ._converters import register
from ._graph import OnnxExportError

register()

__all__ = [
    "OnnxExportError",
    "OnnxParity",
    "register",
    "session",
    "teacher_to_onnx",
    "to_onnx",
    "verify_onnx",
]
