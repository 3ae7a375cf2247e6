"""Shared data for the augmenter tests."""

import numpy as np
import pytest
from sklearn.base import clone

from skdistill.augment import (
    GaussianJitterAugmenter,
    InterpolationAugmenter,
    MarginalResamplingAugmenter,
    MUNGEAugmenter,
)

# Columns of ``mixed_data``: 0 continuous, 1 integer-valued, 2 categorical with
# irregular codes, 3 continuous in [10, 11], 4 binary categorical, 5 constant.
CATEGORICAL = [2, 4]
CATEGORIES = {2: [-1.0, 2.5, 7.0], 4: [0.0, 1.0]}


def make_mixed(n=300, seed=0, nan_rate=0.1):
    rng = np.random.default_rng(seed)
    X = np.empty((n, 6))
    X[:, 0] = rng.normal(size=n) * 3.0 + 1.0
    X[:, 1] = rng.integers(0, 20, size=n)
    X[:, 2] = rng.choice(CATEGORIES[2], size=n)
    X[:, 3] = rng.uniform(10.0, 11.0, size=n)
    X[:, 4] = rng.choice(CATEGORIES[4], size=n)
    X[:, 5] = 4.0
    nan = rng.random((n, 6)) < nan_rate
    nan[:, 4:] = False
    X[nan] = np.nan
    return X


@pytest.fixture
def mixed_data():
    """300 x 6 mixed data with about 10% NaN in columns 0-3."""
    return make_mixed()


# Generating augmenters with parameters that move many values.
AUGMENTERS = [
    MUNGEAugmenter(p=0.7, s=0.5),
    GaussianJitterAugmenter(scale=0.5),
    InterpolationAugmenter(n_neighbors=3),
    MarginalResamplingAugmenter(fraction=0.4, noise=0.3),
]
AUGMENTER_IDS = [type(a).__name__ for a in AUGMENTERS]


@pytest.fixture(params=AUGMENTERS, ids=AUGMENTER_IDS)
def augmenter(request):
    """A fresh unfitted copy of each generating augmenter."""
    return clone(request.param)
