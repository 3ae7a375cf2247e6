"""Jitter, interpolation, marginal resampling and the no-op augmenter."""

import numpy as np
import pytest
from conftest import CATEGORICAL, make_mixed
from numpy.testing import assert_allclose, assert_array_equal

from skdistill.augment import (
    GaussianJitterAugmenter,
    InterpolationAugmenter,
    MarginalResamplingAugmenter,
    MUNGEAugmenter,
    NoAugmenter,
)


def _continuous(n=300, f=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, f)) * [1.0, 5.0, 0.1][:f]


# ------------------------------------------------------------------------ jitter
def test_jitter_scale_zero_returns_source(mixed_data):
    aug = GaussianJitterAugmenter(scale=0.0, random_state=0).fit(
        mixed_data, CATEGORICAL
    )
    X_syn, source = aug.sample(1000)
    assert_array_equal(X_syn, mixed_data[source])


def test_jitter_std_learned_without_nan(mixed_data):
    aug = GaussianJitterAugmenter().fit(mixed_data, CATEGORICAL)
    assert_allclose(aug.data_std_, np.nanstd(mixed_data, axis=0))
    X = mixed_data.copy()
    X[:, 0] = np.nan
    assert GaussianJitterAugmenter().fit(X).data_std_[0] == 0.0


@pytest.mark.parametrize("scale", [0.05, 0.3])
def test_jitter_noise_is_scale_times_column_std(scale):
    X = _continuous()
    aug = GaussianJitterAugmenter(scale=scale, clip=False, random_state=0).fit(X)
    X_syn, source = aug.sample(300 * 40)
    z = (X_syn - X[source]) / X.std(axis=0)
    assert_allclose(z.mean(axis=0), 0.0, atol=0.02)
    assert_allclose(z.std(axis=0), scale, rtol=0.03)


@pytest.mark.parametrize("scale", [0.3, 2.0])
def test_jitter_categorical_resampled_from_marginal(scale):
    rng = np.random.default_rng(0)
    probs = np.array([0.6, 0.3, 0.1])
    X = np.column_stack(
        [rng.normal(size=500), rng.choice([3.0, 5.0, 9.0], 500, p=probs)]
    )
    freq = np.array([(X[:, 1] == v).mean() for v in (3.0, 5.0, 9.0)])
    aug = GaussianJitterAugmenter(scale=scale, random_state=0).fit(X, [1])
    X_syn, source = aug.sample(500 * 40)
    resample_prob = min(scale, 1.0)
    changed = (X_syn[:, 1] != X[source, 1]).mean()
    assert abs(changed - resample_prob * (1 - (freq**2).sum())) < 0.02
    syn_freq = np.array([(X_syn[:, 1] == v).mean() for v in (3.0, 5.0, 9.0)])
    assert_allclose(syn_freq, freq, atol=0.02)  # the marginal is preserved


def test_jitter_bad_scale(mixed_data):
    with pytest.raises(ValueError, match="'scale' parameter"):
        GaussianJitterAugmenter(scale=-0.1).fit(mixed_data)


# ---------------------------------------------------------------- interpolation
def _segment_lambda(x, e, n):
    """lambda with x == e + lambda * (n - e) on every column, or None."""
    d = n - e
    if np.allclose(d, 0):
        return 0.5 if np.allclose(x, e) else None
    lam = (x[d != 0] - e[d != 0]) / d[d != 0]
    if np.allclose(lam, lam[0]) and np.allclose(x[d == 0], e[d == 0]):
        return lam[0]
    return None


def test_interpolation_points_lie_on_segment_to_a_neighbour():
    X = _continuous(n=100)
    aug = InterpolationAugmenter(n_neighbors=4, clip=False, random_state=0).fit(X)
    X_syn, source = aug.sample(400)
    lams = []
    for x, i in zip(X_syn, source, strict=True):
        found = [_segment_lambda(x, X[i], X[j]) for j in aug.neighbors_[i]]
        found = [lam for lam in found if lam is not None]
        assert found, "synthetic row is not on a segment to one of its neighbours"
        assert 0.0 <= found[0] <= 1.0
        lams.append(found[0])
    # lambda ~ U(0, 1)
    assert abs(np.mean(lams) - 0.5) < 0.05


def test_interpolation_categorical_from_source_or_neighbours(mixed_data):
    aug = InterpolationAugmenter(n_neighbors=3, random_state=0)
    aug.fit(mixed_data, CATEGORICAL)
    X_syn, source = aug.sample(2000)
    for j in CATEGORICAL:
        allowed = np.column_stack(
            [mixed_data[source, j], mixed_data[aug.neighbors_[source], j]]
        )
        ok = (X_syn[:, [j]] == allowed).any(axis=1) | np.isnan(X_syn[:, j])
        assert ok.all()


def test_interpolation_neighbors_shape_and_cap():
    X = _continuous(n=50)
    aug = InterpolationAugmenter(n_neighbors=5).fit(X)
    assert aug.neighbors_.shape == (50, 5)
    assert not (aug.neighbors_ == np.arange(50)[:, None]).any()
    # the first neighbour is MUNGE's nearest neighbour
    assert_array_equal(aug.neighbors_[:, 0], MUNGEAugmenter().fit(X).neighbors_)
    small = InterpolationAugmenter(n_neighbors=5, random_state=0).fit(X[:3])
    assert small.neighbors_.shape == (3, 2)
    assert small.sample(30)[0].shape == (30, 3)


def test_interpolation_nan_keeps_source_value():
    X = np.array([[0.0, 0.0], [np.nan, 1.0], [0.1, 5.0]])
    aug = InterpolationAugmenter(n_neighbors=1, clip=False, random_state=0).fit(X)
    assert aug.neighbors_[0, 0] == 1
    X_syn, _ = aug.sample(3 * 200)
    from_row0 = X_syn[0::3]
    assert_array_equal(from_row0[:, 0], 0.0)  # the neighbour is NaN there
    assert from_row0[:, 1].min() >= 0.0 and from_row0[:, 1].max() <= 1.0
    assert np.isnan(X_syn[1::3, 0]).all()


@pytest.mark.parametrize("k", [0, -1, 2.5, None])
def test_interpolation_bad_n_neighbors(mixed_data, k):
    with pytest.raises(ValueError, match="'n_neighbors' parameter"):
        InterpolationAugmenter(n_neighbors=k).fit(mixed_data)


# ---------------------------------------------------------------------- marginal
def test_marginal_nothing_to_do_returns_source(mixed_data):
    aug = MarginalResamplingAugmenter(fraction=0.0, noise=0.0, random_state=0)
    X_syn, source = aug.fit(mixed_data, CATEGORICAL).sample(1000)
    assert_array_equal(X_syn, mixed_data[source])


@pytest.mark.parametrize("fraction", [0.1, 0.3])
def test_marginal_fraction_is_the_resampling_rate(fraction):
    X = _continuous(n=400)  # unique values: a resampled cell almost surely changes
    aug = MarginalResamplingAugmenter(fraction=fraction, noise=0.0, random_state=0)
    X_syn, source = aug.fit(X).sample(400 * 30)
    changed = X_syn != X[source]
    assert abs(changed.mean() - fraction * (1 - 1 / 400)) < 0.01
    # every changed value is another training row's value in that column
    for j in range(3):
        assert np.isin(X_syn[changed[:, j], j], X[:, j]).all()


def test_marginal_full_resampling_is_independent_of_source():
    X = _continuous(n=400)
    aug = MarginalResamplingAugmenter(fraction=1.0, noise=0.0, random_state=0)
    X_syn, source = aug.fit(X).sample(400 * 10)
    assert (X_syn == X[source]).mean() < 0.01
    # rows are shuffled column by column: the correlation structure is lost
    Xc = X.copy()
    Xc[:, 1] = X[:, 0] + 0.01 * X[:, 1]
    X_syn, _ = aug.fit(Xc).sample(4000)
    assert abs(np.corrcoef(X_syn[:, 0], X_syn[:, 1])[0, 1]) < 0.1


def test_marginal_noise_only_on_continuous(mixed_data):
    aug = MarginalResamplingAugmenter(fraction=0.0, noise=0.2, clip=False)
    X_syn, source = (
        aug.set_params(random_state=0).fit(mixed_data, CATEGORICAL).sample(30_000)
    )
    src = mixed_data[source]
    assert_array_equal(X_syn[:, CATEGORICAL], src[:, CATEGORICAL])
    z = (X_syn[:, [0, 3]] - src[:, [0, 3]]) / np.nanstd(mixed_data[:, [0, 3]], axis=0)
    assert_allclose(np.nanstd(z, axis=0), 0.2, rtol=0.03)


def test_marginal_nan_draw_keeps_original():
    X = _continuous(n=400, f=1)
    X[::2, 0] = np.nan  # half the column missing
    aug = MarginalResamplingAugmenter(fraction=1.0, noise=0.0, random_state=0)
    X_syn, source = aug.fit(X).sample(4000)
    known = ~np.isnan(X[source, 0])
    kept = X_syn[known, 0] == X[source[known], 0]
    assert abs(kept.mean() - 0.5) < 0.05  # the draws that hit a NaN


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"fraction": 1.5}, "fraction"),
        ({"fraction": -0.1}, "fraction"),
        ({"noise": -1.0}, "noise"),
        ({"noise": "a"}, "noise"),
    ],
)
def test_marginal_bad_params(mixed_data, params, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        MarginalResamplingAugmenter(**params).fit(mixed_data)


# -------------------------------------------------------------------------- none
@pytest.mark.parametrize("n", [0, 5, 10**12])
def test_none_generates_nothing(mixed_data, n):
    aug = NoAugmenter().fit(mixed_data, CATEGORICAL)
    X_syn, source = aug.sample(n)
    assert X_syn.shape == (0, 6)
    assert X_syn.dtype == np.float64
    assert source.shape == (0,)
    assert source.dtype == np.int64
    assert list(aug.iter_samples(n, chunk_size=3)) == []


def test_none_still_validates(mixed_data):
    aug = NoAugmenter().fit(mixed_data)
    with pytest.raises(ValueError, match="n_samples"):
        aug.sample(-1)
    with pytest.raises(ValueError, match="infinity"):
        NoAugmenter().fit(np.array([[np.inf]]))


def test_none_ignores_random_state():
    X = make_mixed()
    assert NoAugmenter(random_state=0).fit(X).sample(10)[0].shape == (0, 6)
