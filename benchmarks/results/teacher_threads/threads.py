"""How fast deterministic teacher labelling is (session 12, ``in_order``).

Run alone from the repository root (about 2 minutes)::

    python benchmarks/results/teacher_threads/threads.py \\
        > benchmarks/results/teacher_threads/threads.log

Times ``predict_proba`` on 40,000 rows (``make_classification`` 20,000 x 20,
twice) for a ``RandomForestClassifier(100, n_jobs=2)`` and the default teacher
(``n_jobs=2``): on the model's own threads (a forest then sums its trees in
thread order, so the bits vary), with joblib sequential (tree order), and in
two row blocks on two threads, each sequential (tree order per row). Medians
of 5 rounds. The committed log is the run quoted in
``skdistill._teacher.in_order``'s docstring (2 quiet cores; a scratch copy of
this script with the same code, library at 0df6057).
"""

import time
import warnings

import numpy as np
from joblib import Parallel, delayed, parallel_config
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier

from skdistill import default_teacher


def sequential(teacher, rows):
    with parallel_config(backend="sequential"):
        return teacher.predict_proba(rows)


def row_blocks(teacher, rows, n=2):
    parts = np.array_split(np.arange(len(rows)), n)
    calls = (delayed(sequential)(teacher, rows[p]) for p in parts)
    return np.vstack(Parallel(n_jobs=n, prefer="threads")(calls))


def main() -> None:
    warnings.simplefilter("ignore")
    X, y = make_classification(20000, 20, n_informative=10, n_classes=3, random_state=0)
    rows = np.vstack([X, X + 0.01])
    forest = RandomForestClassifier(
        100, min_samples_leaf=2, n_jobs=2, random_state=0
    ).fit(X, y)
    teachers = {"rf100(n_jobs=2)": forest}
    t0 = time.perf_counter()
    teachers["default(n_jobs=2)"] = default_teacher(random_state=0, n_jobs=2).fit(X, y)
    print("default fit", round(time.perf_counter() - t0, 1), flush=True)
    for name, teacher in teachers.items():
        variants = {
            "threads(old)": lambda t=teacher: t.predict_proba(rows),
            "sequential(new)": lambda t=teacher: sequential(t, rows),
            "2 row blocks": lambda t=teacher: row_blocks(t, rows),
        }
        times = {k: [] for k in variants}
        for _ in range(5):
            for k, call in variants.items():
                t0 = time.perf_counter()
                call()
                times[k].append(time.perf_counter() - t0)
        medians = {k: round(float(np.median(v)), 3) for k, v in times.items()}
        print(name, medians, flush=True)


if __name__ == "__main__":
    main()
