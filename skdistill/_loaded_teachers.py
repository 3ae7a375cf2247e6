"""Fitted teachers kept loaded in this process between fits that share a ``memory``.

With ``memory``, a distiller caches the teacher part of its fit (the fitted
teacher and its temperature) on disk. Reading it back rebuilds the teacher
object by object: 0.06-0.08 s for the default teacher fitted on a fold of
magic (9,510 rows, 62 MB), as long as a small student's fit, and a sequential
grid search reads it once per candidate and fold. So the teacher parts a
process computes or reads through the cache are also kept in memory, most
recently used first, up to a byte limit (:func:`keep_loaded_teachers`, 1 GiB
by default).

A kept part is keyed on joblib's own identity of the cached call (the
function and the hash of its arguments: data, teacher parameters, seeds,
calibration scheme) and served only while the cache holds that call,
computed at the same time: a change of data, teacher or seeds, a cleared or
deleted cache, or a recomputed entry never reaches a kept teacher (a damaged
entry is computed again by joblib). It is also served only while the teacher
is unchanged: every estimator inside it (an object with ``get_params``)
still holds the same attributes, the same objects or equal scalars, as when
it was kept (a refit or ``set_params`` of a fitted model's ``teacher_``,
which the fits it served share, drops it; a predict that resets a counter,
as scikit-learn's stacking estimators do, does not). Frozen teachers (the
user's own objects) are never kept, and a distiller's ``teacher_`` is then
always the user's object.

The cache holds each teacher once, in its part: if it loses the part but
keeps a stage (``Memory.reduce_size`` may evict the part first, as kept
teachers are not read from disk), the next fit of that stage fits the
teacher again and reports it in ``fit_times_``.

What it costs: asking the cache whether it holds the call, and for the
call's id, hashes the training data once or twice more per fit (about 1 ms
per MB each, three times when the fit computes the teacher; none with a
limit of 0). Once the teachers of a search's folds together exceed the
limit, the least recently used one is the next one needed, so nothing is
served from memory and each teacher is read from disk as without this. Each
process keeps its own (the workers of a parallel search too; idle loky
workers exit after 300 s); nothing here is pickled with an estimator.
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
            if nbytes > self.limit:
                return
            if key in self.items:  # e.g. recomputed: the newer value
                self.nbytes -= self.items.pop(key)[1]
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

    A distiller with ``memory`` keeps the fitted teachers it computes or reads
    through its cache in memory, least recently used dropped first, so that the
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


#: Largest number of objects :func:`_snapshot` visits; a teacher with more
#: is not kept.
_SNAPSHOT_LIMIT = 1_000_000


def _is_estimator(obj) -> bool:
    return isinstance(obj, BaseEstimator) or (
        hasattr(obj, "get_params") and hasattr(obj, "__dict__")
    )


def _snapshot(value) -> list | None:
    """``(estimator, its attributes)`` for every estimator reachable from
    ``value`` through estimators (objects with ``get_params``), lists, tuples
    and dicts: what :func:`_unchanged` compares. None past
    ``_SNAPSHOT_LIMIT`` objects."""
    found: list = []
    seen: set = set()
    stack = [value]
    while stack:
        obj = stack.pop()
        is_container = isinstance(obj, (list, tuple, dict))
        if not (is_container or _is_estimator(obj) or obj is value):
            continue
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if len(seen) > _SNAPSHOT_LIMIT:
            return None
        if isinstance(obj, dict):
            stack.extend(obj.values())
        elif is_container:
            stack.extend(obj)
        elif hasattr(obj, "__dict__"):
            attributes = dict(vars(obj))
            found.append((obj, attributes))
            stack.extend(attributes.values())
    return found


_SCALARS = (bool, int, float, str, bytes, type(None))


def _plain(value) -> bool:
    """A scalar, a string, or a short list or tuple of them."""
    if isinstance(value, _SCALARS):
        return True
    return (
        isinstance(value, (list, tuple))
        and len(value) <= 64
        and all(isinstance(v, _SCALARS) for v in value)
    )


def _same(before, now) -> bool:
    """The same object, or equal plain values (a predict that resets a
    counter, as scikit-learn's stacking estimators do, is no change)."""
    if before is now:
        return True
    return (
        type(before) is type(now) and _plain(before) and _plain(now) and before == now
    )


def _unchanged(snapshot: list) -> bool:
    """Whether every estimator of ``snapshot`` holds the same attributes: the
    same objects, or equal plain values."""
    for obj, attributes in snapshot:
        now = vars(obj)
        if len(now) != len(attributes):
            return False
        for name, value in attributes.items():
            if not _same(value, now.get(name, _MISSING)):
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
        if not _KEPT.limit:
            return cached(*args, **kwargs)
        if not cached.check_call_in_cache(*args, **kwargs):
            value = cached(*args, **kwargs)  # computed and stored
            if cached.check_call_in_cache(*args, **kwargs):  # stored indeed
                _keep(cached.call_and_shelve(*args, **kwargs), value)
            return value
        # the cache holds the call: its id, without loading it
        ref = cached.call_and_shelve(*args, **kwargs)
        key = _key(ref)
        kept = _KEPT.get(key)
        if kept is not None:
            value, computed_at, snapshot = kept
            if computed_at == ref.metadata.get("time") and _unchanged(snapshot):
                return value
            _KEPT.drop(key)
        try:
            value = ref.get()
        except Exception:
            # a damaged entry (e.g. a teacher joblib could not pickle whole):
            # joblib's own call warns and computes it again
            return cached(*args, **kwargs)
        _keep(ref, value)
        return value

    def _key(ref):
        return (str(location), ref.func_id, ref.args_id)

    def _keep(ref, value):
        try:
            snapshot = _snapshot(value)
            if snapshot is not None:
                kept = (value, ref.metadata.get("time"), snapshot)
                _KEPT.put(_key(ref), kept, _nbytes(value))
        except Exception:  # e.g. a teacher that cannot be pickled: not kept
            pass

    return call
