"""An MLP classifier that learns from soft targets (probability vectors) directly.

scikit-learn's :class:`~sklearn.neural_network.MLPClassifier` minimises the
cross-entropy between its output and one-hot labels; its gradient at the output
layer is ``output - target``, which is just as valid when the target is a
probability vector. :class:`SoftTargetMLPClassifier` only changes how ``y`` is
read: a 2-D float array whose rows are probability vectors is used as it is
(classes ``0 .. k-1``), instead of repeating every row once per class with the
class probability as its sample weight, which is how the other students learn
the soft cross-entropy. Same objective, 1/k of the rows: with the default
teacher, MUNGE at 2x and at most 20,000 training rows (seed 0) the 32x32
student fitted 2.4x faster on magic, 3.9x on adult (binary) and 9.8x on letter
(26 classes), with lower test log-loss on all three
(``benchmarks/bench_mlp_student.py``; ``benchmarks/README.md``, "MLP student").
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.validation import validate_data

#: Largest tolerated |row sum - 1| of a soft-target row.
_SUM_TOLERANCE = 1e-6


def is_soft_target(y) -> bool:
    """Whether ``y`` is read as soft targets rather than labels.

    A 2-D float array with at least two columns is, unless it is a 0/1 matrix
    with a row that does not sum to 1 (a multilabel target, left to the parent
    class). Its rows are then validated by :func:`check_soft_targets`.
    """
    if sparse.issparse(y):  # a sparse multilabel indicator: the parent's case
        return False
    if not hasattr(y, "dtype") or not hasattr(y, "shape"):
        y = np.asarray(y)
    if len(y.shape) != 2 or y.shape[1] < 2 or np.dtype(y.dtype).kind != "f":
        return False
    Y = np.asarray(y)
    indicator = bool(np.all((Y == 0) | (Y == 1)))
    return not indicator or bool(np.all(Y.sum(axis=1) == 1))


def check_soft_targets(Y: np.ndarray, n_samples: int) -> np.ndarray:
    """Validate a soft-target matrix; return it as a float64 array."""
    Y = np.asarray(Y, dtype=np.float64)
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"y has {Y.shape[0]} rows of soft targets but X has {n_samples} rows."
        )
    if not np.all(np.isfinite(Y)):
        raise ValueError("y (soft targets) contains NaN or infinite values.")
    if np.any(Y < 0):
        raise ValueError(
            "y (soft targets) has negative entries; rows must be probability vectors."
        )
    worst = float(np.max(np.abs(Y.sum(axis=1) - 1.0))) if len(Y) else 0.0
    if worst > _SUM_TOLERANCE:
        raise ValueError(
            f"y (soft targets): every row must sum to 1; the worst row is off by "
            f"{worst:.3g}. A 0/1 matrix with several ones per row is a multilabel "
            "target: use sklearn.neural_network.MLPClassifier for that."
        )
    return Y


def _refuse_one_soft_column(y) -> None:
    """A single column of fractions is neither labels nor soft targets."""
    if sparse.issparse(y) or not hasattr(y, "shape") or len(y.shape) != 2:
        return
    if y.shape[1] == 1 and np.dtype(y.dtype).kind == "f":
        values = np.asarray(y, dtype=np.float64)
        if np.isfinite(values).all() and not np.all(values == np.round(values)):
            raise ValueError(
                "y has one column of fractions: soft targets need one column per "
                "class (at least two, e.g. np.column_stack([1 - p, p])); class "
                "labels are whole numbers or strings."
            )


class SoftTargetMLPClassifier(MLPClassifier):
    """MLP classifier that also fits soft targets (class probability vectors).

    Every parameter (``hidden_layer_sizes``, ``alpha``, ``max_iter``, ...),
    attribute and method is that of
    :class:`~sklearn.neural_network.MLPClassifier`; with class labels as ``y``
    it fits exactly the same model. With ``y`` a float array of shape
    ``(n_samples, n_classes)`` whose rows are probability vectors, it minimises
    the cross-entropy to those vectors (Hinton et al.'s soft-target loss), with
    classes ``0 .. n_classes-1``. This is how :func:`skdistill.make_student`'s
    ``'mlp'`` student learns from the teacher: the same objective as repeating
    each row once per class weighted by its probability, with ``1/n_classes``
    of the rows to pass over at every epoch.

    With soft targets, training stops on the training loss (``tol``,
    ``n_iter_no_change``); ``early_stopping=True`` needs class labels (its
    validation score is an accuracy) and is refused with soft targets.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The parent class.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill import SoftTargetMLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> p = 1 / (1 + np.exp(-2 * X[:, 0]))
    >>> soft = np.column_stack([1 - p, p])  # e.g. a teacher's probabilities
    >>> mlp = SoftTargetMLPClassifier(hidden_layer_sizes=(8,), max_iter=500,
    ...                               random_state=0).fit(X, soft)
    >>> mlp.classes_
    array([0, 1])
    >>> mlp.predict_proba(X[:2]).shape
    (2, 2)
    """

    def _validate_input(self, X, y, incremental, reset):
        if not is_soft_target(y):
            _refuse_one_soft_column(y)
            return super()._validate_input(X, y, incremental, reset)
        if self.early_stopping:
            raise ValueError(
                "early_stopping=True needs class labels as y (the validation score "
                "is an accuracy); with soft targets training stops on the training "
                "loss (tol, n_iter_no_change). Set early_stopping=False."
            )
        X = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        Y = check_soft_targets(y, X.shape[0])
        n_classes = Y.shape[1]
        refit = not hasattr(self, "classes_") or (
            not self.warm_start and not incremental
        )
        if refit:
            self._label_binarizer = LabelBinarizer().fit(np.arange(n_classes))
            self.classes_ = self._label_binarizer.classes_
        elif len(self.classes_) != n_classes or not np.array_equal(
            self.classes_, np.arange(n_classes)
        ):
            raise ValueError(
                f"y has {n_classes} columns of soft targets but the model was "
                f"fitted on classes {self.classes_}; soft targets continue a model "
                f"with classes 0 .. {n_classes - 1}."
            )
        Y = Y[:, 1:] if n_classes == 2 else Y  # one logistic output when binary
        return X, Y.astype(X.dtype, copy=False)
