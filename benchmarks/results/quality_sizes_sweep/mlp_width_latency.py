"""Single-row ONNX latency of tree and MLP students of several sizes (magic).

Run from the repository root: ``PYTHONPATH=. python
benchmarks/results/quality_sizes_sweep/mlp_width_latency.py``. One interleaved
run (the helpers of ``benchmarks.bench_onnx``), 4,000 calls per model, against
the Identity floor; a cheap 50-tree random forest is the teacher (only the
graph's size matters here, not the student's quality).
"""

import json
import warnings

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from benchmarks.bench_onnx import (
    identity_model,
    interleaved_latency,
    load_data,
    make_session,
    ort_call,
)
from skdistill import DistilledClassifier, make_student
from skdistill.onnx import to_onnx

warnings.simplefilter("ignore")
split = load_data("magic")
X_tr, X_te, y_tr = split.X_train, split.X_test, split.y_train
X1 = X_te[:1].astype(np.float32)
calls = {"floor": ort_call(make_session(identity_model(X_tr.shape[1])), X1)}
sizes = [
    ("tree256", 256),
    ("tree1024", 1024),
    ("mlp32", (32, 32)),
    ("mlp64", (64, 64)),
    ("mlp128", (128, 128)),
]
for name, size in sizes:
    if name.startswith("tree"):
        student = make_student("tree", "classification").set_params(max_leaf_nodes=size)
    else:
        student = make_student("mlp", "classification").set_params(
            mlpclassifier__hidden_layer_sizes=size
        )
    teacher = RandomForestClassifier(50, random_state=0)
    model = DistilledClassifier(
        teacher, student=student, random_state=0, calibration_cv=None
    ).fit(X_tr, y_tr)
    onx = to_onnx(model, X1)
    nodes = [n.op_type for n in onx.graph.node]
    print(name, nodes, len(onx.SerializeToString()), flush=True)
    calls[name] = ort_call(make_session(onx), X1)
res = interleaved_latency(calls, 4000)
floor = res["floor"]["p50_us"]
print(
    json.dumps(
        {
            k: (round(v["p50_us"], 2), round(v["p50_us"] / floor, 3))
            for k, v in res.items()
        }
    )
)
