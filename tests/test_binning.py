"""BinnedColumns: per-column bins and categories for the 'linear' students."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdistill._binning import BinnedColumns, quantile_edges


def rows(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [
            rng.normal(size=n),  # many distinct values: quantile bins
            rng.integers(0, 5, n).astype(float),  # few values: one bin each
            rng.choice([0.1, 0.2, 7.0], n),  # categorical codes
            np.where(rng.random(n) < 0.8, 0.0, rng.exponential(size=n)),  # ties
        ]
    )
    X[rng.random(n) < 0.1, 0] = np.nan
    X[rng.random(n) < 0.1, 2] = np.nan
    return X


def test_edges_fall_between_values_and_every_bin_is_used():
    values = np.random.default_rng(0).normal(size=5000)
    edges = quantile_edges(values, 16)
    assert len(edges) == 15 and np.all(np.diff(edges) > 0)
    assert edges.astype(np.float32).astype(np.float64).tolist() == edges.tolist()
    counts = np.bincount(np.searchsorted(edges, values, side="right"))
    assert len(counts) == 16 and counts.min() > 200  # about 5000 / 16 each


def test_ties_are_never_split():
    values = np.r_[np.zeros(800), np.arange(1.0, 201.0)]
    edges = quantile_edges(values, 8)
    bins = np.searchsorted(edges, values, side="right")
    assert len(np.unique(bins[:800])) == 1  # the 800 zeros share one bin
    assert np.all(np.bincount(bins) > 0)


def test_edges_stay_above_the_value_below_in_float32():
    # neighbours closer than float32 can tell apart
    values = np.array([1.0, 1.0 + 1e-12, 2.0])
    edges = quantile_edges(values, 8)
    assert np.all(np.diff(edges) > 0)
    bins = np.searchsorted(edges, values, side="right")
    assert bins[0] < bins[2]


def test_transform_one_indicator_per_column():
    X = rows()
    bins = BinnedColumns(n_bins=8, encode="onehot", categorical=[2]).fit(X)
    Z = bins.transform(X)
    assert sparse.issparse(Z) and Z.shape == (len(X), bins.offsets_[-1])
    dense = Z.toarray()
    for j in range(X.shape[1]):
        block = dense[:, bins.offsets_[j] : bins.offsets_[j + 1]]
        assert np.all(block.sum(axis=1) == 1)  # every value seen in fit
    assert len(bins.edges_[0]) == 7  # 8 quantile bins
    assert bins.edges_[1].tolist() == [0.5, 1.5, 2.5, 3.5]  # one bin a value
    assert bins.categories_[2].tolist() == [0.1, 0.2, 7.0]
    assert bins.missing_.tolist() == [True, False, True, False]
    names = bins.get_feature_names_out()
    assert names[0] == "x0_bin0" and "x2=0.1" in names and "x0_missing" in names
    assert len(names) == Z.shape[1]


def test_thermometer_sets_the_bins_up_to_the_value():
    """Bin b sets a numeric column's first b columns (``x >= edge``), a
    missing value its last one only; categories are one-hot."""
    X = rows()
    bins = BinnedColumns(n_bins=8, categorical=[2]).fit(X)
    onehot = BinnedColumns(n_bins=8, encode="onehot", categorical=[2]).fit(X)
    assert bins.encode == "thermometer" and bins.n_codes_.tolist() == [9, 5, 4, 3]
    assert np.diff(bins.offsets_).tolist() == [8, 4, 4, 2]
    dense, index = bins.transform(X).toarray(), bins.bin_indices(X)
    np.testing.assert_array_equal(index, onehot.bin_indices(X))
    for j in (0, 1, 3):
        block = dense[:, bins.offsets_[j] : bins.offsets_[j + 1]]
        n_edges = len(bins.edges_[j])
        missing = index[:, j] == n_edges + 1
        assert missing.any() == bins.missing_[j]
        want = np.arange(n_edges) < index[:, j, None]  # a prefix of ones
        np.testing.assert_array_equal(block[~missing, :n_edges], want[~missing])
        if bins.missing_[j]:
            assert np.all(block[missing] == np.eye(n_edges + 1)[-1])
            np.testing.assert_array_equal(block[:, -1], missing)
    block = dense[:, bins.offsets_[2] : bins.offsets_[3]]
    np.testing.assert_array_equal(
        block, onehot.transform(X).toarray()[:, onehot.offsets_[2] : onehot.offsets_[3]]
    )
    names = bins.get_feature_names_out()
    assert names[7] == "x0_missing" and names[8] == "x1>=0.5" and names[11] == "x1>=3.5"
    assert f"x0>={bins.edges_[0][0]:.9g}" == names[0] and len(names) == dense.shape[1]


@pytest.mark.parametrize("encode", ["thermometer", "onehot"])
def test_column_weights_add_up_to_the_linear_model(encode):
    """What each code adds (``column_weights``), summed over the columns,
    is the linear function of the indicators, unseen and missing values too."""
    X = rows()
    bins = BinnedColumns(n_bins=8, encode=encode, categorical=[2]).fit(X)
    test = rows(300, seed=1)
    test[:20, 2] = 5.0  # an unseen category
    test[20:40, 3] = np.nan  # missing where fit saw none
    weights = np.random.default_rng(0).normal(size=(bins.offsets_[-1], 3))
    index = bins.bin_indices(test)
    per_column = bins.column_weights(weights)
    assert [len(w) for w in per_column] == bins.n_codes_.tolist()
    total = sum(
        np.where(index[:, [j]] >= 0, w[np.maximum(index[:, j], 0)], 0.0)
        for j, w in enumerate(per_column)
    )
    np.testing.assert_allclose(total, bins.transform(test) @ weights, atol=1e-12)
    if encode == "thermometer":  # bin 0 adds nothing
        assert np.all(per_column[0][0] == 0)
    with pytest.raises(ValueError, match="one row per indicator"):
        bins.column_weights(weights[1:])


def test_unseen_values_and_missing_values():
    X = rows()
    bins = BinnedColumns(n_bins=8, encode="onehot", categorical=[2]).fit(X)
    test = np.array(
        [
            [np.nan, np.nan, 5.0, np.nan],  # col 1 and 3 had no NaN; 5.0 unseen
            [1e9, -1e9, np.nan, 1e9],  # beyond the range: the end bins
        ]
    )
    index = bins.bin_indices(test)
    width = np.diff(bins.offsets_)
    assert index[0, 0] == width[0] - 1  # its own missing indicator
    assert index[0, 1] == bins.median_bin_[1]  # no NaN in fit: the median's bin
    assert index[0, 2] == -1  # unseen category: no indicator
    assert index[0, 3] == bins.median_bin_[3]
    assert index[1].tolist() == [len(bins.edges_[0]), 0, width[2] - 1, width[3] - 1]
    assert np.all(bins.transform(test).toarray().sum(axis=1) == [3, 4])


def test_does_not_mutate_and_is_deterministic():
    X = rows()
    before = X.copy()
    a = BinnedColumns(categorical=[2]).fit_transform(X)
    b = BinnedColumns(categorical=[2]).fit_transform(X)
    np.testing.assert_array_equal(X, before)
    assert (a != b).nnz == 0


def test_categorical_mask_and_float32_categories():
    X = np.column_stack([rows()[:, 0], [1000001.0, 1000002.0] * 1000])
    mask = BinnedColumns(categorical=[False, True]).fit(X)
    assert mask.categories_[0] is None and mask.categories_[1] is not None
    names = mask.get_feature_names_out()
    assert "x1=1000001" in names and "x1=1000002" in names
    # codes float32 cannot tell apart are one category
    close = np.array([[1.0], [1.0 + 1e-12], [2.0]])
    bins = BinnedColumns(categorical=[0]).fit(close)
    assert bins.categories_[0].tolist() == [1.0, 2.0]
    assert bins.bin_indices(close)[:, 0].tolist() == [0, 0, 1]


def test_no_empty_bin_from_float32_rounding():
    values = np.array([0.1, 0.10000001, 0.5])  # the first two: one float32 apart
    bins = BinnedColumns(n_bins=8).fit(values.reshape(-1, 1))
    counts = np.bincount(bins.bin_indices(values.reshape(-1, 1))[:, 0])
    assert np.all(counts > 0), (bins.edges_[0], counts)


def test_max_categories_keeps_the_most_frequent():
    X = np.repeat(np.arange(10.0), np.arange(1, 11)).reshape(-1, 1)
    bins = BinnedColumns(categorical=[0], max_categories=3).fit(X)
    assert bins.categories_[0].tolist() == [7.0, 8.0, 9.0]


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(n_bins=1), "n_bins"),
        (dict(n_bins=2.5), "n_bins"),
        (dict(max_categories=0), "max_categories"),
        (dict(encode="ordinal"), "encode"),
        (dict(categorical=[7]), "out of range"),
        (dict(categorical=[1, 1]), "repeats"),
        (dict(categorical=[True, False]), "boolean mask of 2 entries"),
        (dict(categorical=["a"]), "column indices"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        BinnedColumns(**params).fit(rows())


def test_refuses_infinite_values():
    X = rows()
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        BinnedColumns().fit(X)


@parametrize_with_checks(
    [
        BinnedColumns(n_bins=4),
        BinnedColumns(n_bins=4, encode="onehot"),
        BinnedColumns(categorical=[0]),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_values_are_binned_as_float32():
    """A float64 value just below an edge rounds to the edge in float32: it
    falls in the bin above, as a float32 ONNX graph (and a tree) puts it."""
    X = np.arange(100.0).reshape(-1, 1) / 7
    bins = BinnedColumns(n_bins=4).fit(X)
    edge = bins.edges_[0][1]
    below = np.nextafter(edge, -np.inf)  # float64, rounds up to the edge
    assert np.float32(below) == np.float32(edge)
    index = bins.bin_indices(np.array([[below], [edge], [3e39]]))
    assert index[:, 0].tolist() == [2, 2, 3]


@pytest.mark.parametrize("encode", ["thermometer", "onehot"])
def test_a_constant_column(encode):
    """One bin, no edge: no thermometer column, one one-hot column; its
    weights are one row (bin 0 adds nothing when thermometer encoded)."""
    X = np.column_stack([np.full(50, 3.0), np.arange(50.0)])
    bins = BinnedColumns(n_bins=4, encode=encode).fit(X)
    assert bins.n_codes_[0] == 1 and len(bins.edges_[0]) == 0
    assert bins.offsets_[1] == (0 if encode == "thermometer" else 1)
    weights = np.ones((bins.offsets_[-1], 2))
    constant = bins.column_weights(weights)[0]
    assert constant.shape == (1, 2)
    assert np.all(constant == (0.0 if encode == "thermometer" else 1.0))


def test_the_encoding_is_the_fitted_one():
    """set_params(encode=...) without a refit changes nothing until fit."""
    X = rows()
    bins = BinnedColumns(n_bins=8, categorical=[2]).fit(X)
    before = bins.transform(X)
    bins.set_params(encode="onehot")
    assert bins.encode_ == "thermometer"
    assert (bins.transform(X) != before).nnz == 0
    assert len(bins.get_feature_names_out()) == before.shape[1]


def test_a_one_hot_binner_saved_before_encode_existed_loads():
    import pickle

    X = rows()
    bins = BinnedColumns(n_bins=8, encode="onehot", categorical=[2]).fit(X)
    state = dict(bins.__dict__)
    for new in ("encode", "encode_", "n_codes_"):
        del state[new]
    old = BinnedColumns.__new__(BinnedColumns)
    old.__setstate__(state)
    old = pickle.loads(pickle.dumps(old))
    assert old.encode_ == "onehot" and old.n_codes_.tolist() == bins.n_codes_.tolist()
    assert (old.transform(X) != bins.transform(X)).nnz == 0
