"""The grouped exact neighbour search gives brute force's distances."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.neighbors import NearestNeighbors

from skdistill.augment._neighbors import nearest_neighbors, search_matrix


def _facts(X, mask):
    categories = [np.unique(X[~np.isnan(X[:, j]), j]) for j in range(X.shape[1])]
    return mask, np.nanmin(X, axis=0), np.nanmax(X, axis=0), categories


def _brute_distances(M, k):
    M = M.toarray() if sparse.issparse(M) else M
    D = ((M[:, None, :] - M[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(D, np.inf)
    return np.sort(D, axis=1)[:, :k], D


def _mixed(n, n_cont, levels, seed, nan_share=0.05):
    rng = np.random.default_rng(seed)
    cols = [rng.normal(size=n) for _ in range(n_cont)]
    cols += [rng.integers(0, m, size=n).astype(float) for m in levels]
    X = np.column_stack(cols)
    X[rng.random(X.shape) < nan_share] = np.nan
    mask = np.r_[np.zeros(n_cont, bool), np.ones(len(levels), bool)]
    return X, mask


@pytest.mark.parametrize(
    "n, n_cont, levels, k",
    [
        (300, 3, [2, 3], 1),  # large groups: nearly all rows settled in-group
        (300, 3, [2, 3], 4),
        (200, 2, [7, 9, 5], 1),  # many small groups: brute force for most
        (150, 0, [2, 2], 3),  # only categorical: groups of identical rows
        (400, 1, [300], 2),  # high cardinality: the sparse search matrix
    ],
)
def test_same_distances_as_brute_force(n, n_cont, levels, k):
    X, mask = _mixed(n, n_cont, levels, seed=n + k)
    facts = _facts(X, mask)
    ind = nearest_neighbors(X, *facts, n_neighbors=k)
    assert ind.shape == (n, k) and ind.dtype == np.int64
    assert not np.any(ind == np.arange(n)[:, None])  # never its own neighbour
    expected, D = _brute_distances(search_matrix(X, *facts), k)
    got = D[np.arange(n)[:, None], ind]
    assert_allclose(got, expected, atol=1e-12)  # nearest first, exact distances
    assert all(len(set(row)) == k for row in ind.tolist())  # k distinct rows


def test_all_rows_in_one_profile_match_continuous_brute_force():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.random(200), rng.random(200), np.zeros(200)])
    mask = np.array([False, False, True])
    facts = _facts(X, mask)
    ind = nearest_neighbors(X, *facts, n_neighbors=1)
    M = search_matrix(X, *facts)
    ref = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(M).kneighbors()[1]
    expected, D = _brute_distances(M, 1)
    assert_allclose(D[np.arange(200), ind[:, 0]], expected[:, 0], atol=1e-12)
    assert np.mean(ind[:, 0] == ref[:, 0]) > 0.99  # only exact ties may differ


def test_duplicates_and_a_singleton_profile():
    # rows 0-1 duplicates; row 2 alone in its profile: brute force finds a row
    # of another profile (distance 1 + continuous part)
    X = np.array([[0.0, 0.0], [0.0, 0.0], [0.5, 1.0], [1.0, 0.0]])
    mask = np.array([False, True])
    ind = nearest_neighbors(X, *_facts(X, mask), n_neighbors=1)
    assert_array_equal(ind[:2, 0], [1, 0])
    assert ind[2, 0] in (0, 1, 3)
    assert ind[3, 0] in (0, 1)
