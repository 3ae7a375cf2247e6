"""The student-independent part of a fit: teacher, calibration, transfer set.

Everything a distiller computes before the student sees any data depends only on
the training data, the teacher, the augmentation settings and the seeds — never
on the student. These functions compute that stage in one call, so the
distillers can cache it with ``joblib.Memory`` (their ``memory`` parameter): a
grid search over student families then fits the teacher and labels the transfer
set once per training fold instead of once per candidate.

The stage is cached at two levels. The teacher part (the fitted teacher and
its temperature: :func:`classification_teacher`, :func:`regression_teacher`)
depends on neither the augmentation nor the transfer-set size, and is cached on
its own: candidates whose transfer sets differ (e.g. ``n_synthetic='auto'``
gives linear students no synthetic rows) still share one teacher fit.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import clone

from ._calibration import (
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
)
from ._soft_targets import proba_to_logits, soften
from ._teacher import (
    fit_teacher,
    held_out_proba,
    is_frozen,
    teacher_predict,
    teacher_proba,
)
from ._transfer import build_transfer_set, n_synthetic_rows
from .augment import NoAugmenter, resolve_augmenter


@dataclass
class TeacherStage:
    """What the student-independent stage produced.

    Pickled (by the ``memory`` cache) without its teacher: the cache holds the
    teacher once, in the teacher part, and the distiller puts it back.
    """

    teacher: object
    augmenter: object
    X_transfer: np.ndarray
    outputs: np.ndarray  # teacher probabilities, or predictions of shape (n, k)
    source: np.ndarray
    temperature: float = 1.0
    calibration: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["teacher"] = None
        return state


def timed(times: dict, phase: str, log: Callable[[str], None], fn, *args):
    """Run ``fn(*args)``, logging its start and end, its wall time in ``times``."""
    log(f"{phase} ...")
    t0 = time.perf_counter()
    result = fn(*args)
    times[phase] = time.perf_counter() - t0
    log(f"{phase} done in {times[phase]:.2f}s")
    return result


def _stage(
    part,
    X,
    label,
    augment,
    n_synthetic,
    seed,
    categorical_mask,
    chunk_size,
    n_jobs,
    log,
) -> TeacherStage:
    """Complete a teacher part into the stage.

    Fits the augmenter and labels the real and synthetic rows with ``label``,
    timing (``augment_and_label``) and logging it.
    """
    times = dict(part.times)
    t0 = time.perf_counter()
    augmenter = resolve_augmenter(augment)
    if augmenter.get_params().get("random_state", None) is None:
        augmenter.set_params(random_state=seed)
    augmenter.fit(X, categorical_features=categorical_mask)
    n_syn = (
        0
        if isinstance(augmenter, NoAugmenter)
        else n_synthetic_rows(n_synthetic, X.shape[0])
    )
    X_transfer, outputs, source = build_transfer_set(
        X, augmenter, n_syn, label, chunk_size=chunk_size, n_jobs=n_jobs
    )
    times["augment_and_label"] = time.perf_counter() - t0
    log(f"transfer set: {X.shape[0]} real + {len(X_transfer) - len(X)} synthetic rows")
    return TeacherStage(
        teacher=part.teacher,
        augmenter=augmenter,
        X_transfer=X_transfer,
        outputs=outputs,
        source=source,
        temperature=part.temperature,
        calibration=dict(part.calibration),
        times=times,
    )


#: ``calibration_cv='auto'``: a stratified 20% holdout once it holds at least
#: this many rows (training sets of 2,500 rows and more), otherwise
#: out-of-fold probabilities for every row from ``AUTO_CALIBRATION_FOLDS``
#: folds (four more teacher fits, on small data). Evidence:
#: ``benchmarks/results/calibration_small`` (breast cancer, wine, iris and
#: digits, 3 seeds each: with the 20% holdout the calibrated teacher's test
#: log-loss was worse than the raw one's on 5 of 12 splits, median ratio
#: 0.944; with 5 folds on 2 of 12, median ratio 0.656).
AUTO_CALIBRATION_MIN_HELDOUT = 500
AUTO_CALIBRATION_FOLDS = 5


def resolve_calibration_cv(calibration_cv, y: np.ndarray):
    """The held-out scheme ``calibration_cv`` stands for on labels ``y``.

    ``'auto'``: ``0.2`` when a 20% holdout has at least
    ``AUTO_CALIBRATION_MIN_HELDOUT`` rows; else ``AUTO_CALIBRATION_FOLDS``-fold
    cross-fitting (fewer folds when even the largest class has fewer rows,
    no calibration when it has fewer than two). On a small holdout the temperature
    follows the handful of rows it happens to hold (on breast cancer, 86
    held-out rows gave ``T = 0.32``, doubling the teacher's test log-loss;
    5-fold, all 426 rows: ``T = 0.72``). Anything else is returned as is.
    """
    if not (isinstance(calibration_cv, str) and calibration_cv == "auto"):
        return calibration_cv
    if 0.2 * len(y) >= AUTO_CALIBRATION_MIN_HELDOUT:
        return 0.2
    largest = int(np.unique(y, return_counts=True)[1].max())
    if largest < 2:
        return None  # no row can be held out
    return min(AUTO_CALIBRATION_FOLDS, largest)


def _calibrate(held, y_index, sample_weight):
    logits = proba_to_logits(held)
    rows = np.arange(len(y_index))
    others = held.copy()
    others[rows, y_index] = -np.inf
    if np.all(logits == logits[:, :1]):
        # every row's probabilities equal across classes: a teacher that
        # learnt nothing; no temperature changes them
        warnings.warn(
            f"The teacher gives every class the same probability on all "
            f"{len(y_index)} calibration rows (it learnt nothing from its "
            "training rows: too few of them, or features unrelated to the "
            "labels), so no temperature changes its predictions: "
            "temperature_ is left at 1, and a student can learn nothing from "
            "such a teacher.",
            UserWarning,
            stacklevel=2,
        )
        temperature = 1.0
    elif not np.any(held[rows, y_index] < others.max(axis=1)):
        # No row whose true class is beaten: the likelihood keeps improving as
        # T -> 0 (until it underflows), so a fitted "temperature" would only
        # say where. (A tie is not beaten: sharpening still helps it.)
        warnings.warn(
            f"The teacher misclassifies none of the {len(y_index)} calibration "
            "rows, so sharpening its probabilities keeps lowering their "
            "negative log-likelihood and no temperature is identified: "
            "temperature_ is left at 1 (uncalibrated). More calibration rows "
            "(rows the teacher did not train on) may let one be fitted.",
            UserWarning,
            stacklevel=2,
        )
        temperature = 1.0
    else:
        temperature = fit_temperature(logits, y_index, sample_weight)
    calibrated = soften(held, temperature)
    w = sample_weight
    return temperature, {
        "n_rows": int(len(y_index)),
        "nll_before": negative_log_likelihood(logits, y_index, 1.0, w),
        "nll_after": negative_log_likelihood(logits, y_index, temperature, w),
        "ece_before": expected_calibration_error(y_index, held, sample_weight=w),
        "ece_after": expected_calibration_error(y_index, calibrated, sample_weight=w),
    }


@dataclass
class FittedTeacher:
    """The teacher part of the stage: the fitted teacher and its temperature."""

    teacher: object
    temperature: float = 1.0
    calibration: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)


def classification_teacher(
    teacher,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    classes: np.ndarray,
    seeds: dict,
    calibration_cv,
    log: Callable[[str], None],
) -> FittedTeacher:
    """Fit (or take) the teacher and fit its temperature.

    ``calibration_cv`` selects the held-out rows for the temperature (see
    :class:`~skdistill.DistilledClassifier`), already resolved by
    :func:`resolve_calibration_cv` (the caller does it, so that a ``memory``
    cache is keyed on the scheme itself); a frozen teacher is calibrated on
    its outputs for ``X``.
    """
    times: dict = {}
    y_index = np.searchsorted(classes, y)
    held = index = None
    if is_frozen(teacher):
        fitted = teacher
        if calibration_cv is not None:
            index = np.arange(len(y))
            held = teacher_proba(teacher, X, classes)
    else:
        if calibration_cv is not None:
            index, held = timed(
                times,
                "calibration",
                log,
                held_out_proba,
                teacher,
                X,
                y,
                sample_weight,
                calibration_cv,
                seeds["split"],
                classes,
            )
        fitted = timed(
            times, "teacher", log, fit_teacher, clone(teacher), X, y, sample_weight
        )
    temperature, calibration = 1.0, {}
    if held is not None:
        w = None if sample_weight is None else sample_weight[index]
        temperature, calibration = _calibrate(held, y_index[index], w)
        calibration["cv"] = "frozen" if is_frozen(teacher) else calibration_cv
        log(
            f"temperature {temperature:.3f} (held-out NLL "
            f"{calibration['nll_before']:.4f} -> {calibration['nll_after']:.4f})"
        )
    return FittedTeacher(fitted, temperature, calibration, times)


def classification_stage(
    teacher,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    classes: np.ndarray,
    seeds: dict,
    calibration_cv,
    augment,
    n_synthetic,
    categorical_mask,
    chunk_size: int,
    n_jobs: int | None,
    log: Callable[[str], None],
    teacher_part: Callable = classification_teacher,
) -> TeacherStage:
    """Fit (or take) the teacher, fit its temperature, label the transfer set.

    ``teacher_part`` computes the teacher and its temperature (the distillers
    pass :func:`classification_teacher` through their ``memory``). ``outputs``
    are the teacher's raw probabilities (columns in ``classes`` order) for
    every transfer row.
    """
    part = teacher_part(
        teacher, X, y, sample_weight, classes, seeds, calibration_cv, log
    )
    return _stage(
        part,
        X,
        lambda rows: teacher_proba(part.teacher, rows, classes),
        augment,
        n_synthetic,
        seeds["augment"],
        categorical_mask,
        chunk_size,
        n_jobs,
        log,
    )


def regression_teacher(
    teacher,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    log: Callable[[str], None],
) -> FittedTeacher:
    """Fit (or take) the teacher."""
    times: dict = {}
    if is_frozen(teacher):
        return FittedTeacher(teacher, times=times)
    fitted = timed(
        times, "teacher", log, fit_teacher, clone(teacher), X, y, sample_weight
    )
    return FittedTeacher(fitted, times=times)


def regression_stage(
    teacher,
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None,
    seeds: dict,
    augment,
    n_synthetic,
    categorical_mask,
    chunk_size: int,
    n_jobs: int | None,
    log: Callable[[str], None],
    teacher_part: Callable = regression_teacher,
) -> TeacherStage:
    """Fit (or take) the teacher and label the transfer set with its predictions.

    ``teacher_part`` fits the teacher (see :func:`classification_stage`).
    ``outputs`` has shape (n_transfer, n_outputs).
    """
    part = teacher_part(teacher, X, y, sample_weight, log)
    return _stage(
        part,
        X,
        lambda rows: teacher_predict(part.teacher, rows),
        augment,
        n_synthetic,
        seeds["augment"],
        categorical_mask,
        chunk_size,
        n_jobs,
        log,
    )
