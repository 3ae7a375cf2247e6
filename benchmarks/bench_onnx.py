"""ONNX speed and size: distilled students vs the default teacher (issue 5).

Run from the repository root::

    python -m benchmarks.bench_onnx [--dataset magic] [--calls 3000] [--n-jobs 2]
    python -m benchmarks.bench_onnx --quick     # 1,000 calls per model: a check

Protocol
--------
* Dataset: ``magic`` (19,020 rows, 10 numeric features, labels 'g'/'h') from
  ``benchmarks/datasets.py``, falling back to scikit-learn's breast cancer if
  its carrier package is not installed. 75/25 stratified split (seed 0).
* Teacher: the library default (``DistilledClassifier(random_state=0)``: soft
  vote of early-stopped XGBoost and LightGBM, HistGradientBoosting, 200
  extra-trees), fitted once; the 'mlp' and 'linear' students reuse it frozen
  with ``calibration_cv=None`` (this benchmark measures speed, not quality).
* Every ONNX model is float32, run by onnxruntime on the CPU with
  ``intra_op_num_threads=1``, ``inter_op_num_threads=1``, sequential
  execution, one cached ``InferenceSession`` and a prepared input dict.
* Single row: one test row, ``--calls`` calls per model (default 3,000, after
  200 warm-up calls), measured in interleaved rounds of 250 calls so that load
  from other processes spreads over all models alike; p50 and p90 in
  microseconds. The teacher's native ``predict_proba`` gets ``--teacher-calls``
  calls (default 2,000) with its members limited to one thread.
* Batch: 10,000 test rows (resampled with replacement), median of 15 calls, in
  milliseconds.
* Floor: an ONNX model holding a single Identity node on the same input.
* Sizes: serialized ONNX bytes; the teacher also as a pickle.
* Parity of each export on the test rows (float64 rows, cast by onnxruntime's
  input to float32): max |probability difference| and label agreement.

Results: ``benchmarks/results/onnx_speed.json`` and a markdown table printed
at the end (copied into ``benchmarks/README.md``).
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

from skdistill import DistilledClassifier
from skdistill.onnx import teacher_to_onnx, to_onnx, verify_onnx

from .common import RESULTS_DIR, environment, write_json


def single_threaded(teacher) -> None:
    """One thread per fitted member, like the ONNX sessions."""
    for member in teacher.estimators_:
        for est in (member, getattr(member, "estimator_", None)):
            if est is not None and "n_jobs" in est.get_params(deep=False):
                est.set_params(n_jobs=1)


def load_data(name: str, seed: int = 0):
    try:
        from .datasets import load

        ds = load(name)
        X = np.asarray(ds.X, dtype=np.float64)
        y = np.asarray(ds.y).astype(str)
        source = f"benchmarks.datasets:{name}"
    except Exception as exc:  # carrier package missing
        warnings.warn(f"{name} unavailable ({exc}); using breast cancer", stacklevel=2)
        X, y = load_breast_cancer(return_X_y=True)
        source = "sklearn.datasets.load_breast_cancer"
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y
    )
    return X_tr, X_te, y_tr, y_te, source


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="magic")
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

    X_tr, X_te, y_tr, y_te, source = load_data(args.dataset)
    n_features = X_tr.shape[1]
    print(f"data {source}: train {X_tr.shape}, test {X_te.shape}", flush=True)

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference = DistilledClassifier(
            student="tree", random_state=0, n_jobs=args.n_jobs
        ).fit(X_tr, y_tr)
        models = {"tree": reference}
        frozen = FrozenEstimator(reference.teacher_)
        for family in ("mlp", "linear"):
            models[family] = DistilledClassifier(
                frozen, family, calibration_cv=None, random_state=0
            ).fit(X_tr, y_tr)
    fit_seconds = time.perf_counter() - t0
    print(f"fitted teacher and students in {fit_seconds:.0f}s", flush=True)
    teacher = reference.teacher_
    single_threaded(teacher)

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
        fast[f"{family}_sklearn"] = lambda m=model: m.predict_proba(row64)
        fast[f"{family}_student_sklearn"] = lambda m=model: m.student_.predict(row64)
    print("single-row latency ...", flush=True)
    single = interleaved_latency(fast, args.calls)
    with threadpool_limits(1):
        single.update(
            interleaved_latency(
                {"teacher_native": lambda: teacher.predict_proba(row64)},
                args.teacher_calls,
            )
        )

    # ---------------------------------------------------- batch latency
    print("batch latency ...", flush=True)
    batch = {}
    for name, sess in sessions.items():
        batch[f"{name}_onnx"] = batch_latency(ort_call(sess, batch32))
    for family, model in models.items():
        batch[f"{family}_sklearn"] = batch_latency(
            lambda m=model: m.predict_proba(batch64)
        )
        batch[f"{family}_student_sklearn"] = batch_latency(
            lambda m=model: m.student_.predict(batch64)
        )
    with threadpool_limits(1):
        batch["teacher_native"] = batch_latency(
            lambda: teacher.predict_proba(batch64), repeats=5
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
        }
    results.update(
        dataset=source,
        n_train=len(X_tr),
        n_test=len(X_te),
        n_features=n_features,
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
    path = f"{RESULTS_DIR}/onnx_speed.json"
    write_json(path, results)
    print(f"wrote {path}\n")
    print(markdown(results))
    return 0


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

    def parity(key):
        p = m[key]["parity"]
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
                "DistilledClassifier.predict_proba",
            )
        )
        lines.append(
            row(
                f"student '{family}', bare estimator",
                f"{family}_student_sklearn",
                "student_.predict (no post-processing)",
            )
        )
    lines.append(
        row("teacher, native", "teacher_native", "VotingClassifier.predict_proba")
    )
    lines.append(row("teacher, ONNX", "teacher_onnx", parity("teacher_onnx")))
    lines.append(row("teacher, pickle", "teacher_pickle"))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
