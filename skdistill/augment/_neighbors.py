"""Nearest-neighbour search shared by the neighbour-based augmenters."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

# Above this many one-hot columns the search matrix is built sparse.
_MAX_DENSE_ONEHOT = 256


def _search_parts(X, categorical_mask, data_min, data_max, categories):
    """The scaled continuous block and the categorical level codes.

    Returns ``(scaled, codes, n_levels)``: ``scaled`` (n, n_continuous) min-max
    scaled with NaN replaced by the scaled median (None without continuous
    columns); ``codes`` (n, n_categorical) int64, each row's level in each
    categorical column (NaN is level ``len(categories[j])`` when the column has
    NaN); ``n_levels`` the number of levels of each categorical column.
    """
    n_samples = X.shape[0]
    cont = ~categorical_mask
    scaled = None
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
    cat_cols = np.flatnonzero(categorical_mask)
    codes = np.empty((n_samples, cat_cols.size), dtype=np.int64)
    n_levels = []
    for i, j in enumerate(cat_cols):
        col = X[:, j]
        cats = categories[j]
        nan = np.isnan(col)
        codes[:, i] = np.searchsorted(cats, np.where(nan, np.inf, col))
        n_levels.append(cats.size + bool(nan.any()))
    return scaled, codes, n_levels


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
    parts = _search_parts(X, categorical_mask, data_min, data_max, categories)
    return _matrix_from_parts(*parts)


def _matrix_from_parts(scaled, codes, n_levels):
    """:func:`search_matrix` from the output of :func:`_search_parts`."""
    n_samples, n_categorical = codes.shape
    parts = [] if scaled is None else [scaled]
    n_onehot = int(sum(n_levels))
    if n_onehot == 0:  # no categorical column
        if not parts:
            return np.zeros((n_samples, 1))
        return np.ascontiguousarray(np.hstack(parts))
    # each row's one-hot column in every categorical column's block
    cols = (codes + np.cumsum([0, *n_levels[:-1]])).ravel()
    rows = np.repeat(np.arange(n_samples), n_categorical)
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

    The search is exact for the distance of :func:`search_matrix` (rows at equal
    distance may come in either order). With categorical columns it runs in
    two steps that give the same neighbours as a brute-force search over all
    rows, faster:

    1. rows are grouped by their categorical profile (the tuple of their
       levels); within a group the distance is the continuous part alone, and
       each group's neighbours are found with a tree in the continuous columns.
       Two rows of different groups are at least 1 apart (one mismatch), so a
       row whose ``k``-th neighbour in its own group is nearer than 1 has its
       exact ``k`` nearest rows;
    2. the other rows (small groups, or neighbours 1 or more apart) are
       searched by brute force against every row.

    On adult (20,000 rows, 6 continuous and 8 categorical columns) this took
    0.85 s against 2.9 s for a brute-force search of the same matrix
    (``benchmarks/bench_neighbors.py``; ``benchmarks/README.md``, "MUNGE
    neighbour search").
    """
    n_samples = X.shape[0]
    k = min(n_neighbors, n_samples - 1)
    if k < 1:
        return np.zeros((n_samples, 1), dtype=np.int64)
    parts = _search_parts(X, categorical_mask, data_min, data_max, categories)
    if not categorical_mask.any():
        nn = NearestNeighbors(n_neighbors=k).fit(_matrix_from_parts(*parts))
        # X=None: query the training points themselves, each excluded from its result
        return np.ascontiguousarray(nn.kneighbors(return_distance=False), np.int64)
    scaled, codes, _ = parts
    out = np.empty((n_samples, k), dtype=np.int64)
    done = _within_profiles(scaled, codes, k, out)
    todo = np.flatnonzero(~done)
    if todo.size:
        out[todo] = _brute_force_excluding_self(_matrix_from_parts(*parts), todo, k)
    return out


def _within_profiles(scaled, codes, k: int, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` for the rows whose ``k`` nearest rows share their profile.

    Returns the boolean mask of the rows filled. Groups are kept apart by one
    extra coordinate, the group's index times a spacing larger than any
    within-group distance, so one tree serves every group at once.
    """
    n_samples = codes.shape[0]
    _, group = np.unique(codes, axis=0, return_inverse=True)
    group = group.ravel()
    n_cont = 0 if scaled is None else scaled.shape[1]
    # continuous values lie in [0, 1]: within a group distance^2 <= n_cont
    spacing = 2.0 * np.sqrt(n_cont + 1.0)
    coords = np.empty((n_samples, n_cont + 1))
    if n_cont:
        coords[:, :n_cont] = scaled
    coords[:, n_cont] = group * spacing
    nn = NearestNeighbors(n_neighbors=k, algorithm="kd_tree").fit(coords)
    dist, ind = nn.kneighbors()  # each row excluded from its own result
    # exact: the k-th neighbour (same group, since spacing > 1) is nearer than
    # any row of another group (>= 1 away); a margin absorbs rounding
    done = dist[:, -1] ** 2 < 1.0 - 1e-9
    out[done] = ind[done]
    return done


def _brute_force_excluding_self(M, rows: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` nearest other rows of ``M[rows]`` among all rows of ``M``."""
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute").fit(M)
    ind = nn.kneighbors(M[rows], return_distance=False)
    # drop the row itself; if a duplicate displaced it from the k + 1, drop the last
    is_self = ind == rows[:, None]
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), k)
    keep = np.ones_like(ind, dtype=bool)
    keep[np.arange(len(rows)), drop] = False
    return ind[keep].reshape(len(rows), k)
