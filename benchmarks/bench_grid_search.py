"""Grid search over students without refitting the teacher (the ``memory`` cache).

Measures, side by side in one run on one split:

* ``cross_validate`` (3 folds) of ONE distilled candidate, and
* ``GridSearchCV`` (3 folds, ``refit=False``) over SIX student candidates with
  ``memory=`` set, so the teacher fit, its calibration and the labelled transfer
  set are computed once per fold and reused by every candidate,
* the same grid search without ``memory`` (the cost users would pay otherwise).

Target (issue "model selection"): grid search with memory <= 1.3x the
cross-validation of one candidate; the teacher is fitted once per fold (counted
with a counting wrapper and reported).

Usage::

    python -m benchmarks.bench_grid_search                 # adult, default teacher
    python -m benchmarks.bench_grid_search --dataset magic --no-uncached
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from skdistill import DistilledClassifier, default_teacher, make_student

from .common import environment, make_split
from .datasets import load

RESULTS = Path(__file__).parent / "results"
TEACHER_FITS: list[int] = []


class CountedVotingClassifier(VotingClassifier):
    """The default teacher ensemble, recording every real fit in TEACHER_FITS."""

    def fit(self, X, y, **kwargs):  # noqa: D102
        TEACHER_FITS.append(len(X))
        return super().fit(X, y, **kwargs)


def counting_default_teacher(seed: int) -> CountedVotingClassifier:
    """The default teacher (same members and parameters), with fits counted."""
    teacher = default_teacher("classification", random_state=seed)
    return CountedVotingClassifier(**teacher.get_params(deep=False))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="adult")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cap", type=int, default=10_000, help="training rows")
    parser.add_argument(
        "--no-uncached", action="store_true", help="skip the grid without memory"
    )
    args = parser.parse_args(argv)

    split = make_split(load(args.dataset), args.seed, cap=args.cap)
    X, y = split.X_train, split.y_train
    folds = StratifiedKFold(3, shuffle=True, random_state=args.seed)
    tree = make_student("tree", "classification")
    grid = [
        {"student": [tree], "student__max_depth": [3, 4, 6, 8]},
        {"student": ["mlp", "linear"]},
    ]
    base = DistilledClassifier(
        counting_default_teacher(args.seed),
        tree,
        categorical_features=split.categorical_mask,
        random_state=args.seed,
    )
    record = {
        "dataset": args.dataset,
        "n_train": len(y),
        "n_candidates": 6,
        "folds": 3,
        "environment": environment(),
    }

    TEACHER_FITS.clear()
    t0 = time.perf_counter()
    cv = cross_validate(clone(base).set_params(student__max_depth=6), X, y, cv=folds)
    record["cross_validate_one_candidate_s"] = time.perf_counter() - t0
    record["cross_validate_teacher_fits"] = len(TEACHER_FITS)
    record["cross_validate_score"] = float(np.mean(cv["test_score"]))

    with tempfile.TemporaryDirectory() as cache:
        TEACHER_FITS.clear()
        t0 = time.perf_counter()
        search = GridSearchCV(
            clone(base).set_params(memory=cache), grid, cv=folds, refit=False
        ).fit(X, y)
        record["grid_with_memory_s"] = time.perf_counter() - t0
        record["grid_with_memory_teacher_fits"] = len(TEACHER_FITS)
        record["grid_best"] = str(search.best_params_)
        record["grid_scores"] = [
            float(s) for s in search.cv_results_["mean_test_score"]
        ]

    if not args.no_uncached:
        TEACHER_FITS.clear()
        t0 = time.perf_counter()
        GridSearchCV(clone(base), grid, cv=folds, refit=False).fit(X, y)
        record["grid_without_memory_s"] = time.perf_counter() - t0
        record["grid_without_memory_teacher_fits"] = len(TEACHER_FITS)

    record["ratio_grid_memory_vs_cv"] = (
        record["grid_with_memory_s"] / record["cross_validate_one_candidate_s"]
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"grid_search_{args.dataset}.json"
    out.write_text(json.dumps(record, indent=2, default=str))
    print(json.dumps(record, indent=2, default=str))
    print(f"written {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
