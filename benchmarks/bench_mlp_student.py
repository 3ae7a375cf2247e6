"""The MLP student: soft targets fitted directly vs rows repeated once per class.

Both fits minimise the same soft cross-entropy on the same transfer set (the
default teacher, MUNGE, 2x synthetic rows, one teacher fit shared through
``memory=``). ``repeated``: a plain ``MLPClassifier`` learns it from every
transfer row repeated once per class, weighted by the class probability (how
``DistilledClassifier`` trains any classifier that takes ``sample_weight``);
``soft``: ``make_student('mlp')``, whose :class:`~skdistill.SoftTargetMLPClassifier`
fits the probability rows themselves (1/k of the rows). Same architecture,
optimiser, seed and stopping rule. Reported per dataset: the student's fit
time (``fit_times_['student']``), epochs run, test accuracy, ROC AUC (binary),
log-loss and agreement with the teacher.

Usage::

    python -m benchmarks.bench_mlp_student            # magic, adult, letter; seed 0
    python -m benchmarks.bench_mlp_student --datasets magic --seeds 0 1 2

Set ``OMP_NUM_THREADS=1`` on a shared machine (the teacher's boosters spin
threads otherwise).
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier

from skdistill import DistilledClassifier, make_student

from .common import RESULTS_DIR, environment, make_split, write_results
from .datasets import load


def students(seed: int) -> dict:
    soft = make_student("mlp", "classification", random_state=seed)
    repeated = clone(soft)
    mlp = soft.steps[-1][1]
    repeated.steps[-1] = ("mlpclassifier", MLPClassifier(**mlp.get_params()))
    return {"repeated": repeated, "soft": soft}


def run_one(dataset: str, seed: int, cache: str) -> list[dict]:
    split = make_split(load(dataset), seed, cap=20_000)
    kw = dict(
        categorical_features=split.categorical_mask, random_state=seed, memory=cache
    )
    out = []
    teacher_pred = None
    for name, student in students(seed).items():
        model = DistilledClassifier(student=student, **kw).fit(
            split.X_train, split.y_train
        )
        if teacher_pred is None:
            teacher_pred = model.teacher_.predict(split.X_test)
        proba = model.predict_proba(split.X_test)
        pred = model.classes_[np.argmax(proba, axis=1)]
        record = {
            "dataset": dataset,
            "seed": seed,
            "variant": name,
            "n_classes": int(len(model.classes_)),
            "n_train": int(len(split.y_train)),
            "n_synthetic": int(model.n_synthetic_),
            "student_fit_s": float(model.fit_times_["student"]),
            "epochs": int(model.student_[-1].n_iter_),
            "accuracy": float(accuracy_score(split.y_test, pred)),
            "log_loss": float(log_loss(split.y_test, proba, labels=model.classes_)),
            "fidelity": float(np.mean(pred == teacher_pred)),
        }
        if proba.shape[1] == 2:
            record["roc_auc"] = float(roc_auc_score(split.y_test, proba[:, 1]))
        print(record, flush=True)
        out.append(record)
    return out


def markdown(records: list[dict]) -> str:
    lines = [
        "| dataset | seed | classes | variant | student fit (s) | epochs | accuracy "
        "| ROC AUC | log-loss | fidelity |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        auc = f"{r['roc_auc']:.4f}" if "roc_auc" in r else "-"
        lines.append(
            f"| {r['dataset']} | {r['seed']} | {r['n_classes']} | {r['variant']} | "
            f"{r['student_fit_s']:.1f} | {r['epochs']} | {r['accuracy']:.4f} | {auc} "
            f"| {r['log_loss']:.4f} | {r['fidelity']:.4f} |"
        )
    lines += [
        "",
        "| dataset | seed | speed-up (repeated / soft fit time) |",
        "|---|---|---|",
    ]
    for key in sorted({(r["dataset"], r["seed"]) for r in records}):
        fit = {
            r["variant"]: r["student_fit_s"]
            for r in records
            if (r["dataset"], r["seed"]) == key
        }
        lines.append(f"| {key[0]} | {key[1]} | {fit['repeated'] / fit['soft']:.2f}x |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["magic", "adult", "letter"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--tag", default="")
    args = parser.parse_args(argv)
    records = []
    for dataset in args.datasets:
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as cache:
                records += run_one(dataset, seed, cache)
    base = os.path.join(
        RESULTS_DIR, "mlp_student" + (f"_{args.tag}" if args.tag else "")
    )
    write_results(
        base,
        {
            "records": records,
            "environment": environment(),
            "load_average": os.getloadavg(),
        },
        markdown(records),
    )
    print(markdown(records))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
