"""Nearest-neighbour search shared by the neighbour-based augmenters."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

# Above this many one-hot columns the search matrix is built sparse.
_MAX_DENSE_ONEHOT = 256


def search_matrix(
    X: np.ndarray,
    categorical_mask: np.ndarray,
    data_min: np.ndarray,
    data_max: np.ndarray,
    categories: list,
):
    """Matrix on which squared Euclidean distance is the MUNGE distance.

    Continuous columns are min-max scaled to [0, 1] (constant or all-NaN columns
    become 0) and a NaN is replaced by the scaled column median, for the search only.

    Each categorical column is one-hot encoded and multiplied by ``1 / sqrt(2)``: two
    rows with different categories then differ in two entries by ``1 / sqrt(2)``
    each, contributing exactly ``1`` to the squared distance, and ``0`` when they
    agree. So ``||a - b||^2 = sum over continuous (scaled difference)^2 + number of
    categorical mismatches``: Euclidean on the continuous part plus a Hamming term,
    as in Bucila et al. (2006). NaN in a categorical column is one more level (an
    extra one-hot column): a mismatch with any category, a match with another NaN.
    """
    n_samples = X.shape[0]
    cont = ~categorical_mask
    parts = []
    if cont.any():
        Xc = X[:, cont]
        lo, hi = data_min[cont], data_max[cont]
        span = hi - lo
        ok = np.isfinite(span) & (span > 0)
        scaled = np.where(
            ok, (Xc - np.where(ok, lo, 0.0)) / np.where(ok, span, 1.0), 0.0
        )
        nan = np.isnan(Xc)
        if nan.any():
            all_nan = nan.all(axis=0)
            med = np.zeros(Xc.shape[1])
            some = ~all_nan
            med[some] = np.nanmedian(scaled[:, some], axis=0)
            scaled = np.where(nan, med, scaled)
        parts.append(scaled)
    cat_cols = np.flatnonzero(categorical_mask)
    rows, cols = [], []
    offset = 0
    for j in cat_cols:
        col = X[:, j]
        cats = categories[j]
        nan = np.isnan(col)
        # code of each row's level; NaN is level len(cats) when the column has NaN
        codes = np.searchsorted(cats, np.where(nan, np.inf, col))
        rows.append(np.arange(n_samples))
        cols.append(codes + offset)
        offset += cats.size + bool(nan.any())
    n_onehot = offset
    if n_onehot == 0:  # no categorical column
        if not parts:
            return np.zeros((n_samples, 1))
        return np.ascontiguousarray(np.hstack(parts))
    rows = np.concatenate(rows)
    cols = np.concatenate(cols)
    weight = 1.0 / np.sqrt(2.0)
    if n_onehot <= _MAX_DENSE_ONEHOT:
        onehot = np.zeros((n_samples, n_onehot))
        onehot[rows, cols] = weight
        parts.append(onehot)
        return np.ascontiguousarray(np.hstack(parts))
    onehot = sparse.csr_array(
        (np.full(rows.size, weight), (rows, cols)), shape=(n_samples, n_onehot)
    )
    if parts:
        return sparse.hstack([sparse.csr_array(parts[0]), onehot], format="csr")
    return onehot


def nearest_neighbors(
    X: np.ndarray,
    categorical_mask: np.ndarray,
    data_min: np.ndarray,
    data_max: np.ndarray,
    categories: list,
    n_neighbors: int,
) -> np.ndarray:
    """Indices of each training row's ``n_neighbors`` nearest other rows.

    Returns an int64 array of shape ``(n_samples, k)`` with
    ``k = min(n_neighbors, n_samples - 1)``, nearest first; a row is never its own
    neighbour (duplicates of it can be). With a single training row, ``k = 1`` and
    the row is its own neighbour, so neighbour-based augmenters reproduce it.
    """
    n_samples = X.shape[0]
    k = min(n_neighbors, n_samples - 1)
    if k < 1:
        return np.zeros((n_samples, 1), dtype=np.int64)
    M = search_matrix(X, categorical_mask, data_min, data_max, categories)
    nn = NearestNeighbors(n_neighbors=k).fit(M)
    # X=None: query the training points themselves, each excluded from its own result
    ind = nn.kneighbors(return_distance=False)
    return np.ascontiguousarray(ind, dtype=np.int64)
