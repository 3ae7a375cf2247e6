"""Gaussian jitter around the training rows."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter
from ._utils import column_std, marginal_draw


class GaussianJitterAugmenter(BaseAugmenter):
    """Synthetic rows by Gaussian noise around each training row.

    A synthetic row derived from training row ``e`` has, for a continuous column
    ``a``, ``e_a + N(0, (scale * std_a)^2)`` where ``std_a`` is the column's
    standard deviation; for a categorical column, with probability
    ``min(scale, 1)`` a value drawn from the column's empirical marginal (the value
    of a random training row; if that is NaN the original value is kept), else
    ``e_a``.

    Parameters
    ----------
    scale : float, default=0.1
        Noise level, ``>= 0``: the standard deviation of the noise as a fraction of
        each continuous column's standard deviation, and the probability (capped at
        1) of resampling a categorical value. ``scale=0`` returns the source rows.
    clip : bool, default=True
        Clip continuous columns of the synthetic rows to the range observed in
        training. With ``clip=False`` jittered values can leave that range.
    random_state : int, RandomState instance or None, default=None
        Controls the random draws. One seed is derived from it at the start of each
        :meth:`sample` / :meth:`iter_samples` call: an int gives the same rows on
        every call, a ``RandomState`` instance new rows on each call.

    Attributes
    ----------
    data_std_ : ndarray of shape (n_features_in_,)
        Per-column standard deviation of the non-NaN training values (0 for an
        all-NaN column).
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
    MarginalResamplingAugmenter : Resamples some attributes, jitters the rest.
    MUNGEAugmenter : Noise scaled by the distance to the nearest neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import GaussianJitterAugmenter
    >>> X = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0]])
    >>> aug = GaussianJitterAugmenter(scale=0.1, random_state=0).fit(X)
    >>> X_syn, source = aug.sample(6)
    >>> X_syn.shape, source.tolist()
    ((6, 2), [0, 1, 2, 0, 1, 2])
    >>> bool(np.all(X_syn[:, 1] >= 10.0) and np.all(X_syn[:, 1] <= 30.0))
    True
    """

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "scale": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        scale: float = 0.1,
        *,
        clip: bool = True,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(clip=clip, random_state=random_state)
        self.scale = scale

    def _fit(self, X: np.ndarray) -> None:
        self.data_std_ = column_std(X, self.nan_mask_)

    def _sample_block(
        self, rng: np.random.Generator, source_idx: np.ndarray
    ) -> np.ndarray:
        out = self.X_fit_[source_idx]
        m = out.shape[0]
        noise = rng.standard_normal(out.shape)
        noise *= self.scale * np.where(self.categorical_mask_, 0.0, self.data_std_)
        out += noise
        cats = np.flatnonzero(self.categorical_mask_)
        if cats.size:
            resample = rng.random((m, cats.size)) < min(self.scale, 1.0)
            rows, cols = np.nonzero(resample)
            cols = cats[cols]
            drawn = marginal_draw(rng, self.X_fit_, cols)
            # a NaN draw keeps the original value
            ok = ~np.isnan(drawn)
            out[rows[ok], cols[ok]] = drawn[ok]
        return out
