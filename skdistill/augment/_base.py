"""Base class shared by all augmenters.

The public steps (``fit``, ``sample``, ``iter_samples``) are fixed here; a concrete
augmenter only implements two hooks:

- ``_fit(X)`` learns whatever the method needs (neighbours, spreads, ...) from the
  validated copy of the training data;
- ``_sample_block(rng, source_idx)`` draws one block of synthetic rows, one per entry
  of ``source_idx``.

Everything that must hold for every augmenter (reproducible random streams that do not
depend on the chunking, categorical values from the observed set, integer columns
rounded, clipping, NaN patterns copied from the source rows) is done here.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Iterator
from numbers import Integral
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted, validate_data

# Rows per random block. Block ``b`` covers synthetic rows ``[b * _BLOCK, (b + 1) *
# _BLOCK)`` and owns its own generator, so any chunking of the output sees exactly the
# same numbers. Changing this constant changes every generated data set: don't.
_BLOCK = 4096

_Augmenter = TypeVar("_Augmenter", bound="BaseAugmenter")


def _check_count(value: object, name: str, low: int, caller: str) -> int:
    """Validate an integer count ``>= low``; raise ``ValueError`` naming ``name``."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(
            f"The '{name}' parameter of {caller} must be an int, got bool {value!r}."
        )
    validate_parameter_constraints(
        {name: [Interval(Integral, low, None, closed="left")]},
        {name: value},
        caller_name=caller,
    )
    return int(value)


def _resolve_categorical(
    categorical_features: ArrayLike | None,
    n_features: int,
    feature_names: np.ndarray | None,
) -> np.ndarray:
    """Turn ``categorical_features`` into a boolean mask of length ``n_features``.

    Accepts None, a boolean mask, integer column indices, or (when ``X`` had column
    names) a list of column names. Raises ``ValueError`` naming the problem.
    """
    mask = np.zeros(n_features, dtype=bool)
    if categorical_features is None:
        return mask
    try:
        cf = np.asarray(categorical_features)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise ValueError(
            "categorical_features must be None, a boolean mask or an array of integer "
            f"column indices; got {categorical_features!r}."
        ) from exc
    if cf.ndim != 1:
        raise ValueError(
            "categorical_features must be 1-D (a boolean mask or integer column "
            f"indices); got an array of shape {cf.shape}."
        )
    if cf.size == 0:
        return mask
    if cf.dtype == bool:
        if cf.shape[0] != n_features:
            raise ValueError(
                f"categorical_features as a boolean mask must have length "
                f"n_features={n_features}; got length {cf.shape[0]}."
            )
        return cf.copy()
    if cf.dtype.kind in "iu":
        bad = cf[(cf < 0) | (cf >= n_features)]
        if bad.size:
            raise ValueError(
                f"categorical_features index out of range: {bad.tolist()} "
                f"(valid indices are 0 to {n_features - 1})."
            )
        mask[cf] = True
        return mask
    if cf.dtype.kind in "USO" and all(isinstance(v, str) for v in cf):
        if feature_names is None:
            raise ValueError(
                "categorical_features given as column names, but X has no column "
                "names; pass a boolean mask or integer indices."
            )
        lookup = {name: i for i, name in enumerate(feature_names)}
        unknown = [str(v) for v in cf if v not in lookup]
        if unknown:
            raise ValueError(
                f"categorical_features names not found among X's columns: {unknown}."
            )
        mask[[lookup[v] for v in cf]] = True
        return mask
    raise ValueError(
        "categorical_features must be None, a boolean mask or an array of integer "
        f"column indices; got an array of dtype {cf.dtype}."
    )


class BaseAugmenter(BaseEstimator, metaclass=ABCMeta):
    """Base class for augmenters: generate unlabelled rows near the training data.

    Subclasses implement ``_fit`` (optional) and ``_sample_block``. Do not use this
    class directly.

    Parameters
    ----------
    clip : bool, default=True
        Clip continuous columns of the synthetic rows to the range observed in
        training.
    random_state : int, RandomState instance or None, default=None
        Controls the random draws. One integer seed is derived from it at the start
        of every :meth:`sample` / :meth:`iter_samples` call (scikit-learn's
        ``check_random_state`` semantics): an int gives the same rows on every call,
        a ``RandomState`` instance gives new rows on each call, None uses the global
        NumPy state.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in :meth:`fit`; only set when ``X`` had string column names.
    n_samples_fit_ : int
        Number of training rows.
    X_fit_ : ndarray of shape (n_samples_fit_, n_features_in_)
        Float64 copy of the training data; synthetic rows are derived from it.
    categorical_mask_ : ndarray of shape (n_features_in_,), dtype=bool
        True for categorical columns.
    integer_mask_ : ndarray of shape (n_features_in_,), dtype=bool
        True for columns whose non-NaN training values are all integral; synthetic
        values in these columns are rounded.
    data_min_ : ndarray of shape (n_features_in_,)
        Per-column minimum of the non-NaN training values (NaN if a column is all
        NaN).
    data_max_ : ndarray of shape (n_features_in_,)
        Per-column maximum of the non-NaN training values (NaN if a column is all
        NaN).
    categories_ : list of length n_features_in_
        For a categorical column, the sorted array of its observed non-NaN values;
        None for a continuous column.
    nan_mask_ : ndarray of shape (n_samples_fit_, n_features_in_), dtype=bool
        Where the training data are NaN. A synthetic row is NaN exactly where its
        source row is.

    See Also
    --------
    MUNGEAugmenter, GaussianJitterAugmenter, InterpolationAugmenter,
    MarginalResamplingAugmenter, NoAugmenter : The concrete augmenters.

    Notes
    -----
    Synthetic row ``j`` is derived from training row ``j % n_samples_fit_``.
    Randomness comes from fixed blocks of rows: block ``b`` (rows ``b * 4096`` to
    ``(b + 1) * 4096 - 1``) draws from
    ``np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(b,)))``. Hence
    :meth:`iter_samples` gives the same rows as :meth:`sample` for any chunk size,
    and ``sample(n)`` is the first ``n`` rows of ``sample(n + k)``.

    After the hook, the base class post-processes every block: categorical values
    are snapped to the nearest observed category (ties to the lower one), integer
    columns rounded, continuous values clipped to the observed range when
    ``clip=True``, and NaN put exactly where the source row has NaN (a NaN the hook
    produced elsewhere is replaced by the source value).

    Examples
    --------
    A minimal augmenter that returns its source rows shifted by a random amount:

    >>> import numpy as np
    >>> from skdistill.augment import BaseAugmenter
    >>> class ShiftAugmenter(BaseAugmenter):
    ...     def _sample_block(self, rng, source_idx):
    ...         shift = rng.uniform(-1.0, 1.0, size=(len(source_idx), 1))
    ...         return self.X_fit_[source_idx] + shift
    >>> X = np.array([[0.0, 0.0], [2.0, 4.0], [4.0, 8.0]])
    >>> aug = ShiftAugmenter(random_state=0).fit(X, categorical_features=[False, True])
    >>> X_syn, source = aug.sample(4)
    >>> source.tolist()
    [0, 1, 2, 0]
    >>> bool(np.isin(X_syn[:, 1], [0.0, 4.0, 8.0]).all())  # categories kept
    True
    >>> chunks = list(aug.iter_samples(4, chunk_size=3))
    >>> bool(np.array_equal(np.vstack([c for c, _ in chunks]), X_syn))
    True
    """

    _parameter_constraints: dict = {
        "clip": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        clip: bool = True,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.clip = clip
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def fit(
        self: _Augmenter, X: ArrayLike, categorical_features: ArrayLike | None = None
    ) -> _Augmenter:
        """Learn the training data and its column facts.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Converted to float64; may contain NaN but not inf. The
            caller's array is never modified (a copy is stored).
        categorical_features : array-like or None, default=None
            Which columns are categorical (nominal): None (none), a boolean mask of
            length ``n_features``, or an array of integer column indices. Column
            names are also accepted when ``X`` is a DataFrame.

        Returns
        -------
        self : object
            The fitted augmenter.
        """
        self._validate_params()
        X = validate_data(
            self,
            X,
            dtype=np.float64,
            ensure_all_finite="allow-nan",
            ensure_min_samples=1,
            copy=True,
            order="C",
            reset=True,
        )
        n_samples, n_features = X.shape
        self.categorical_mask_ = _resolve_categorical(
            categorical_features, n_features, getattr(self, "feature_names_in_", None)
        )
        nan_mask = np.isnan(X)
        all_nan = nan_mask.all(axis=0)
        filled = np.where(nan_mask, 0.0, X)
        self.integer_mask_ = np.all(filled == np.round(filled), axis=0)
        # min/max without the all-NaN-column RuntimeWarning of nanmin/nanmax
        self.data_min_ = np.where(
            all_nan, np.nan, np.where(nan_mask, np.inf, X).min(axis=0)
        )
        self.data_max_ = np.where(
            all_nan, np.nan, np.where(nan_mask, -np.inf, X).max(axis=0)
        )
        self.categories_ = [
            np.unique(X[~nan_mask[:, j], j]) if self.categorical_mask_[j] else None
            for j in range(n_features)
        ]
        self.nan_mask_ = nan_mask
        self.n_samples_fit_ = n_samples
        self.X_fit_ = X
        self._fit(X)
        return self

    def _fit(self, X: np.ndarray) -> None:
        """Hook: learn method-specific state from the validated float64 copy ``X``.

        Called at the end of :meth:`fit`, after the column facts are set.
        """

    # ----------------------------------------------------------------- sampling
    @abstractmethod
    def _sample_block(
        self, rng: np.random.Generator, source_idx: np.ndarray
    ) -> np.ndarray:
        """Hook: one synthetic row per entry of ``source_idx``.

        Must return a new float array of shape ``(len(source_idx),
        n_features_in_)`` (it is modified in place afterwards, so never a view of
        ``X_fit_``) and use only ``rng`` for randomness. It is always called with
        a full block of ``_BLOCK`` rows (the base keeps as many as it needs).
        Rounding, clipping, categorical snapping and NaN patterns are handled by
        the base class afterwards.
        """

    def _n_rows(self, n_samples: int) -> int:
        """Number of rows actually generated when ``n_samples`` are requested."""
        return n_samples

    def sample(self, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
        """Generate ``n_samples`` synthetic rows.

        Parameters
        ----------
        n_samples : int
            Number of rows, ``>= 0``. Synthetic row ``j`` is derived from training
            row ``j % n_samples_fit_``, so ``k * n_samples_fit_`` rows are ``k``
            passes over the training set.

        Returns
        -------
        X_syn : ndarray of shape (n_samples, n_features_in_), dtype=float64
            The synthetic rows.
        source : ndarray of shape (n_samples,), dtype=int64
            Index of the training row each synthetic row was derived from.
        """
        check_is_fitted(self)
        n = self._n_rows(_check_count(n_samples, "n_samples", 0, "sample"))
        X_out = np.empty((n, self.n_features_in_), dtype=np.float64)
        src_out = np.empty(n, dtype=np.int64)
        start = 0
        for X_block, src_block in self._iter_blocks(self._draw_seed(), n):
            stop = start + X_block.shape[0]
            X_out[start:stop] = X_block
            src_out[start:stop] = src_block
            start = stop
        return X_out, src_out

    def iter_samples(
        self, n_samples: int, chunk_size: int = 50_000
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Generate ``n_samples`` synthetic rows in chunks.

        The concatenated chunks are bit-identical to ``sample(n_samples)`` for the
        same ``random_state``, whatever ``chunk_size`` is. Arguments are checked
        and the seed drawn when this method is called, not at the first iteration.

        Parameters
        ----------
        n_samples : int
            Total number of rows, ``>= 0``.
        chunk_size : int, default=50_000
            Rows per chunk, ``>= 1``; the last chunk may be shorter.

        Yields
        ------
        X_chunk : ndarray of shape (n_chunk, n_features_in_), dtype=float64
            The next synthetic rows.
        source_chunk : ndarray of shape (n_chunk,), dtype=int64
            Index of the training row each of them was derived from.
        """
        check_is_fitted(self)
        n = self._n_rows(_check_count(n_samples, "n_samples", 0, "iter_samples"))
        chunk_size = _check_count(chunk_size, "chunk_size", 1, "iter_samples")
        return self._rechunk(self._iter_blocks(self._draw_seed(), n), n, chunk_size)

    # ----------------------------------------------------------------- internals
    def _draw_seed(self) -> int:
        """Derive the integer entropy for one sampling call from ``random_state``."""
        rs = check_random_state(self.random_state)
        return int(rs.randint(np.iinfo(np.int32).max))

    def _iter_blocks(
        self, seed: int, n: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield the post-processed blocks covering rows ``0 .. n - 1`` in order."""
        for b in range(-(-n // _BLOCK)):
            start = b * _BLOCK
            m = min(_BLOCK, n - start)
            # Always draw the full block and keep the first m rows: the rows of a
            # block never depend on n, so sample(n) is a prefix of sample(n + k).
            source = (
                np.arange(start, start + _BLOCK, dtype=np.int64) % self.n_samples_fit_
            )
            rng = np.random.default_rng(
                np.random.SeedSequence(entropy=seed, spawn_key=(b,))
            )
            X_block = np.asarray(self._sample_block(rng, source), dtype=np.float64)
            if X_block.shape != (_BLOCK, self.n_features_in_):
                raise RuntimeError(  # pragma: no cover - guards subclass bugs
                    f"{type(self).__name__}._sample_block returned shape "
                    f"{X_block.shape}, expected {(_BLOCK, self.n_features_in_)}."
                )
            X_block, source = X_block[:m], source[:m]
            yield self._postprocess(X_block, source), source

    @staticmethod
    def _rechunk(
        blocks: Iterator[tuple[np.ndarray, np.ndarray]], n: int, chunk_size: int
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Regroup consecutive blocks into fresh arrays of ``chunk_size`` rows."""
        X_cur = src_cur = None
        pos = 0
        for start in range(0, n, chunk_size):
            m = min(chunk_size, n - start)
            X_out = None
            filled = 0
            while filled < m:
                if X_cur is None or pos == X_cur.shape[0]:
                    X_cur, src_cur = next(blocks)
                    pos = 0
                take = min(m - filled, X_cur.shape[0] - pos)
                if X_out is None:
                    X_out = np.empty((m, X_cur.shape[1]), dtype=np.float64)
                    src_out = np.empty(m, dtype=np.int64)
                X_out[filled : filled + take] = X_cur[pos : pos + take]
                src_out[filled : filled + take] = src_cur[pos : pos + take]
                filled += take
                pos += take
            yield X_out, src_out

    def _postprocess(self, X_block: np.ndarray, source: np.ndarray) -> np.ndarray:
        """Enforce the guarantees shared by all augmenters on one block (in place).

        1. Categorical columns: values snapped to the nearest observed category.
        2. Integer-valued columns: rounded.
        3. ``clip=True``: continuous values clipped to the observed [min, max].
        4. NaN exactly where the source row has NaN: an invented NaN is replaced
           by the source value, a source NaN is restored.
        """
        for j in np.flatnonzero(self.categorical_mask_):
            cats = self.categories_[j]
            if cats.size == 0:  # all-NaN column: step 4 makes it NaN
                continue
            col = X_block[:, j]
            if cats.size == 1:
                X_block[:, j] = np.where(np.isnan(col), col, cats[0])
                continue
            idx = np.clip(np.searchsorted(cats, col), 1, cats.size - 1)
            left, right = cats[idx - 1], cats[idx]
            # ties go to the lower category; NaN stays NaN (both tests False)
            snapped = np.where(col - left <= right - col, left, right)
            X_block[:, j] = np.where(np.isnan(col), col, snapped)
        rounded = self.integer_mask_ & ~self.categorical_mask_
        if rounded.all():
            np.round(X_block, out=X_block)
        elif rounded.any():
            X_block[:, rounded] = np.round(X_block[:, rounded])
        if self.clip:
            lo = np.where(np.isnan(self.data_min_), -np.inf, self.data_min_)
            hi = np.where(np.isnan(self.data_max_), np.inf, self.data_max_)
            np.clip(X_block, lo, hi, out=X_block)
        src_nan = self.nan_mask_[source]
        invented = np.isnan(X_block)
        invented &= ~src_nan
        if invented.any():
            rows, cols = np.nonzero(invented)
            X_block[rows, cols] = self.X_fit_[source[rows], cols]
        X_block[src_nan] = np.nan
        return X_block
