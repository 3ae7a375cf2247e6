"""Building the transfer set: real rows plus synthetic rows labelled by the teacher.

Synthetic rows are generated and labelled chunk by chunk, straight into one
preallocated matrix, so the peak memory is that matrix plus a chunk or two
(``n_jobs`` chunks in flight when labelling runs in parallel).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from joblib import Parallel, delayed

#: A float ``n_synthetic`` (a multiplier of the training rows) never asks for more
#: synthetic rows than this; an int is taken as given.
MAX_SYNTHETIC_FROM_MULTIPLIER = 200_000


def n_synthetic_rows(n_synthetic: float, n_train: int) -> int:
    """Number of synthetic rows for a multiplier (float) or absolute count (int).

    Examples
    --------
    >>> from skdistill._transfer import n_synthetic_rows
    >>> n_synthetic_rows(2.0, 1000), n_synthetic_rows(500, 1000)
    (2000, 500)
    >>> n_synthetic_rows(5.0, 1_000_000)
    200000
    """
    if isinstance(n_synthetic, numbers.Integral):
        return int(n_synthetic)
    return int(min(round(n_synthetic * n_train), MAX_SYNTHETIC_FROM_MULTIPLIER))


def build_transfer_set(
    X: np.ndarray,
    augmenter,
    n_synthetic: int,
    label: Callable[[np.ndarray], np.ndarray],
    *,
    chunk_size: int,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack the real rows and ``n_synthetic`` teacher-labelled synthetic rows.

    Parameters
    ----------
    X : ndarray of shape (n_train, n_features)
        Real training rows (not modified).
    augmenter : fitted augmenter
        Provides ``iter_samples(n, chunk_size)`` yielding ``(rows, source)``.
    n_synthetic : int
        Number of synthetic rows.
    label : callable
        Maps a block of rows to the teacher's outputs for them (2-D or 1-D).
    chunk_size : int
        Rows generated and labelled at a time.
    n_jobs : int or None
        Chunks labelled in parallel by joblib (threads by default; a Dask or
        Ray joblib backend set with ``joblib.parallel_config`` spreads them).

    Returns
    -------
    X_transfer : ndarray of shape (n_train + n_synthetic, n_features)
    outputs : ndarray of shape (n_train + n_synthetic, ...)
        The teacher's outputs for every row.
    source : ndarray of shape (n_train + n_synthetic,)
        Index of the real row each transfer row is, or was derived from.
    """
    n_train, n_features = X.shape
    first = np.asarray(label(X))
    total = n_train + n_synthetic
    X_transfer = np.empty((total, n_features), dtype=np.float64)
    outputs = np.empty((total,) + first.shape[1:], dtype=np.float64)
    source = np.empty(total, dtype=np.intp)
    X_transfer[:n_train] = X
    outputs[:n_train] = first
    source[:n_train] = np.arange(n_train)
    if n_synthetic == 0:
        return X_transfer, outputs, source

    def _label_chunk(start, rows, src):
        return start, rows, src, np.asarray(label(rows))

    def _chunks():
        start = n_train
        for rows, src in augmenter.iter_samples(n_synthetic, chunk_size=chunk_size):
            yield delayed(_label_chunk)(start, rows, src)
            start += len(rows)

    results = Parallel(
        n_jobs=n_jobs, prefer="threads", return_as="generator_unordered"
    )(_chunks())
    written = 0
    for start, rows, src, out in results:
        stop = start + len(rows)
        written += len(rows)
        X_transfer[start:stop] = rows
        outputs[start:stop] = out
        source[start:stop] = src
    if written != n_synthetic:
        raise RuntimeError(
            f"{type(augmenter).__name__} produced {written} synthetic rows; "
            f"{n_synthetic} were asked for."
        )
    return X_transfer, outputs, source
