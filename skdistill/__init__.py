"""skdistill: knowledge distillation for tabular machine learning.

Fit a heavy teacher ensemble, calibrate its probabilities with a temperature,
label real and synthetic rows with its soft targets, and train a compact student
(shallow tree, small MLP, linear model) that follows scikit-learn conventions
and exports to ONNX.
"""

from importlib.metadata import PackageNotFoundError, version

from ._binning import BinnedColumns
from ._calibration import expected_calibration_error, fit_temperature
from ._cascade import DistilledCascade
from ._distill import DistilledClassifier, DistilledRegressor
from ._loaded_teachers import keep_loaded_teachers
from ._soft_mlp import SoftTargetMLPClassifier
from ._students import make_student
from ._teacher import EarlyStoppingClassifier, EarlyStoppingRegressor, default_teacher
from .onnx import to_onnx, verify_onnx  # registers the skl2onnx converters
from .report import distillation_report

try:
    __version__ = version("skdistill")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "BinnedColumns",
    "DistilledCascade",
    "DistilledClassifier",
    "DistilledRegressor",
    "EarlyStoppingClassifier",
    "EarlyStoppingRegressor",
    "SoftTargetMLPClassifier",
    "__version__",
    "default_teacher",
    "distillation_report",
    "expected_calibration_error",
    "fit_temperature",
    "keep_loaded_teachers",
    "make_student",
    "to_onnx",
    "verify_onnx",
]
