"""The distillation report (skdistill.report)."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

import skdistill
from skdistill import DistilledClassifier, DistilledRegressor
from skdistill.report import DistillationReport, distillation_report, pareto_front

FAST = dict(n_synthetic=150, random_state=0)


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with threadpool_limits(1):
        yield


def clf_teacher():
    return HistGradientBoostingClassifier(max_iter=20, random_state=0)


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X[:, :8], y, train_size=200, test_size=120, random_state=0, stratify=y
    )
    model = DistilledClassifier(clf_teacher(), **FAST).fit(X_tr, y_tr)
    return model, X_tr, X_te, y_tr, y_te


@pytest.fixture(scope="module")
def binary_report(binary):
    model, X_tr, X_te, y_tr, y_te = binary
    return distillation_report(
        model, X_te, y_te, X_train=X_tr, y_train=y_tr, n_repeats=5
    )


def test_report_is_exported_at_top_level():
    assert skdistill.distillation_report is distillation_report


def test_classification_report_contents(binary, binary_report):
    model, *_ = binary
    r = binary_report
    assert isinstance(r, DistillationReport)
    assert r.task == "classification" and r.n_rows == 120
    assert set(r.quality) == {
        "teacher (raw)",
        "teacher (calibrated)",
        "student",
        "baseline",
    }
    for metrics in r.quality.values():
        assert 0 <= metrics["accuracy"] <= 1 and metrics["log_loss"] >= 0
    assert 0 <= r.fidelity["agreement"] <= 1 and 0 <= r.fidelity["mean_tv"] <= 1
    # calibration: held-out numbers from the fit and numbers on the given rows
    assert r.calibration["temperature"] == pytest.approx(model.temperature_)
    assert r.calibration["held_out"]["ece_after"] == pytest.approx(
        model.calibration_["ece_after"]
    )
    assert r.calibration["student"] == r.quality["student"]["ece"]
    # the baseline is the same student, fitted on the training rows
    assert r.baseline["n_fit"] == 200 and r.baseline["n_scored"] == 120
    assert r.size["student"]["nodes"] == model.student_.tree_.node_count
    assert r.size["teacher"]["nodes"] > r.size["student"]["nodes"]
    assert r.onnx["exported"] and r.onnx["label_agreement"] == 1.0
    assert r.onnx["max_abs_diff"] < 1e-9
    assert r.size["student"]["onnx_bytes"] == r.onnx["bytes"] > 0
    assert r.latency["student_onnx"] > 0 and r.latency["teacher"] > 0
    assert r.latency["speedup"] == pytest.approx(
        r.latency["teacher"] / r.latency["student_onnx"]
    )


def test_renderings(binary_report):
    r = binary_report
    data = r.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["quality"]["student"] == r.quality["student"]
    text = r.to_text()
    for heading in ("Quality", "Fidelity", "Calibration", "Size and single-row"):
        assert heading in text
    assert "same student, trained on labels" in text
    md = r.to_markdown()
    assert md.startswith("# Distillation report: DistilledClassifier")
    assert "| teacher (calibrated) |" in md and "## Calibration" in md
    assert str(r) == text


def test_baseline_on_a_split_without_training_rows(binary):
    model, _, X_te, _, y_te = binary
    r = distillation_report(model, X_te, y_te, n_repeats=3, onnx=False)
    assert r.baseline["n_fit"] + r.baseline["n_scored"] == 120
    assert "random half" in r.baseline["protocol"]
    assert "random half" in r.to_text()  # the footnote
    assert r.onnx == {"exported": False}
    assert r.latency["student_onnx"] is None


def test_warns_when_measured_rows_include_training_rows(binary, binary_report):
    model, X_tr, X_te, y_tr, y_te = binary
    assert not any("also in X_train" in w for w in binary_report.warnings)
    mixed = np.vstack([X_te[:90], X_tr[:30]])
    y_mixed = np.r_[y_te[:90], y_tr[:30]]
    kwargs = dict(X_train=X_tr, y_train=y_tr, n_repeats=3, onnx=False)
    r = distillation_report(model, mixed, y_mixed, **kwargs)
    assert [w for w in r.warnings if "also in X_train" in w] == [
        "30 of the 120 rows measured on (25.0%) are also in X_train: the models "
        "trained on them, so the figures on them are in-sample and flatter the "
        "models (the baseline most). Measure on rows none of the models trained on."
    ]


def test_duplicate_rows_shared_by_chance_are_not_warned_about():
    """Data with repeated rows: an honest split shares some; a few shared
    rows under twice X_train's own repeat rate are no warning, NaN rows and
    -0.0 compare as equal values."""
    from skdistill.report import _shared_rows

    rng = np.random.default_rng(0)
    pool = rng.integers(0, 3, size=(40, 2)).astype(float)  # 9 distinct rows
    X_tr, X_te = pool[:30], pool[30:]
    shared, repeated = _shared_rows(X_te, X_tr)
    assert shared == 10 and repeated > 0.5  # all shared, all by chance
    a = np.array([[np.nan, -0.0], [1.0, 2.0]])
    b = np.array([[-np.nan, 0.0]])
    assert _shared_rows(a, b) == (1, 0.0)


def test_warns_when_teacher_is_not_worth_distilling():
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0, stratify=y)
    weak = DummyClassifier(strategy="prior")
    model = DistilledClassifier(weak, **FAST).fit(X_tr, y_tr)
    r = distillation_report(
        model, X_te, y_te, X_train=X_tr, y_train=y_tr, n_repeats=3, onnx=False
    )
    assert any("not worth distilling" in w for w in r.warnings)
    assert "not worth distilling" in r.to_markdown()


def test_calibration_warning_follows_the_threshold(binary):
    model, X_tr, X_te, y_tr, y_te = binary
    kwargs = dict(X_train=X_tr, y_train=y_tr, n_repeats=3, onnx=False)
    strict = distillation_report(model, X_te, y_te, ece_threshold=0.0, **kwargs)
    lax = distillation_report(model, X_te, y_te, ece_threshold=1.0, **kwargs)
    assert any("badly calibrated" in w for w in strict.warnings)
    assert not any("badly calibrated" in w for w in lax.warnings)


def test_regression_report():
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = X[:250], X[250:350], y[:250], y[250:350]
    model = DistilledRegressor(
        HistGradientBoostingRegressor(max_iter=20, random_state=0), **FAST
    ).fit(X_tr, y_tr)
    r = distillation_report(model, X_te, y_te, X_train=X_tr, y_train=y_tr, n_repeats=3)
    assert r.task == "regression" and r.calibration is None
    assert set(r.quality) == {"teacher (raw)", "student", "baseline"}
    assert r.fidelity["r2"] == pytest.approx(
        skdistill.metrics.fidelity_r2(model.teacher_predict(X_te), model.predict(X_te))
    )
    assert r.onnx["exported"] and r.onnx["max_abs_diff"] < 1e-6
    assert "R^2" in r.to_text()
    json.dumps(r.to_dict())


def test_pipeline_with_text_columns():
    X, y = load_wine(return_X_y=True, as_frame=True)
    X = X.iloc[:, :5].copy()
    X["band"] = pd.Series(np.where(X["alcohol"] > 13, "high", "low"), dtype=object)
    y = y.to_numpy()
    pre = ColumnTransformer(
        [
            ("num", "passthrough", list(X.columns[:5])),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ["band"],
            ),
        ]
    )
    model = Pipeline(
        [("pre", pre), ("distill", DistilledClassifier(clf_teacher(), **FAST))]
    ).fit(X.iloc[::2], y[::2])
    r = distillation_report(model, X.iloc[1::2], y[1::2], n_repeats=3)
    assert r.model_name == "Pipeline(DistilledClassifier)"
    assert r.onnx["exported"] and r.onnx["label_agreement"] == 1.0
    assert r.quality["student"]["accuracy"] > 0.5


def test_plots_and_save(binary_report, tmp_path):
    pytest.importorskip("matplotlib")
    fig = binary_report.plot_reliability()
    assert len(fig.axes[0].lines) == 4  # diagonal, raw, calibrated, student
    written = binary_report.save(tmp_path)
    names = sorted(p.name for p in written)
    assert names == ["reliability.png", "report.json", "report.md"]
    assert (tmp_path / "reliability.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="no candidates"):
        binary_report.plot_pareto()


@pytest.mark.filterwarnings("ignore:Persisting input arguments:UserWarning")
def test_grid_search_candidates_and_pareto_front(binary, tmp_path):
    pytest.importorskip("matplotlib")
    _, X_tr, X_te, y_tr, y_te = binary
    search = GridSearchCV(
        DistilledClassifier(clf_teacher(), memory=str(tmp_path / "cache"), **FAST),
        {"student": ["tree", "linear"]},
        cv=2,
    ).fit(X_tr, y_tr)
    r = distillation_report(search, X_te, y_te, X_train=X_tr, y_train=y_tr, n_repeats=3)
    assert [c["name"] for c in r.candidates] == ["student=tree", "student=linear"]
    for c in r.candidates:
        assert 0 <= c["fidelity"] <= 1 and c["onnx_bytes"] > 0
    assert any(c["pareto_latency"] for c in r.candidates)
    assert any(c["pareto_size"] for c in r.candidates)
    assert "Candidates" in r.to_text()
    names = sorted(p.name for p in r.save(tmp_path / "out"))
    assert "pareto.png" in names
    # without the training rows the candidates cannot be refitted: said so
    r2 = distillation_report(search, X_te, y_te, n_repeats=3, onnx=False)
    assert r2.candidates == []
    assert any("X_train and y_train" in w for w in r2.warnings)


def test_pareto_front():
    assert pareto_front([0.9, 0.9], [1.0, 1.0]).tolist() == [True, True]
    assert pareto_front([0.9, 0.8], [1.0, 2.0]).tolist() == [True, False]
    assert pareto_front([0.9], [np.inf]).tolist() == [True]


def test_bad_inputs(binary):
    model, _, X_te, _, y_te = binary
    with pytest.raises(TypeError, match="DistilledClassifier"):
        distillation_report(clf_teacher(), X_te, y_te)
    with pytest.raises(ValueError, match="does not know"):
        distillation_report(model, X_te, np.full(len(y_te), 7), onnx=False)
    with pytest.raises(ValueError, match="rows"):
        distillation_report(model, X_te, y_te[:-1], onnx=False)
    for kwargs, words in [
        ({"ece_threshold": -1}, "ece_threshold must be in"),
        ({"ece_threshold": "x"}, "ece_threshold must be in"),
        ({"n_repeats": 0}, "n_repeats must be a positive int"),
        ({"onnx": "no"}, "onnx must be True or False"),
    ]:
        with pytest.raises(ValueError, match=words):
            distillation_report(model, X_te, y_te, **kwargs)


def test_onnx_disagreement_names_labels_and_probability_gaps():
    """The report warns when the export's labels differ or its probabilities
    (a regressor's predictions, relative to the targets) differ beyond
    rounding, not only when labels differ."""
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from skdistill.report import _onnx_disagreement

    clf, reg = LogisticRegression(), LinearRegression()
    y = np.array([0.0, 1.0])
    close = {"label_agreement": 1.0, "max_abs_diff": 3e-6}
    assert _onnx_disagreement(clf, close, y) is None
    far = {"label_agreement": 1.0, "max_abs_diff": 0.49}
    assert "probability difference is 0.49" in _onnx_disagreement(clf, far, y)
    both = {"label_agreement": 0.98, "max_abs_diff": 0.61}
    assert "labels differ on 2.0% of the rows" in _onnx_disagreement(clf, both, y)
    big = np.array([1e5, 2e5])
    assert _onnx_disagreement(reg, {"max_abs_diff": 0.5}, big) is None
    assert "prediction difference" in _onnx_disagreement(reg, {"max_abs_diff": 50}, big)


def test_a_constant_regression_student_is_flagged():
    from sklearn.linear_model import Lasso

    X, y = load_diabetes(return_X_y=True)
    teacher = HistGradientBoostingRegressor(max_iter=20, random_state=0)
    model = DistilledRegressor(teacher, Lasso(alpha=0.1), random_state=0)
    model.fit(X[:300], y[:300])
    report = distillation_report(model, X[300:], y[300:], onnx=False, n_repeats=5)
    assert any("(nearly) constant" in w for w in report.warnings), report.warnings


def test_float32_teacher_probabilities_give_no_log_loss_warning():
    import warnings

    from skdistill.report import _class_metrics

    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 3)).astype(np.float32)
    proba = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # float32 rows
    y = rng.integers(0, 3, 500)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        metrics = _class_metrics(y, proba.astype(np.float64), 3)
    assert metrics["log_loss"] > 0
