"""Quality benchmark of skdistill: is a distilled student better than the same
student trained on the hard labels, how close does it get to the teacher, and
is it calibrated? (issue 4, inside the benchmark harness of issue 3)

Run from the repo root::

    python -m benchmarks.bench_quality --quick          # < 10 min
    python -m benchmarks.bench_quality --full           # all datasets, 3 seeds
    python -m benchmarks.bench_quality --summarize --tag full   # tables only

Protocol
--------
* Datasets from :mod:`benchmarks.datasets`. Category columns are **ordinal
  encoded** (integer codes in the loader's category order, NaN kept) and passed
  as ``categorical_features`` so the augmenters keep observed values; the
  students see the codes as numbers. Missing values are left as NaN (the
  default teacher and the 'tree'/'mlp'/'linear' students accept them).
* 75/25 split, stratified for classification, seeds 0, 1, 2. The training split
  is capped at 20,000 rows by a random (stratified) subsample. Classes with
  fewer than 50 rows are dropped first (only fars' ``Died_Prior_to_Accident``,
  9 of 100,968 rows; see :func:`benchmarks.common.make_split`).
* The test split is never used for fitting or for choosing anything.

How one teacher serves every variant (the clean way)
----------------------------------------------------
Per split the teacher is fitted once, by a **reference fit** of the library
defaults, ``DistilledClassifier(random_state=seed)`` (``teacher=None``,
``student='tree'``, ``augment='munge'``, ``n_synthetic='auto'``,
``calibration_cv=0.2``). The library fits the temperature on a 20% stratified
holdout scored by a *separate* teacher fitted on the other 80%, then fits the
final teacher on all training rows; so ``temperature_`` is an honest
out-of-sample temperature and ``fit_times_`` has the real cost of every phase.

Every other variant reuses that teacher as
``FrozenEstimator(CalibratedTeacher(model.teacher_, model.temperature_))`` with
``calibration_cv=None``: the wrapper returns ``softmax(log p / temperature_)``,
exactly the probabilities the reference fit labelled its transfer set with,
and ``calibration_cv=None`` stops the distiller from refitting a temperature on
rows the frozen teacher trained on (that would be the wrong, in-sample way).
Because the distiller derives its augmenter and student seeds from
``random_state`` alone, the frozen path with the reference settings reproduces
the reference student exactly (checked: ``sanity_same_as_reference``).

Variants per family: ``distilled`` (each augmenter at ``n_synthetic=2.0``, the
augmenter comparison), ``default`` (the library defaults: MUNGE with
``n_synthetic='auto'``, the per-family size; the targets are measured on it)
and ``sweep`` (``--sweep`` sizes).

The wrapper caches the teacher's outputs by the bytes of the rows it is asked
about, so the same synthetic rows (same augmenter, same seed) are labelled once
and reused by the three student families. This changes no number except the
``augment_and_label`` time of the cached fits (flagged ``label_cached``); the
overhead target uses the uncached reference fit.

Regression is the same with ``DistilledRegressor`` (no temperature).

Baselines: the **hard** variant is the library's own student for the family
(``skdistill.make_student``, same seed as the distilled student's) fitted on the
training rows and true labels. For regression it is wrapped in a
``TransformedTargetRegressor`` with a ``StandardScaler`` on ``y``, because the
distiller standardises the student's targets too (the MLP needs it).

Out-of-fold labels (``--oof``): the real rows are labelled with out-of-fold
teacher probabilities (3-fold cross-fitting with the default teacher, temperature
applied) instead of the in-sample probabilities of the teacher fitted on them;
synthetic rows keep the full teacher's labels; the student is fitted with the
same internal function the distiller uses (``_students.fit_classifier_student``
/ ``fit_weighted_regressor``), with the same seeds. Compared to the in-sample
variant with the same augmenter.

Metrics on the test split: accuracy, ROC AUC (binary; macro one-vs-rest for
multiclass), log-loss, ECE (15 bins) for classification; R^2 and RMSE for
regression; fidelity to the (calibrated) teacher: label agreement, or R^2 of the
student against the teacher's predictions. Teacher: the same metrics,
uncalibrated and calibrated, and ECE before/after the temperature on the
calibration rows (``model.calibration_``).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import pickle
import sys
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import (
    accuracy_score,
    log_loss,
    mean_squared_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from skdistill import (
    DistilledClassifier,
    DistilledRegressor,
    _students,
    expected_calibration_error,
)
from skdistill._distill import (
    AUTO_N_SYNTHETIC,
    AUTO_N_SYNTHETIC_REGRESSION,
    auto_n_synthetic,
)
from skdistill._soft_targets import soften
from skdistill._teacher import default_teacher, fill_random_state
from skdistill.augment import resolve_augmenter

from . import common
from .datasets import DATASETS, load

FAMILIES = ("tree", "mlp", "linear")
AUGMENTERS = ("none", "munge", "jitter", "interpolation", "marginal")


# ---------------------------------------------------------------- teacher reuse
def _key(X) -> bytes:
    X = np.ascontiguousarray(X, dtype=np.float64)
    return hashlib.blake2b(X.tobytes(), digest_size=16).digest() + bytes(
        str(X.shape), "ascii"
    )


class CalibratedTeacher(ClassifierMixin, BaseEstimator):
    """A fitted classifier with a fixed temperature applied to its probabilities.

    Meant to be wrapped in ``FrozenEstimator`` (it is never fitted). Outputs are
    cached by the bytes of ``X``.
    """

    def __init__(self, teacher=None, temperature=1.0):
        self.teacher = teacher
        self.temperature = temperature

    def fit(self, X, y=None):  # pragma: no cover - only used frozen
        raise RuntimeError("CalibratedTeacher is only used frozen.")

    def _setup(self):
        self.classes_ = np.asarray(self.teacher.classes_)
        self.n_features_in_ = self.teacher.n_features_in_
        self.cache_ = {}
        self.n_labelled_ = 0
        return self

    def predict_proba(self, X):
        k = _key(X)
        out = self.cache_.get(k)
        if out is None:
            out = soften(np.asarray(self.teacher.predict_proba(X)), self.temperature)
            self.cache_[k] = out
            self.n_labelled_ += len(X)
        return out.copy()

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class CachedRegressor(RegressorMixin, BaseEstimator):
    """A fitted regressor whose predictions are cached by the bytes of ``X``."""

    def __init__(self, teacher=None):
        self.teacher = teacher

    def fit(self, X, y=None):  # pragma: no cover - only used frozen
        raise RuntimeError("CachedRegressor is only used frozen.")

    def _setup(self):
        self.n_features_in_ = self.teacher.n_features_in_
        self.cache_ = {}
        self.n_labelled_ = 0
        return self

    def predict(self, X):
        k = _key(X)
        out = self.cache_.get(k)
        if out is None:
            out = np.asarray(self.teacher.predict(X), dtype=np.float64)
            self.cache_[k] = out
            self.n_labelled_ += len(X)
        return out.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


# ------------------------------------------------------------- serving costs
def serving_costs(models: dict, X_row, teacher, classification: bool) -> dict:
    """What each default student costs to serve, next to the teacher.

    Per student: the ONNX file's bytes and its single-row latency in ONNX
    Runtime (one intra-op thread, a cached session, float32; median of 600
    calls in interleaved rounds with ONNX Runtime's floor, an Identity model,
    measured in the same process). Shared: that floor, and the teacher's
    native single-row ``predict_proba``/``predict`` (median of 20 calls) and
    pickled size. These runs share the machine with the other split, so the
    latencies are noisier than ``bench_onnx``'s; the ratios to the floor are
    measured side by side.
    """
    from skdistill import to_onnx

    from .bench_onnx import identity_model, interleaved_latency, make_session, ort_call

    row32 = np.asarray(X_row, dtype=np.float32)
    calls, sizes = {}, {}
    for fam, model in models.items():
        onx = to_onnx(model, row32)
        sizes[fam] = len(onx.SerializeToString())
        calls[fam] = ort_call(make_session(onx), row32)
    calls["floor"] = ort_call(make_session(identity_model(row32.shape[1])), row32)
    lat = interleaved_latency(calls, 600, round_size=100)
    floor = lat["floor"]["p50_us"]
    predict = teacher.predict_proba if classification else teacher.predict
    row64 = np.asarray(X_row, dtype=np.float64)
    predict(row64)  # warm-up
    native = []
    for _ in range(20):
        t0 = time.perf_counter_ns()
        predict(row64)
        native.append((time.perf_counter_ns() - t0) / 1e3)
    return {
        "students": {
            fam: {
                "onnx_bytes": sizes[fam],
                "onnx_p50_us": lat[fam]["p50_us"],
                "onnx_over_floor": lat[fam]["p50_us"] / floor,
            }
            for fam in models
        },
        "shared": {
            "onnx_floor_p50_us": floor,
            "teacher_native_p50_us": float(np.median(native)),
            "teacher_pickle_bytes": len(pickle.dumps(teacher, protocol=5)),
        },
    }


# ---------------------------------------------------------------------- metrics
def clf_metrics(y_idx, proba, teacher_proba=None) -> dict:
    k = proba.shape[1]
    p = np.clip(proba, 1e-15, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    m = {
        "accuracy": accuracy_score(y_idx, p.argmax(axis=1)),
        "log_loss": log_loss(y_idx, p, labels=np.arange(k)),
        "ece": expected_calibration_error(y_idx, p, n_bins=15),
    }
    try:
        if k == 2:
            m["roc_auc"] = roc_auc_score(y_idx, p[:, 1])
        else:
            m["roc_auc"] = roc_auc_score(
                y_idx, p, multi_class="ovr", average="macro", labels=np.arange(k)
            )
    except ValueError:
        m["roc_auc"] = float("nan")
    if teacher_proba is not None:
        m["fidelity"] = float(np.mean(p.argmax(1) == teacher_proba.argmax(1)))
    return m


def reg_metrics(y, pred, teacher_pred=None) -> dict:
    m = {
        "r2": r2_score(y, pred),
        "rmse": float(np.sqrt(mean_squared_error(y, pred))),
    }
    if teacher_pred is not None:
        m["fidelity"] = r2_score(teacher_pred, pred)
    return m


# ------------------------------------------------------------------ one split
def _student_seed(random_state) -> int:
    """The seed the distiller gives its student for this ``random_state``."""
    return DistilledClassifier(random_state=random_state)._seeds()["student"]


def run_split(name, seed, families, augmenters, sweep_sizes, sweep_aug, oof, log):
    ds = load(name)
    sp = common.make_split(ds, seed)
    clf = sp.is_classification
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    base = dict(
        dataset=name,
        task=sp.task,
        seed=seed,
        n_train=len(sp.y_train),
        n_test=len(sp.y_test),
        n_features=sp.X_train.shape[1],
        n_categorical=int(sp.categorical_mask.sum()),
        notes="; ".join(sp.notes),
    )
    records = []

    def emit(rec):
        rec = {**base, **rec, "peak_rss_mb": common.peak_rss_mb()}
        records.append(rec)
        log(rec)

    # --- reference fit: library defaults, the one teacher of this split
    Distiller = DistilledClassifier if clf else DistilledRegressor
    t0 = time.perf_counter()
    ref = Distiller(
        random_state=seed,
        categorical_features=cat,
        n_jobs=common.N_JOBS,
        memory=common.stage_memory(),  # for bench_peers, which fits the same
    ).fit(sp.X_train, sp.y_train)
    ref_wall = time.perf_counter() - t0
    if clf:
        classes = ref.classes_
        y_te = np.searchsorted(classes, sp.y_test)
        raw_t = np.asarray(ref.teacher_.predict_proba(sp.X_test))
        cal_t = ref.teacher_predict_proba(sp.X_test)
        t_raw = clf_metrics(y_te, raw_t)
        t_cal = clf_metrics(y_te, cal_t)
        emit(
            dict(
                variant="teacher",
                family="teacher",
                metrics=t_cal,
                metrics_uncalibrated=t_raw,
                temperature=ref.temperature_,
                calibration=ref.calibration_,
                fit_times=ref.fit_times_,
                wall_time=ref_wall,
            )
        )
        wrapped = CalibratedTeacher(ref.teacher_, ref.temperature_)._setup()
        teacher_test = cal_t
    else:
        y_te = sp.y_test
        teacher_test = np.asarray(ref.teacher_predict(sp.X_test), dtype=np.float64)
        emit(
            dict(
                variant="teacher",
                family="teacher",
                metrics=reg_metrics(y_te, teacher_test),
                fit_times=ref.fit_times_,
                wall_time=ref_wall,
            )
        )
        wrapped = CachedRegressor(ref.teacher_)._setup()
    frozen = FrozenEstimator(wrapped)

    def evaluate(model_predict_proba_or_predict):
        out = model_predict_proba_or_predict(sp.X_test)
        if clf:
            return clf_metrics(y_te, out, teacher_test)
        return reg_metrics(y_te, out, teacher_test)

    ref_metrics = evaluate(ref.predict_proba if clf else ref.predict)
    emit(
        dict(
            variant="reference_default",
            family="tree",
            augment="munge",
            n_synthetic=ref.n_synthetic_ / len(sp.y_train),
            metrics=ref_metrics,
            fit_times=ref.fit_times_,
            overhead=ref.fit_times_.get("augment_and_label", 0)
            + ref.fit_times_.get("student", 0),
            teacher_fit_time=ref.fit_times_.get("teacher"),
            wall_time=ref_wall,
            n_synthetic_rows=ref.n_synthetic_,
        )
    )

    sseed = _student_seed(seed)

    # --- hard-label baselines
    for fam in families:
        # as the distiller builds the alias (categorical columns: linear only)
        student = _students.resolve_student(
            fam, "classification" if clf else "regression", sseed, sp.categorical_mask
        )
        if not clf:
            student = TransformedTargetRegressor(
                regressor=student, transformer=StandardScaler()
            )
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            student.fit(sp.X_train, sp.y_train)
        fit_t = time.perf_counter() - t0
        if clf:
            proba = np.zeros((len(y_te), len(classes)))
            cols = np.searchsorted(classes, student.classes_)
            proba[:, cols] = student.predict_proba(sp.X_test)
            m = clf_metrics(y_te, proba, teacher_test)
        else:
            m = reg_metrics(y_te, student.predict(sp.X_test), teacher_test)
        emit(dict(variant="hard", family=fam, metrics=m, wall_time=fit_t))

    # --- distilled variants with the frozen teacher
    task = "classification" if clf else "regression"

    def distil(fam, aug, n_syn, variant, record_only=False):
        kw = dict(calibration_cv=None) if clf else {}
        model = Distiller(
            teacher=frozen,
            student=fam,
            augment=aug,
            n_synthetic=n_syn,
            categorical_features=cat,
            random_state=seed,
            n_jobs=common.N_JOBS,
            **kw,
        )
        before = wrapped.n_labelled_
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(sp.X_train, sp.y_train)
        wall = time.perf_counter() - t0
        m = evaluate(model.predict_proba if clf else model.predict)
        rec = dict(
            variant=variant,
            family=fam,
            augment=aug,
            n_synthetic=model.n_synthetic_ / len(sp.y_train)
            if n_syn == "auto"
            else n_syn,
            n_synthetic_param=n_syn,
            metrics=m,
            fit_times=model.fit_times_,
            label_cached=wrapped.n_labelled_ == before,
            wall_time=wall,
            n_synthetic_rows=model.n_synthetic_,
        )
        if (
            fam == "tree"
            and aug == "munge"
            and n_syn in ("auto", auto_n_synthetic(fam, task))
        ):
            p_ref = (ref.predict_proba if clf else ref.predict)(sp.X_test)
            p_new = (model.predict_proba if clf else model.predict)(sp.X_test)
            rec["sanity_same_as_reference"] = bool(np.allclose(p_ref, p_new))
        if record_only:
            return rec, model
        emit(rec)
        return model

    fitted = {}  # (family, n_synthetic) -> (record, model) of the MUNGE fit
    for aug in dict.fromkeys([*augmenters, "munge"]):
        if aug in augmenters:
            for fam in families:
                model = distil(fam, aug, 2.0, "distilled")
                if aug == "munge":
                    fitted[(fam, 2.0)] = (records[-1], model)
        if aug == "munge":  # the library defaults: the targets are measured on these
            defaults = {}
            for fam in families:
                same = fitted.get((fam, auto_n_synthetic(fam, task)))
                if same is not None:  # 'auto' is that size: the same model, bit for bit
                    rec, model = same
                    defaults[fam] = (
                        {**rec, "variant": "default", "n_synthetic_param": "auto"},
                        model,
                    )
                else:
                    defaults[fam] = distil(fam, "munge", "auto", "default", True)
            costs = serving_costs(
                {fam: model for fam, (_, model) in defaults.items()},
                sp.X_test[:1],
                ref.teacher_,
                clf,
            )
            for fam, (rec, _) in defaults.items():
                emit({**rec, "serving": costs["students"][fam], **costs["shared"]})
        wrapped.cache_.clear()

    for n_syn in sweep_sizes:
        for fam in families:
            distil(fam, sweep_aug, float(n_syn), "sweep")
        wrapped.cache_.clear()

    if oof:
        records += run_oof(
            sp, ref, wrapped, families, sseed, seed, cat, y_te, teacher_test, base, log
        )
    return records


def run_oof(
    sp,
    ref,
    wrapped,
    families,
    sseed,
    seed,
    cat,
    y_te,
    teacher_test,
    base,
    log,
    augments=("none", "munge"),
    k=3,
):
    """Students on out-of-fold teacher labels for the real rows (see docstring)."""
    clf = sp.is_classification
    X, y = sp.X_train, sp.y_train
    task = "classification" if clf else "regression"
    t0 = time.perf_counter()
    if clf:
        classes = ref.classes_
        folds = StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y)
        oof = np.empty((len(y), len(classes)))
    else:
        folds = KFold(k, shuffle=True, random_state=seed).split(X)
        oof = np.empty(len(y))
    for tr, te in folds:
        t = default_teacher(task, n_jobs=common.N_JOBS)
        fill_random_state(t, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t.fit(X[tr], y[tr])
        if clf:
            p = np.zeros((len(te), len(classes)))
            p[:, np.searchsorted(classes, t.classes_)] = t.predict_proba(X[te])
            oof[te] = soften(p, ref.temperature_)
        else:
            oof[te] = t.predict(X[te])
    oof_time = time.perf_counter() - t0
    seeds = ref._seeds()
    out = []
    for aug in augments:
        augmenter = resolve_augmenter(aug).set_params(random_state=seeds["augment"])
        mask = np.zeros(X.shape[1], bool)
        if cat is not None:
            mask[cat] = True
        augmenter.fit(X, categorical_features=mask if mask.any() else None)
        n_syn = 0 if aug == "none" else int(round(2.0 * len(y)))
        X_syn = augmenter.sample(n_syn)[0] if n_syn else np.empty((0, X.shape[1]))
        X_tr = np.vstack([X, X_syn])
        if clf:
            lab_syn = (
                wrapped.predict_proba(X_syn) if n_syn else np.empty((0, oof.shape[1]))
            )
            soft = np.vstack([oof, lab_syn])
        else:
            lab_syn = wrapped.predict(X_syn) if n_syn else np.empty(0)
            soft = np.concatenate([oof, lab_syn])
        for fam in families:
            student = _students.resolve_student(fam, task, sseed, mask)
            t1 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if clf:
                    mode = _students.student_mode(student, "auto")
                    st = _students.fit_classifier_student(
                        student, mode, X_tr, soft, None
                    )
                    proba = _students.classifier_student_proba(
                        st, mode, sp.X_test, len(classes)
                    )
                    m = clf_metrics(y_te, proba, teacher_test)
                else:
                    mu, sd = soft.mean(), soft.std() or 1.0
                    st = _students.fit_weighted_regressor(
                        student, X_tr, (soft - mu) / sd, None
                    )
                    pred = st.predict(sp.X_test) * sd + mu
                    m = reg_metrics(y_te, pred, teacher_test)
            rec = {
                **base,
                "variant": "oof",
                "family": fam,
                "augment": aug,
                "n_synthetic": 0.0 if aug == "none" else 2.0,
                "metrics": m,
                "oof_teacher_time": oof_time,
                "wall_time": time.perf_counter() - t1,
                "peak_rss_mb": common.peak_rss_mb(),
            }
            out.append(rec)
            log(rec)
        wrapped.cache_.clear()
    return out


# ------------------------------------------------------------------- summary
def primary(task):
    return "r2" if task == "regression" else "accuracy"


def _mean(vals):
    vals = [v for v in vals if v is not None and np.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def summarize(records, tie_tol=0.0):
    """Aggregate over seeds and evaluate the four targets."""
    import pandas as pd

    rows = []
    for r in records:
        row = {
            k: r.get(k)
            for k in (
                "dataset",
                "task",
                "seed",
                "variant",
                "family",
                "augment",
                "n_synthetic",
                "wall_time",
                "label_cached",
            )
        }
        row.update({f"m_{k}": v for k, v in r["metrics"].items()})
        for k, v in (r.get("fit_times") or {}).items():
            row[f"t_{k}"] = v
        if r["variant"] == "teacher":
            row["temperature"] = r.get("temperature")
            cal = r.get("calibration") or {}
            row["cal_ece_before"] = cal.get("ece_before")
            row["cal_ece_after"] = cal.get("ece_after")
            for k, v in (r.get("metrics_uncalibrated") or {}).items():
                row[f"raw_{k}"] = v
        rows.append(row)
    df = pd.DataFrame(rows)
    df["augment"] = df["augment"].fillna("")
    df["n_synthetic"] = df["n_synthetic"].fillna(0.0)
    metric_cols = [c for c in df.columns if c.startswith(("m_", "t_", "raw_", "cal_"))]
    metric_cols += ["wall_time", "temperature"]
    metric_cols = [c for c in metric_cols if c in df.columns]
    agg = (
        df.groupby(["dataset", "task", "variant", "family", "augment", "n_synthetic"])[
            metric_cols
        ]
        .mean()
        .reset_index()
    )
    nseeds = (
        df.groupby(["dataset", "variant", "family", "augment", "n_synthetic"])["seed"]
        .nunique()
        .rename("n_seeds")
        .reset_index()
    )
    agg = agg.merge(
        nseeds, on=["dataset", "variant", "family", "augment", "n_synthetic"]
    )

    def get(ds, variant, fam, aug="", n_syn=None, col=None):
        q = agg[(agg.dataset == ds) & (agg.variant == variant) & (agg.family == fam)]
        if aug:
            q = q[q.augment == aug]
        if n_syn is not None:
            q = q[q.n_synthetic == n_syn]
        if q.empty or col not in q:
            return float("nan")
        return float(q[col].iloc[0])

    datasets = sorted(agg.dataset.unique(), key=list(DATASETS).index)
    pairs = []
    for ds in datasets:
        task = agg[agg.dataset == ds].task.iloc[0]
        pm = f"m_{primary(task)}"
        teacher = get(ds, "teacher", "teacher", col=pm)
        t_ece = get(ds, "teacher", "teacher", col="m_ece")
        for fam in FAMILIES:
            hard = get(ds, "hard", fam, col=pm)
            if not np.isfinite(hard):
                continue
            # the library defaults (variant 'default', n_synthetic='auto'); runs
            # before that variant existed used munge with n_synthetic=2.0
            has_default = bool(((agg.dataset == ds) & (agg.variant == "default")).any())
            dv, dn = ("default", None) if has_default else ("distilled", 2.0)
            dist = get(ds, dv, fam, "munge", dn, pm)
            none = get(ds, "distilled", fam, "none", 2.0, pm)
            aug_scores = {a: get(ds, "distilled", fam, a, 2.0, pm) for a in AUGMENTERS}
            best_aug = max(
                (a for a in aug_scores if np.isfinite(aug_scores[a])),
                key=lambda a: aug_scores[a],
                default="",
            )
            gap = teacher - hard
            d = df[(df.dataset == ds) & (df.family == fam)]
            h = d[d.variant == "hard"].set_index("seed")[pm]
            g = d[(d.variant == dv) & (d.augment == "munge")]
            if dn is not None:
                g = g[g.n_synthetic == dn]
            g = g.set_index("seed")[pm]
            diff = (g - h).dropna()
            rec = dict(
                dataset=ds,
                task=task,
                family=fam,
                metric=primary(task),
                teacher=teacher,
                hard=hard,
                distilled_default=dist,
                distilled_none=none,
                best_augment=best_aug,
                best=aug_scores.get(best_aug, float("nan")),
                beats_or_ties=bool(dist >= hard - tie_tol)
                if np.isfinite(dist)
                else None,
                gap_recovered=(dist - hard) / gap
                if gap > 0 and np.isfinite(dist)
                else None,
                teacher_ece=t_ece,
                student_ece=get(ds, dv, fam, "munge", dn, "m_ece"),
                hard_ece=get(ds, "hard", fam, col="m_ece"),
                defaults_variant=dv,
                n_synthetic_default=get(ds, dv, fam, "munge", dn, "n_synthetic"),
                fidelity=get(ds, dv, fam, "munge", dn, "m_fidelity"),
                n_seeds=int(np.nan_to_num(get(ds, dv, fam, "munge", dn, "n_seeds"))),
                diff_mean=float(diff.mean()) if len(diff) else float("nan"),
                diff_sd=float(diff.std(ddof=1)) if len(diff) > 1 else float("nan"),
                seeds_better=int((diff > 0).sum()),
                seeds_worse=int((diff < 0).sum()),
            )
            for a in AUGMENTERS:
                rec[f"aug_{a}"] = aug_scores[a]
            pairs.append(rec)
    pairs = pd.DataFrame(pairs)
    targets = {}
    if not pairs.empty:
        valid = pairs.dropna(subset=["distilled_default"])
        n_ok = int(valid.beats_or_ties.sum())
        targets["1_beats_or_ties_hard"] = dict(
            share=n_ok / len(valid) if len(valid) else float("nan"),
            n_pass=n_ok,
            n_pairs=len(valid),
            threshold=0.9,
            tie_tolerance=tie_tol,
            failing=[
                f"{r.dataset}/{r.family}"
                for r in valid.itertuples()
                if not r.beats_or_ties
            ],
        )
        targets["1_pass"] = targets["1_beats_or_ties_hard"]["share"] >= 0.9
        for fam in ("tree", "mlp"):
            g = valid[(valid.family == fam) & valid.gap_recovered.notna()]
            med = float(np.median(g.gap_recovered)) if len(g) else float("nan")
            targets[f"2_gap_recovered_{fam}"] = dict(
                median=med,
                n_pairs=len(g),
                values={r.dataset: r.gap_recovered for r in g.itertuples()},
            )
            targets[f"2_pass_{fam}"] = bool(med >= 0.5)
        cls = valid[valid.task != "regression"]
        for fam in ("mlp", "linear"):
            g = cls[cls.family == fam]
            diffs = {r.dataset: r.student_ece - r.teacher_ece for r in g.itertuples()}
            ok = [d <= 0.01 for d in diffs.values()]
            targets[f"3_ece_{fam}"] = dict(
                excess_over_teacher=diffs, n_pass=int(sum(ok)), n_pairs=len(ok)
            )
            targets[f"3_pass_{fam}"] = bool(all(ok)) if ok else None
        ref = df[(df.dataset == "adult") & (df.variant == "teacher")]
        if len(ref):
            teacher_t = float(ref["t_teacher"].mean())
            calib_t = float(ref["t_calibration"].mean())
            over = float((ref["t_augment_and_label"] + ref["t_student"]).mean())
            targets["4_overhead_adult"] = dict(
                overhead_s=over,
                teacher_fit_s=teacher_t,
                calibration_fit_s=calib_t,
                ratio=over / teacher_t,
            )
            targets["4_pass"] = bool(over <= teacher_t)
    return df, agg, pairs, targets


def _fmt(x, nd=3):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "**no**"
    if isinstance(x, (float, np.floating)):
        return f"{x:.{nd}f}"
    return str(x)


def _sizes(pairs) -> str:
    """The default transfer-set sizes the targets were measured with."""
    if pairs.empty or not (pairs.defaults_variant == "default").any():
        return "munge, n_synthetic=2"  # a run from before n_synthetic='auto'
    regression = pairs.task == "regression"
    parts = []
    for label, rows in (("classification", ~regression), ("regression", regression)):
        sizes = pairs[rows].groupby("family").n_synthetic_default.median()
        if len(sizes):
            parts.append(
                f"{label}: "
                + ", ".join(
                    f"{fam} {sizes[fam]:g}x" for fam in FAMILIES if fam in sizes
                )
            )
    return "munge, n_synthetic='auto' (" + "; ".join(parts) + ")"


def markdown(df, agg, pairs, targets, meta) -> str:
    lines = [f"# Quality benchmark ({meta['tag']})", ""]
    lines.append(f"Command: `{meta['command']}`  ")
    lines.append(
        f"Seeds: {meta.get('seeds')}; records: {meta['n_records']}; "
        f"environment: {meta['environment']['versions']}"
    )
    lines += ["", "## Targets", ""]
    t = targets
    if t:
        t1 = t["1_beats_or_ties_hard"]
        lines.append(
            f"1. Distilled with the library defaults ({_sizes(pairs)}) >= hard "
            "on the primary metric "
            f"(accuracy / R^2, mean over seeds, tie tolerance {t1['tie_tolerance']}): "
            f"{t1['n_pass']}/{t1['n_pairs']} = {t1['share']:.0%} (target >= 90%) -> "
            f"{'PASS' if t['1_pass'] else 'FAIL'}; failing: {', '.join(t1['failing']) or 'none'}"
        )
        for fam in ("tree", "mlp"):
            g = t[f"2_gap_recovered_{fam}"]
            lines.append(
                f"2. Median gap recovered, {fam}: {_fmt(g['median'])} over {g['n_pairs']} "
                f"pairs (target >= 0.5) -> {'PASS' if t[f'2_pass_{fam}'] else 'FAIL'}"
            )
        for fam in ("mlp", "linear"):
            g = t.get(f"3_ece_{fam}")
            if g:
                ex = ", ".join(
                    f"{k} {v:+.3f}" for k, v in g["excess_over_teacher"].items()
                )
                lines.append(
                    f"3. Student ECE - calibrated teacher ECE, {fam}: {ex}; "
                    f"{g['n_pass']}/{g['n_pairs']} within +0.01 -> "
                    f"{'PASS' if t[f'3_pass_{fam}'] else 'FAIL'}"
                )
        if "4_overhead_adult" in t:
            g = t["4_overhead_adult"]
            lines.append(
                f"4. adult, defaults: augment+label+student {g['overhead_s']:.1f}s vs "
                f"teacher fit {g['teacher_fit_s']:.1f}s (+ {g['calibration_fit_s']:.1f}s "
                f"calibration teacher) -> ratio {g['ratio']:.2f} -> "
                f"{'PASS' if t['4_pass'] else 'FAIL'}"
            )
    lines += [
        "",
        "## Primary metric per (dataset, family)",
        "",
        "accuracy for classification, R^2 for regression; mean over seeds. "
        "`gap` = (distilled − hard)/(teacher − hard) when the teacher beats hard.",
        "",
    ]
    cols = [
        "dataset",
        "family",
        "teacher",
        "hard",
        "distilled_none",
        "distilled_default",
        "n_synthetic_default",
        "diff_mean",
        "diff_sd",
        "seeds_better",
        "seeds_worse",
        "gap_recovered",
        "fidelity",
        "n_seeds",
    ]
    if not pairs.empty:
        lines.append("| " + " | ".join(c.replace("aug_", "") for c in cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for r in pairs.itertuples():
            lines.append("| " + " | ".join(_fmt(getattr(r, c)) for c in cols) + " |")
        cls = pairs[pairs.task != "regression"]
        if not cls.empty:
            lines += [
                "",
                "## Calibration (test ECE, 15 bins)",
                "",
                "| dataset | family | teacher (calibrated) | hard | distilled |",
                "|---|---|---|---|---|",
            ]
            for r in cls.itertuples():
                lines.append(
                    f"| {r.dataset} | {r.family} | {_fmt(r.teacher_ece)} | "
                    f"{_fmt(r.hard_ece)} | {_fmt(r.student_ece)} |"
                )
    # augmenter comparison on the seeds every augmenter was run on
    d = df[
        df.variant.isin(["hard", "distilled", "teacher"])
        & (df.n_synthetic.isin([0.0, 2.0]))
    ]
    aug_seeds = sorted(set(d[d.augment == "marginal"].seed))
    if aug_seeds:
        d = d[d.seed.isin(aug_seeds)]
        d = d[d.dataset.isin(set(d[d.augment == "marginal"].dataset))]
        lines += [
            "",
            f"## Augmenter comparison (seeds {aug_seeds}, n_synthetic=2)",
            "",
            "primary metric; **bold** = best distilled variant of the row",
            "",
            "| dataset | family | teacher | hard | " + " | ".join(AUGMENTERS) + " |",
            "|" + "---|" * (4 + len(AUGMENTERS)),
        ]
        wins = dict.fromkeys(AUGMENTERS, 0)
        for ds in sorted(d.dataset.unique(), key=list(DATASETS).index):
            dd = d[d.dataset == ds]
            pm = "m_" + primary(dd.task.iloc[0])
            tv = dd[dd.variant == "teacher"][pm].mean()
            for fam in FAMILIES:
                f = dd[dd.family == fam]
                hv = f[f.variant == "hard"][pm].mean()
                vals = {
                    a: f[(f.variant == "distilled") & (f.augment == a)][pm].mean()
                    for a in AUGMENTERS
                }
                fin = {a: v for a, v in vals.items() if np.isfinite(v)}
                best = max(fin, key=fin.get) if fin else None
                if best:
                    wins[best] += 1
                cells = [
                    f"**{_fmt(vals[a])}**" if a == best else _fmt(vals[a])
                    for a in AUGMENTERS
                ]
                lines.append(
                    f"| {ds} | {fam} | {_fmt(tv)} | {_fmt(hv)} | "
                    + " | ".join(cells)
                    + " |"
                )
        lines += [
            "",
            "Best-of-row counts: " + ", ".join(f"{a} {n}" for a, n in wins.items()),
        ]
    tch = agg[agg.variant == "teacher"]
    if not tch.empty:
        lines += [
            "",
            "## Teacher: temperature and fit times (s)",
            "",
            "| dataset | T | cal. ECE before | after | test ECE raw | calibrated "
            "| t_teacher | t_calibration | t_augment+label | t_student (tree) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in tch.itertuples():

            def g(c, r=r):
                return getattr(r, c, float("nan"))

            lines.append(
                f"| {r.dataset} | {_fmt(g('temperature'), 2)} | {_fmt(g('cal_ece_before'))} "
                f"| {_fmt(g('cal_ece_after'))} | {_fmt(g('raw_ece'))} | {_fmt(g('m_ece'))} "
                f"| {_fmt(g('t_teacher'), 1)} | {_fmt(g('t_calibration'), 1)} "
                f"| {_fmt(g('t_augment_and_label'), 1)} | {_fmt(g('t_student'), 1)} |"
            )
    sw = agg[agg.variant.isin(["sweep", "distilled"])]
    sweep = agg[agg.variant == "sweep"]
    if not sweep.empty:
        lines += [
            "",
            "## Size sweep (primary metric)",
            "",
            "| dataset | family | augment | n_synthetic | score | student fit s |",
            "|---|---|---|---|---|---|",
        ]
        for (ds, fam, aug), _ in sweep.groupby(["dataset", "family", "augment"]):
            g = sw[(sw.dataset == ds) & (sw.family == fam) & (sw.augment == aug)]
            task = g.task.iloc[0]
            for r in g.sort_values("n_synthetic").itertuples():
                lines.append(
                    f"| {ds} | {fam} | {aug} | {r.n_synthetic:g} | "
                    f"{_fmt(getattr(r, 'm_' + primary(task)))} | "
                    f"{_fmt(getattr(r, 't_student', float('nan')), 1)} |"
                )
    oof = agg[agg.variant == "oof"]
    if not oof.empty:
        lines += [
            "",
            "## In-sample vs out-of-fold teacher labels on the real rows",
            "",
            "| dataset | family | augment | in-sample | out-of-fold | in-sample ECE | OOF ECE |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in oof.itertuples():
            pm = "m_" + primary(r.task)
            ins = agg[
                (agg.dataset == r.dataset)
                & (agg.variant == "distilled")
                & (agg.family == r.family)
                & (agg.augment == r.augment)
            ]
            iv = float(ins[pm].iloc[0]) if len(ins) else float("nan")
            ie = (
                float(ins["m_ece"].iloc[0])
                if len(ins) and "m_ece" in ins
                else float("nan")
            )
            lines.append(
                f"| {r.dataset} | {r.family} | {r.augment} | {_fmt(iv)} | "
                f"{_fmt(getattr(r, pm))} | {_fmt(ie)} | "
                f"{_fmt(getattr(r, 'm_ece', float('nan')))} |"
            )
    return "\n".join(lines) + "\n"


def write_outputs(tag, command, seeds):
    path = os.path.join(common.RESULTS_DIR, f"quality_{tag}.jsonl")
    records = common.read_jsonl(path)
    df, agg, pairs, targets = summarize(records)
    meta = dict(
        tag=tag,
        command=command,
        seeds=sorted({r["seed"] for r in records}) or seeds,
        n_records=len(records),
        environment=common.environment(),
        auto_sizes={k: float(v) for k, v in AUTO_N_SYNTHETIC.items()},
        auto_sizes_regression={
            k: float(v) for k, v in AUTO_N_SYNTHETIC_REGRESSION.items()
        },
    )
    base = os.path.join(common.RESULTS_DIR, f"quality_{tag}")
    df.to_csv(base + ".csv", index=False)
    md = markdown(df, agg, pairs, targets, meta)
    common.write_results(
        base,
        dict(
            meta=meta,
            targets=targets,
            pairs=pairs.to_dict(orient="records"),
            aggregated=agg.to_dict(orient="records"),
            records=records,
        ),
        md,
    )
    return md


# ------------------------------------------------------------------------ main
#: Relative cost of one split (the 26-class letter teacher is by far the
#: slowest), so that ``--jobs`` starts the long splits first.
COST_RANK = {"letter": 8, "fars": 7, "casp": 6, "adult": 5, "magic": 4}


def _log_record(path, rec):
    common.append_jsonl(path, rec)
    m = rec["metrics"]
    key = "accuracy" if "accuracy" in m else "r2"
    print(
        f"[{time.strftime('%H:%M:%S')}] {rec['dataset']:11s} s{rec['seed']} "
        f"{rec['variant']:17s} {rec['family']:7s} {rec.get('augment', '') or '':13s}"
        f" n={rec.get('n_synthetic', '')!s:4s} {key}={m[key]:.4f} "
        f"wall={rec.get('wall_time', 0):.1f}s rss={rec['peak_rss_mb']:.0f}MB",
        flush=True,
    )


def _run_task(
    name,
    seed,
    *,
    path,
    families,
    augmenters,
    sweep,
    sweep_datasets,
    sweep_augmenter,
    oof,
    oof_datasets,
):
    """One (dataset, seed) split, its records appended to ``path`` as they come."""
    if sweep_datasets is not None and name not in sweep_datasets:
        sweep = []
    oof = (oof or oof_datasets is not None) and (
        oof_datasets is None or name in oof_datasets
    )
    try:
        run_split(
            name,
            seed,
            families,
            augmenters,
            sweep,
            sweep_augmenter,
            oof,
            functools.partial(_log_record, path),
        )
    except Exception:
        common.record_failure(path, name, seed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true")
    mode.add_argument("--full", action="store_true")
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS))
    p.add_argument("--seeds", nargs="+", type=int)
    p.add_argument("--families", nargs="+", choices=FAMILIES)
    p.add_argument("--augmenters", nargs="+", choices=AUGMENTERS)
    p.add_argument(
        "--sweep",
        nargs="*",
        type=float,
        default=None,
        help="n_synthetic values for the size sweep (2.0 is already run)",
    )
    p.add_argument("--sweep-augmenter", default="munge")
    p.add_argument(
        "--sweep-datasets",
        nargs="+",
        choices=list(DATASETS),
        help="run the sweep only on these datasets (default: all run)",
    )
    p.add_argument("--oof", action="store_true")
    p.add_argument(
        "--oof-datasets",
        nargs="+",
        choices=list(DATASETS),
        help="run the out-of-fold experiment only on these datasets",
    )
    p.add_argument("--tag")
    p.add_argument(
        "--summarize",
        action="store_true",
        help="only rebuild json/csv/md from the tag's jsonl",
    )
    p.add_argument("--fresh", action="store_true", help="delete the tag's jsonl first")
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="splits run side by side in this many processes (default 1)",
    )
    a = p.parse_args(argv)

    if a.quick:
        defaults = dict(
            datasets=["adult", "telco_churn", "bikeshare"],
            seeds=[0],
            augmenters=["none", "munge", "jitter"],
            tag="quick",
        )
    else:
        defaults = dict(
            datasets=list(DATASETS),
            seeds=[0, 1, 2],
            augmenters=list(AUGMENTERS),
            tag="full",
        )
    datasets = a.datasets or defaults["datasets"]
    seeds = a.seeds if a.seeds is not None else defaults["seeds"]
    families = a.families or list(FAMILIES)
    augmenters = a.augmenters or defaults["augmenters"]
    tag = a.tag or defaults["tag"]
    command = "python -m benchmarks.bench_quality " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    path = os.path.join(common.RESULTS_DIR, f"quality_{tag}.jsonl")

    if not a.summarize:
        if a.fresh:
            for stale in (path, path + ".errors"):
                if os.path.exists(stale):
                    os.remove(stale)
            common.clear_stage_cache()  # every reference fit computes its teacher
        task = functools.partial(
            _run_task,
            path=path,
            families=families,
            augmenters=augmenters,
            sweep=a.sweep or [],
            sweep_datasets=a.sweep_datasets,
            sweep_augmenter=a.sweep_augmenter,
            oof=a.oof,
            oof_datasets=a.oof_datasets,
        )
        common.run_tasks(
            task,
            [(name, seed) for name in datasets for seed in seeds],
            jobs=a.jobs,
            cost=lambda t: COST_RANK.get(t[0], 0),
        )
    print(write_outputs(tag, command, seeds))


if __name__ == "__main__":
    main()
