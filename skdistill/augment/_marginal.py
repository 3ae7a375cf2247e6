"""Simplified MUNGE without a neighbour search (AutoGluon's "spunge")."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import BaseAugmenter
from ._utils import column_std, marginal_draw


class MarginalResamplingAugmenter(BaseAugmenter):
    """Synthetic rows by resampling a few attributes from their marginals.

    A synthetic row derived from training row ``e`` takes, for each attribute ``a``
    independently with probability ``fraction``, a value drawn from the column's
    empirical marginal (the value of a uniformly drawn training row; if that value
    is NaN, ``e_a`` is kept). Continuous attributes that were not resampled get
    Gaussian noise ``N(0, (noise * std_a)^2)``, ``std_a`` being the column's standard
    deviation. No neighbour search, so :meth:`fit` is cheap.

    Parameters
    ----------
    fraction : float, default=0.1
        Probability, per attribute, of resampling it from its marginal, in [0, 1].
    noise : float, default=0.1
        Standard deviation of the noise on continuous attributes, as a fraction of
        the column's standard deviation, ``>= 0``. ``noise=0`` adds none, and with
        ``fraction=0`` as well the source rows are returned.
    clip : bool, default=True
        Clip continuous columns of the synthetic rows to the range observed in
        training.
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
    MUNGEAugmenter : The original, neighbour-based method.
    GaussianJitterAugmenter : Noise only, no resampling of continuous attributes.

    Notes
    -----
    This follows the description of AutoGluon's ``TabularPredictor.distill``
    augmentation (``augment_method='spunge'``: about 10% of the features resampled
    from their marginals, continuous noise of 0.1 standard deviations); it is an
    independent implementation, not a port.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill.augment import MarginalResamplingAugmenter
    >>> X = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    >>> aug = MarginalResamplingAugmenter(fraction=0.2, noise=0.1, random_state=0)
    >>> X_syn, source = aug.fit(X, categorical_features=[1]).sample(5)
    >>> X_syn.shape, source.tolist()
    ((5, 2), [0, 1, 2, 0, 1])
    >>> bool(np.isin(X_syn[:, 1], [1.0, 2.0, 3.0]).all())
    True
    """

    _parameter_constraints: dict = {
        **BaseAugmenter._parameter_constraints,
        "fraction": [Interval(Real, 0, 1, closed="both")],
        "noise": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        fraction: float = 0.1,
        noise: float = 0.1,
        *,
        clip: bool = True,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        super().__init__(clip=clip, random_state=random_state)
        self.fraction = fraction
        self.noise = noise

    def _fit(self, X: np.ndarray) -> None:
        self.data_std_ = column_std(X, self.nan_mask_)

    def _sample_block(
        self, rng: np.random.Generator, source_idx: np.ndarray
    ) -> np.ndarray:
        out = self.X_fit_[source_idx]
        shape = out.shape
        resample = rng.random(shape) < self.fraction
        noise = rng.standard_normal(shape)
        noise *= self.noise * np.where(self.categorical_mask_, 0.0, self.data_std_)
        out += noise
        rows, cols = np.nonzero(resample)
        drawn = marginal_draw(rng, self.X_fit_, cols)
        # a NaN draw keeps the original value (with its noise, if continuous)
        ok = ~np.isnan(drawn)
        out[rows[ok], cols[ok]] = drawn[ok]
        return out
