"""The augmenter that generates nothing."""

from __future__ import annotations

import numpy as np

from ._base import BaseAugmenter


class NoAugmenter(BaseAugmenter):
    """Generate no synthetic rows: the student trains on the real rows only.

    :meth:`sample` returns an empty ``(0, n_features_in_)`` array and an empty
    source array whatever ``n_samples`` is, and :meth:`iter_samples` yields
    nothing. ``n_samples`` is still validated, and :meth:`fit` must still be called
    first (it learns ``n_features_in_``). This is what ``augment="none"`` or
    ``augment=None`` resolves to.

    Parameters
    ----------
    clip : bool, default=True
        Accepted for a uniform interface; has no effect.
    random_state : int, RandomState instance or None, default=None
        Accepted for a uniform interface; has no effect on the (empty) output.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in :meth:`fit`; only set when ``X`` had string column names.
    n_samples_fit_ : int
        Number of training rows.
    X_fit_ : ndarray of shape (n_samples_fit_, n_features_in_)
        Float64 copy of the training data.
    categorical_mask_ : ndarray of shape (n_features_in_,), dtype=bool
        True for categorical columns.
    integer_mask_ : ndarray of shape (n_features_in_,), dtype=bool
        True for columns whose training values are all integral.
    data_min_, data_max_ : ndarray of shape (n_features_in_,)
        Per-column observed range (NaN for an all-NaN column).
    categories_ : list of length n_features_in_
        Sorted observed values of each categorical column; None for the others.
    nan_mask_ : ndarray of shape (n_samples_fit_, n_features_in_), dtype=bool
        Where the training data are NaN.

    See Also
    --------
    resolve_augmenter : Maps ``"none"`` and None to this class.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import NoAugmenter
    >>> X_syn, source = NoAugmenter().fit(np.ones((3, 2))).sample(100)
    >>> X_syn.shape, source.shape, source.dtype
    ((0, 2), (0,), dtype('int64'))
    """

    def _n_rows(self, n_samples: int) -> int:
        return 0

    def _sample_block(
        self, rng: np.random.Generator, source_idx: np.ndarray
    ) -> np.ndarray:  # pragma: no cover - never called, _n_rows is 0
        return np.empty((source_idx.shape[0], self.n_features_in_))
