"""Pure functions turning teacher probabilities into soft targets, and back.

Notation (Hinton, Vinyals & Dean 2015): a classifier's logits ``z`` give
probabilities ``softmax(z / T)``. A teacher that only exposes probabilities ``p``
has logits ``log p`` up to an additive constant per row, which softmax ignores,
so every function here works on centred log-probabilities.

Nothing in this module has state or randomness; the estimators orchestrate.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, softmax

#: Probabilities are clipped to ``[PROBA_EPS, 1]`` before taking logarithms, so a
#: teacher that outputs exact zeros (a pure leaf of a tree) yields finite logits.
#: ``log(1e-7) ~ -16`` bounds the logit range that logit regressors have to fit.
PROBA_EPS = 1e-7


def proba_to_logits(proba: np.ndarray, *, eps: float = PROBA_EPS) -> np.ndarray:
    """Return centred logits (log-probabilities minus their row mean).

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Rows of class probabilities.
    eps : float, default=1e-7
        Probabilities are clipped to ``[eps, 1]`` before the logarithm.

    Returns
    -------
    logits : ndarray of shape (n_samples, n_classes)
        ``log(clip(proba))`` with each row shifted to mean zero. ``softmax`` of it
        gives back ``proba`` (up to the clipping).

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._soft_targets import proba_to_logits, logits_to_proba
    >>> p = np.array([[0.2, 0.8]])
    >>> np.allclose(logits_to_proba(proba_to_logits(p)), p)
    True
    """
    logp = np.log(np.clip(np.asarray(proba, dtype=np.float64), eps, 1.0))
    return logp - logp.mean(axis=1, keepdims=True)


def logits_to_proba(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Return ``softmax(logits / temperature)`` row by row (numerically stable)."""
    return softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1)


def log_proba_from_logits(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Return ``log_softmax(logits / temperature)`` row by row."""
    return log_softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1)


def soften(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Rescale probability rows by a temperature: ``softmax(log(p) / temperature)``.

    ``temperature > 1`` flattens the distribution (Hinton's softening),
    ``temperature < 1`` sharpens it, ``temperature == 1`` returns ``proba``
    (clipped at ``PROBA_EPS`` and renormalised).

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._soft_targets import soften
    >>> soften(np.array([[0.1, 0.9]]), 2.0).round(3)
    array([[0.25, 0.75]])
    """
    return logits_to_proba(proba_to_logits(proba), temperature)


def one_hot(y_index: np.ndarray, n_classes: int) -> np.ndarray:
    """Return the one-hot matrix of integer class indices."""
    out = np.zeros((len(y_index), n_classes), dtype=np.float64)
    out[np.arange(len(y_index)), y_index] = 1.0
    return out


def blend_with_labels(
    soft: np.ndarray, y_index: np.ndarray, hard_label_weight: float
) -> np.ndarray:
    """Mix soft targets with one-hot labels: ``(1 - w) * soft + w * onehot(y)``.

    This is the target-space form of Hinton et al.'s weighted two-term loss. For a
    student whose loss is the cross-entropy, ``CE((1-w) q + w e_y, p)`` equals
    ``(1-w) CE(q, p) + w CE(e_y, p)`` exactly, because cross-entropy is linear in
    its target.

    Parameters
    ----------
    soft : ndarray of shape (n_samples, n_classes)
        Soft targets (rows sum to one).
    y_index : ndarray of shape (n_samples,)
        Integer class index of each row's true label.
    hard_label_weight : float in [0, 1]
        Weight ``w`` of the hard labels.
    """
    if hard_label_weight == 0.0:
        return soft
    return (1.0 - hard_label_weight) * soft + hard_label_weight * one_hot(
        y_index, soft.shape[1]
    )


def sharpen_student_proba(proba: np.ndarray, softening: float) -> np.ndarray:
    """Undo the softening temperature on a student's output probabilities.

    A student fitted to targets softened at temperature ``T`` has learnt logits
    ``z / T``; Hinton et al. predict with the student at ``T = 1``, i.e. with
    logits ``z``. For probability outputs that is ``softmax(T * log p)``.
    With ``softening == 1`` the input is returned unchanged.
    """
    if softening == 1.0:
        return proba
    return logits_to_proba(proba_to_logits(proba), 1.0 / softening)
