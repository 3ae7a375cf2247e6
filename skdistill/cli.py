"""Command-line entry point: ``skdistill demo``.

``skdistill demo`` runs the main job on a dataset that ships with scikit-learn:
it fits the default teacher and a distilled student on a training split, the
same student on the hard labels for comparison, and prints accuracy, log-loss,
calibration, fidelity to the teacher, size and single-row latency on the
held-out split.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np

EXIT_USAGE = 2

_DATASETS = {
    "digits": ("load_digits", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "wine": ("load_wine", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}


class CLIError(Exception):
    """An input problem reported as one line and exit status 2."""


def _load(name: str):
    import sklearn.datasets

    loader, task = _DATASETS[name]
    X, y = getattr(sklearn.datasets, loader)(return_X_y=True)
    return X, y, task


def _median_latency(predict, row, repeats: int = 200) -> float:
    predict(row)  # warm-up
    times = np.empty(repeats)
    for i in range(repeats):
        t0 = time.perf_counter()
        predict(row)
        times[i] = time.perf_counter() - t0
    return float(np.median(times))


def _size_text(sizes: dict[str, int]) -> str:
    parts = [f"{sizes[k]:,} {k}" for k in ("nodes", "parameters") if k in sizes]
    parts.append(f"{sizes['bytes'] / 1024:,.1f} KiB pickled")
    return ", ".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        padded = (str(c).ljust(w) for c, w in zip(cells, widths, strict=True))
        return "  ".join(padded).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def _demo_classification(args, X_tr, X_te, y_tr, y_te) -> str:
    from sklearn.base import clone
    from sklearn.metrics import log_loss

    from . import DistilledClassifier
    from .metrics import agreement, expected_calibration_error, model_size

    model = DistilledClassifier(
        student=args.student,
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
    ).fit(X_tr, y_tr)
    hard = clone(model.student_).fit(X_tr, np.searchsorted(model.classes_, y_tr))
    y_idx = np.searchsorted(model.classes_, y_te)
    teacher_p = model.teacher_predict_proba(X_te)
    teacher_raw = model.teacher_.predict_proba(X_te)
    student_p = model.predict_proba(X_te)
    hard_p = np.zeros_like(student_p)
    hard_p[:, hard.classes_] = hard.predict_proba(X_te)
    teacher_label = teacher_p.argmax(1)

    def row(name, proba, estimator, predict):
        return [
            name,
            f"{np.mean(proba.argmax(1) == y_idx):.4f}",
            f"{log_loss(y_idx, proba, labels=np.arange(proba.shape[1])):.4f}",
            f"{expected_calibration_error(y_idx, proba):.4f}",
            f"{agreement(proba.argmax(1), teacher_label):.4f}",
            _size_text(model_size(estimator)),
            f"{_median_latency(predict, X_te[:1]) * 1e6:,.0f}",
        ]

    rows = [
        row("teacher (raw)", teacher_raw, model.teacher_, model.teacher_.predict_proba),
        row(
            "teacher (calibrated)",
            teacher_p,
            model.teacher_,
            model.teacher_.predict_proba,
        ),
        row("distilled student", student_p, model.student_, model.predict_proba),
        row("same student, hard labels", hard_p, hard, hard.predict_proba),
    ]
    header = [
        "model",
        "accuracy",
        "log-loss",
        "ECE",
        "fidelity",
        "size",
        "1-row µs (sklearn)",
    ]
    notes = (
        f"temperature_ = {model.temperature_:.3f} (fitted on "
        f"{model.calibration_['n_rows']} held-out rows); transfer set: "
        f"{len(X_tr)} real + {model.n_synthetic_} MUNGE rows; student: "
        f"{type(model.student_).__name__} ({model.student_mode_})"
    )
    times = ", ".join(f"{k} {v:.1f}s" for k, v in model.fit_times_.items())
    return f"{_table(header, rows)}\n\n{notes}\nfit phases: {times}"


def _demo_regression(args, X_tr, X_te, y_tr, y_te) -> str:
    from sklearn.base import clone
    from sklearn.metrics import mean_squared_error, r2_score

    from . import DistilledRegressor
    from .metrics import fidelity_r2, model_size

    model = DistilledRegressor(
        student=args.student,
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
    ).fit(X_tr, y_tr)
    scale = model.target_scale_[0]
    mean = model.target_mean_[0]
    hard = clone(model.student_).fit(X_tr, (y_tr - mean) / scale)
    teacher_pred = model.teacher_.predict(X_te)

    def row(name, pred, estimator, predict):
        return [
            name,
            f"{r2_score(y_te, pred):.4f}",
            f"{mean_squared_error(y_te, pred) ** 0.5:.3f}",
            f"{fidelity_r2(teacher_pred, pred):.4f}",
            _size_text(model_size(estimator)),
            f"{_median_latency(predict, X_te[:1]) * 1e6:,.0f}",
        ]

    rows = [
        row("teacher", teacher_pred, model.teacher_, model.teacher_.predict),
        row("distilled student", model.predict(X_te), model.student_, model.predict),
        row(
            "same student, true targets",
            hard.predict(X_te) * scale + mean,
            hard,
            hard.predict,
        ),
    ]
    header = ["model", "R^2", "RMSE", "fidelity R^2", "size", "1-row µs (sklearn)"]
    times = ", ".join(f"{k} {v:.1f}s" for k, v in model.fit_times_.items())
    return f"{_table(header, rows)}\n\nfit phases: {times}"


def _cmd_demo(args) -> int:
    from sklearn.model_selection import train_test_split

    t0 = time.perf_counter()
    X, y, task = _load(args.dataset)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X,
        y,
        test_size=0.25,
        random_state=args.random_state,
        stratify=y if task == "classification" else None,
    )
    print(
        f"skdistill demo: {args.dataset} ({task}), {len(X_tr)} training rows, "
        f"{len(X_te)} held-out rows, {X.shape[1]} features; student={args.student!r}"
    )
    run = _demo_classification if task == "classification" else _demo_regression
    print(run(args, X_tr, X_te, y_tr, y_te))
    print(f"\ntotal wall time: {time.perf_counter() - t0:.1f}s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``skdistill`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="skdistill",
        description="Distil heavy tabular models into compact students.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="distil the default teacher on a built-in dataset and print a report",
        description=(
            "Fit the default teacher ensemble and a distilled student on a "
            "dataset that ships with scikit-learn, and compare teacher, distilled "
            "student and the same student trained on the labels on held-out rows."
        ),
        epilog="examples:\n  skdistill demo\n  skdistill demo --dataset wine "
        "--student mlp",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--dataset", choices=sorted(_DATASETS), default="digits")
    demo.add_argument("--student", choices=["tree", "mlp", "linear"], default="tree")
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except CLIError as error:
        print(f"skdistill: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
