"""Fine-tuning a distilled student on a shifted domain (issue 7, part 4).

Shift built from a real dataset (UCI Adult, ``benchmarks/datasets.py``): the
**old domain** is people younger than ``--age`` (default 35; 14,049 rows,
10.6% earn >50K), the **new domain** everyone else (18,512 rows, 34.3% >50K).
Both the feature distribution (age, marital status, occupation, ...) and the
label rate shift. Category columns are ordinal-encoded as in ``bench_quality``.

Per seed:

* old domain: a stratified 75/25 train/test split; new domain: 25% held out
  as its test rows, the rest is the pool the labelled new rows are drawn from;
* the teacher (library default) and a tree student are distilled on the old
  training rows (``DistilledClassifier(random_state=seed)``, MUNGE, 2x synthetic
  rows, temperature fitted on a 20% split). The ``mlp`` and ``linear`` students
  reuse that teacher frozen with its temperature (``CalibratedTeacher`` of
  ``bench_quality``, ``calibration_cv=None``), so every family sees the same
  teacher;
* for every size ``n_new`` a stratified sample of the pool (the same rows for
  every family) and, for every family, the variants

  - ``before``: the distilled student, not fine-tuned;
  - ``fine_tune``: ``fine_tune(X_new, y_new)`` with the defaults
    (``label_weight=0.5, replay=1.0, epochs=30``);
  - ``fine_tune_labels``: ``label_weight=1.0`` (the new labels only on the new
    rows, the teacher on the replayed rows);
  - ``no_replay``: ``replay=0`` (new rows only, teacher/label mix 0.5);
  - ``scratch``: ``make_student(family)`` fitted on the new rows' labels only;
  - ``teacher``: the (calibrated) teacher, trained on the old domain only;

* accuracy and ROC AUC on the held-out rows of both domains.

Results: ``results/finetune_<mode>.json`` (every record, the per-cell mean and
standard deviation over seeds) and ``results/finetune_<mode>.md`` (tables).

Usage::

    python -m benchmarks.bench_finetune --quick   # 1 seed, n_new 500

Set ``OMP_NUM_THREADS=1`` on a shared machine: the teacher's boosters spin
their OpenMP threads otherwise (a default-teacher fit took 4.3x longer here
with the default thread count under a load of 20 on 2 cores).
    python -m benchmarks.bench_finetune --full    # 3 seeds, n_new 200/500/2000
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from skdistill import DistilledClassifier
from skdistill._students import resolve_student

from .bench_quality import CalibratedTeacher
from .common import RESULTS_DIR, environment, ordinal_encode, write_results
from .datasets import load

FAMILIES = ("tree", "mlp", "linear")
VARIANTS = ("before", "fine_tune", "fine_tune_labels", "no_replay", "scratch")


def make_domains(age: float, seed: int) -> dict:
    """Old/new domain train, test and pool rows of Adult, split by age."""
    ds = load("adult")
    X, cat_mask = ordinal_encode(ds.X)
    y = (np.asarray(ds.y) == ">50K").astype(int)
    old = ds.X["age"].to_numpy() < age
    X_old_tr, X_old_te, y_old_tr, y_old_te = train_test_split(
        X[old], y[old], test_size=0.25, random_state=seed, stratify=y[old]
    )
    X_pool, X_new_te, y_pool, y_new_te = train_test_split(
        X[~old], y[~old], test_size=0.25, random_state=seed, stratify=y[~old]
    )
    return {
        "X_old_train": X_old_tr,
        "y_old_train": y_old_tr,
        "X_old_test": X_old_te,
        "y_old_test": y_old_te,
        "X_pool": X_pool,
        "y_pool": y_pool,
        "X_new_test": X_new_te,
        "y_new_test": y_new_te,
        "categorical_mask": cat_mask,
    }


def sample_new(d: dict, n_new: int, seed: int):
    """A stratified sample of ``n_new`` labelled rows from the new-domain pool."""
    idx, _ = train_test_split(
        np.arange(len(d["y_pool"])),
        train_size=n_new,
        random_state=seed + 1000 * n_new,
        stratify=d["y_pool"],
    )
    return d["X_pool"][idx], d["y_pool"][idx]


def scores(proba: np.ndarray, d: dict, domain: str) -> dict:
    y = d[f"y_{domain}_test"]
    return {
        f"acc_{domain}": float(np.mean(proba.argmax(axis=1) == y)),
        f"auc_{domain}": float(roc_auc_score(y, proba[:, 1])),
    }


def evaluate(predict_proba, d: dict) -> dict:
    out = scores(predict_proba(d["X_old_test"]), d, "old")
    out.update(scores(predict_proba(d["X_new_test"]), d, "new"))
    return out


def run_seed(seed: int, sizes: list[int], families, age: float, emit) -> None:
    d = make_domains(age, seed)
    mask = d["categorical_mask"]
    t0 = time.perf_counter()
    ref = DistilledClassifier(
        student="tree", categorical_features=mask, random_state=seed
    ).fit(d["X_old_train"], d["y_old_train"])
    teacher_fit_s = time.perf_counter() - t0
    base = {"seed": seed, "n_old_train": int(len(d["y_old_train"]))}
    emit(
        {
            **base,
            "family": "teacher",
            "variant": "teacher",
            "n_new": 0,
            "fit_s": teacher_fit_s,
            "temperature": ref.temperature_,
            **evaluate(ref.teacher_predict_proba, d),
        }
    )
    frozen = FrozenEstimator(CalibratedTeacher(ref.teacher_, ref.temperature_)._setup())
    models = {}
    for family in families:
        if family == "tree":
            models[family] = ref
        else:
            models[family] = DistilledClassifier(
                frozen,
                family,
                calibration_cv=None,
                categorical_features=mask,
                random_state=seed,
            ).fit(d["X_old_train"], d["y_old_train"])
    variants = {
        "fine_tune": {},
        "fine_tune_labels": {"label_weight": 1.0},
        "no_replay": {"replay": 0.0},
    }
    for family, model in models.items():
        emit(
            {
                **base,
                "family": family,
                "variant": "before",
                "n_new": 0,
                **evaluate(model.predict_proba, d),
            }
        )
        for n_new in sizes:
            X_new, y_new = sample_new(d, n_new, seed)
            for variant, kwargs in variants.items():
                student = model.student_
                t0 = time.perf_counter()
                model.fine_tune(X_new, y_new, **kwargs)
                fit_s = time.perf_counter() - t0
                rec = evaluate(model.predict_proba, d)
                n_replayed = model.fine_tune_["n_replayed"]
                model.student_ = student  # back to the distilled student
                del model.fine_tune_
                emit(
                    {
                        **base,
                        "family": family,
                        "variant": variant,
                        "n_new": n_new,
                        "fit_s": fit_s,
                        "n_replayed": n_replayed,
                        **rec,
                    }
                )
            t0 = time.perf_counter()
            scratch = resolve_student(family, "classification", seed, mask)
            scratch.fit(X_new, y_new)
            emit(
                {
                    **base,
                    "family": family,
                    "variant": "scratch",
                    "n_new": n_new,
                    "fit_s": time.perf_counter() - t0,
                    **evaluate(scratch.predict_proba, d),
                }
            )


METRICS = ("acc_old", "acc_new", "auc_old", "auc_new")


def summarize(records: list[dict]) -> list[dict]:
    """Mean and standard deviation over seeds per (family, variant, n_new)."""
    cells: dict = {}
    for r in records:
        cells.setdefault((r["family"], r["variant"], r["n_new"]), []).append(r)
    out = []
    for (family, variant, n_new), rs in cells.items():
        row = {"family": family, "variant": variant, "n_new": n_new, "n_seeds": len(rs)}
        for m in METRICS:
            v = np.array([r[m] for r in rs])
            row[m] = float(v.mean())
            row[m + "_std"] = float(v.std(ddof=1)) if len(v) > 1 else 0.0
        out.append(row)
    return out


def markdown(summary: list[dict], sizes: list[int], families) -> str:
    def cell(row, m):
        s = f"{row[m]:.4f}"
        if row["n_seeds"] > 1:
            s += f" ± {row[m + '_std']:.4f}"
        return s

    by_key = {(r["family"], r["variant"], r["n_new"]): r for r in summary}
    teacher = by_key[("teacher", "teacher", 0)]
    lines = []
    for family in families:
        lines += [
            f"### student '{family}'",
            "",
            "| n_new | variant | acc old | acc new | AUC old | AUC new |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        rows = [(0, teacher), (0, by_key[(family, "before", 0)])]
        for n_new in sizes:
            for v in VARIANTS[1:]:
                rows.append((n_new, by_key[(family, v, n_new)]))
        for n_new, r in rows:
            lines.append(
                f"| {n_new or '-'} | {r['variant']} | {cell(r, 'acc_old')} | "
                f"{cell(r, 'acc_new')} | {cell(r, 'auc_old')} | {cell(r, 'auc_new')} |"
            )
        lines.append("")
    n = teacher["n_seeds"]
    lines.append(f"Mean ± standard deviation over {n} seed(s).")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    # MLP students stop at their iteration cap by design (the student's
    # definition): their ConvergenceWarnings only cluttered the log
    warnings.simplefilter("ignore", ConvergenceWarning)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="1 seed, n_new 500")
    mode.add_argument("--full", action="store_true", help="3 seeds, 200/500/2000")
    parser.add_argument("--seeds", type=int, nargs="+")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--age", type=float, default=35.0)
    args = parser.parse_args(argv)
    tag = "full" if args.full else "quick"
    seeds = args.seeds or ([0, 1, 2] if args.full else [0])
    sizes = args.sizes or ([200, 500, 2000] if args.full else [500])
    records: list[dict] = []

    def emit(rec):
        records.append(rec)
        print(
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in rec.items()},
            flush=True,
        )

    t0 = time.perf_counter()
    out = os.path.join(RESULTS_DIR, f"finetune_{tag}")
    for seed in seeds:
        run_seed(seed, sizes, args.families, args.age, emit)
        # rewritten after every seed, so an interrupted run keeps its results
        summary = summarize(records)
        md = markdown(summary, sizes, args.families)
        write_results(
            out,
            {
                "protocol": {
                    "dataset": "adult",
                    "old_domain": f"age < {args.age}",
                    "new_domain": f"age >= {args.age}",
                    "seeds": seeds,
                    "sizes": sizes,
                    "families": args.families,
                },
                "seeds_done": sorted({r["seed"] for r in records}),
                "wall_s": time.perf_counter() - t0,
                "summary": summary,
                "records": records,
                "environment": environment(),
            },
            md,
        )
    print(md)
    print(f"written {out}.json and {out}.md")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
