"""MUNGE's neighbour search: grouped by categorical profile vs brute force.

On each dataset's training split (seed 0, capped at 20,000 rows, category
columns ordinal-encoded as in ``bench_quality``), times ``--repeats`` times,
alternating, the library's exact search
(:func:`skdistill.augment._neighbors.nearest_neighbors`, k=1) and a brute-force
:class:`~sklearn.neighbors.NearestNeighbors` search on the same search matrix,
and checks that every row's neighbour is at the same distance (up to the
rounding of brute force's ``|a|^2 + |b|^2 - 2ab`` expansion, about 1e-20).

Usage::

    OMP_NUM_THREADS=1 python -m benchmarks.bench_neighbors   # adult, telco_churn, magic
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.neighbors import NearestNeighbors

from skdistill.augment import MUNGEAugmenter
from skdistill.augment._neighbors import nearest_neighbors, search_matrix

from .common import RESULTS_DIR, environment, make_split, write_results
from .datasets import load


def run(dataset: str, repeats: int) -> dict:
    split = make_split(load(dataset), 0, cap=20_000)
    X = split.X_train
    aug = MUNGEAugmenter().fit(X, split.categorical_mask)
    facts = (aug.categorical_mask_, aug.data_min_, aug.data_max_, aug.categories_)
    times = {"grouped": [], "brute_force": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        ind = nearest_neighbors(X, *facts, n_neighbors=1)[:, 0]
        times["grouped"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        M = search_matrix(X, *facts)
        ref = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(M).kneighbors()[1]
        times["brute_force"].append(time.perf_counter() - t0)
    M = M.toarray() if hasattr(M, "toarray") else M
    d = ((M - M[ind]) ** 2).sum(axis=1)
    d_ref = ((M - M[ref[:, 0]]) ** 2).sum(axis=1)
    med = {k: float(np.median(v)) for k, v in times.items()}
    return {
        "dataset": dataset,
        "n_rows": int(len(X)),
        "n_categorical": int(aug.categorical_mask_.sum()),
        "search_columns": int(M.shape[1]),
        "times_s": times,
        "median_s": med,
        "speed_up": med["brute_force"] / med["grouped"],
        # brute force expands |a-b|^2 = |a|^2 + |b|^2 - 2ab and can pick a row
        # farther by rounding (~1e-20); the grouped search is never farther
        "max_abs_distance_diff": float(np.max(np.abs(d - d_ref))),
        "never_farther": bool(np.all(d <= d_ref + 1e-12)),
        "same_indices_share": float(np.mean(ind == ref[:, 0])),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=["adult", "telco_churn", "magic"],
        help="datasets of benchmarks/datasets.py (default: %(default)s)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed repeats, median (default: 3)"
    )
    args = parser.parse_args(argv)
    records = [run(name, args.repeats) for name in args.datasets]
    lines = [
        "| dataset | rows | categorical columns | search columns | grouped (s) "
        "| brute force (s) | speed-up | max distance difference |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['dataset']} | {r['n_rows']} | {r['n_categorical']} | "
            f"{r['search_columns']} | {r['median_s']['grouped']:.2f} | "
            f"{r['median_s']['brute_force']:.2f} | {r['speed_up']:.1f}x | "
            f"{r['max_abs_distance_diff']:.1e} |"
        )
    md = "\n".join(lines) + "\n"
    print(md)
    write_results(
        os.path.join(RESULTS_DIR, "neighbors"),
        {"records": records, "environment": environment(), "load": os.getloadavg()},
        md,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
