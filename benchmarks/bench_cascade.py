"""Cascade: share of rows that never reach the teacher at matched accuracy.

For each dataset (classification), one seeded 75/25 split; the training part is
split again 80/20: the distiller (default teacher) is fitted on the 80%, the
cascade threshold is chosen on the 20% (default ``--metric accuracy
--max-drop 0.005``: accuracy within 0.5 points of the teacher's; or
``--metric agreement``: agreement with the teacher >= 1 - max_drop), and the test
split reports the cascade's accuracy, the teacher's, and the coverage (share of
test rows answered by the student alone).

Usage::

    python -m benchmarks.bench_cascade                       # telco_churn magic adult
    python -m benchmarks.bench_cascade --datasets magic --student mlp
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split

from skdistill import DistilledCascade, DistilledClassifier

from .common import environment, make_split
from .datasets import load

RESULTS = Path(__file__).parent / "results"


def run(name: str, student: str, seed: int, metric: str, max_drop: float) -> dict:
    split = make_split(load(name), seed)
    X_fit, X_val, y_fit, y_val = train_test_split(
        split.X_train,
        split.y_train,
        test_size=0.2,
        random_state=seed,
        stratify=split.y_train,
    )
    t0 = time.perf_counter()
    model = DistilledClassifier(
        student=student,
        categorical_features=split.categorical_mask,
        random_state=seed,
    ).fit(X_fit, y_fit)
    fit_s = time.perf_counter() - t0
    cascade = DistilledCascade(
        FrozenEstimator(model), metric=metric, max_drop=max_drop
    ).fit(X_val, y_val)
    X_te, y_te = split.X_test, split.y_test
    routed = cascade.route(X_te)
    teacher_acc = float(np.mean(model.teacher_.predict(X_te) == y_te))
    return {
        "dataset": name,
        "student": student,
        "seed": seed,
        "metric": metric,
        "max_drop": max_drop,
        "n_test": int(len(y_te)),
        "threshold": cascade.threshold_,
        "coverage_validation": cascade.coverage_,
        "coverage_test": float(routed.mean()),
        "accuracy_teacher": teacher_acc,
        "accuracy_student": float(np.mean(model.predict(X_te) == y_te)),
        "accuracy_cascade": float(np.mean(cascade.predict(X_te) == y_te)),
        "validation_scores": cascade.validation_scores_,
        "distiller_fit_s": fit_s,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["telco_churn", "magic", "adult"]
    )
    parser.add_argument("--student", default="tree")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--metric", choices=["accuracy", "agreement"], default="accuracy"
    )
    parser.add_argument("--max-drop", type=float, default=0.005)
    args = parser.parse_args(argv)
    records = []
    for name in args.datasets:
        rec = run(name, args.student, args.seed, args.metric, args.max_drop)
        records.append(rec)
        print(json.dumps(rec), flush=True)
    lines = [
        "| dataset | student | teacher acc | student acc | cascade acc | "
        "rows never reaching the teacher (test) |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['dataset']} | {r['student']} | {r['accuracy_teacher']:.4f} | "
            f"{r['accuracy_student']:.4f} | {r['accuracy_cascade']:.4f} | "
            f"{r['coverage_test']:.1%} |"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"cascade_{args.student}_{args.metric}.json"
    out.write_text(
        json.dumps({"records": records, "environment": environment()}, indent=2)
    )
    print("\n".join(lines))
    print(f"written {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
