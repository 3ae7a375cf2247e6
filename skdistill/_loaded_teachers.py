"""Fitted teachers kept loaded in this process between fits that share a ``memory``.

With ``memory``, a distiller caches the teacher part of its fit (the fitted
teacher and its temperature) on disk. Reading it back rebuilds the teacher
object by object: 0.08 s for the default teacher fitted on a fold of magic
(9,510 rows, 62 MB), as long as a small student's fit, and a sequential grid
search reads it once per candidate and fold. So the teacher parts a process
computes or reads are also kept in memory, most recently used first, up to a
byte limit (:func:`keep_loaded_teachers`, 1 GiB by default). They are keyed on
the arguments the disk cache is keyed on, and on its location: a change of
data, teacher or seeds never reaches a kept teacher, and a fresh cache
directory starts afresh. Fits served from here share one fitted teacher
object, as fits of a frozen teacher share it.

Each process keeps its own (the workers of a parallel search too); nothing
here is pickled with an estimator.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable

import joblib
from joblib.func_inspect import filter_args

#: Default byte limit of the fitted teachers one process keeps loaded.
DEFAULT_LIMIT_BYTES = 1 << 30


class _Kept:
    """A thread-safe least-recently-used store with a byte limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self.items: OrderedDict = OrderedDict()  # key -> (value, nbytes)
        self.nbytes = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key not in self.items:
                return None
            self.items.move_to_end(key)
            return self.items[key][0]

    def put(self, key, value, nbytes: int) -> None:
        with self.lock:
            if key in self.items or nbytes > self.limit:
                return
            self.items[key] = (value, nbytes)
            self.nbytes += nbytes
            self._shrink()

    def set_limit(self, limit: int) -> int:
        with self.lock:
            previous, self.limit = self.limit, limit
            self._shrink()
            return previous

    def _shrink(self) -> None:
        while self.nbytes > self.limit:
            _, (_, nbytes) = self.items.popitem(last=False)
            self.nbytes -= nbytes


_KEPT = _Kept(DEFAULT_LIMIT_BYTES)


def keep_loaded_teachers(max_bytes: int = DEFAULT_LIMIT_BYTES) -> int:
    """Set how many bytes of fitted teachers this process keeps loaded.

    A distiller with ``memory`` keeps the teachers it fitted or read from its
    cache in memory, least recently used dropped first, so that the candidates
    of a grid search do not each read the teacher back from disk. Kept teachers
    are keyed on the data, the teacher's parameters, the seeds and the cache's
    location, like the cache itself.

    Parameters
    ----------
    max_bytes : int, default=1 GiB
        The limit (a teacher's size is its pickled size). ``0`` releases every
        kept teacher and keeps none from then on.

    Returns
    -------
    int
        The previous limit.

    Examples
    --------
    >>> from skdistill import keep_loaded_teachers
    >>> previous = keep_loaded_teachers(0)  # release them all, keep none
    >>> keep_loaded_teachers(previous)
    0
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(
            f"max_bytes must be a non-negative int (bytes); got {max_bytes!r}."
        )
    return _KEPT.set_limit(max_bytes)


def kept_teachers() -> tuple[int, int]:
    """How many teacher parts this process keeps loaded, and their bytes."""
    with _KEPT.lock:
        return len(_KEPT.items), _KEPT.nbytes


def _nbytes(value) -> int:
    """Pickled size of ``value``; arrays are counted, not copied."""
    buffers: list = []
    inline = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return len(inline) + sum(memoryview(b).nbytes for b in buffers)


def remembered(
    func: Callable, cached: Callable, ignore: list[str], location
) -> Callable:
    """``cached`` (``func`` through a disk cache at ``location``), kept loaded.

    Returns ``cached`` itself when there is no location (no disk cache: every
    call computes, and nothing is kept).
    """
    if location is None:
        return cached

    def call(*args, **kwargs):
        arguments = filter_args(func, ignore, args, kwargs)
        key = joblib.hash(
            (str(location), func.__module__, func.__qualname__, arguments)
        )
        value = _KEPT.get(key)
        if value is None:
            value = cached(*args, **kwargs)
            if _KEPT.limit:
                _KEPT.put(key, value, _nbytes(value))
        return value

    return call
