"""Scaling of distillation: wall time and peak memory vs synthetic and real rows.

Each configuration runs in a fresh subprocess, so peak RSS is its own. Two peak
measures are reported:

* ``tracemalloc_peak_mib`` — the peak of Python/NumPy allocations during
  ``fit`` (NumPy registers its buffers with tracemalloc), i.e. how many copies
  of the data the distiller holds at once;
* ``rss_peak_mib`` — the process's peak resident memory (includes the
  interpreter, libraries and native allocations).

``copies`` is the tracemalloc peak divided by the float64 transfer matrix
(real + synthetic rows x features): the issue's bound is "about two copies".
``phases_mib`` says where the peak is: the traced memory before, at the peak
of and after each of the steps in :data:`WATCHED` (building the transfer set,
the student's fit on the probability vectors).
The teacher is a frozen HistGradientBoostingClassifier (fitted once, outside
the measurement) so that the figures show the distillation itself: MUNGE
generation, chunked labelling, soft targets and the default tree student.

Usage::

    python -m benchmarks.bench_scaling --quick     # 10k, 100k synthetic rows
    python -m benchmarks.bench_scaling --full      # 10k, 100k, 1M; 2k-50k real rows

Without a mode flag the full mode runs. Results go to ``scaling_quick.json`` or
``scaling.json`` in ``benchmarks/results/`` (``SKDISTILL_BENCH_RESULTS``
overrides the folder); ``python -m benchmarks.plots`` draws them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .common import RESULTS_DIR, environment, write_json

N_FEATURES = 50


#: Functions of skdistill whose memory is reported separately in ``phases_mib``:
#: (module, function name, label). They run one after the other during fit.
#: Since session 9 the default tree grows on the probability vectors
#: (``_grow_on_proba``: float32 rows, the targets, the tree's own fit); earlier
#: runs recorded ``soft_cross_entropy_rows`` (the repeated rows) and
#: ``fit_weighted`` (the tree's fit on them) instead.
WATCHED = (
    ("skdistill._teacher_stage", "build_transfer_set", "transfer_set"),
    ("skdistill._students", "_grow_on_proba", "student_fit"),
)


def _watch_phases(phases: dict, state: dict) -> None:
    """Wrap the :data:`WATCHED` functions to record their tracemalloc peaks.

    For each call: the traced memory when it starts, its own peak and the
    memory when it returns (MiB). ``tracemalloc.reset_peak`` is used to isolate
    each call's peak, so the overall peak is kept in ``state['peak']``.
    """
    import functools
    import importlib
    import tracemalloc

    def wrap(module, name, label):
        func = getattr(module, name)

        @functools.wraps(func)
        def watched(*args, **kwargs):
            before, peak = tracemalloc.get_traced_memory()
            state["peak"] = max(state["peak"], peak)
            tracemalloc.reset_peak()
            result = func(*args, **kwargs)
            after, peak = tracemalloc.get_traced_memory()
            state["peak"] = max(state["peak"], peak)
            phases[label] = {
                "before_mib": before / 2**20,
                "peak_mib": peak / 2**20,
                "after_mib": after / 2**20,
            }
            return result

        setattr(module, name, watched)

    for module_name, name, label in WATCHED:
        wrap(importlib.import_module(module_name), name, label)


def run_one(n_train: int, n_synthetic: int, seed: int = 0) -> dict:
    """One measured fit (runs inside the child process)."""
    import resource
    import time
    import tracemalloc

    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.frozen import FrozenEstimator

    from skdistill import DistilledClassifier

    X, y = make_classification(n_train, N_FEATURES, n_informative=20, random_state=seed)
    teacher = FrozenEstimator(
        HistGradientBoostingClassifier(max_iter=50, random_state=seed).fit(X, y)
    )
    phases, state = {}, {"peak": 0}
    _watch_phases(phases, state)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    t0 = time.perf_counter()
    model = DistilledClassifier(
        teacher, n_synthetic=n_synthetic, calibration_cv=None, random_state=seed
    ).fit(X, y)
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    peak = max(peak, state["peak"])
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    matrix = (n_train + n_synthetic) * N_FEATURES * 8
    return {
        "n_train": n_train,
        "n_synthetic": n_synthetic,
        "n_features": N_FEATURES,
        "wall_s": wall,
        "phases_s": model.fit_times_,
        "transfer_matrix_mib": matrix / 2**20,
        "tracemalloc_peak_mib": peak / 2**20,
        "copies": peak / matrix,
        "phases_mib": phases,
        "rss_peak_mib": rss,
        "rss_before_fit_mib": rss_before,
        "student_nodes": int(model.student_.tree_.node_count),
    }


def _child(n_train: int, n_synthetic: int) -> dict:
    code = (
        "import json, sys; from benchmarks.bench_scaling import run_one; "
        f"print(json.dumps(run_one({n_train}, {n_synthetic})))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _slope(xs, ys) -> float:
    """Growth exponent: slope of log(y) on log(x)."""
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="10k, 100k synthetic rows")
    mode.add_argument("--full", action="store_true", help="the default")
    args = parser.parse_args(argv)
    synthetic = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    train_sizes = [] if args.quick else [2_000, 10_000, 50_000]
    started = time.perf_counter()
    records = {
        "command": "python -m benchmarks.bench_scaling "
        + ("--quick" if args.quick else "--full"),
        "environment": environment(),
        "load_before": list(os.getloadavg()),
        "vs_synthetic": [],
        "vs_train": [],
    }
    for n in synthetic:
        rec = _child(20_000, n)
        records["vs_synthetic"].append(rec)
        print(json.dumps(rec), flush=True)
    for n in train_sizes:
        rec = _child(n, 2 * n)
        records["vs_train"].append(rec)
        print(json.dumps(rec), flush=True)
    for key, xs_key in (("vs_synthetic", "n_synthetic"), ("vs_train", "n_train")):
        recs = records[key]
        if len(recs) >= 2:
            xs = [r[xs_key] for r in recs]
            records[f"{key}_time_exponent"] = _slope(xs, [r["wall_s"] for r in recs])
            records[f"{key}_memory_exponent"] = _slope(
                xs, [r["tracemalloc_peak_mib"] for r in recs]
            )
    records["load_after"] = list(os.getloadavg())
    records["total_wall_s"] = time.perf_counter() - started
    name = "scaling_quick.json" if args.quick else "scaling.json"
    path = os.path.join(RESULTS_DIR, name)
    write_json(path, records)
    print(f"written {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
