"""MUNGE (Bucila, Caruana & Niculescu-Mizil, 2006)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter
from ._neighbors import nearest_neighbors


class MUNGEAugmenter(BaseAugmenter):
    """Synthetic rows by MUNGE: perturb each row towards its nearest neighbour.

    For each training row ``e`` the nearest other row ``e'`` is found once, in
    :meth:`fit`, on min-max scaled continuous columns plus a Hamming term for
    categorical columns. A synthetic row derived from ``e`` then takes, for each
    attribute ``a`` independently with probability ``p``:

    - categorical ``a``: the neighbour's value ``e'_a``;
    - continuous ``a``: a draw from ``N(e'_a, sd)`` with ``sd = |e_a - e'_a| / s``;

    and keeps ``e_a`` otherwise. If ``e_a`` or ``e'_a`` is NaN the attribute keeps
    ``e_a``.

    Read more in Bucila et al. (2006); see Notes for the differences.

    Parameters
    ----------
    p : float, default=0.5
        Probability, per attribute, of moving it towards the neighbour. ``p=0``
        returns the source rows unchanged.
    s : float, default=1.0
        Spread divisor, ``> 0``: the noise standard deviation is the distance to the
        neighbour divided by ``s``. Larger ``s`` means less noise.
    clip : bool, default=True
        Clip continuous columns of the synthetic rows to the range observed in
        training.
    random_state : int, RandomState instance or None, default=None
        Controls the random draws. One seed is derived from it at the start of each
        :meth:`sample` / :meth:`iter_samples` call: an int gives the same rows on
        every call, a ``RandomState`` instance new rows on each call.

    Attributes
    ----------
    neighbors_ : ndarray of shape (n_samples_fit_,), dtype=int64
        Index of each training row's nearest neighbour (itself when there is only
        one training row).
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
    InterpolationAugmenter : Points on the segment to one of k nearest neighbours.
    MarginalResamplingAugmenter : Simplified MUNGE without a neighbour search.
    GaussianJitterAugmenter : Gaussian noise around each row.

    Notes
    -----
    The original algorithm modifies ``e`` and ``e'`` together (a swap for nominal
    attributes); here each synthetic row is one output, the modified ``e``.
    Synthetic row ``j`` is derived from training row ``j % n_samples_fit_``, so
    ``k * n_samples_fit_`` rows are ``k`` MUNGE passes over the training set.

    The neighbour search is exact (:class:`~sklearn.neighbors.NearestNeighbors`;
    with categorical columns a tree within each categorical profile, brute force
    only for the rows it cannot settle) and costs up to
    ``O(n_samples_fit_^2 * n_features)`` in :meth:`fit`; sampling is vectorised.
    With one training row the row is its own neighbour, so the output is that
    row.

    References
    ----------
    .. [1] C. Bucila, R. Caruana and A. Niculescu-Mizil, "Model Compression",
       KDD 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import MUNGEAugmenter
    >>> X = np.array([[0.0, 1.0], [0.1, 1.0], [1.0, 0.0], [0.9, 0.0]])
    >>> aug = MUNGEAugmenter(p=0.5, s=1.0, random_state=0)
    >>> X_syn, source = aug.fit(X, categorical_features=[1]).sample(8)
    >>> X_syn.shape, source.tolist()
    ((8, 2), [0, 1, 2, 3, 0, 1, 2, 3])
    >>> aug.neighbors_.tolist()
    [1, 0, 3, 2]
    >>> bool(np.isin(X_syn[:, 1], [0.0, 1.0]).all())
    True
    """

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
        "s": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        p: float = 0.5,
        s: float = 1.0,
        *,
        clip: bool = True,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(clip=clip, random_state=random_state)
        self.p = p
        self.s = s

    def _fit(self, X: np.ndarray) -> None:
        self.neighbors_ = nearest_neighbors(
            X,
            self.categorical_mask_,
            self.data_min_,
            self.data_max_,
            self.categories_,
            n_neighbors=1,
        )[:, 0]

    def _sample_block(
        self, rng: np.random.Generator, source_idx: np.ndarray
    ) -> np.ndarray:
        E = self.X_fit_[source_idx]
        N = self.X_fit_[self.neighbors_[source_idx]]
        shape = E.shape
        # Fixed draws per block (independent of p, s and the data) keep the stream
        # aligned: uniforms decide which attributes move, normals give the noise.
        move = rng.random(shape) < self.p
        z = rng.standard_normal(shape)
        # continuous: N(e'_a, |e_a - e'_a| / s); categorical: e'_a
        z *= np.abs(E - N)
        z /= self.s
        z += N
        new = np.where(self.categorical_mask_, N, z)
        # NaN in e'_a (or e_a): keep e_a
        move &= ~np.isnan(new)
        return np.where(move, new, E)
