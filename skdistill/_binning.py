"""Per-column bins for the ``'linear'`` students: a linear model on them is additive.

:class:`BinnedColumns` turns every column into 0/1 indicators: for a numeric
column, ``x >= edge`` for each of its quantile bin edges (thermometer
encoding; or one indicator per bin), one per category of a categorical
column, and one for missing values where ``fit`` saw some. A logistic or ridge
regression on these indicators adds, for each column, a step function of its
value to the logits: a generalised additive model, still linear in its
inputs, still one small table of weights (:meth:`BinnedColumns.column_weights`
reads it per bin). With the thermometer encoding each weight is the step
between two neighbouring bins, so the model's L2 penalty smooths the step
function (a penalty on differences, as P-splines have) and 128 bins can
follow thresholds without fitting noise. Against logistic regression on the
imputed, standardised columns it follows shapes a single slope cannot
(U-shapes, thresholds, saturation) and reads codes as categories; the
evidence is in ``benchmarks/results/linear_bins``.

The transform is exact and cheap to export: each column's bin is a binary
search over its edges, so a linear model on the indicators exports as one
ONNX tree-ensemble node (one tree per column whose leaves hold what each bin
adds; a ``Softmax`` and an ``ArgMax`` after it for two classes; see
:mod:`skdistill.onnx._additive`). The edges are float32 numbers and values are
binned and matched with the categories as float32 (as scikit-learn's trees
compare them), so a float32 graph puts every value in the bin Python puts it
in, float64 rows included.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._categorical import column_indices


def quantile_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Edges splitting ``values`` (finite, 1-D) into at most ``n_bins`` bins.

    Each edge lies halfway between two neighbouring distinct values, rounded to
    float32, so that every bin holds some of ``values`` and a value ``x`` falls
    in bin ``searchsorted(edges, x, side='right')``. A column with at most
    ``n_bins`` distinct values gets one bin per value; otherwise the cuts are
    where the share of values at or below crosses ``1/n_bins, 2/n_bins, ...``
    (ties never split: a value repeated in a quarter of the rows is one bin).

    Examples
    --------
    >>> from skdistill._binning import quantile_edges
    >>> quantile_edges(np.array([0.0, 1.0, 1.0, 2.0]), n_bins=8)
    array([0.5, 1.5])
    >>> quantile_edges(np.arange(100.0), n_bins=4)
    array([24.5, 49.5, 74.5])
    """
    distinct, counts = np.unique(values, return_counts=True)
    if len(distinct) <= n_bins:
        cuts = np.arange(len(distinct) - 1)
    else:
        share = np.cumsum(counts) / counts.sum()
        cuts = np.searchsorted(share, np.arange(1, n_bins) / n_bins, side="left")
        cuts = np.unique(cuts[cuts < len(distinct) - 1])
    lower, upper = distinct[cuts], distinct[cuts + 1]
    with np.errstate(over="ignore"):  # beyond float32: +-inf, dropped
        edges = (lower / 2 + upper / 2).astype(np.float32)
        low32 = lower.astype(np.float32)
    # values are binned as float32: each edge must stay above the value below
    edges = np.where(edges <= low32, np.nextafter(low32, np.float32(np.inf)), edges)
    return np.unique(edges[np.isfinite(edges)]).astype(np.float64)


class BinnedColumns(TransformerMixin, BaseEstimator):
    """0/1 columns for the bins of each numeric column and per category.

    Parameters
    ----------
    n_bins : int, default=128
        At most this many quantile bins per numeric column (fewer where the
        column has fewer distinct values: one bin each then).
    encode : {'thermometer', 'onehot'}, default='thermometer'
        How a numeric column's bin is written. ``'thermometer'``: one column
        per edge, ``x >= edge`` (bin ``b`` sets the first ``b`` columns, bin 0
        none), so a linear model's weight on a column is the *step* between
        two neighbouring bins and an L2 penalty shrinks steps, not levels: a
        smoothness penalty that lets many bins follow thresholds without
        fitting noise (an additive model of P-spline kind). ``'onehot'``: one
        column per bin (the penalty then shrinks every bin towards the mean).
        Categories and missing values are one-hot either way. The thermometer
        output is denser: a numeric value sets as many columns as its bin
        number, about ``n_bins / 2`` on average, so the sparse output takes
        some 12 bytes times ``n_rows * n_bins / 2`` per numeric column
        (20,000 rows of 20 numeric columns at 128 bins: 25 million entries,
        300 MB; 690 MB at its peak while transforming, against 20 MB
        one-hot), and a classifier's soft-target fit repeats the rows once
        per class. For hundreds of thousands of rows, use fewer bins or
        ``'onehot'``.
    categorical : list of int or array-like of bool, default=None
        The categorical columns (codes: any numbers), as indices or a boolean
        mask: one indicator per category, at most ``max_categories`` (the
        most frequent; rarer and unseen codes get none). ``None``: none,
        unless a distiller fills in its ``categorical_features`` (it does
        for a student whose first step is a ``BinnedColumns(categorical=None)``,
        such as ``make_student('linear', task)``); ``[]``: none, always.
    max_categories : int, default=64

    Attributes
    ----------
    edges_ : list of ndarray or None
        For each column, its bin edges (float32 values, as float64; numeric
        columns) or None (categorical columns). A value ``x`` falls in bin
        ``searchsorted(edges, x, side='right')`` computed in float32: like
        scikit-learn's trees, the bins see ``x`` rounded to float32.
    categories_ : list of ndarray or None
        For each column, its sorted categories (categorical columns) or None:
        the codes seen in ``fit``, matched with values as float32 (two codes
        float32 cannot tell apart are one category, kept as the smaller).
    missing_ : ndarray of bool
        Whether the column had missing values in ``fit``: they then get an
        indicator of their own, after the column's bins. Missing values in a
        column that had none fall in the bin of its median (numeric) or get
        no indicator (categorical).
    encode_ : str
        The encoding ``fit`` used (``encode`` then).
    median_bin_ : ndarray of int
        Each numeric column's median's bin (0 for categorical columns).
    n_codes_ : ndarray of int
        Each column's number of codes (see :meth:`bin_indices`): its bins or
        categories, plus one for missing values where ``fit`` saw some.
    offsets_ : ndarray of int
        Where each column's indicators start; ``offsets_[-1]`` is the width
        (``n_codes_`` summed, less one per numeric column when thermometer
        encoded).
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill import BinnedColumns
    >>> X = np.array([[0.5, 3.0], [1.5, 7.0], [2.5, np.nan]])
    >>> bins = BinnedColumns(n_bins=3, categorical=[1]).fit(X)
    >>> bins.transform(X).toarray()
    array([[0., 0., 1., 0., 0.],
           [1., 0., 0., 1., 0.],
           [1., 1., 0., 0., 1.]])
    >>> bins.get_feature_names_out().tolist()
    ['x0>=1', 'x0>=2', 'x1=3', 'x1=7', 'x1_missing']
    >>> bins.set_params(encode="onehot").fit_transform(X).toarray()
    array([[1., 0., 0., 1., 0., 0.],
           [0., 1., 0., 0., 1., 0.],
           [0., 0., 1., 0., 0., 1.]])
    """

    _parameter_constraints: dict = {
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "encode": [StrOptions({"onehot", "thermometer"})],
        "categorical": ["array-like", None],
        "max_categories": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self, n_bins=128, encode="thermometer", categorical=None, max_categories=64
    ):
        self.n_bins = n_bins
        self.encode = encode
        self.categorical = categorical
        self.max_categories = max_categories

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each column's bin edges or categories."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        n_features = X.shape[1]
        categorical = column_indices(self.categorical, n_features)
        self.edges_, self.categories_ = [], []
        missing, median_bin, widths = [], [], []
        for j in range(n_features):
            column = X[:, j]
            nan = np.isnan(column)
            seen = column[~nan]
            if j in categorical:
                codes, counts = np.unique(seen, return_counts=True)
                # codes are matched as float32 (see bin_indices): those float32
                # cannot tell apart are one category, kept as the smallest
                with np.errstate(over="ignore"):
                    as32 = codes.astype(np.float32)
                _, first, group = np.unique(
                    as32, return_index=True, return_inverse=True
                )
                codes, counts = codes[first], np.bincount(group, weights=counts)
                if len(codes) > self.max_categories:
                    kept = np.argsort(-counts, kind="stable")[: self.max_categories]
                    codes = np.sort(codes[kept])
                self.edges_.append(None)
                self.categories_.append(codes)
                median_bin.append(0)
                width = len(codes)
            else:
                edges = quantile_edges(seen, self.n_bins) if seen.size else np.empty(0)
                self.edges_.append(edges)
                self.categories_.append(None)
                with np.errstate(over="ignore"):
                    median = np.float32(np.median(seen) if seen.size else 0.0)
                median_bin.append(
                    int(np.searchsorted(edges.astype(np.float32), median, side="right"))
                )
                width = len(edges) + 1
            missing.append(bool(nan.any()))
            widths.append(width + missing[-1])
        self.missing_ = np.asarray(missing, dtype=bool)
        self.median_bin_ = np.asarray(median_bin, dtype=np.intp)
        self.n_codes_ = np.asarray(widths, dtype=np.intp)
        self.encode_ = self.encode
        if self.encode_ == "thermometer":  # bin 0 is all zeros: no column
            numeric = np.array([codes is None for codes in self.categories_])
            widths = self.n_codes_ - numeric
        self.offsets_ = np.concatenate([[0], np.cumsum(widths)]).astype(np.intp)
        return self

    def bin_indices(self, X) -> np.ndarray:
        """Each value's code within its column, shape of ``X``: its bin or
        category, ``n_codes_[j] - 1`` for a missing value where ``fit`` saw
        some, -1 for none (an unseen category)."""
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        out = np.empty(X.shape, dtype=np.intp)
        for j, (edges, codes) in enumerate(
            zip(self.edges_, self.categories_, strict=True)
        ):
            column = X[:, j]
            nan = np.isnan(column)
            if codes is None:
                # in float32, as the edges are: as scikit-learn's trees, which
                # compare float32 values, so that a float32 ONNX graph fed
                # float64 rows bins them as this does
                with np.errstate(over="ignore"):  # beyond float32: +-inf
                    column32 = column.astype(np.float32)
                index = np.searchsorted(
                    edges.astype(np.float32), column32, side="right"
                )
                unseen_nan = self.median_bin_[j]
            else:  # in float32 too
                codes32 = codes.astype(np.float32)
                with np.errstate(over="ignore"):
                    column32 = column.astype(np.float32)
                index = np.searchsorted(codes32, column32)
                hit = index < len(codes)
                hit[hit] = codes32[index[hit]] == column32[hit]
                index = np.where(hit, index, -1)
                unseen_nan = -1
            index[nan] = self.n_codes_[j] - 1 if self.missing_[j] else unseen_nan
            out[:, j] = index
        return out

    def transform(self, X):
        """The indicators, a CSR matrix of ``offsets_[-1]`` columns (float64)."""
        index = self.bin_indices(X)
        n_rows = index.shape[0]
        # each value sets ``count`` columns from ``start`` on
        start = index + self.offsets_[:-1]
        count = (index >= 0).astype(np.intp)
        if self.encode_ == "thermometer":
            for j in np.flatnonzero([codes is None for codes in self.categories_]):
                code, missing = index[:, j], np.zeros(n_rows, dtype=bool)
                if self.missing_[j]:  # the column's last column alone
                    missing = code == self.n_codes_[j] - 1
                start[:, j] = np.where(
                    missing, self.offsets_[j + 1] - 1, self.offsets_[j]
                )
                count[:, j] = np.where(missing, 1, code)
        flat_count = count.ravel()
        n_set = int(flat_count.sum())
        first = np.repeat(np.cumsum(flat_count) - flat_count, flat_count)
        columns = np.repeat(start.ravel(), flat_count) + np.arange(n_set) - first
        indptr = np.concatenate([[0], np.cumsum(count.sum(axis=1))])
        return sparse.csr_matrix(
            (np.ones(n_set), columns, indptr),
            shape=(n_rows, int(self.offsets_[-1])),
        )

    def column_weights(self, weights) -> list[np.ndarray]:
        """What each column's codes add, from a linear model's weights.

        Parameters
        ----------
        weights : array-like of shape (offsets_[-1],) or (offsets_[-1], n_outputs)
            One row per indicator (``coef_.T`` of a linear model on the
            output).

        Returns
        -------
        list of ndarray
            For each column, one row per code (as :meth:`bin_indices` numbers
            them): what a value with that code adds to the model's output
            (one-hot: the indicator's weight; thermometer: the sum of the
            weights of the bins up to it, 0 for bin 0).
        """
        check_is_fitted(self)
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape[:1] != (self.offsets_[-1],):
            raise ValueError(
                f"weights must have one row per indicator ({self.offsets_[-1]}); "
                f"got shape {weights.shape}."
            )
        out = []
        for j, codes in enumerate(self.categories_):
            block = weights[self.offsets_[j] : self.offsets_[j + 1]]
            if codes is None and self.encode_ == "thermometer":
                n_bins = self.n_codes_[j] - self.missing_[j]
                steps = np.cumsum(block[: n_bins - 1], axis=0)
                # bin 0 adds nothing (a constant column has no other bin)
                zero = np.zeros((1,) + block.shape[1:])
                block = np.concatenate([zero, steps, block[n_bins - 1 :]])
            out.append(block)
        return out

    def get_feature_names_out(self, input_features=None):
        """The indicators' names: ``<name>>=<edge>`` (thermometer) or
        ``<name>_bin<i>`` (one-hot), ``<name>=<code>`` and ``<name>_missing``."""
        check_is_fitted(self)
        from sklearn.utils.validation import _check_feature_names_in

        names = _check_feature_names_in(self, input_features)
        out = []
        for name, edges, codes, nan in zip(
            names, self.edges_, self.categories_, self.missing_, strict=True
        ):
            if codes is None and self.encode_ == "thermometer":
                out += [f"{name}>={edge:.9g}" for edge in edges]  # float32 exactly
            elif codes is None:
                out += [f"{name}_bin{i}" for i in range(len(edges) + 1)]
            else:
                out += [f"{name}={code:.9g}" for code in codes]  # float32 exactly
            if nan:
                out.append(f"{name}_missing")
        return np.asarray(out, dtype=object)

    def __setstate__(self, state):
        # a BinnedColumns fitted before ``encode`` existed (one-hot bins)
        if "offsets_" in state and "n_codes_" not in state:
            state = {**state, "n_codes_": np.diff(state["offsets_"])}
            state.setdefault("encode", "onehot")
            state["encode_"] = "onehot"
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
