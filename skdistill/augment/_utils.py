"""Small helpers shared by several augmenters."""

from __future__ import annotations

import numpy as np


def column_std(X: np.ndarray, nan_mask: np.ndarray) -> np.ndarray:
    """Per-column standard deviation of the non-NaN values (0 for all-NaN)."""
    count = (~nan_mask).sum(axis=0)
    safe = np.maximum(count, 1)
    filled = np.where(nan_mask, 0.0, X)
    mean = filled.sum(axis=0) / safe
    dev = np.where(nan_mask, 0.0, X - mean)
    return np.sqrt((dev * dev).sum(axis=0) / safe)


def marginal_draw(
    rng: np.random.Generator, X: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """One draw from the empirical marginal of column ``cols[i]`` for each ``i``.

    Entry ``i`` is ``X[r_i, cols[i]]`` for a uniformly drawn training row ``r_i``
    (NaN when that row has NaN there). Draws only as many numbers as there are
    cells to resample, so a small resampling probability is cheap.
    """
    rows = rng.integers(0, X.shape[0], size=cols.shape[0])
    return X[rows, cols]
