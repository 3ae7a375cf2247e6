"""Exporting the teacher: the default ensemble's member types, and failures.

A scaled-down ensemble of the default teacher's four member types keeps the
test fast; the full default teacher is exported by benchmarks/bench_onnx.py.
"""

import warnings

import numpy as np
import pytest
import skl2onnx
from lightgbm import LGBMClassifier, LGBMRegressor
from onnx_cases import numeric_rows, targets
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
    VotingRegressor,
)
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier, XGBRegressor

from skdistill import (
    DistilledClassifier,
    DistilledRegressor,
    EarlyStoppingClassifier,
    EarlyStoppingRegressor,
)
from skdistill.onnx import OnnxExportError, teacher_to_onnx, to_onnx, verify_onnx


def small_teacher(task):
    if task == "regression":
        return VotingRegressor(
            [
                (
                    "xgboost",
                    EarlyStoppingRegressor(XGBRegressor(n_estimators=40, n_jobs=1)),
                ),
                (
                    "lightgbm",
                    EarlyStoppingRegressor(
                        LGBMRegressor(n_estimators=40, n_jobs=1, verbose=-1)
                    ),
                ),
                ("hgb", HistGradientBoostingRegressor(max_iter=20)),
                ("extra_trees", ExtraTreesRegressor(n_estimators=10)),
            ]
        )
    return VotingClassifier(
        [
            (
                "xgboost",
                EarlyStoppingClassifier(XGBClassifier(n_estimators=40, n_jobs=1)),
            ),
            (
                "lightgbm",
                EarlyStoppingClassifier(
                    LGBMClassifier(n_estimators=40, n_jobs=1, verbose=-1)
                ),
            ),
            ("hgb", HistGradientBoostingClassifier(max_iter=20)),
            ("extra_trees", ExtraTreesClassifier(n_estimators=10)),
        ],
        voting="soft",
    )


def with_missing(X, seed):
    """``X`` with about 15% of columns 0 and 2 missing."""
    X = X.copy()
    rng = np.random.default_rng(seed)
    for j in (0, 2):
        X[rng.random(len(X)) < 0.15, j] = np.nan
    return X


@pytest.mark.parametrize("missing", [False, True], ids=["complete", "missing"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_teacher_exports_and_matches(task, missing):
    """Every member type, also on rows with missing values (skl2onnx's tree
    converters drop the trees' NaN routing unless mended)."""
    pytest.importorskip("onnxmltools")  # optional: XGBoost/LightGBM converters
    X = numeric_rows(400, seed=1)
    y = targets(X, task)
    if missing:
        X = with_missing(X, seed=3)
    if task == "regression":
        model = DistilledRegressor(small_teacher(task), n_synthetic=100)
    else:
        model = DistilledClassifier(
            small_teacher(task), n_synthetic=100, calibration_cv=None
        )
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    onx = teacher_to_onnx(model, X[:1])
    # the boosters' converters are float32: feed float64 rows, the deployment
    # case, so thresholds equal to a float64 data value route as in sklearn
    X_test = numeric_rows(1000, seed=2, outside=250)
    if missing:
        X_test = with_missing(X_test, seed=4)
    result = verify_onnx(model.teacher_, onx, X_test)
    if task == "regression":
        scale = np.abs(model.teacher_.predict(X_test)).max()
        assert result.max_abs_diff <= 1e-5 * scale, result
    else:
        assert result.label_agreement == 1.0, result
        assert result.max_abs_diff <= 1e-5, result


class _Opaque(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1.0 / len(self.classes_))


def test_teacher_failure_names_the_member():
    X = numeric_rows(200, seed=1)
    y = targets(X, "binary")
    teacher = VotingClassifier(
        [("hgb", HistGradientBoostingClassifier(max_iter=5)), ("odd", _Opaque())],
        voting="soft",
    )
    with threadpool_limits(1):
        teacher.fit(X, y)
    with pytest.raises(OnnxExportError, match="member 'odd' \\(_Opaque\\)"):
        teacher_to_onnx(teacher, X[:1])


@pytest.mark.parametrize(
    "forest", [RandomForestClassifier, ExtraTreesClassifier, RandomForestRegressor]
)
def test_forest_student_routes_missing_values(forest):
    """A forest student (converted by skl2onnx inside the distiller's graph)
    sends missing values where its fitted trees do, by both export routes."""
    X = with_missing(numeric_rows(600, seed=1), seed=3)
    task = "regression" if forest is RandomForestRegressor else "binary"
    y = targets(numeric_rows(600, seed=1), task)
    cls = DistilledRegressor if task == "regression" else DistilledClassifier
    teacher = (
        HistGradientBoostingRegressor(max_iter=20)
        if task == "regression"
        else HistGradientBoostingClassifier(max_iter=20)
    )
    student = forest(n_estimators=5, max_depth=6, random_state=0)
    with threadpool_limits(1):
        model = cls(teacher, student, n_synthetic=200, random_state=0).fit(X, y)
    X_test = with_missing(numeric_rows(1000, seed=2), seed=4)
    X32 = X_test.astype(np.float32)
    for onx in (to_onnx(model, X32[:1]), skl2onnx.to_onnx(model, X32[:1])):
        result = verify_onnx(model, onx, X32)
        if task == "regression":
            scale = np.abs(model.predict(X32)).max()
            assert result.max_abs_diff <= 1e-5 * scale, result
        else:
            assert result.label_agreement == 1.0, result
            assert result.max_abs_diff <= 1e-5, result


@pytest.mark.parametrize("option", [None, "decision_leaf"])
def test_multi_output_forest_and_decision_leaf_route_missing_values(option):
    """skl2onnx writes these trees one at a time as tree 0: the mend finds
    each one's fitted tree by its structure."""
    from skdistill.onnx._teacher import convert_with_fixes

    X = with_missing(numeric_rows(800, seed=1), seed=3)
    z = numeric_rows(800, seed=1)
    if option is None:  # two outputs
        y = np.column_stack([z[:, 0] > 0, z[:, 1] + z[:, 2] > 0]).astype(int)
    else:
        y = (z[:, 0] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=5, max_depth=6, random_state=0)
    forest.fit(X, y)
    options = {"zipmap": False} if option is None else {"zipmap": False, option: True}
    onx = convert_with_fixes(
        forest, X[:1].astype(np.float32), options={id(forest): options}
    )
    import onnxruntime as ort

    sess = ort.InferenceSession(onx.SerializeToString())
    X_test = with_missing(numeric_rows(500, seed=2), seed=4).astype(np.float32)
    outputs = sess.run(None, {sess.get_inputs()[0].name: X_test})
    if option is None:
        proba = np.asarray(outputs[1])
        expected = np.stack(forest.predict_proba(X_test))
        np.testing.assert_allclose(proba.reshape(expected.shape), expected, atol=1e-6)
    else:
        leaves = np.asarray(outputs[-1]).reshape(len(X_test), -1)
        np.testing.assert_array_equal(leaves, forest.apply(X_test))


def test_mends_are_scoped_to_the_package_conversions(monkeypatch):
    """skdistill.to_onnx mends skl2onnx's converters for its own call only;
    skl2onnx.to_onnx on a distiller installs them for good."""
    from skl2onnx.common import _registration
    from skl2onnx.operator_converters.random_forest import (
        convert_sklearn_random_forest_classifier,
    )

    alias = "SklearnRandomForestClassifier"
    pristine = _registration.RegisteredConverter(
        convert_sklearn_random_forest_classifier,
        _registration.get_converter(alias).get_allowed_options(),
    )
    # earlier tests may have installed the mends for good: start unmended
    monkeypatch.setitem(_registration._converter_pool, alias, pristine)
    X = with_missing(numeric_rows(300, seed=1), seed=3)
    y = targets(numeric_rows(300, seed=1), "binary")
    model = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=10),
        RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0),
        n_synthetic=50,
        random_state=0,
    ).fit(X, y)
    X32 = X[:1].astype(np.float32)
    to_onnx(model, X32)
    assert _registration.get_converter(alias) is pristine
    skl2onnx.to_onnx(model, X32)
    assert getattr(_registration.get_converter(alias), "_skdistill_mended", False)
