"""ONNX speed and size: distilled students vs the default teacher (issue 5).

Run from the repository root::

    python -m benchmarks.bench_onnx [--dataset magic] [--calls 3000] [--n-jobs 2]
    python -m benchmarks.bench_onnx --quick     # 1,000 calls per model: a check
    python -m benchmarks.bench_onnx --dataset all --teacher-calls 200

Protocol
--------
* Dataset: ``magic`` by default (19,020 rows, 10 numeric features, labels
  'g'/'h'), or any of ``benchmarks/datasets.py`` (``all``: each in turn), split
  as the quality benchmark splits it (``common.make_split``, seed 0: 75/25,
  stratified for classification, training rows capped at 20,000, categorical
  columns as integer codes passed as ``categorical_features``). Falls back to
  scikit-learn's breast cancer if a dataset's carrier package is missing,
  saying so and writing ``onnx_speed_breast_cancer.json``, not the dataset's
  file.
* Teacher: the library default (``DistilledClassifier(random_state=0)`` or
  ``DistilledRegressor``: soft vote of early-stopped XGBoost and LightGBM,
  HistGradientBoosting, 200 extra-trees), fitted once; the 'mlp' and 'linear'
  students reuse it frozen (classifiers with ``calibration_cv=None``: this
  benchmark measures speed, not quality).
* Every ONNX model is float32, run by onnxruntime on the CPU with
  ``intra_op_num_threads=1``, ``inter_op_num_threads=1``, sequential
  execution, one cached ``InferenceSession`` and a prepared input dict.
* Single row: one test row, ``--calls`` calls per model (default 3,000, after
  200 warm-up calls), measured in interleaved rounds of 250 calls so that load
  from other processes spreads over all models alike; p50 and p90 in
  microseconds. The teacher's native ``predict_proba`` (``predict`` for a
  regressor) gets ``--teacher-calls`` calls (default 2,000) with its members
  limited to one thread.
* Batch: 10,000 test rows (resampled with replacement), median of 15 calls, in
  milliseconds.
* Floor: an ONNX model holding a single Identity node on the same input.
* Sizes: serialized ONNX bytes; the teacher also as a pickle.
* Parity of each export on the test rows (float64 rows, cast by onnxruntime's
  input to float32): max |probability difference| and label agreement (for a
  regressor: max |prediction difference|).

Results: ``benchmarks/results/onnx_speed.json`` (magic) or
``onnx_speed_<dataset>.json`` (``..._quick.json`` with ``--quick``), a
markdown table per dataset and, for several datasets, a summary table (copied
into ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import pickle
import time
import warnings

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skdistill import DistilledClassifier, DistilledRegressor
from skdistill.onnx import teacher_to_onnx, to_onnx, verify_onnx

from .common import (
    RESULTS_DIR,
    TEST_SIZE,
    Split,
    environment,
    make_split,
    write_json,
)
from .datasets import DATASETS, load


def single_threaded(teacher) -> None:
    """One thread per fitted member, like the ONNX sessions."""
    for member in teacher.estimators_:
        for est in (member, getattr(member, "estimator_", None)):
            if est is not None and "n_jobs" in est.get_params(deep=False):
                est.set_params(n_jobs=1)


def load_data(name: str, seed: int = 0) -> Split:
    """The quality benchmark's split of ``name`` (categorical columns as codes),
    or scikit-learn's breast cancer when the dataset's package is missing."""
    try:
        return make_split(load(name), seed)
    except (ImportError, FileNotFoundError) as exc:  # carrier package missing
        warnings.warn(f"{name} unavailable ({exc}); using breast cancer", stacklevel=2)
    X, y = load_breast_cancer(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y.astype(str), test_size=TEST_SIZE, random_state=seed, stratify=y
    )
    return Split(
        "breast_cancer",
        "binary",
        seed,
        X_tr,
        y_tr,
        X_te,
        y_te,
        np.zeros(X.shape[1], dtype=bool),
        [],
        len(y_tr),
        ["sklearn.datasets.load_breast_cancer"],
    )


def make_session(onx):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(
        onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )


def identity_model(n_features: int):
    """The floor: ONNX Runtime's cost of one call that does nothing."""
    inp = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])
    out = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, n_features])
    graph = helper.make_graph(
        [helper.make_node("Identity", ["X"], ["Y"])], "floor", [inp], [out]
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def ort_call(sess, X):
    feed = {sess.get_inputs()[0].name: X}
    return lambda: sess.run(None, feed)


def interleaved_latency(calls: dict, n_calls: int, round_size: int = 250) -> dict:
    """Per-call wall time (µs) of each callable, measured in interleaved rounds."""
    samples = {name: [] for name in calls}
    for fn in calls.values():  # warm-up
        for _ in range(200):
            fn()
    for _ in range(max(1, n_calls // round_size)):
        for name, fn in calls.items():
            for _ in range(round_size):
                t0 = time.perf_counter_ns()
                fn()
                samples[name].append(time.perf_counter_ns() - t0)
    return {name: _stats(np.asarray(s) / 1e3) for name, s in samples.items()}


def _stats(us: np.ndarray) -> dict:
    return {
        "p50_us": float(np.median(us)),
        "p90_us": float(np.percentile(us, 90)),
        "n_calls": int(us.size),
    }


def batch_latency(fn, repeats: int = 15) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e3)


def fit_models(sp: Split, n_jobs: int) -> dict:
    """The three default students; the 'mlp' and 'linear' ones reuse the
    'tree' model's teacher frozen, with ``calibration_cv=None``."""
    classification = sp.task != "regression"
    cls = DistilledClassifier if classification else DistilledRegressor
    categorical = np.flatnonzero(sp.categorical_mask).tolist() or None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = cls(
            student="tree",
            categorical_features=categorical,
            random_state=0,
            n_jobs=n_jobs,
        ).fit(sp.X_train, sp.y_train)
        models = {"tree": reference}
        frozen = FrozenEstimator(reference.teacher_)
        extra = {"calibration_cv": None} if classification else {}
        for family in ("mlp", "linear"):
            models[family] = cls(
                frozen,
                family,
                categorical_features=categorical,
                random_state=0,
                **extra,
            ).fit(sp.X_train, sp.y_train)
    return models


def measure(sp: Split, args) -> dict:
    """Fit, export and time the students and the teacher on one split."""
    X_tr, X_te = sp.X_train, sp.X_test
    n_features = X_tr.shape[1]
    print(f"{sp.name}: train {X_tr.shape}, test {X_te.shape}", flush=True)
    t0 = time.perf_counter()
    models = fit_models(sp, args.n_jobs)
    fit_seconds = time.perf_counter() - t0
    print(f"fitted teacher and students in {fit_seconds:.0f}s", flush=True)
    reference = models["tree"]
    teacher = reference.teacher_
    single_threaded(teacher)
    # what each model answers: probabilities (classifier) or predictions
    answer = "predict_proba" if sp.task != "regression" else "predict"

    row64 = X_te[:1]
    row32 = row64.astype(np.float32)
    rng = np.random.default_rng(0)
    batch64 = X_te[rng.integers(0, len(X_te), size=10_000)]
    batch32 = batch64.astype(np.float32)

    exports, sessions, results = {}, {}, {"models": {}}
    for family, model in models.items():
        exports[family] = to_onnx(model, row32)
    t0 = time.perf_counter()
    exports["teacher"] = teacher_to_onnx(reference, row32)
    teacher_export_seconds = time.perf_counter() - t0
    exports["identity"] = identity_model(n_features)
    for name, onx in exports.items():
        sessions[name] = make_session(onx)

    # ------------------------------------------------------------- parity
    for family, model in models.items():
        parity = verify_onnx(model, exports[family], X_te)
        results["models"][f"{family}_onnx"] = {"parity": parity.as_dict()}
    parity = verify_onnx(teacher, exports["teacher"], X_te)
    results["models"]["teacher_onnx"] = {"parity": parity.as_dict()}

    # -------------------------------------------------- single-row latency
    fast = {f"{name}_onnx": ort_call(sessions[name], row32) for name in exports}
    for family, model in models.items():
        fast[f"{family}_sklearn"] = lambda m=model: getattr(m, answer)(row64)
        fast[f"{family}_student_sklearn"] = lambda m=model: m.student_.predict(row64)
    print("single-row latency ...", flush=True)
    single = interleaved_latency(fast, args.calls)
    with threadpool_limits(1):
        single.update(
            interleaved_latency(
                {"teacher_native": lambda: getattr(teacher, answer)(row64)},
                args.teacher_calls,
                round_size=min(250, args.teacher_calls),
            )
        )

    # ---------------------------------------------------- batch latency
    print("batch latency ...", flush=True)
    batch = {}
    for name, sess in sessions.items():
        batch[f"{name}_onnx"] = batch_latency(ort_call(sess, batch32))
    for family, model in models.items():
        batch[f"{family}_sklearn"] = batch_latency(
            lambda m=model: getattr(m, answer)(batch64)
        )
        batch[f"{family}_student_sklearn"] = batch_latency(
            lambda m=model: m.student_.predict(batch64)
        )
    with threadpool_limits(1):
        batch["teacher_native"] = batch_latency(
            lambda: getattr(teacher, answer)(batch64), repeats=5
        )

    sizes = {
        f"{name}_onnx": len(onx.SerializeToString()) for name, onx in exports.items()
    }
    sizes["teacher_pickle"] = len(pickle.dumps(teacher))
    for family, model in models.items():
        sizes[f"{family}_student_pickle"] = len(pickle.dumps(model.student_))

    for name in set(single) | set(batch) | set(sizes):
        entry = results["models"].setdefault(name, {})
        if name in single:
            entry["single_row"] = single[name]
        if name in batch:
            entry["batch_10k_ms"] = batch[name]
        if name in sizes:
            entry["bytes"] = sizes[name]

    floor = single["identity_onnx"]["p50_us"]
    teacher_row = single["teacher_native"]["p50_us"]
    targets = {}
    for family in models:
        p50 = single[f"{family}_onnx"]["p50_us"]
        targets[family] = {
            "p50_over_floor": p50 / floor,
            "within_1.5x_floor": p50 <= 1.5 * floor,
            "teacher_native_over_student_onnx": teacher_row / p50,
            "at_least_50x_faster": teacher_row / p50 >= 50,
            "teacher_onnx_over_student_onnx_bytes": sizes["teacher_onnx"]
            / sizes[f"{family}_onnx"],
            "teacher_pickle_over_student_onnx_bytes": sizes["teacher_pickle"]
            / sizes[f"{family}_onnx"],
            "at_least_100x_smaller": sizes["teacher_onnx"] / sizes[f"{family}_onnx"]
            >= 100,
            "onnx_kernels": len(exports[family].graph.node),
        }
    results.update(
        dataset=sp.name,
        task=sp.task,
        notes=sp.notes,
        n_train=len(X_tr),
        n_test=len(X_te),
        n_features=n_features,
        n_categorical=int(sp.categorical_mask.sum()),
        fit_seconds=fit_seconds,
        teacher_export_seconds=teacher_export_seconds,
        teacher_members={
            name: type(est).__name__ for name, est in teacher.named_estimators_.items()
        },
        targets=targets,
        settings=vars(args),
        environment={
            **environment(),
            "onnxruntime": ort.__version__,
        },
    )
    return results


def result_path(dataset: str, quick: bool = False) -> str:
    """``onnx_speed.json`` for magic (the issue's dataset), else per dataset;
    ``--quick`` runs add ``_quick`` (a check must not replace the measurement
    the README cites)."""
    suffix = "" if dataset == "magic" else f"_{dataset}"
    return f"{RESULTS_DIR}/onnx_speed{suffix}{'_quick' if quick else ''}.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--dataset",
        nargs="+",
        default=["magic"],
        choices=[*DATASETS, "all"],
        help="one or more datasets, or 'all' (each gets its own result file)",
    )
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--teacher-calls", type=int, default=2000)
    parser.add_argument("--n-jobs", type=int, default=2, help="for fitting only")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer calls (1,000 per model, 200 for the teacher): a change check",
    )
    parser.add_argument(
        "--full", action="store_true", help="the default numbers of calls"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.teacher_calls = min(args.calls, 1000), 200
    names = list(DATASETS) if "all" in args.dataset else args.dataset
    everything = {}
    for name in names:
        split = load_data(name)
        if split.name != name:  # its package is missing: say so, file it apart
            print(f"{name} is unavailable: measuring {split.name} instead", flush=True)
        results = measure(split, args)
        path = result_path(split.name, quick=args.quick)
        write_json(path, results)
        print(f"wrote {path}\n")
        print(markdown(results), "\n", flush=True)
        everything[name] = results
    if len(names) > 1:
        print(summary(everything))
    return 0


def summary(everything: dict) -> str:
    """One row per dataset: each student's single-row p50 over the floor."""
    lines = [
        "| dataset | categorical columns | floor (µs) | tree | MLP | linear "
        "| teacher native (ms) |",
        "|---|---:|---:|---|---|---|---:|",
    ]
    for name, r in everything.items():
        m, t = r["models"], r["targets"]
        cells = [
            f"{m[f'{fam}_onnx']['single_row']['p50_us']:.1f} µs "
            f"({t[fam]['p50_over_floor']:.2f}x, {t[fam]['onnx_kernels']} nodes)"
            for fam in ("tree", "mlp", "linear")
        ]
        lines.append(
            f"| {name} | {r['n_categorical']} "
            f"| {m['identity_onnx']['single_row']['p50_us']:.1f} | "
            + " | ".join(cells)
            + f" | {m['teacher_native']['single_row']['p50_us'] / 1e3:.1f} |"
        )
    return "\n".join(lines)


def markdown(results) -> str:
    m = results["models"]

    def row(label, key, extra=""):
        e = m.get(key, {})
        single = e.get("single_row", {})
        p50 = f"{single['p50_us']:.1f}" if single else "-"
        p90 = f"{single['p90_us']:.1f}" if single else "-"
        batch = f"{e['batch_10k_ms']:.2f}" if "batch_10k_ms" in e else "-"
        size = f"{e['bytes']:,}" if "bytes" in e else "-"
        return f"| {label} | {p50} | {p90} | {batch} | {size} | {extra} |"

    regression = results.get("task") == "regression"
    distiller = (
        "DistilledRegressor.predict"
        if regression
        else ("DistilledClassifier.predict_proba")
    )

    def parity(key):
        p = m[key]["parity"]
        if regression:
            return f"max diff {p['max_abs_diff']:.1e}"
        return f"max diff {p['max_abs_diff']:.1e}, labels {p['label_agreement']:.0%}"

    lines = [
        "| model | 1 row p50 (µs) | 1 row p90 (µs) | 10k rows (ms) | bytes | notes |",
        "|---|---:|---:|---:|---:|---|",
        row("ONNX Runtime floor (Identity)", "identity_onnx"),
    ]
    for family in ("tree", "mlp", "linear"):
        t = results["targets"][family]
        note = (
            f"{parity(f'{family}_onnx')}; {t['p50_over_floor']:.2f}x floor; "
            f"{t['teacher_native_over_student_onnx']:.0f}x faster than teacher; "
            f"{t['teacher_onnx_over_student_onnx_bytes']:.0f}x smaller than "
            "teacher ONNX"
        )
        lines.append(row(f"student '{family}', ONNX", f"{family}_onnx", note))
        lines.append(
            row(
                f"student '{family}', scikit-learn",
                f"{family}_sklearn",
                distiller,
            )
        )
        lines.append(
            row(
                f"student '{family}', bare estimator",
                f"{family}_student_sklearn",
                "student_.predict (no post-processing)",
            )
        )
    teacher = (
        "VotingRegressor.predict" if regression else ("VotingClassifier.predict_proba")
    )
    lines.append(row("teacher, native", "teacher_native", teacher))
    lines.append(row("teacher, ONNX", "teacher_onnx", parity("teacher_onnx")))
    lines.append(row("teacher, pickle", "teacher_pickle"))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
