"""Fidelity, calibration and size measures for teachers and students.

Pure functions on predictions or fitted estimators; used by the report, the
command line and the benchmarks.
"""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.pipeline import Pipeline

from ._binning import BinnedColumns
from ._calibration import expected_calibration_error

__all__ = [
    "agreement",
    "expected_calibration_error",
    "fidelity_r2",
    "model_size",
    "pickled_size",
]


def agreement(y_a: np.ndarray, y_b: np.ndarray) -> float:
    """Share of rows on which two label vectors agree (classification fidelity).

    Examples
    --------
    >>> from skdistill.metrics import agreement
    >>> agreement([0, 1, 1, 0], [0, 1, 0, 0])
    0.75
    """
    y_a, y_b = np.asarray(y_a), np.asarray(y_b)
    if y_a.shape != y_b.shape:
        raise ValueError(
            f"agreement needs two label vectors of the same shape; got {y_a.shape} "
            f"and {y_b.shape}."
        )
    if y_a.size == 0:
        raise ValueError("agreement needs at least one row.")
    return float(np.mean(y_a == y_b))


def fidelity_r2(teacher_pred: np.ndarray, student_pred: np.ndarray) -> float:
    """R^2 of the student's predictions against the teacher's (regression fidelity).

    Averaged uniformly over outputs for multi-output predictions.

    Examples
    --------
    >>> from skdistill.metrics import fidelity_r2
    >>> fidelity_r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.5])
    0.875
    """
    from sklearn.metrics import r2_score

    return float(r2_score(np.asarray(teacher_pred), np.asarray(student_pred)))


def _count(estimator) -> dict[str, int]:
    if isinstance(estimator, Pipeline):
        total: dict[str, int] = {}
        for _, step in estimator.steps:
            for key, value in _count(step).items():
                total[key] = total.get(key, 0) + value
        return total
    if hasattr(estimator, "tree_"):
        return {"nodes": int(estimator.tree_.node_count)}
    if hasattr(estimator, "estimators_"):  # forests, voting, multi-output wrappers
        members = estimator.estimators_
        members = members.ravel() if isinstance(members, np.ndarray) else members
        total = {}
        for member in members:
            for key, value in _count(member).items():
                total[key] = total.get(key, 0) + value
        return total
    if hasattr(estimator, "coefs_"):  # MLPs
        n = sum(c.size for c in estimator.coefs_)
        n += sum(b.size for b in estimator.intercepts_)
        return {"parameters": int(n)}
    if hasattr(estimator, "coef_"):
        n = np.size(estimator.coef_) + np.size(getattr(estimator, "intercept_", 0))
        return {"parameters": int(n)}
    if isinstance(estimator, BinnedColumns):  # the learnt edges and categories
        learnt = [*estimator.edges_, *estimator.categories_]
        return {"parameters": int(sum(len(v) for v in learnt if v is not None))}
    return {}


def model_size(estimator) -> dict[str, int]:
    """Count tree nodes and/or learnt parameters of a fitted estimator.

    Trees report ``nodes``; linear models and MLPs report ``parameters``
    (weights and intercepts; the bin edges and categories of a
    :class:`~skdistill.BinnedColumns` step count too); pipelines and
    ensembles add up their members.
    The pickled size in bytes is always included as ``bytes``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdistill.metrics import model_size
    >>> X, y = load_iris(return_X_y=True)
    >>> model_size(LogisticRegression(max_iter=500).fit(X, y))["parameters"]
    15
    """
    sizes = _count(estimator)
    sizes["bytes"] = pickled_size(estimator)
    return sizes


class _ByteCounter:
    """A file that counts what is written to it and keeps none of it."""

    def __init__(self):
        self.n = 0

    def write(self, data) -> int:
        size = memoryview(data).nbytes
        self.n += size
        return size


def pickled_size(estimator) -> int:
    """Size in bytes of the pickled estimator (counted as it is written: no
    copy of a large teacher is held)."""
    counter = _ByteCounter()
    pickle.dump(estimator, counter, protocol=pickle.HIGHEST_PROTOCOL)
    return counter.n
