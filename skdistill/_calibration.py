"""Temperature scaling (Guo et al. 2017) and expected calibration error.

Pure functions: fit a single temperature ``T > 0`` that minimises the negative
log-likelihood of ``softmax(logits / T)`` on held-out labels, and measure ECE.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.optimize import minimize_scalar

from ._soft_targets import log_proba_from_logits

#: Search range of the fitted temperature. ``T`` outside [0.05, 20] means the
#: teacher's probabilities carry almost no ranking signal or are hugely over-
#: confident; the bound keeps the optimiser away from degenerate solutions.
TEMPERATURE_BOUNDS = (0.05, 20.0)


def negative_log_likelihood(
    logits: np.ndarray,
    y_index: np.ndarray,
    temperature: float = 1.0,
    sample_weight: np.ndarray | None = None,
) -> float:
    """Mean (weighted) negative log-likelihood of ``softmax(logits / T)``."""
    logp = log_proba_from_logits(logits, temperature)
    picked = logp[np.arange(len(y_index)), y_index]
    return float(-np.average(picked, weights=sample_weight))


def fit_temperature(
    logits: np.ndarray,
    y_index: np.ndarray,
    sample_weight: np.ndarray | None = None,
) -> float:
    """Fit the temperature that minimises the negative log-likelihood.

    The search is one-dimensional over ``log T`` (bounded Brent method of
    :func:`scipy.optimize.minimize_scalar`), so the result is deterministic.

    Parameters
    ----------
    logits : ndarray of shape (n_samples, n_classes)
        Logits of rows the model did not train on (out-of-fold or held out).
    y_index : ndarray of shape (n_samples,)
        Integer index of each row's true class.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights of the likelihood.

    Returns
    -------
    temperature : float
        The fitted temperature, within ``TEMPERATURE_BOUNDS``. Accuracy is
        unchanged by it; only the confidence moves.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._calibration import fit_temperature
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(scale=4.0, size=(20000, 3))
    >>> p = np.exp(z / 2.0); p /= p.sum(1, keepdims=True)  # true temperature 2
    >>> y = np.array([rng.choice(3, p=row) for row in p])
    >>> round(fit_temperature(z, y), 1)
    2.0
    """
    logits = np.asarray(logits, dtype=np.float64)
    y_index = np.asarray(y_index)
    lo, hi = np.log(TEMPERATURE_BOUNDS[0]), np.log(TEMPERATURE_BOUNDS[1])
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(
            logits, y_index, float(np.exp(log_t)), sample_weight
        ),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-5},
    )
    return float(np.exp(result.x))


def _check_ece_inputs(y_true_index: np.ndarray, proba: np.ndarray, n_bins) -> None:
    """Clear errors for what would otherwise be a silent wrong ECE."""
    if proba.ndim != 2:
        raise ValueError(
            f"proba must be 2-D (n_samples, n_classes); got shape {proba.shape}."
        )
    if y_true_index.shape != (len(proba),):
        raise ValueError(
            f"y_true_index must hold one class index per row of proba "
            f"({len(proba)}); got shape {y_true_index.shape}."
        )
    n_classes = proba.shape[1]
    integral = y_true_index.dtype.kind in "biu" or (
        y_true_index.dtype.kind == "f"
        and np.array_equal(y_true_index, np.round(y_true_index))
    )
    if not integral or y_true_index.min() < 0 or y_true_index.max() >= n_classes:
        raise ValueError(
            f"y_true_index must be column indices of proba, integers in [0, "
            f"{n_classes - 1}]; got values {np.unique(y_true_index)[:5].tolist()}"
            " (encode labels first, e.g. np.searchsorted(classes, y))."
        )
    finite = np.isfinite(proba).all()
    if not finite or proba.min() < -1e-6 or proba.max() > 1 + 1e-6:  # float32
        raise ValueError("proba must hold probabilities in [0, 1].")
    if (
        not isinstance(n_bins, numbers.Integral)
        or isinstance(n_bins, bool)
        or n_bins < 1
    ):
        raise ValueError(f"n_bins must be a positive int; got {n_bins!r}.")


def expected_calibration_error(
    y_true_index: np.ndarray,
    proba: np.ndarray,
    *,
    n_bins: int = 15,
    sample_weight: np.ndarray | None = None,
) -> float:
    """Expected calibration error of the top-class confidence (Guo et al. 2017).

    ``ECE = sum_m (|B_m| / n) * |acc(B_m) - conf(B_m)|`` over ``n_bins``
    equal-width bins of the predicted class's probability on ``(0, 1]``.

    Parameters
    ----------
    y_true_index : ndarray of shape (n_samples,)
        Integer index of each row's true class (column of ``proba``).
    proba : ndarray of shape (n_samples, n_classes)
        Predicted probabilities.
    n_bins : int, default=15
        Number of equal-width confidence bins.
    sample_weight : ndarray of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    ece : float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._calibration import expected_calibration_error
    >>> proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
    >>> round(expected_calibration_error(np.array([0, 1, 1, 1]), proba), 6)
    0.35
    """
    proba = np.asarray(proba, dtype=np.float64)
    y_true_index = np.asarray(y_true_index)
    if len(y_true_index) == 0:
        raise ValueError("expected_calibration_error needs at least one row.")
    _check_ece_inputs(y_true_index, proba, n_bins)
    y_true_index = y_true_index.astype(np.intp)  # bool labels of a binary y too
    w = (
        np.ones(len(y_true_index))
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == y_true_index).astype(np.float64)
    # Bin m holds confidences in ((m-1)/M, m/M]; confidence 0 would fall in bin 0.
    bins = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    weight_per_bin = np.bincount(bins, weights=w, minlength=n_bins)
    acc_sum = np.bincount(bins, weights=w * correct, minlength=n_bins)
    conf_sum = np.bincount(bins, weights=w * confidence, minlength=n_bins)
    return float(np.abs(acc_sum - conf_sum).sum() / weight_per_bin.sum())
