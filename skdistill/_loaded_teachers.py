"""Fitted teachers kept loaded in this process between fits that share a ``memory``.

With ``memory``, a distiller caches the teacher part of its fit (the fitted
teacher and its temperature) on disk. Reading it back rebuilds the teacher
object by object: 0.06-0.08 s for the default teacher fitted on a fold of
magic (9,510 rows, 62 MB), as long as a small student's fit, and a sequential
grid search reads it once per candidate and fold. So the teacher parts a
process reads from the cache are also kept in memory, most recently used
first, up to a byte limit (:func:`keep_loaded_teachers`, 1 GiB by default).

A kept part is keyed on joblib's own identity of the cached call (the
function and the hash of its arguments: data, teacher parameters, seeds,
calibration scheme) and on the time the cache computed it, and is served
only while that entry is in the cache: a change of data, teacher or seeds, a
cleared or deleted cache, or a recomputed entry never reaches a kept
teacher. It is also served only while the teacher is unchanged: every
estimator inside it still holds the same attribute objects as when it was
kept (a refit or ``set_params`` of a fitted model's ``teacher_``, which the
fits it served share, drops it). Frozen teachers (the user's own objects) are
never kept.

What it costs: asking the cache whether it holds the call, and for the
call's id, hashes the training data once or twice more per fit (about 1 ms
per MB each, three times when the fit computes the teacher). Once the
teachers of a search's folds together exceed the limit, the least recently
used one is the next one needed, so nothing is served from memory and each
teacher is read from disk as without this. Each process keeps its own (the
workers of a parallel search too; idle loky workers exit after 300 s);
nothing here is pickled with an estimator.
"""

from __future__ import annotations

import numbers
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable

from sklearn.base import BaseEstimator

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

    def drop(self, key) -> None:
        with self.lock:
            if key in self.items:
                self.nbytes -= self.items.pop(key)[1]

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


def keep_loaded_teachers(max_bytes: int | None = None) -> int:
    """Set how many bytes of fitted teachers this process keeps loaded.

    A distiller with ``memory`` keeps the fitted teachers it reads from its
    cache in memory, least recently used dropped first, so that the
    candidates of a grid search share one teacher per fold instead of each
    reading it back from disk (the fits it serves share that teacher object).
    A kept teacher is served only for the cached call it came from, while
    the cache still holds that call, and while the teacher is unchanged.

    Parameters
    ----------
    max_bytes : int or None, default=None
        The limit (a teacher's size is its pickled size; 1 GiB when the
        process starts). ``0`` releases every kept teacher and keeps none from
        then on. ``None`` leaves the limit as it is.

    Returns
    -------
    int
        The limit before the call.

    Examples
    --------
    >>> from skdistill import keep_loaded_teachers
    >>> previous = keep_loaded_teachers(0)  # release them all, keep none
    >>> keep_loaded_teachers(previous)
    0
    >>> keep_loaded_teachers() == previous
    True
    """
    if max_bytes is None:
        return _KEPT.limit
    if (
        isinstance(max_bytes, bool)
        or not isinstance(max_bytes, numbers.Integral)
        or max_bytes < 0
    ):
        raise ValueError(
            f"max_bytes must be a non-negative int (bytes) or None; got {max_bytes!r}."
        )
    return _KEPT.set_limit(int(max_bytes))


def kept_teachers() -> tuple[int, int]:
    """How many teacher parts this process keeps loaded, and their bytes."""
    with _KEPT.lock:
        return len(_KEPT.items), _KEPT.nbytes


def _nbytes(value) -> int:
    """Pickled size of ``value``; arrays are counted, not copied."""
    buffers: list = []
    inline = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    return len(inline) + sum(memoryview(b).nbytes for b in buffers)


def _snapshot(value) -> list:
    """``(estimator, its attributes)`` for every estimator reachable from
    ``value`` through estimators, lists, tuples and dicts: what
    :func:`_unchanged` compares by identity."""
    found: list = []
    seen: set = set()
    stack = [value]
    while stack:
        obj = stack.pop()
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif isinstance(obj, BaseEstimator) or obj is value:
            if id(obj) in seen or not hasattr(obj, "__dict__"):
                continue
            seen.add(id(obj))
            attributes = dict(vars(obj))
            found.append((obj, attributes))
            stack.extend(attributes.values())
    return found


def _unchanged(snapshot: list) -> bool:
    """Whether every estimator of ``snapshot`` holds the same attribute objects."""
    for obj, attributes in snapshot:
        now = vars(obj)
        if len(now) != len(attributes):
            return False
        for name, value in attributes.items():
            if now.get(name, _MISSING) is not value:
                return False
    return True


_MISSING = object()


def remembered(cached: Callable, location) -> Callable:
    """``cached`` (a function through a joblib disk cache), its results kept loaded.

    Returns ``cached`` itself when it cannot shelve results (no disk cache, or
    a custom ``memory`` whose cached functions are not joblib's).
    """
    if location is None or not hasattr(cached, "call_and_shelve"):
        return cached

    def call(*args, **kwargs):
        if not cached.check_call_in_cache(*args, **kwargs):
            value = cached(*args, **kwargs)  # computed and stored
            if cached.check_call_in_cache(*args, **kwargs):  # stored indeed
                _keep(cached.call_and_shelve(*args, **kwargs), value)
            return value
        # the cache holds the call: its id, without loading it
        ref = cached.call_and_shelve(*args, **kwargs)
        kept = _KEPT.get(_key(ref))
        if kept is not None:
            value, snapshot = kept
            if _unchanged(snapshot):
                return value
            _KEPT.drop(_key(ref))
        value = ref.get()
        _keep(ref, value)
        return value

    def _key(ref):
        return (str(location), ref.func_id, ref.args_id, ref.metadata.get("time"))

    def _keep(ref, value):
        if _KEPT.limit:
            _KEPT.put(_key(ref), (value, _snapshot(value)), _nbytes(value))

    return call
