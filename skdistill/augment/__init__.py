"""Augmenters: synthetic, unlabelled rows near the training data.

The teacher labels the synthetic rows; the student learns from them. Every
augmenter is a scikit-learn ``BaseEstimator`` with the same interface::

    aug = MUNGEAugmenter(p=0.5, s=1.0, random_state=0)
    X_syn, source = aug.fit(X, categorical_features=None).sample(n_samples)
    for X_chunk, source_chunk in aug.iter_samples(n_samples, chunk_size=50_000):
        ...

Use :func:`resolve_augmenter` to turn an ``augment`` parameter value (an alias,
an instance or None) into an augmenter.
"""

from ._base import BaseAugmenter
from ._interpolation import InterpolationAugmenter
from ._jitter import GaussianJitterAugmenter
from ._marginal import MarginalResamplingAugmenter
from ._munge import MUNGEAugmenter
from ._none import NoAugmenter
from ._resolve import AUGMENTER_ALIASES, resolve_augmenter

__all__ = [
    "AUGMENTER_ALIASES",
    "BaseAugmenter",
    "GaussianJitterAugmenter",
    "InterpolationAugmenter",
    "MUNGEAugmenter",
    "MarginalResamplingAugmenter",
    "NoAugmenter",
    "resolve_augmenter",
]
