"""MUNGEAugmenter: neighbour search and the MUNGE perturbation."""

import numpy as np
import pytest
from conftest import CATEGORICAL, make_mixed
from numpy.testing import assert_allclose, assert_array_equal

from skdistill.augment import MUNGEAugmenter


def _reference_distances(X, categorical):
    """Squared MUNGE distance, written out directly (O(n^2), for tests)."""
    cat = np.zeros(X.shape[1], dtype=bool)
    cat[categorical] = True
    Xc = X[:, ~cat]
    lo, hi = np.nanmin(Xc, axis=0), np.nanmax(Xc, axis=0)
    span = hi - lo
    scaled = np.zeros_like(Xc)
    varying = span > 0
    scaled[:, varying] = (Xc[:, varying] - lo[varying]) / span[varying]
    scaled[np.isnan(Xc)] = np.nan
    med = np.nanmedian(scaled, axis=0)
    scaled = np.where(np.isnan(scaled), med, scaled)
    D = ((scaled[:, None, :] - scaled[None, :, :]) ** 2).sum(axis=-1)
    a, b = X[:, None, cat], X[None, :, cat]
    both_nan = np.isnan(a) & np.isnan(b)
    one_nan = np.isnan(a) ^ np.isnan(b)
    # NaN is one more category: a mismatch with any value, a match with NaN
    mismatch = np.where(both_nan, 0.0, np.where(one_nan, 1.0, (a != b) * 1.0))
    D += mismatch.sum(axis=-1)
    np.fill_diagonal(D, np.inf)
    return D


def test_neighbors_minimise_munge_distance(mixed_data):
    aug = MUNGEAugmenter().fit(mixed_data, CATEGORICAL)
    D = _reference_distances(mixed_data, CATEGORICAL)
    n = mixed_data.shape[0]
    assert aug.neighbors_.shape == (n,)
    assert aug.neighbors_.dtype == np.int64
    assert not np.any(aug.neighbors_ == np.arange(n))
    assert_allclose(D[np.arange(n), aug.neighbors_], D.min(axis=1), atol=1e-12)


def test_categorical_mismatch_counts_one():
    # continuous gap 0.9 (scaled) < one mismatch: row 1 is nearer row 0 than row 2
    X = np.array([[0.0, 5.0], [0.9, 6.0], [0.0, 6.0], [1.0, 5.0]])
    aug = MUNGEAugmenter().fit(X, [1])
    assert aug.neighbors_[0] == 2  # 0.0 vs 0.0 with a mismatch: distance 1
    # without the categorical declaration, column 1 scaled to [0, 1] weighs the same
    assert MUNGEAugmenter().fit(X).neighbors_[0] in (2, 3)


@pytest.mark.parametrize("categorical", [CATEGORICAL, None])
def test_p_zero_returns_source_rows(mixed_data, categorical):
    aug = MUNGEAugmenter(p=0.0, s=0.1, random_state=0).fit(mixed_data, categorical)
    X_syn, source = aug.sample(1000)
    assert_array_equal(X_syn, mixed_data[source])


def test_p_one_huge_s_gives_the_neighbour():
    X = make_mixed(nan_rate=0.0)
    aug = MUNGEAugmenter(p=1.0, s=1e12, random_state=0).fit(X, CATEGORICAL)
    X_syn, source = aug.sample(900)
    neighbour_rows = X[aug.neighbors_[source]]
    assert_allclose(X_syn, neighbour_rows, rtol=1e-9, atol=1e-9)
    assert not np.allclose(X_syn, X[source])


def test_continuous_draws_are_centred_on_neighbour_with_sd_distance_over_s():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 2))
    for s in (1.0, 4.0):
        aug = MUNGEAugmenter(p=1.0, s=s, clip=False, random_state=0).fit(X)
        X_syn, source = aug.sample(300 * 60)
        E, N = X[source], X[aug.neighbors_[source]]
        z = (X_syn - N) / (np.abs(E - N) / s)
        assert abs(z.mean()) < 0.03
        assert abs(z.std() - 1.0) < 0.03


def test_larger_s_means_less_noise(mixed_data):
    def mean_abs_change(s):
        aug = MUNGEAugmenter(p=0.5, s=s, random_state=0).fit(mixed_data, CATEGORICAL)
        X_syn, source = aug.sample(6000)
        diff = np.abs(X_syn[:, [0, 3]] - mixed_data[source][:, [0, 3]])
        return np.nanmean(diff)

    changes = [mean_abs_change(s) for s in (0.2, 1.0, 5.0)]
    assert changes[0] > changes[1] > changes[2] > 0


@pytest.mark.parametrize("p", [0.1, 0.3, 0.8])
def test_p_is_the_per_attribute_move_probability(p):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 4))
    aug = MUNGEAugmenter(p=p, random_state=0).fit(X)
    X_syn, source = aug.sample(200 * 50)
    assert abs((X_syn != X[source]).mean() - p) < 0.015


def test_categorical_takes_source_or_neighbour_value():
    # many levels on few rows, so that neighbours often differ in category
    rng = np.random.default_rng(3)
    X = np.column_stack([rng.integers(0, 30, size=40), rng.normal(size=(40, 4))])
    X[rng.random(40) < 0.1, 0] = np.nan
    aug = MUNGEAugmenter(p=0.5, random_state=0).fit(X, [0])
    X_syn, source = aug.sample(4000)
    E, N = X[source, 0], X[aug.neighbors_[source], 0]
    known = ~np.isnan(E)
    assert np.all((X_syn[known, 0] == E[known]) | (X_syn[known, 0] == N[known]))
    differ = known & ~np.isnan(N) & (E != N)
    assert differ.sum() > 500
    # swapped with probability p
    assert abs((X_syn[differ, 0] == N[differ]).mean() - 0.5) < 0.05
    # with p=1 every categorical value is the neighbour's (unless either is NaN)
    X_syn, source = aug.set_params(p=1.0).sample(4000)
    N = X[aug.neighbors_[source], 0]
    both = known & ~np.isnan(N)
    assert_array_equal(X_syn[both, 0], N[both])
    assert_array_equal(X_syn[known & np.isnan(N), 0], E[known & np.isnan(N)])


def test_nan_in_neighbour_keeps_source_value():
    # row 1 is row 0's nearest neighbour and is NaN in column 0
    X = np.array(
        [[0.5, 0.0, 0.0], [np.nan, 0.01, 0.0], [0.2, 1.0, 1.0], [0.0, 0.9, 1.0]]
    )
    aug = MUNGEAugmenter(p=1.0, s=1e12, random_state=0).fit(X)
    assert aug.neighbors_[0] == 1
    X_syn, _ = aug.sample(4)
    assert X_syn[0, 0] == 0.5  # kept: the neighbour has no value to move to
    assert_allclose(X_syn[0, 1:], X[1, 1:])  # the other attributes moved
    assert np.isnan(X_syn[1, 0])  # the NaN source stays NaN


def test_duplicate_rows_are_each_others_neighbours():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [5.0, 5.0], [6.0, 4.0]])
    aug = MUNGEAugmenter(p=1.0, s=1.0, random_state=0).fit(X)
    assert_array_equal(aug.neighbors_[:2], [1, 0])
    X_syn, _ = aug.sample(2)
    assert_array_equal(X_syn, X[:2])  # sd = 0 and the neighbour is identical


def test_two_rows():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    aug = MUNGEAugmenter(p=1.0, s=1e12, random_state=0).fit(X)
    assert_array_equal(aug.neighbors_, [1, 0])
    assert_allclose(aug.sample(2)[0], X[[1, 0]], atol=1e-9)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"p": -0.1}, "p"),
        ({"p": 1.5}, "p"),
        ({"p": "half"}, "p"),
        ({"s": 0.0}, "s"),
        ({"s": -1.0}, "s"),
        ({"s": None}, "s"),
    ],
)
def test_bad_params(mixed_data, params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter of MUNGEAugmenter"):
        MUNGEAugmenter(**params).fit(mixed_data)


def test_high_cardinality_categorical_uses_sparse_search():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=400), rng.integers(0, 300, size=400)])
    aug = MUNGEAugmenter(p=1.0, random_state=0).fit(X, [1])
    D = _reference_distances(X, [1])
    assert_allclose(D[np.arange(400), aug.neighbors_], D.min(axis=1), atol=1e-12)
    X_syn, _ = aug.sample(1000)
    assert set(X_syn[:, 1]) <= set(X[:, 1])
