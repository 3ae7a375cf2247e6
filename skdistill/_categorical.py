"""One-hot encoding of the categorical columns for MLP students.

A categorical column holds codes (numbers standing for categories). A tree
splits on them well enough, but an MLP or a linear model reads a code as a
magnitude: category 7 "is" more than category 3. :class:`OneHotColumns` adds
one 0/1 column per category; :func:`~skdistill.make_student` gives it to an MLP
on request (``categorical=``), with ``keep_codes=True``. (The ``'linear'``
alias gets one indicator per category from
:class:`~skdistill.BinnedColumns` instead, with its other columns'
bins.) Evidence (default teacher, the protocol of
``benchmarks/bench_quality.py``; ``benchmarks/results/quality_sizes_sweep``,
"Categorical columns", and the benchmarks README): logistic and ridge
regression on standardised columns gained on every categorical dataset
(bikeshare ridge R^2 0.374 to 0.681, adult logistic accuracy 0.826 to 0.850);
the MLP gained where the codes are nominal (adult, fars) and lost where they
are ordered (bikeshare, diamonds).

The transform is exact and cheap to export. Each output column is
``x[:, j] == category`` (or ``isnan(x[:, j])`` for a missing-value category seen
in ``fit``): alone, or in a float64 graph, the ONNX graph
(:mod:`skdistill.onnx._graph`) compares the gathered columns with a constant row
in one ``Equal``, in the input's precision. In front of a dense student in a
float32 graph (on the lean route, see :mod:`skdistill.onnx._onehot_fold`) the
indicators are folded into the first layer as one lookup tree per column.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data


def column_indices(categorical, n_features: int | None = None) -> np.ndarray:
    """The indices of the ``categorical`` columns: a boolean mask of
    ``n_features`` entries or column indices, checked (in range, no repeats;
    with ``n_features=None``, before the data are known, only their form).

    Examples
    --------
    >>> from skdistill._categorical import column_indices
    >>> column_indices([True, False, True], 3).tolist(), column_indices([2], 3).tolist()
    ([0, 2], [2])
    """
    values = np.asarray(categorical if categorical is not None else []).reshape(-1)
    if values.dtype == bool:
        if n_features is not None and len(values) != n_features:
            raise ValueError(
                f"categorical is a boolean mask of {len(values)} entries; the "
                f"data have {n_features} columns."
            )
        return np.flatnonzero(values)
    if values.size and (
        values.dtype.kind not in "iu"
        and not (values.dtype.kind == "f" and np.all(values == np.round(values)))
    ):
        raise ValueError(
            "categorical must be column indices (ints) or a boolean mask; got "
            f"{values.tolist()[:5]} (column names are the distiller's "
            "categorical_features, which knows the columns)."
        )
    columns = values.astype(np.intp)
    if n_features is None:
        return columns
    if columns.size and (columns.min() < 0 or columns.max() >= n_features):
        raise ValueError(
            f"categorical holds column indices out of range [0, "
            f"{n_features - 1}]: {columns.tolist()}."
        )
    if len(np.unique(columns)) != len(columns):
        raise ValueError(f"categorical repeats columns: {columns.tolist()}.")
    return columns


class OneHotColumns(TransformerMixin, BaseEstimator):
    """Numeric columns as they are, then one 0/1 column per category.

    Parameters
    ----------
    categorical : list of int or array-like of bool
        The categorical columns (codes: any numbers, NaN allowed), as
        indices or a boolean mask.
    max_categories : int, default=64
        At most this many indicator columns per categorical column: the most
        frequent categories (ties: the smaller code first). Rarer ones get all
        zeros, as unseen codes do, so that a column of thousands of codes
        (an identifier declared categorical) cannot blow up the width.
    keep_codes : bool, default=False
        Also output the categorical columns' codes themselves (with the
        numeric columns, in their original order), for codes whose order
        means something (an hour, a grade).

    Attributes
    ----------
    categories_ : list of ndarray
        For each categorical column, the sorted distinct non-missing values
        seen in ``fit`` that get an indicator (at most ``max_categories``).
    missing_category_ : ndarray of bool
        For each categorical column, whether it had missing values in ``fit``
        (they then get an indicator column of their own, after the values').
    numeric_ : ndarray of int
        The columns output first, as they are, in their order: the
        non-categorical ones (all of them with ``keep_codes``).
    n_features_in_ : int

    Notes
    -----
    Values not seen in ``fit`` (and missing values, if none were seen) get all
    zeros, like ``OneHotEncoder(handle_unknown='ignore')``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._categorical import OneHotColumns
    >>> X = np.array([[0.5, 3.0], [1.5, 7.0], [2.5, np.nan]])
    >>> OneHotColumns(categorical=[1]).fit_transform(X)
    array([[0.5, 1. , 0. , 0. ],
           [1.5, 0. , 1. , 0. ],
           [2.5, 0. , 0. , 1. ]])
    """

    def __init__(self, categorical=(), max_categories=64, keep_codes=False):
        self.categorical = categorical
        self.max_categories = max_categories
        self.keep_codes = keep_codes

    def fit(self, X, y=None):
        """Learn each categorical column's categories."""
        X = validate_data(self, X, ensure_all_finite="allow-nan", dtype=np.float64)
        if not (
            isinstance(self.max_categories, numbers.Integral)
            and self.max_categories >= 1
        ):
            raise ValueError(
                f"max_categories must be an int >= 1; got {self.max_categories!r}."
            )
        columns = column_indices(self.categorical, X.shape[1])
        self.categorical_ = columns
        self.numeric_ = (
            np.arange(X.shape[1])
            if self.keep_codes
            else np.setdiff1d(np.arange(X.shape[1]), columns)
        )
        self.categories_ = []
        missing = []
        for j in columns:
            values = X[:, j]
            nan = np.isnan(values)
            codes, counts = np.unique(values[~nan], return_counts=True)
            if len(codes) > self.max_categories:
                kept = np.argsort(-counts, kind="stable")[: self.max_categories]
                codes = np.sort(codes[kept])
            self.categories_.append(codes)
            missing.append(bool(nan.any()))
        self.missing_category_ = np.asarray(missing, dtype=bool)
        self._table = self._build_table()  # read by every transform
        return self

    def output_table(self):
        """``(source column, value, is_missing_indicator)`` of each indicator."""
        check_is_fitted(self)
        return self._table

    def _build_table(self):
        source, value, missing = [], [], []
        for j, cats, nan in zip(
            self.categorical_, self.categories_, self.missing_category_, strict=True
        ):
            source.extend([j] * len(cats))
            value.extend(cats.tolist())
            missing.extend([False] * len(cats))
            if nan:
                source.append(j)
                value.append(np.nan)
                missing.append(True)
        return (
            np.asarray(source, dtype=np.int64),
            np.asarray(value, dtype=np.float64),
            np.asarray(missing, dtype=bool),
        )

    def transform(self, X):
        """``[numeric columns, indicators]``, float64."""
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        source, value, missing = self.output_table()
        gathered = X[:, source]
        with np.errstate(invalid="ignore"):
            hits = np.where(missing, np.isnan(gathered), gathered == value)
        return np.hstack([X[:, self.numeric_], hits.astype(np.float64)])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
