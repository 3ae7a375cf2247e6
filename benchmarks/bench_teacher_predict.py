"""Teacher labelling speed: LightGBM scored block of trees by block of trees.

The default teacher's LightGBM member (``EarlyStoppingClassifier`` /
``EarlyStoppingRegressor`` around an ``LGBMClassifier`` / ``LGBMRegressor``
with the default teacher's parameters, fitted with its early stopping on a
seeded ``make_split`` training set) predicts the first ``--rows`` test rows two
ways, ``--repeats`` times alternating the order:

* ``own``: LightGBM's own ``predict_proba`` / ``predict`` (one call: every row
  walks every tree);
* ``member``: the member's own method, which scores batches of at least 256
  rows from models of at least 1,500 trees in blocks of 64 trees
  (:mod:`skdistill._lightgbm`) and calls LightGBM once otherwise.

Reported per dataset: trees used, microseconds per row (medians), the speed-up
and the largest absolute difference of the two outputs. One thread: the
member is built with ``n_jobs=1`` (LightGBM ignores ``OMP_NUM_THREADS``).

Usage::

    OMP_NUM_THREADS=1 python -m benchmarks.bench_teacher_predict
    OMP_NUM_THREADS=1 python -m benchmarks.bench_teacher_predict --datasets letter
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from skdistill import default_teacher
from skdistill._lightgbm import _MIN_ROWS, _MIN_TREES

from .common import RESULTS_DIR, environment, make_split, write_results
from .datasets import load


def lightgbm_member(task: str, seed: int):
    """The default teacher's (unfitted) LightGBM member, on one thread.

    ``n_jobs=1``: LightGBM's scikit-learn methods pass their own thread count
    (``n_jobs=None``: the physical cores) and ignore ``OMP_NUM_THREADS``.
    """
    teacher = default_teacher(task, random_state=seed, n_jobs=1)
    return dict(teacher.estimators)["lightgbm"]


def measure(name: str, seed: int, rows: int, repeats: int) -> dict:
    """Fit the LightGBM member on ``name``'s split; time both predictions."""
    split = make_split(load(name), seed)
    task = "classification" if split.is_classification else "regression"
    member = lightgbm_member(task, seed)
    t0 = time.perf_counter()
    member.fit(split.X_train, split.y_train)
    fit_s = time.perf_counter() - t0
    X = np.ascontiguousarray(split.X_test[:rows], dtype=np.float64)
    booster = member.estimator_
    if task == "classification":
        ours, own = member.predict_proba, booster.predict_proba
    else:
        ours, own = member.predict, booster.predict
    times = {"own": [], "member": []}
    for r in range(repeats):
        order = ("own", "member") if r % 2 == 0 else ("member", "own")
        for which in order:
            fn = own if which == "own" else ours
            t0 = time.perf_counter()
            out = fn(X)
            times[which].append(time.perf_counter() - t0)
            if which == "own":
                out_own = out
            else:
                out_member = out
    med = {k: float(np.median(v)) for k, v in times.items()}
    record = {
        "dataset": name,
        "task": split.task,
        "seed": seed,
        "n_train": len(split.y_train),
        "rows": len(X),
        "rounds": int(member.n_estimators_),
        "trees": int(booster.booster_.num_trees()),
        "fit_s": fit_s,
        "seconds": times,
        "us_per_row": {k: v * 1e6 / len(X) for k, v in med.items()},
        "speedup": med["own"] / med["member"],
        "max_abs_diff": float(np.max(np.abs(out_own - out_member))),
    }
    print(
        f"{name}: {record['trees']} trees, own {record['us_per_row']['own']:.1f} "
        f"us/row, member {record['us_per_row']['member']:.1f} us/row, "
        f"{record['speedup']:.2f}x, max |diff| {record['max_abs_diff']:.1e}",
        flush=True,
    )
    return record


def markdown(records: list[dict]) -> str:
    """The results table."""
    lines = [
        "| dataset | task | trees | scored in blocks | own (us/row) "
        "| member (us/row) | speed-up | max abs diff |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in records:
        blocked = r["trees"] >= _MIN_TREES and r["rows"] >= _MIN_ROWS
        lines.append(
            f"| {r['dataset']} | {r['task']} | {r['trees']:,} "
            f"| {'yes' if blocked else 'no (one call)'} "
            f"| {r['us_per_row']['own']:.1f} | {r['us_per_row']['member']:.1f} "
            f"| {r['speedup']:.2f}x | {r['max_abs_diff']:.1e} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Run the benchmark; write ``results/teacher_predict.{json,md}``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["letter", "casp", "fars", "magic", "adult"],
        help="datasets of benchmarks/datasets.py (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="split of the quality benchmark (0)"
    )
    parser.add_argument(
        "--rows", type=int, default=5000, help="test rows predicted (5000)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="alternating repeats, median (3)"
    )
    args = parser.parse_args(argv)
    records = [measure(d, args.seed, args.rows, args.repeats) for d in args.datasets]
    result = {
        "command": "python -m benchmarks.bench_teacher_predict "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "environment": environment(),
        "load_average": list(os.getloadavg()),
        "records": records,
    }
    table = markdown(records)
    write_results(os.path.join(RESULTS_DIR, "teacher_predict"), result, table)
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
