"""Peers benchmark of skdistill: the distilled student side by side with the
ten-line do-it-yourself distillation, ``imodels.DistilledRegressor`` and the
hard-label student, under two teachers, in one run (issue 3, "Peers").

Run from the repo root::

    python -m benchmarks.bench_peers --quick     # adult + bikeshare, seed 0
    python -m benchmarks.bench_peers --full      # 8 datasets, seeds 0 1 2
    python -m benchmarks.bench_peers --summarize --tag full   # tables only

Protocol
--------
* Splits, encoding and row cap of :func:`benchmarks.common.make_split` (75/25,
  stratified for classification, training rows capped at 20,000, category
  columns ordinal-encoded and passed as ``categorical_features``), the same as
  :mod:`benchmarks.bench_quality`. The test split is used only to score.
* **Two teachers.** ``default``: skdistill's default ensemble
  (:func:`skdistill.default_teacher`). ``tuned_lgbm``: one LightGBM, tuned on
  the training split only: ``--tune-iter`` (default 10) configurations drawn by
  :class:`~sklearn.model_selection.ParameterSampler` (seeded by the split seed)
  over ``num_leaves``, ``min_child_samples``, ``learning_rate``, ``subsample``,
  ``colsample_bytree`` and ``reg_lambda``; each is fitted on 80% of the training
  rows (stratified for classification) with early stopping (patience 100, at
  most 3,000 rounds) on the other 20%, scored by the validation log-loss / L2.
  The winner's parameters with ``n_estimators`` = its best iteration, scaled by
  1.25 for the 25% more rows of the full fit, define the teacher. Its tuning
  time is reported (``t_tune``) but not counted in any method's fit time.
* **One fitted teacher per (split, teacher), shared by every method.** The
  reference fit is skdistill itself with library defaults and that teacher:
  ``DistilledClassifier(teacher=..., random_state=seed, n_jobs=1)`` (tree
  student, MUNGE, ``n_synthetic='auto'``: 2x, 5x for regression;
  ``calibration_cv=0.2``: the temperature comes from a separate teacher fitted
  on 80% of the training rows). For the default teacher this is exactly
  bench_quality's reference fit, and both pass ``memory=common.stage_memory()``:
  when quality has run first (as in ``benchmarks.run``), the teacher stage is
  loaded instead of fitted again, and the records keep the phase times of
  quality's fit (``teacher_from_cache``). That fitted ``teacher_`` is then
  reused, frozen, by all the other methods:

  - ``skdistill``: the reference fit (tree) or, for other families,
    ``FrozenEstimator(CalibratedTeacher(teacher_, temperature_))`` with
    ``calibration_cv=None`` (the trick of bench_quality: it reproduces the
    default fit exactly, checked there);
  - ``skdistill_noaug``: the same with ``augment='none'``, to separate what the
    synthetic rows bring from what the soft-target loss brings;
  - ``diy``: the ten-line baseline. Label the training rows with the raw
    ``teacher_.predict_proba`` (binary: regress P(positive class);
    multiclass: regress the probability vector) or ``teacher_.predict``
    (regression); fit the *regressor* of the same family and capacity,
    ``skdistill.make_student(family, 'regression', seed)`` (the 'tree' one is
    ``DecisionTreeRegressor(max_leaf_nodes=1024, min_samples_leaf=10)`` since
    commit 69a0055, 256 leaves before, and 5 rows a leaf for classification
    tasks since session 9: the same capacity as skdistill's tree student);
    predict by threshold 0.5 /
    argmax, probabilities clipped to [0, 1];
  - ``imodels``: ``imodels.DistilledRegressor(teacher=FrozenEstimator(teacher_),
    student=<the same regressor>)``: it "fits" the (frozen) teacher and fits
    the student on ``teacher.predict`` (regression) or
    ``teacher.predict_proba(X)[:, 1]`` (a binary classifier). It has no
    multiclass path (it would regress the second class's probability only), so
    multiclass rows say "not supported";
  - ``hard``: ``make_student(family, task, seed)`` on the true labels (the
    student seed is the distiller's), teacher-independent.

  Regression students of every method are wrapped in a
  ``TransformedTargetRegressor(StandardScaler)`` (skdistill standardises the
  targets it gives the student; it matters for the MLP, not for trees).
* **Figures** on the test split: accuracy and ROC AUC (macro one-vs-rest for
  multiclass) / R^2 and RMSE; fidelity to the teacher (label agreement with the
  teacher / R^2 against the teacher's predictions); student size (tree nodes or
  MLP parameters); fit wall time after the teacher is fitted (``t_distil``:
  labelling, augmentation and student fit) and the total fit wall time of the
  method as a user runs it (``t_total``: skdistill = calibration teacher +
  teacher + ``t_distil``; DIY and imodels = teacher + ``t_distil``; hard = the
  student fit). Mean and standard deviation over seeds.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import json
import os
import sys
import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import ParameterSampler, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import DistilledClassifier, DistilledRegressor
from skdistill._students import resolve_student

from . import common
from .bench_quality import (
    CachedRegressor,
    CalibratedTeacher,
    _student_seed,
    clf_metrics,
    reg_metrics,
)
from .datasets import DATASETS, load

FAMILIES = ("tree", "mlp")
TEACHERS = ("default", "tuned_lgbm")
METHODS = ("skdistill", "skdistill_noaug", "diy", "imodels", "hard")
QUICK_DATASETS = ["adult", "bikeshare"]
#: every dataset of the quality study, so each has its second (tuned) teacher
FULL_DATASETS = [
    "adult",
    "telco_churn",
    "magic",
    "bikeshare",
    "diamonds",
    "letter",
    "fars",
    "casp",
]
NOT_SUPPORTED = "not supported"
IMODELS_MULTICLASS = (
    "imodels.DistilledRegressor regresses teacher.predict_proba(X)[:, 1] only "
    "(a binary classifier or a regressor teacher)"
)

#: LightGBM search space of the tuned teacher.
LGBM_SPACE = dict(
    num_leaves=[15, 31, 63, 127, 255],
    min_child_samples=[5, 10, 20, 50, 100],
    learning_rate=[0.03, 0.05, 0.1],
    subsample=[0.7, 0.85, 1.0],
    colsample_bytree=[0.5, 0.7, 0.85, 1.0],
    reg_lambda=[0.0, 0.1, 1.0, 5.0, 10.0],
)
LGBM_FIXED = dict(
    subsample_freq=1,
    n_jobs=1,
    deterministic=True,
    force_row_wise=True,
    verbose=-1,
)


# ----------------------------------------------------------------- the teacher
def tune_lightgbm(X, y, classification: bool, seed: int, n_iter: int) -> dict:
    """Random search with early stopping on an internal 80/20 split of ``X``.

    Only the rows given (the training split) are used. Returns the chosen
    parameters (``n_estimators`` included) and the search's trace.
    """
    import lightgbm as lgb

    Est = lgb.LGBMClassifier if classification else lgb.LGBMRegressor
    if classification:  # lightgbm does not encode string labels of eval_y
        y = np.unique(y, return_inverse=True)[1]
    X_fit, X_val, y_fit, y_val = train_test_split(
        X,
        y,
        test_size=0.2,
        random_state=seed,
        stratify=y if classification else None,
    )
    if "eval_X" in inspect.signature(Est.fit).parameters:  # lightgbm >= 4.7
        eval_kwargs = {"eval_X": (X_val,), "eval_y": (y_val,)}
    else:
        eval_kwargs = {"eval_set": [(X_val, y_val)]}
    trials = []
    t0 = time.perf_counter()
    for params in ParameterSampler(LGBM_SPACE, n_iter, random_state=seed):
        est = Est(n_estimators=3000, random_state=seed, **LGBM_FIXED, **params)
        est.fit(
            X_fit,
            y_fit,
            **eval_kwargs,
            callbacks=[lgb.early_stopping(100, verbose=False)],
        )
        metric = next(iter(est.best_score_["valid_0"]))
        trials.append(
            dict(
                params=params,
                best_iteration=int(est.best_iteration_ or est.n_estimators),
                val_metric=metric,
                val_score=float(est.best_score_["valid_0"][metric]),
            )
        )
    best = min(trials, key=lambda t: t["val_score"])
    n_est = max(1, int(round(best["best_iteration"] * 1.25)))
    chosen = dict(best["params"], n_estimators=n_est, random_state=seed, **LGBM_FIXED)
    return dict(params=chosen, trials=trials, t_tune=time.perf_counter() - t0)


def tuned_lightgbm(params: dict, classification: bool):
    import lightgbm as lgb

    Est = lgb.LGBMClassifier if classification else lgb.LGBMRegressor
    return Est(**params)


# ------------------------------------------------------------------- helpers
def student_size(est) -> int:
    """Tree nodes, or MLP / linear parameters, of a fitted student."""
    if isinstance(est, TransformedTargetRegressor):
        est = est.regressor_
    if isinstance(est, Pipeline):
        est = est.steps[-1][1]
    if hasattr(est, "tree_"):
        return int(est.tree_.node_count)
    if hasattr(est, "coefs_"):
        return int(
            sum(w.size for w in est.coefs_) + sum(b.size for b in est.intercepts_)
        )
    if hasattr(est, "coef_"):
        return int(np.size(est.coef_) + np.size(getattr(est, "intercept_", 0)))
    raise TypeError(f"no size for {type(est).__name__}")


def regressor_student(family: str, seed: int, regression_task: bool, categorical=None):
    """The regressor of ``family`` with skdistill's capacity (DIY and imodels).

    For a classification task the tree's leaves are those of skdistill's
    classification tree (5 rows since session 9; the regression tree's 10).
    """
    st = resolve_student(family, "regression", seed, categorical)
    if family == "tree" and not regression_task:
        leaf = resolve_student("tree", "classification", seed).min_samples_leaf
        st.set_params(min_samples_leaf=leaf)
    if regression_task:
        st = TransformedTargetRegressor(regressor=st, transformer=StandardScaler())
    return st


def proba_from_regression(pred, n_classes: int) -> np.ndarray:
    """Probabilities from a regressor of P(positive) (binary) or of the vector."""
    pred = np.asarray(pred, dtype=np.float64)
    if n_classes == 2:
        p = np.clip(pred.reshape(-1), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])
    p = np.clip(pred.reshape(len(pred), n_classes), 0.0, None)
    s = p.sum(axis=1, keepdims=True)
    return np.where(s > 0, p / np.where(s > 0, s, 1.0), 1.0 / n_classes)


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


# ------------------------------------------------------------------ one split
def run_split(name, seed, families, tune_iter, log):
    ds = load(name)
    sp = common.make_split(ds, seed)
    clf = sp.is_classification
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    X, y = sp.X_train, sp.y_train
    base = dict(
        dataset=name,
        task=sp.task,
        seed=seed,
        n_train=len(y),
        n_test=len(sp.y_test),
        n_features=X.shape[1],
        notes="; ".join(sp.notes),
    )
    Distiller = DistilledClassifier if clf else DistilledRegressor
    sseed = _student_seed(seed)
    if clf:
        classes = np.unique(y)
        k = len(classes)
        y_te = np.searchsorted(classes, sp.y_test)
    else:
        y_te = sp.y_test

    def emit(rec):
        rec = {**base, **rec, "peak_rss_mb": common.peak_rss_mb()}
        log(rec)

    def score(pred, teacher_test):
        if clf:
            return clf_metrics(y_te, pred, teacher_test)
        return reg_metrics(y_te, pred, teacher_test)

    # --- hard-label students: teacher-independent, scored against each teacher
    hard = {}
    for fam in families:
        st = resolve_student(
            fam, "classification" if clf else "regression", sseed, sp.categorical_mask
        )
        if not clf:
            st = TransformedTargetRegressor(regressor=st, transformer=StandardScaler())
        t0 = time.perf_counter()
        _quiet(st.fit, X, y)
        t_fit = time.perf_counter() - t0
        if clf:
            pred = np.zeros((len(y_te), k))
            pred[:, np.searchsorted(classes, st.classes_)] = st.predict_proba(sp.X_test)
        else:
            pred = st.predict(sp.X_test)
        hard[fam] = (pred, t_fit, student_size(st))

    # --- the tuned LightGBM's parameters (training split only)
    tuning = _quiet(tune_lightgbm, X, y, clf, seed, tune_iter)

    for teacher_name in TEACHERS:
        spec = (
            None if teacher_name == "default" else tuned_lightgbm(tuning["params"], clf)
        )
        tuned = teacher_name == "tuned_lgbm"
        t_tune = tuning["t_tune"] if tuned else 0.0
        t0 = time.perf_counter()
        ref = _quiet(
            Distiller(
                teacher=spec,
                random_state=seed,
                categorical_features=cat,
                n_jobs=common.N_JOBS,
                # the default teacher's stage, if bench_quality fitted it
                memory=common.stage_memory() if spec is None else None,
            ).fit,
            X,
            y,
        )
        ref_wall = time.perf_counter() - t0
        ft = ref.fit_times_
        t_teacher = common.fit_phase(ft, "teacher")
        t_cal = common.fit_phase(ft, "calibration", 0.0)
        teacher_raw = ref.teacher_
        if clf:
            teacher_test = ref.teacher_predict_proba(sp.X_test)
            wrapped = CalibratedTeacher(ref.teacher_, ref.temperature_)._setup()
        else:
            teacher_test = np.asarray(ref.teacher_predict(sp.X_test), np.float64)
            wrapped = CachedRegressor(ref.teacher_)._setup()
        frozen = FrozenEstimator(wrapped)
        tb = dict(
            teacher=teacher_name,
            t_teacher=t_teacher,
            t_calibration=t_cal,
            # loaded from bench_quality's fit of the same teacher on this split
            # (the phase times are that fit's)
            teacher_from_cache="teacher_stage_from_cache" in ft,
        )
        emit(
            dict(
                tb,
                method="teacher",
                family="teacher",
                metrics=score(teacher_test, teacher_test),
                temperature=getattr(ref, "temperature_", None),
                t_tune=t_tune,
                tuned_params=tuning["params"] if tuned else None,
                tuning_trials=tuning["trials"] if tuned else None,
                wall_time=ref_wall,
            )
        )
        # the DIY labels of the training rows: the raw teacher, as a user has it
        t0 = time.perf_counter()
        if clf:
            soft = np.asarray(teacher_raw.predict_proba(X), np.float64)
            target = soft[:, 1] if k == 2 else soft
        else:
            target = np.asarray(teacher_raw.predict(X), np.float64)
        t_label = time.perf_counter() - t0

        for fam in families:
            # (a) skdistill, defaults with this teacher
            if fam == "tree":
                model = ref
                t_distil = common.fit_phase(ft, "augment_and_label") + ft["student"]
            else:
                model = None
            runs = [("skdistill", "munge", model), ("skdistill_noaug", "none", None)]
            for method, aug, model in runs:
                if model is None:
                    kw = dict(calibration_cv=None) if clf else {}
                    model = Distiller(
                        teacher=frozen,
                        student=fam,
                        augment=aug,
                        categorical_features=cat,
                        random_state=seed,
                        n_jobs=1,
                        **kw,
                    )
                    wrapped.cache_.clear()  # time the labelling honestly
                    t0 = time.perf_counter()
                    _quiet(model.fit, X, y)
                    t_distil = time.perf_counter() - t0
                pred = (model.predict_proba if clf else model.predict)(sp.X_test)
                emit(
                    dict(
                        tb,
                        method=method,
                        family=fam,
                        metrics=score(pred, teacher_test),
                        size=student_size(model.student_),
                        t_distil=t_distil,
                        t_total=t_cal + t_teacher + t_distil,
                        n_transfer_rows=len(y) + model.n_synthetic_,
                    )
                )
            # (b) DIY: fit a regressor of the same capacity on the teacher's outputs
            st = regressor_student(fam, sseed, not clf, sp.categorical_mask)
            t0 = time.perf_counter()
            _quiet(st.fit, X, target)
            t_distil = t_label + time.perf_counter() - t0
            raw = st.predict(sp.X_test)
            diy_pred = proba_from_regression(raw, k) if clf else raw
            emit(
                dict(
                    tb,
                    method="diy",
                    family=fam,
                    metrics=score(diy_pred, teacher_test),
                    size=student_size(st),
                    t_distil=t_distil,
                    t_total=t_teacher + t_distil,
                )
            )
            # (c) imodels.DistilledRegressor, same frozen teacher, same student
            if clf and k > 2:
                emit(
                    dict(
                        tb,
                        method="imodels",
                        family=fam,
                        supported=False,
                        reason=IMODELS_MULTICLASS,
                        metrics={},
                    )
                )
            else:
                from imodels import DistilledRegressor as ImodelsDistilled

                im = ImodelsDistilled(
                    teacher=FrozenEstimator(teacher_raw),
                    student=regressor_student(fam, sseed, not clf, sp.categorical_mask),
                )
                t0 = time.perf_counter()
                _quiet(im.fit, X, y)
                t_distil = time.perf_counter() - t0
                raw_im = im.predict(sp.X_test)
                im_pred = proba_from_regression(raw_im, k) if clf else raw_im
                emit(
                    dict(
                        tb,
                        method="imodels",
                        family=fam,
                        supported=True,
                        metrics=score(im_pred, teacher_test),
                        size=student_size(im.student),
                        t_distil=t_distil,
                        t_total=t_teacher + t_distil,
                        same_predictions_as_diy=bool(np.allclose(raw_im, raw)),
                    )
                )
            # (d) hard labels
            pred, t_fit, size = hard[fam]
            emit(
                dict(
                    tb,
                    method="hard",
                    family=fam,
                    metrics=score(pred, teacher_test),
                    size=size,
                    t_distil=t_fit,
                    t_total=t_fit,
                )
            )
        wrapped.cache_.clear()


# ------------------------------------------------------------------- summary
COLUMNS = {
    "classification": [
        ("accuracy", "accuracy", 4),
        ("roc_auc", "ROC AUC", 4),
        ("fidelity", "agreement", 4),
    ],
    "regression": [
        ("r2", "R²", 4),
        ("rmse", "RMSE", 1),
        ("fidelity", "R² vs teacher", 4),
    ],
}


def summarize(records: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds per (dataset, teacher, family, method)."""
    groups: dict[tuple, list[dict]] = {}
    for r in records:
        key = (r["dataset"], r["task"], r["teacher"], r["family"], r["method"])
        groups.setdefault(key, []).append(r)
    rows = []
    for (ds, task, teacher, fam, method), recs in groups.items():
        row = dict(
            dataset=ds,
            task=task,
            teacher=teacher,
            family=fam,
            method=method,
            seeds=sorted(r["seed"] for r in recs),
        )
        if any(r.get("supported") is False for r in recs):
            row["supported"] = False
            row["reason"] = recs[0].get("reason")
            rows.append(row)
            continue
        keys = sorted(set().union(*(r["metrics"] for r in recs)))
        vals = {f"m_{m}": [r["metrics"].get(m) for r in recs] for m in keys}
        for c in ("size", "t_distil", "t_total", "t_teacher", "t_calibration"):
            vals[c] = [r.get(c) for r in recs]
        if method == "teacher":
            vals["t_tune"] = [r.get("t_tune") for r in recs]
        for c, v in vals.items():
            v = [x for x in v if x is not None and np.isfinite(x)]
            if v:
                row[c] = float(np.mean(v))
                row[c + "_sd"] = float(np.std(v, ddof=1)) if len(v) > 1 else 0.0
        rows.append(row)
    return rows


def _cell(row, col, nd, sd=True):
    if row is None:
        return "–"
    if row.get("supported") is False:
        return NOT_SUPPORTED
    v = row.get(col)
    if v is None:
        return "–"
    s = f"{v:.{nd}f}"
    if sd and row.get("n_seeds", 1) > 1:
        s += f" ± {row.get(col + '_sd', 0.0):.{nd}f}"
    return s


def comparisons(records: list[dict]) -> list[dict]:
    """Per (dataset, teacher, family): skdistill minus each peer, seed by seed."""
    by = {}
    for r in records:
        if r.get("supported") is False or r["method"] == "teacher":
            continue
        pm = "accuracy" if r["task"] != "regression" else "r2"
        by[(r["dataset"], r["teacher"], r["family"], r["method"], r["seed"])] = r[
            "metrics"
        ][pm]
    out = []
    keys = sorted({(d, t, f) for d, t, f, m, s in by if m == "skdistill"})
    for d, t, f in keys:
        for peer in ("diy", "imodels", "hard", "skdistill_noaug"):
            diffs = [
                by[(d, t, f, "skdistill", s)] - by[(d, t, f, peer, s)]
                for (d2, t2, f2, m, s) in by
                if (d2, t2, f2, m) == (d, t, f, peer)
                and (d, t, f, "skdistill", s) in by
            ]
            if diffs:
                out.append(
                    dict(
                        dataset=d,
                        teacher=t,
                        family=f,
                        peer=peer,
                        diff_mean=float(np.mean(diffs)),
                        seeds_better=int(sum(x > 0 for x in diffs)),
                        seeds_worse=int(sum(x < 0 for x in diffs)),
                        n_seeds=len(diffs),
                    )
                )
    return out


def headline(index: dict) -> list[str]:
    """One compact table: primary metric of every method, and fit times."""
    out = [
        "## Summary (primary metric: accuracy / R²; fit time t_total in s)",
        "",
        "| dataset | teacher | family | teacher score | skdistill | "
        "skdistill no aug. | DIY | imodels | hard | t_total skdistill / DIY |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for ds in DATASETS:
        for tname in TEACHERS:
            t = index.get((ds, tname, "teacher", "teacher"))
            if t is None:
                continue
            pm = "m_r2" if t["task"] == "regression" else "m_accuracy"
            n = len(t["seeds"])
            for fam in FAMILIES:
                if (ds, tname, fam, "skdistill") not in index:
                    continue
                cells = [_cell(dict(t, n_seeds=n), pm, 4)]
                for method in METHODS:
                    r = index.get((ds, tname, fam, method))
                    r = None if r is None else dict(r, n_seeds=len(r["seeds"]))
                    cells.append(_cell(r, pm, 4))
                sk = index[(ds, tname, fam, "skdistill")]
                diy = index.get((ds, tname, fam, "diy"), {})
                cells.append(
                    f"{sk.get('t_total', float('nan')):.1f} / "
                    f"{diy.get('t_total', float('nan')):.1f}"
                )
                out.append(f"| {ds} | {tname} | {fam} | " + " | ".join(cells) + " |")
    return out


def markdown(rows, comps, meta) -> str:
    lines = [f"# Peers benchmark ({meta['tag']})", ""]
    lines.append(f"Command: `{meta['command']}`  ")
    lines.append(
        f"Seeds: {meta['seeds']}; records: {meta['n_records']}; skdistill commit "
        f"{meta['environment'].get('git_commit', '?')[:7]}; load average at the "
        f"end: {meta.get('loadavg')}"
    )
    lines.append("")
    lines.append(
        "Mean ± standard deviation over seeds. `size`: tree nodes (MLP: "
        "parameters). `t_distil`: fit time after the teacher is fitted "
        "(labelling + augmentation + student; hard: the student fit). `t_total`: "
        "the method's fit as a user runs it (skdistill: calibration teacher + "
        "teacher + t_distil; DIY, imodels: teacher + t_distil). Seconds, on a "
        "shared 2-core machine."
    )
    index = {(r["dataset"], r["teacher"], r["family"], r["method"]): r for r in rows}
    lines += ["", *headline(index)]
    datasets = [d for d in DATASETS if any(r["dataset"] == d for r in rows)]
    for ds in datasets:
        task = next(r["task"] for r in rows if r["dataset"] == ds)
        kind = "regression" if task == "regression" else "classification"
        cols = COLUMNS[kind]
        lines += ["", f"## {ds} ({task})", ""]
        for tname in TEACHERS:
            t = index.get((ds, tname, "teacher", "teacher"))
            if t is None:
                continue
            n = len(t["seeds"])
            extra = f"; tuning {t['t_tune']:.1f}s" if tname == "tuned_lgbm" else ""
            lines.append(
                f"Teacher `{tname}` ({n} seed{'s' if n > 1 else ''}): "
                + ", ".join(
                    f"{label} {_cell(dict(t, n_seeds=n), 'm_' + c, nd)}"
                    for c, label, nd in cols
                    if c != "fidelity"
                )
                + f"; fit {t.get('t_teacher', float('nan')):.1f}s"
                + (
                    f" (+ {t.get('t_calibration', 0.0):.1f}s calibration teacher"
                    if kind == "classification"
                    else " (regression: no calibration"
                )
                + f"{extra})  "
            )
        lines += [
            "",
            "| teacher | family | method | "
            + " | ".join(label for _, label, _ in cols)
            + " | size | t_distil (s) | t_total (s) |",
            "|" + "---|" * (6 + len(cols)),
        ]
        for tname in TEACHERS:
            for fam in FAMILIES:
                for method in METHODS:
                    r = index.get((ds, tname, fam, method))
                    if r is None:
                        continue
                    r = dict(r, n_seeds=len(r["seeds"]))
                    cells = [_cell(r, "m_" + c, nd) for c, _, nd in cols]
                    cells += [
                        _cell(r, "size", 0, sd=False),
                        _cell(r, "t_distil", 1, sd=False),
                        _cell(r, "t_total", 1, sd=False),
                    ]
                    lines.append(
                        f"| {tname} | {fam} | {method} | " + " | ".join(cells) + " |"
                    )
    if comps:
        lines += [
            "",
            "## skdistill minus each peer (primary metric: accuracy / R²)",
            "",
            "| dataset | teacher | family | vs diy | vs imodels | vs hard "
            "| vs skdistill_noaug |",
            "|---|---|---|---|---|---|---|",
        ]
        cidx = {(c["dataset"], c["teacher"], c["family"], c["peer"]): c for c in comps}
        for d, t, f in sorted(
            {(c["dataset"], c["teacher"], c["family"]) for c in comps},
            key=lambda x: (list(DATASETS).index(x[0]), x[1], x[2]),
        ):
            cells = []
            for peer in ("diy", "imodels", "hard", "skdistill_noaug"):
                c = cidx.get((d, t, f, peer))
                if c is None:
                    sup = index.get((d, t, f, peer))
                    cells.append(
                        NOT_SUPPORTED if sup and sup.get("supported") is False else "–"
                    )
                else:
                    cells.append(
                        f"{c['diff_mean']:+.4f} ({c['seeds_better']}↑ "
                        f"{c['seeds_worse']}↓ of {c['n_seeds']})"
                    )
            lines.append(f"| {d} | {t} | {f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def latest_records(records: list[dict]) -> list[dict]:
    """The last record of each (dataset, seed, teacher, family, method).

    Runs append to the tag's jsonl, so a re-run without ``--fresh`` (e.g. by
    ``benchmarks/run.py``) replaces, not duplicates, what it measures again.
    """
    last = {}
    for r in records:
        key = (r["dataset"], r["seed"], r["teacher"], r["family"], r["method"])
        last.pop(key, None)
        last[key] = r
    return list(last.values())


def write_outputs(
    tag, command, seeds, rerun_only: bool = False, environment: dict | None = None
) -> str:
    """Write ``peers_<tag>.json`` and ``.md`` from the tag's jsonl.

    With ``rerun_only`` (``--summarize``) the run's own command, seeds, load and
    environment are kept from the existing json; only the tables are rebuilt.
    """
    path = os.path.join(common.RESULTS_DIR, f"peers_{tag}.jsonl")
    base = os.path.join(common.RESULTS_DIR, f"peers_{tag}")
    records = latest_records(common.read_jsonl(path))
    rows = summarize(records)
    comps = comparisons(records)
    meta = dict(
        tag=tag,
        command=command,
        seeds=seeds,
        n_records=len(records),
        loadavg=[round(x, 1) for x in os.getloadavg()],
        environment=environment or common.environment(),
    )
    if rerun_only and os.path.exists(base + ".json"):
        with open(base + ".json", encoding="utf-8") as fh:
            old = json.load(fh)["meta"]
        keep = ("command", "seeds", "loadavg", "environment")
        meta.update({k: old[k] for k in keep if k in old}, summarized_by=command)
    md = markdown(rows, comps, meta)
    common.write_results(
        base, dict(meta=meta, summary=rows, comparisons=comps, records=records), md
    )
    return md


# ------------------------------------------------------------------------ main
#: Relative cost of one split, so that ``--jobs`` starts the long ones first.
COST_RANK = {"letter": 8, "fars": 7, "casp": 6, "adult": 5, "magic": 4}


def _log_record(path, rec):
    common.append_jsonl(path, rec)
    m = rec["metrics"]
    key = "accuracy" if "accuracy" in m else "r2"
    val = f"{key}={m[key]:.4f}" if key in m else NOT_SUPPORTED
    print(
        f"[{time.strftime('%H:%M:%S')}] {rec['dataset']:11s} s{rec['seed']} "
        f"{rec['teacher']:10s} {rec['family']:7s} {rec['method']:15s} {val} "
        f"t_distil={rec.get('t_distil', 0) or 0:.1f}s",
        flush=True,
    )


def _run_task(name, seed, *, path, families, tune_iter):
    """One (dataset, seed) split, its records appended to ``path`` as they come."""
    try:
        run_split(name, seed, families, tune_iter, functools.partial(_log_record, path))
    except Exception:
        common.record_failure(path, name, seed)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="adult, bikeshare; seed 0")
    mode.add_argument("--full", action="store_true", help="8 datasets; seeds 0 1 2")
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS))
    p.add_argument("--seeds", nargs="+", type=int)
    p.add_argument("--families", nargs="+", choices=FAMILIES, default=["tree"])
    p.add_argument("--tune-iter", type=int, default=10)
    p.add_argument("--tag")
    p.add_argument("--summarize", action="store_true", help="only rebuild json/md")
    p.add_argument("--fresh", action="store_true", help="delete the tag's jsonl first")
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="splits run side by side in this many processes (default 1)",
    )
    a = p.parse_args(argv)

    if a.full:
        datasets, seeds, tag = FULL_DATASETS, [0, 1, 2], "full"
    else:
        datasets, seeds, tag = QUICK_DATASETS, [0], "quick"
    datasets = a.datasets or datasets
    seeds = a.seeds if a.seeds is not None else seeds
    tag = a.tag or tag
    args = argv if argv is not None else sys.argv[1:]
    command = "python -m benchmarks.bench_peers " + " ".join(args)
    path = os.path.join(common.RESULTS_DIR, f"peers_{tag}.jsonl")

    env = None
    if not a.summarize:
        env = common.environment()  # the code the run uses, not the HEAD at the end
        if a.fresh:
            for stale in (path, path + ".errors"):
                if os.path.exists(stale):
                    os.remove(stale)

        common.run_tasks(
            functools.partial(
                _run_task, path=path, families=a.families, tune_iter=a.tune_iter
            ),
            [(name, seed) for name in datasets for seed in seeds],
            jobs=a.jobs,
            cost=lambda t: COST_RANK.get(t[0], 0),
        )
    print(write_outputs(tag, command, seeds, rerun_only=a.summarize, environment=env))
    return 0


if __name__ == "__main__":
    sys.exit(main())
