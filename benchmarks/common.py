"""Shared helpers of the skdistill benchmarks: splits, capping, encoding, timing,
peak memory and result writing.

Everything here is deterministic given a seed and independent of skdistill's
internals, so several benchmark scripts can use it.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import platform
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

#: Where result files go; ``SKDISTILL_BENCH_RESULTS`` overrides it (e.g. to run
#: the benchmark from a clean git worktree and write into the main checkout).
RESULTS_DIR = os.environ.get(
    "SKDISTILL_BENCH_RESULTS",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"),
)
TRAIN_CAP = 20_000
TEST_SIZE = 0.25

#: ``n_jobs`` of the distillers in the quality and peers benchmarks: one thread
#: per teacher member. ``OMP_NUM_THREADS=1`` does not reach LightGBM's
#: scikit-learn methods (their ``n_jobs=None`` means every physical core), so the
#: thread count is set explicitly; splits run side by side in processes instead
#: (``--jobs``).
N_JOBS = 1

#: Where the reference fits of the quality and peers benchmarks keep their
#: teacher stage (``memory=``): both fit the default teacher with the same
#: settings on the same splits, so peers loads what quality fitted instead of
#: fitting it again. ``SKDISTILL_BENCH_CACHE`` overrides it; ``off`` disables it.
STAGE_CACHE = os.environ.get(
    "SKDISTILL_BENCH_CACHE",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), ".stage_cache"),
)


def stage_memory() -> str | None:
    """The ``memory=`` of the default-teacher reference fits, or None."""
    return None if STAGE_CACHE == "off" else STAGE_CACHE


def clear_stage_cache() -> None:
    """Delete the shared teacher stages (a fresh run fits every teacher)."""
    import shutil

    if STAGE_CACHE != "off" and os.path.isdir(STAGE_CACHE):
        shutil.rmtree(STAGE_CACHE)


def fit_phase(fit_times: dict, phase: str, default=float("nan")) -> float:
    """A phase's wall time, also when ``memory`` served it (``cached_<phase>``:
    the time of the fit that computed it)."""
    return fit_times.get(phase, fit_times.get(f"cached_{phase}", default))


#: Thread-count variables set to 1 (unless already set) for the worker processes
#: of :func:`run_tasks` and the benchmarks ``benchmarks.run`` starts: the
#: boosters' spinning OpenMP threads slow everything down on a busy machine.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class Split:
    """One seeded train/test split of a dataset, ready for the distillers."""

    name: str
    task: str  # "binary" | "multiclass" | "regression"
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    categorical_mask: np.ndarray  # bool, one per column
    feature_names: list[str]
    n_train_before_cap: int
    notes: list[str]

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"


def ordinal_encode(X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Category columns -> their integer codes as float (NaN stays NaN).

    Returns the float matrix and the boolean mask of categorical columns. The
    codes follow the loader's category order (quality order where the loader
    gives one, else sorted), so they are fixed across splits and seeds.
    """
    cols, mask = [], []
    for c in X.columns:
        s = X[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy().astype(np.float64)
            codes[codes < 0] = np.nan
            cols.append(codes)
            mask.append(True)
        else:
            cols.append(s.to_numpy(dtype=np.float64))
            mask.append(False)
    return np.column_stack(cols), np.asarray(mask, dtype=bool)


def cap_rows(X, y, cap: int, seed: int, stratify: bool):
    """Keep at most ``cap`` rows, drawn at random (stratified for classification).

    The split is already shuffled, but capping draws a fresh random subset so a
    sorted source file cannot leak its order into the subset.
    """
    n = len(y)
    if n <= cap:
        return X, y
    idx = np.arange(n)
    keep, _ = train_test_split(
        idx, train_size=cap, random_state=seed, stratify=y if stratify else None
    )
    return X[keep], y[keep]


def make_split(
    ds, seed: int, *, cap: int = TRAIN_CAP, min_class_rows: int = 50
) -> Split:
    """75/25 split (stratified for classification), training rows capped.

    Classes with fewer than ``min_class_rows`` rows in the whole dataset are
    dropped before splitting (only fars' ``Died_Prior_to_Accident``, 9 rows: a
    capped stratified training set would keep ~2 of them, too few for the
    teacher's internal stratified early-stopping splits, and the test split
    would hold ~2, too few for a meaningful per-class AUC). Noted in ``notes``.
    """
    X, cat_mask = ordinal_encode(ds.X)
    y = ds.y
    notes = []
    classification = ds.task != "regression"
    if classification:
        labels, counts = np.unique(y, return_counts=True)
        rare = labels[counts < min_class_rows]
        if rare.size:
            keep = ~np.isin(y, rare)
            notes.append(
                f"dropped classes with < {min_class_rows} rows: "
                + ", ".join(
                    f"{r} ({int(c)})"
                    for r, c in zip(labels, counts, strict=True)
                    if r in rare
                )
            )
            X, y = X[keep], y[keep]
        y = np.asarray(y).astype(str)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X,
        y,
        test_size=TEST_SIZE,
        random_state=seed,
        shuffle=True,
        stratify=y if classification else None,
    )
    n_before = len(y_tr)
    X_tr, y_tr = cap_rows(X_tr, y_tr, cap, seed, classification)
    if n_before > len(y_tr):
        notes.append(f"training rows capped {n_before} -> {len(y_tr)}")
    return Split(
        name=ds.name,
        task=ds.task,
        seed=seed,
        X_train=X_tr,
        y_train=y_tr,
        X_test=X_te,
        y_test=y_te,
        categorical_mask=cat_mask,
        feature_names=[str(c) for c in ds.X.columns],
        n_train_before_cap=n_before,
        notes=notes,
    )


@contextmanager
def timer(store: dict, key: str):
    """Record the wall time of the block in ``store[key]`` (seconds)."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        store[key] = time.perf_counter() - t0


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (monotone)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 if sys.platform != "darwin" else rss / 2**20


def environment() -> dict:
    """Versions and machine facts to store with every result file."""
    import importlib.metadata as md

    versions = {}
    for pkg in ("skdistill", "scikit-learn", "numpy", "pandas", "xgboost", "lightgbm"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    try:
        import subprocess

        import skdistill

        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=os.path.dirname(skdistill.__file__),
            capture_output=True,
            text=True,
        ).stdout.strip()
        # run from the repository root: "skdistill" is a path relative to it
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "skdistill"],
            cwd=os.path.dirname(os.path.dirname(skdistill.__file__)),
            capture_output=True,
            text=True,
        ).stdout.strip()
        source = {
            "skdistill_path": skdistill.__file__,
            "git_commit": commit,
            "skdistill_dirty": bool(dirty),
        }
    except Exception:  # pragma: no cover
        source = {}
    return {
        **source,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "versions": versions,
    }


def _json_default(obj):
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.bool_):
        return bool(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def append_jsonl(path: str, record: dict) -> None:
    """Append one record as a JSON line (crash-safe incremental results).

    One locked ``write`` per line, so processes running splits side by side
    (:func:`run_tasks`) never interleave their lines.
    """
    os.makedirs(os.path.dirname(path), exist_ok=True)
    line = (json.dumps(record, default=_json_default) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
    finally:
        os.close(fd)  # releases the lock


def record_failure(path: str, dataset: str, seed: int) -> None:
    """Print the exception being handled and keep it in ``path + '.errors'``:
    one failed split must not lose a benchmark run."""
    traceback.print_exc()
    append_jsonl(
        path + ".errors", dict(dataset=dataset, seed=seed, error=traceback.format_exc())
    )


def run_tasks(
    fn: Callable,
    tasks: Iterable[tuple],
    jobs: int = 1,
    cost: Callable[[tuple], float] | None = None,
) -> None:
    """Run ``fn(*task)`` for every task, in ``jobs`` processes when ``jobs > 1``.

    With one job the tasks run here, in order. With more, each task runs in a
    fresh process (``spawn``; its peak memory is its own), most expensive first
    by ``cost(task)`` so that the long tasks do not end up last on one core, and
    with every thread-count variable of :data:`THREAD_VARS` set to 1 unless
    already set. ``fn`` must be picklable (a module-level function or a
    ``functools.partial`` of one) and handle its own failures; an exception it
    lets through (or a worker that dies) cancels the tasks not started yet and
    is raised here once the running ones have finished.
    """
    tasks = list(tasks)
    if jobs <= 1:
        for task in tasks:
            fn(*task)
        return
    if cost is not None:
        tasks.sort(key=cost, reverse=True)
    unset = [var for var in THREAD_VARS if var not in os.environ]
    os.environ.update(dict.fromkeys(unset, "1"))  # inherited by the workers
    try:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=jobs, mp_context=context, max_tasks_per_child=1
        ) as pool:
            futures = [pool.submit(fn, *task) for task in tasks]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        for var in unset:
            os.environ.pop(var, None)


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_json(path: str, obj) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1, default=_json_default)
        fh.write("\n")


def write_results(base: str, obj, markdown: str) -> None:
    """``base + '.json'`` (machine-readable) and ``base + '.md'`` (tables)."""
    write_json(base + ".json", obj)
    with open(base + ".md", "w", encoding="utf-8") as fh:
        fh.write(markdown)
