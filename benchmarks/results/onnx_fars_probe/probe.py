"""Where fars' linear student spends its ONNX Runtime time (issue 5 follow-up).

Run from the repository root (about one minute)::

    PYTHONPATH=. python benchmarks/results/onnx_fars_probe/probe.py > \
        benchmarks/results/onnx_fars_probe/probe.log

Fits the 'linear' and 'mlp' students on fars (seed-0 split of the quality
benchmark) with a cheap teacher (50 random trees: the student graph's shape
does not depend on the teacher), exports them as float32 ONNX and times,
side by side in interleaved rounds (``bench_onnx.interleaved_latency``, one
test row, one thread), the Identity floor, the linear graph, and variants of
it: without its Imputer, with int64 instead of string labels, with the
probabilities as the only output, and the floor and graph with onnxruntime's
CPU memory arena or memory pattern off. The variants without the Imputer or
with int labels do not answer like the model (they show what a node costs).
Also prints the MLP student's |w|-weighted |mean|/scale per first-layer unit
(``_dense.within_fold_limit``: the scaler folds at <= 4 in float32), and the
MLP graph's parity (test rows and 2,000 rows scaled by 0.5-3) and single-row
latency with the scaler kept (limit 4) and folded (limit 8).
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper
from sklearn.ensemble import RandomForestClassifier

from benchmarks.bench_onnx import identity_model, interleaved_latency
from benchmarks.common import make_split
from benchmarks.datasets import load
from skdistill import DistilledClassifier, to_onnx
from skdistill.onnx import _dense


def session(model, **options):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.log_severity_level = 3
    for key, value in options.items():
        setattr(opts, key, value)
    return ort.InferenceSession(
        model.SerializeToString(), opts, providers=["CPUExecutionProvider"]
    )


def call(sess, X):
    feed = {sess.get_inputs()[0].name: X}
    return lambda: sess.run(None, feed)


def variants(base):
    no_imputer = copy.deepcopy(base)
    del no_imputer.graph.node[0]
    for node in no_imputer.graph.node:
        for i, name in enumerate(node.input):
            if name == base.graph.node[0].output[0]:
                node.input[i] = "X"
    int_labels = copy.deepcopy(base)
    classifier = int_labels.graph.node[-1]
    n_classes = len(helper.get_attribute_value(classifier.attribute[0]))
    for attr in list(classifier.attribute):
        if attr.name == "classlabels_strings":
            classifier.attribute.remove(attr)
    classifier.attribute.append(
        helper.make_attribute("classlabels_ints", list(range(n_classes)))
    )
    int_labels.graph.output[0].type.tensor_type.elem_type = TensorProto.INT64
    proba_only = copy.deepcopy(base)
    del proba_only.graph.output[0]
    return no_imputer, int_labels, proba_only


def main() -> None:
    warnings.simplefilter("ignore")
    sp = make_split(load("fars"), 0)
    categorical = np.flatnonzero(sp.categorical_mask).tolist()
    models = {}
    for family in ("linear", "mlp"):
        models[family] = DistilledClassifier(
            RandomForestClassifier(50, n_jobs=2, random_state=0),
            family,
            categorical_features=categorical,
            random_state=0,
            calibration_cv=None,
        ).fit(sp.X_train, sp.y_train)
    row = sp.X_test[:1].astype(np.float32)
    base = to_onnx(models["linear"], row)
    print("linear graph:", [n.op_type for n in base.graph.node])
    no_imputer, int_labels, proba_only = variants(base)
    floor = identity_model(row.shape[1])
    calls = {
        "floor": call(session(floor), row),
        "linear": call(session(base), row),
        "linear_no_imputer": call(session(no_imputer), row),
        "linear_int_labels": call(session(int_labels), row),
        "linear_proba_only": call(session(proba_only), row),
        "floor_no_arena": call(session(floor, enable_cpu_mem_arena=False), row),
        "linear_no_arena": call(session(base, enable_cpu_mem_arena=False), row),
        "floor_no_mem_pattern": call(session(floor, enable_mem_pattern=False), row),
        "linear_no_mem_pattern": call(session(base, enable_mem_pattern=False), row),
    }
    result = interleaved_latency(calls, 6000)
    for name, stats in result.items():
        suffix = name.removeprefix("linear").removeprefix("floor")
        floor_name = "floor" + suffix if "floor" + suffix in result else "floor"
        ratio = stats["p50_us"] / result[floor_name]["p50_us"]
        print(f"{name:24s} p50 {stats['p50_us']:.2f} us  {ratio:.3f}x its floor")

    mlp = models["mlp"]
    scaler, net = mlp.student_[-2], mlp.student_[-1]
    weights = np.abs(net.coefs_[0])
    weighted = (np.abs(scaler.mean_) / scaler.scale_) @ weights / weights.sum(axis=0)
    print(f"mlp: largest unit |w|-weighted |mean|/scale {weighted.max():.2f} (limit 4)")
    rng = np.random.default_rng(0)
    X_test = sp.X_test
    outside = X_test[:2000] * rng.uniform(0.5, 3.0, X_test[:2000].shape)
    rows = np.vstack([X_test, outside]).astype(np.float32)
    expected = mlp.predict_proba(rows.astype(np.float64))
    timed = {"floor": call(session(floor), row)}
    for limit in (4.0, 8.0):
        _dense._FOLD_LIMIT[np.float32] = limit
        onx = to_onnx(mlp, rows[:1])
        proba = session(onx).run(None, {"X": rows})[1]
        print(
            f"mlp, fold limit {limit}: {[n.op_type for n in onx.graph.node]}, "
            f"max |proba diff| {np.abs(proba - expected).max():.2e} on {len(rows)} rows"
        )
        timed[f"mlp_fold_limit_{limit:g}"] = call(session(onx), row)
    _dense._FOLD_LIMIT[np.float32] = 4.0
    result = interleaved_latency(timed, 6000)
    for name, stats in result.items():
        ratio = stats["p50_us"] / result["floor"]["p50_us"]
        print(f"{name:24s} p50 {stats['p50_us']:.2f} us  {ratio:.3f}x the floor")


if __name__ == "__main__":
    main()
