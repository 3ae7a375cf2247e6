"""Contract shared by every augmenter (BaseAugmenter's public steps)."""

import numpy as np
import pytest
from conftest import AUGMENTER_IDS, AUGMENTERS, CATEGORICAL, CATEGORIES, make_mixed
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skdistill.augment import (
    BaseAugmenter,
    GaussianJitterAugmenter,
    MUNGEAugmenter,
    NoAugmenter,
)
from skdistill.augment._base import _BLOCK


def _fit(aug, X, seed=0, categorical=CATEGORICAL):
    return aug.set_params(random_state=seed).fit(X, categorical_features=categorical)


# ------------------------------------------------------------------ output contract
@pytest.mark.parametrize("n", [0, 1, 7, 300, 1000, 2 * _BLOCK + 5])
def test_shapes_dtypes_and_source(augmenter, mixed_data, n):
    X_syn, source = _fit(augmenter, mixed_data).sample(n)
    assert X_syn.shape == (n, 6)
    assert X_syn.dtype == np.float64
    assert X_syn.flags.c_contiguous
    assert source.shape == (n,)
    assert source.dtype == np.int64
    assert_array_equal(source, np.arange(n) % 300)


def test_fit_returns_self_and_learns_column_facts(augmenter, mixed_data):
    assert augmenter.fit(mixed_data, categorical_features=CATEGORICAL) is augmenter
    assert augmenter.n_features_in_ == 6
    assert augmenter.n_samples_fit_ == 300
    assert_array_equal(augmenter.categorical_mask_, [0, 0, 1, 0, 1, 0])
    assert_array_equal(augmenter.integer_mask_, [0, 1, 0, 0, 1, 1])  # 2.5 in col 2
    assert_array_equal(augmenter.data_min_, np.nanmin(mixed_data, axis=0))
    assert_array_equal(augmenter.data_max_, np.nanmax(mixed_data, axis=0))
    assert augmenter.categories_[0] is None
    assert_array_equal(augmenter.categories_[2], CATEGORIES[2])
    assert_array_equal(augmenter.categories_[4], CATEGORIES[4])
    assert_array_equal(augmenter.nan_mask_, np.isnan(mixed_data))
    assert_array_equal(augmenter.X_fit_, mixed_data)


def test_categorical_values_stay_observed(augmenter, mixed_data):
    X_syn, _ = _fit(augmenter, mixed_data).sample(3000)
    for j in CATEGORICAL:
        col = X_syn[:, j]
        assert set(col[~np.isnan(col)]) <= set(CATEGORIES[j])


def test_integer_columns_stay_integer(augmenter, mixed_data):
    X_syn, _ = _fit(augmenter, mixed_data).sample(3000)
    col = X_syn[:, 1]
    col = col[~np.isnan(col)]
    assert_array_equal(col, np.round(col))
    # and they are actually perturbed (not just copies of the source)
    assert len(np.unique(col)) > 5


def test_clip_keeps_observed_range(augmenter, mixed_data):
    X_syn, _ = _fit(augmenter, mixed_data).sample(3000)
    lo, hi = np.nanmin(mixed_data, axis=0), np.nanmax(mixed_data, axis=0)
    with np.errstate(invalid="ignore"):
        assert np.all((X_syn >= lo) | np.isnan(X_syn))
        assert np.all((X_syn <= hi) | np.isnan(X_syn))
    assert_array_equal(X_syn[:, 5], 4.0)  # constant column stays constant


def test_clip_false_can_leave_range():
    X = make_mixed(nan_rate=0.0)
    aug = GaussianJitterAugmenter(scale=1.0, clip=False, random_state=0).fit(X)
    X_syn, _ = aug.sample(3000)
    assert X_syn[:, 0].max() > X[:, 0].max() or X_syn[:, 0].min() < X[:, 0].min()
    aug.set_params(clip=True)
    X_clip, _ = aug.sample(3000)
    assert X_clip[:, 0].max() <= X[:, 0].max()
    assert X_clip[:, 0].min() >= X[:, 0].min()


def test_nan_pattern_equals_source_rows(augmenter, mixed_data):
    X_syn, source = _fit(augmenter, mixed_data).sample(3000)
    assert np.isnan(mixed_data).any()
    assert_array_equal(np.isnan(X_syn), np.isnan(mixed_data)[source])


def test_user_array_not_modified(augmenter, mixed_data):
    before = mixed_data.copy()
    _fit(augmenter, mixed_data)
    X_syn, _ = augmenter.sample(1000)
    assert_array_equal(mixed_data, before)
    # the augmenter keeps its own copy: changing X afterwards changes nothing
    mixed_data[:] = 123.0
    X_again, _ = augmenter.sample(1000)
    assert_array_equal(X_again, X_syn)


def test_integer_input_array_accepted(augmenter):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, size=(50, 3))
    before = X.copy()
    X_syn, _ = _fit(augmenter, X, categorical=[0]).sample(200)
    assert X_syn.dtype == np.float64
    assert_array_equal(X_syn, np.round(X_syn))
    assert_array_equal(X, before)


# ------------------------------------------------------------- reproducibility
def test_same_seed_identical_different_seed_differs(augmenter, mixed_data):
    a, src_a = _fit(clone(augmenter), mixed_data, seed=0).sample(5000)
    b, src_b = _fit(clone(augmenter), mixed_data, seed=0).sample(5000)
    c, _ = _fit(clone(augmenter), mixed_data, seed=1).sample(5000)
    assert_array_equal(a, b)
    assert_array_equal(src_a, src_b)
    assert not np.array_equal(a, c, equal_nan=True)
    # an int seed gives the same rows on every call of the same object
    aug = _fit(clone(augmenter), mixed_data, seed=0)
    assert_array_equal(aug.sample(5000)[0], aug.sample(5000)[0])


def test_randomstate_instance_semantics(augmenter, mixed_data):
    first = _fit(clone(augmenter), mixed_data, seed=np.random.RandomState(3))
    second = _fit(clone(augmenter), mixed_data, seed=np.random.RandomState(3))
    a1, a2 = first.sample(500)[0], first.sample(500)[0]
    b1, b2 = second.sample(500)[0], second.sample(500)[0]
    assert_array_equal(a1, b1)
    assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2, equal_nan=True)  # the instance advances


def test_prefix_property(augmenter, mixed_data):
    """The first m rows of sample(n) are sample(m) (blocks are fixed)."""
    aug = _fit(augmenter, mixed_data)
    big, _ = aug.sample(2 * _BLOCK + 100)
    for m in (1, _BLOCK - 1, _BLOCK + 1):
        assert_array_equal(aug.sample(m)[0], big[:m])


@pytest.mark.parametrize("chunk_size", [1, 1000, _BLOCK, _BLOCK + 1, 10**6])
def test_chunked_equals_unchunked(augmenter, mixed_data, chunk_size):
    n = 2 * _BLOCK + 1234
    aug = _fit(augmenter, mixed_data)
    X_all, src_all = aug.sample(n)
    chunks = list(aug.iter_samples(n, chunk_size=chunk_size))
    sizes = [c[0].shape[0] for c in chunks]
    assert sizes == [min(chunk_size, n - s) for s in range(0, n, chunk_size)]
    assert all(
        c[1].shape == (s,) and c[1].dtype == np.int64
        for c, s in zip(chunks, sizes, strict=True)
    )
    assert_array_equal(np.concatenate([c[0] for c in chunks]), X_all)
    assert_array_equal(np.concatenate([c[1] for c in chunks]), src_all)


def test_iter_samples_empty_and_default_chunk(augmenter, mixed_data):
    aug = _fit(augmenter, mixed_data)
    assert list(aug.iter_samples(0)) == []
    chunks = list(aug.iter_samples(60_001))
    assert [c[0].shape[0] for c in chunks] == [50_000, 10_001]


def test_chunks_are_independent_arrays(augmenter, mixed_data):
    aug = _fit(augmenter, mixed_data)
    chunks = list(aug.iter_samples(100, chunk_size=30))
    expected = [c[0].copy() for c in chunks]
    chunks[0][0][:] = -999.0  # writing into one chunk must not affect another
    for got, exp in zip(chunks[1:], expected[1:], strict=True):
        assert_array_equal(got[0], exp)


# ------------------------------------------------------------------ edge cases
def test_single_training_row_reproduces_it(augmenter):
    X = np.array([[1.5, 3.0, np.nan, 2.0]])
    X_syn, source = _fit(augmenter, X, categorical=[3]).sample(5)
    assert_array_equal(source, 0)
    assert_array_equal(X_syn, np.repeat(X, 5, axis=0))


def test_all_nan_column(augmenter):
    X = make_mixed(nan_rate=0.0)
    X[:, 0] = np.nan
    X[:, 2] = np.nan  # categorical and all NaN
    aug = _fit(augmenter, X)
    assert aug.categories_[2].size == 0
    X_syn, _ = aug.sample(500)
    assert np.isnan(X_syn[:, [0, 2]]).all()
    assert not np.isnan(X_syn[:, [1, 3, 4, 5]]).any()


def test_pandas_input_and_column_names(augmenter):
    pd = pytest.importorskip("pandas")
    X = make_mixed(nan_rate=0.0)
    df = pd.DataFrame(X, columns=list("abcdef"))
    by_name = _fit(clone(augmenter), df, categorical=["c", "e"])
    by_index = _fit(clone(augmenter), X, categorical=CATEGORICAL)
    assert_array_equal(by_name.feature_names_in_, list("abcdef"))
    assert_array_equal(by_name.categorical_mask_, by_index.categorical_mask_)
    assert_array_equal(by_name.sample(100)[0], by_index.sample(100)[0])


@pytest.mark.parametrize(
    "categorical",
    [None, [], np.zeros(6, dtype=bool)],
    ids=["None", "empty-list", "all-false-mask"],
)
def test_no_categorical_columns(categorical, mixed_data):
    aug = MUNGEAugmenter(random_state=0).fit(mixed_data, categorical)
    assert not aug.categorical_mask_.any()
    assert all(c is None for c in aug.categories_)


def test_boolean_mask_equals_indices(augmenter, mixed_data):
    mask = np.isin(np.arange(6), CATEGORICAL)
    a = _fit(clone(augmenter), mixed_data, categorical=mask).sample(500)[0]
    b = _fit(clone(augmenter), mixed_data, categorical=CATEGORICAL).sample(500)[0]
    assert_array_equal(a, b)


# ---------------------------------------------------------- post-processing
class _Garbage(BaseAugmenter):
    """Returns wild values and invented NaNs, to test the base post-processing."""

    def _sample_block(self, rng, source_idx):
        out = rng.normal(0.0, 20.0, size=(source_idx.shape[0], self.n_features_in_))
        out[rng.random(out.shape) < 0.2] = np.nan
        return out


@pytest.mark.parametrize("clip", [True, False])
def test_postprocessing_enforces_guarantees(mixed_data, clip):
    aug = _Garbage(clip=clip, random_state=0).fit(mixed_data, CATEGORICAL)
    X_syn, source = aug.sample(2000)
    src_rows = mixed_data[source]
    assert_array_equal(np.isnan(X_syn), np.isnan(src_rows))
    for j in CATEGORICAL:
        col = X_syn[:, j]
        assert set(col[~np.isnan(col)]) <= set(CATEGORIES[j])
    col = X_syn[:, 1]
    assert_array_equal(col, np.round(col))
    if clip:
        with np.errstate(invalid="ignore"):
            assert np.all(np.isnan(X_syn) | (X_syn >= np.nanmin(mixed_data, 0)))
            assert np.all(np.isnan(X_syn) | (X_syn <= np.nanmax(mixed_data, 0)))
    else:
        assert np.nanmax(X_syn[:, 0]) > np.nanmax(mixed_data[:, 0])


def test_categorical_snaps_to_nearest_category():
    X = np.array([[-1.0], [2.5], [7.0]])

    class Fixed(BaseAugmenter):
        def _sample_block(self, rng, source_idx):
            vals = np.array([-50.0, 0.0, 0.75, 1.0, 4.75, 5.0, 100.0, 2.5])
            return vals[np.arange(source_idx.shape[0]) % 8][:, None]

    X_syn, _ = Fixed().fit(X, [0]).sample(8)
    # ties (0.75 is halfway between -1 and 2.5; 4.75 between 2.5 and 7) go down
    assert_array_equal(X_syn[:, 0], [-1.0, -1.0, -1.0, 2.5, 2.5, 7.0, 7.0, 2.5])


def test_base_is_abstract():
    with pytest.raises(TypeError):
        BaseAugmenter()


# ---------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.array([1.0, 2.0, 3.0]), "2D"),
        (np.empty((0, 3)), "0 sample"),
        (np.array([[1.0, np.inf], [0.0, 1.0]]), "infinity"),
        (np.array([[1.0, -np.inf], [0.0, 1.0]]), "infinity"),
        (np.array([["a", "b"], ["c", "d"]]), "convert"),
    ],
    ids=["1-D", "empty", "inf", "-inf", "strings"],
)
def test_bad_X(augmenter, X, match):
    with pytest.raises(ValueError, match=match):
        augmenter.fit(X)


@pytest.mark.parametrize(
    ("categorical", "match"),
    [
        (np.ones(5, dtype=bool), "length n_features=6; got length 5"),
        ([0, 6], r"out of range: \[6\]"),
        ([-1], r"out of range: \[-1\]"),
        ([0.0, 1.0], "dtype float64"),
        ([[0, 1]], "1-D"),
        (["a"], "no column names"),
    ],
    ids=["mask-length", "index-too-big", "negative-index", "floats", "2-D", "names"],
)
def test_bad_categorical_features(augmenter, mixed_data, categorical, match):
    with pytest.raises(ValueError, match="categorical_features"):
        augmenter.fit(mixed_data, categorical_features=categorical)
    with pytest.raises(ValueError, match=match):
        augmenter.fit(mixed_data, categorical_features=categorical)


def test_unknown_column_name(augmenter):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(np.ones((3, 2)), columns=["a", "b"])
    with pytest.raises(ValueError, match=r"categorical_features names.*\['z'\]"):
        augmenter.fit(df, categorical_features=["a", "z"])


@pytest.mark.parametrize("n", [-1, 2.5, "10", None, True])
def test_bad_n_samples(augmenter, mixed_data, n):
    aug = _fit(augmenter, mixed_data)
    with pytest.raises(ValueError, match="n_samples"):
        aug.sample(n)
    # iter_samples checks when called, not at the first iteration
    with pytest.raises(ValueError, match="n_samples"):
        aug.iter_samples(n)


@pytest.mark.parametrize("chunk_size", [0, -5, 1.5])
def test_bad_chunk_size(augmenter, mixed_data, chunk_size):
    aug = _fit(augmenter, mixed_data)
    with pytest.raises(ValueError, match="chunk_size"):
        aug.iter_samples(10, chunk_size=chunk_size)


def test_numpy_integer_counts_accepted(augmenter, mixed_data):
    aug = _fit(augmenter, mixed_data)
    X_syn, _ = aug.sample(np.int64(10))
    assert X_syn.shape == (10, 6)
    assert len(list(aug.iter_samples(np.int32(10), chunk_size=np.int64(4)))) == 3


@pytest.mark.parametrize(
    "params",
    [{"clip": "yes"}, {"clip": None}, {"random_state": "seed"}, {"random_state": 1.5}],
)
def test_bad_common_params(augmenter, mixed_data, params):
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        augmenter.set_params(**params).fit(mixed_data)


@pytest.mark.parametrize(
    "aug", [*AUGMENTERS, NoAugmenter()], ids=[*AUGMENTER_IDS, "No"]
)
def test_not_fitted(aug):
    with pytest.raises(NotFittedError):
        clone(aug).sample(3)
    with pytest.raises(NotFittedError):
        clone(aug).iter_samples(3)


# ------------------------------------------------------- scikit-learn API
@pytest.mark.parametrize(
    "aug", [*AUGMENTERS, NoAugmenter()], ids=[*AUGMENTER_IDS, "No"]
)
def test_clone_and_get_params_round_trip(aug, mixed_data):
    params = aug.get_params()
    assert {"clip", "random_state"} <= set(params)
    rebuilt = type(aug)(**params)
    assert rebuilt.get_params() == params
    fitted = clone(aug).set_params(random_state=0).fit(mixed_data, CATEGORICAL)
    cloned = clone(fitted)
    assert cloned.get_params() == fitted.get_params()
    assert not hasattr(cloned, "X_fit_")
    # init stores parameters untouched, even invalid ones (validated in fit)
    assert type(aug)(random_state="not-validated-yet").random_state == (
        "not-validated-yet"
    )


def test_pickle_round_trip(augmenter, mixed_data):
    import pickle

    aug = _fit(augmenter, mixed_data)
    restored = pickle.loads(pickle.dumps(aug))
    assert_array_equal(restored.sample(500)[0], aug.sample(500)[0])
