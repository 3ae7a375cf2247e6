"""One process at a time computes a teacher stage that ``memory`` will cache.

A parallel search (``GridSearchCV(n_jobs=2)`` and more) starts candidates of
the same training fold together; each found the cache empty and fitted the
fold's teacher itself (a new-user trial counted 30 teacher fits instead of 24
for 5 candidates x 3 folds with ``n_jobs=2``). ``joblib.Memory`` does not
lock, so :func:`stage_lock` does, with a lock file per stage in the cache
directory: the first caller computes and stores the stage, the others wait
and then read it from the cache.

The lock's key is a cheap fingerprint of the call (shapes, a sample of the
rows, the other arguments), not the cache's own key: two calls that share a
fingerprint but not a cache entry only wait for each other, and the cache
still tells them apart. A lock whose holder has died is taken over: its
process id is checked on the same host, and any lock older than
``STALE_AFTER_S`` is given up on (the caller then computes the stage too).
A caller that has waited ``WARN_AFTER_S`` says once which process it waits
for and where the lock file is.
"""

from __future__ import annotations

import os
import socket
import time
import warnings
from contextlib import contextmanager

import joblib
import numpy as np

#: A lock older than this is ignored (its holder is taken to be gone).
STALE_AFTER_S = 6 * 3600
#: How often a waiting caller looks again.
_POLL_S = 0.2
#: After waiting this long a caller says whom it waits for, once.
WARN_AFTER_S = 60.0
#: Rows sampled into the fingerprint of each array.
_SAMPLE_ROWS = 1000


def fingerprint(kwargs: dict) -> str:
    """A cheap key of a stage call: arrays by shape and a row sample,
    estimators by their repr."""

    def part(value):
        if isinstance(value, np.ndarray) and value.ndim >= 1 and len(value):
            step = max(1, len(value) // _SAMPLE_ROWS)
            return ("array", value.shape, value.dtype.str, value[::step])
        if hasattr(value, "get_params"):  # not pickled: a frozen teacher is big
            return ("estimator", repr(value))
        if callable(value):
            return "callable"
        return value

    return joblib.hash({key: part(value) for key, value in sorted(kwargs.items())})


def _holder_gone(path: str) -> bool:
    try:
        with open(path, encoding="utf-8") as fh:
            host, pid = fh.read().split()
        age = time.time() - os.path.getmtime(path)
    except (OSError, ValueError):
        return False  # being written or just released: look again
    if age > STALE_AFTER_S:
        return True
    if host != socket.gethostname() or os.name == "nt":
        return False  # (on Windows signal 0 is CTRL_C_EVENT: not a probe)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, ValueError, OSError):
        return False
    return False


def _warn_waiting(path: str) -> None:
    try:
        with open(path, encoding="utf-8") as fh:
            holder = " on ".join(fh.read().split()[::-1])  # "pid on host"
    except OSError:
        holder = "another process"
    warnings.warn(
        f"Waiting for process {holder}, which is computing this teacher stage "
        f"for the memory= cache (lock file {path}). If that process is stuck "
        f"or gone, delete the file; a lock older than {STALE_AFTER_S // 3600} "
        "hours is ignored.",
        UserWarning,
        stacklevel=4,
    )


@contextmanager
def stage_lock(location: str | None, key: str):
    """Hold the lock of stage ``key`` in the cache directory ``location``
    (no lock without a directory)."""
    if location is None:
        yield
        return
    directory = os.path.join(str(location), "skdistill_locks")
    path = os.path.join(directory, f"{key}.lock")
    acquired, warned, waiting_since = False, False, None
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:  # a read-only cache: no lock
        directory = None
    while directory is not None:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _holder_gone(path):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
            else:
                waiting_since = waiting_since or time.monotonic()
                if not warned and time.monotonic() - waiting_since > WARN_AFTER_S:
                    _warn_waiting(path)
                    warned = True
                time.sleep(_POLL_S)
            continue
        except OSError:  # an odd file system: no lock
            break
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{socket.gethostname()} {os.getpid()}\n")
        acquired = True
        break
    try:
        yield
    finally:
        if acquired:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
