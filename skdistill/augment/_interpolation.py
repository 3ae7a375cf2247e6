"""Class-agnostic SMOTE / mixup-style interpolation between neighbours."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter
from ._neighbors import nearest_neighbors


class InterpolationAugmenter(BaseAugmenter):
    """Synthetic rows on the segment between a row and one of its neighbours.

    In :meth:`fit` the ``k = min(n_neighbors, n_samples_fit_ - 1)`` nearest other
    rows of each training row are found (min-max scaled continuous columns plus a
    Hamming term for categorical columns, as in :class:`MUNGEAugmenter`). A
    synthetic row derived from ``e`` picks one of them, ``e'``, uniformly and draws
    ``lam ~ U(0, 1)`` (one per synthetic row). Then:

    - continuous ``a``: ``e_a + lam * (e'_a - e_a)``;
    - categorical ``a``: ``e'_a`` if ``lam >= 0.5`` (the point is nearer ``e'``),
      else ``e_a``;
    - if ``e_a`` or ``e'_a`` is NaN: ``e_a``.

    Labels are not used (unlike SMOTE, neighbours may have any class): the teacher
    labels the synthetic rows later.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of nearest neighbours to interpolate towards, ``>= 1``; capped at
        ``n_samples_fit_ - 1``.
    clip : bool, default=True
        Clip continuous columns of the synthetic rows to the range observed in
        training (interpolation already stays inside it; clipping matters only for
        rounding edge cases).
    random_state : int, RandomState instance or None, default=None
        Controls the random draws. One seed is derived from it at the start of each
        :meth:`sample` / :meth:`iter_samples` call: an int gives the same rows on
        every call, a ``RandomState`` instance new rows on each call.

    Attributes
    ----------
    neighbors_ : ndarray of shape (n_samples_fit_, k), dtype=int64
        Indices of each training row's nearest neighbours, nearest first. With one
        training row, ``[[0]]``: the row interpolates with itself.
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
        True for columns whose training values are all integral (rounded on output).
    data_min_, data_max_ : ndarray of shape (n_features_in_,)
        Per-column observed range (NaN for an all-NaN column).
    categories_ : list of length n_features_in_
        Sorted observed values of each categorical column; None for the others.
    nan_mask_ : ndarray of shape (n_samples_fit_, n_features_in_), dtype=bool
        Where the training data are NaN.

    See Also
    --------
    MUNGEAugmenter : Gaussian draws around the nearest neighbour.

    References
    ----------
    .. [1] N. V. Chawla, K. W. Bowyer, L. O. Hall and W. P. Kegelmeyer, "SMOTE:
       Synthetic Minority Over-sampling Technique", JAIR 16, 2002.
    .. [2] H. Zhang, M. Cisse, Y. N. Dauphin and D. Lopez-Paz, "mixup: Beyond
       Empirical Risk Minimization", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import InterpolationAugmenter
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    >>> aug = InterpolationAugmenter(n_neighbors=2, random_state=0)
    >>> X_syn, source = aug.fit(X, categorical_features=[1]).sample(4)
    >>> X_syn.shape, aug.neighbors_.shape
    ((4, 2), (4, 2))
    >>> bool(np.all((X_syn[:, 0] >= 0.0) & (X_syn[:, 0] <= 3.0)))
    True
    """

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        clip: bool = True,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(clip=clip, random_state=random_state)
        self.n_neighbors = n_neighbors

    def _fit(self, X: np.ndarray) -> None:
        self.neighbors_ = nearest_neighbors(
            X,
            self.categorical_mask_,
            self.data_min_,
            self.data_max_,
            self.categories_,
            n_neighbors=self.n_neighbors,
        )

    def _sample_block(
        self, rng: np.random.Generator, source_idx: np.ndarray
    ) -> np.ndarray:
        m = source_idx.shape[0]
        pick = rng.integers(0, self.neighbors_.shape[1], size=m)
        lam = rng.random(m)[:, None]
        E = self.X_fit_[source_idx]
        N = self.X_fit_[self.neighbors_[source_idx, pick]]
        new = N - E
        new *= lam
        new += E
        new = np.where(self.categorical_mask_, np.where(lam >= 0.5, N, E), new)
        # NaN in e_a or e'_a: keep e_a
        return np.where(np.isnan(new), E, new)
