"""Single-row ONNX latency of the MLP student at widths 32x32, 64x64, 128x128 vs floor (magic)."""
import warnings, json
warnings.simplefilter("ignore")
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from benchmarks.bench_onnx import make_session, identity_model, ort_call, interleaved_latency, load_data
from skdistill import DistilledClassifier, make_student
from skdistill.onnx import to_onnx
data = load_data("magic")
X_tr, X_te, y_tr = data[0], data[1], data[2]
X1 = X_te[:1].astype(np.float32)
calls = {"floor": ort_call(make_session(identity_model(X_tr.shape[1])), X1)}
for name, hs in [("tree256", None), ("tree1024", 1024), ("mlp32", (32, 32)), ("mlp64", (64, 64)), ("mlp128", (128, 128))]:
    if name.startswith("tree"):
        st = make_student("tree", "classification")
        if hs: st.set_params(max_leaf_nodes=hs)
    else:
        st = make_student("mlp", "classification").set_params(mlpclassifier__hidden_layer_sizes=hs)
    m = DistilledClassifier(RandomForestClassifier(50, random_state=0), student=st, random_state=0, calibration_cv=None).fit(X_tr, y_tr)
    onx = to_onnx(m, X1)
    print(name, [n.op_type for n in onx.graph.node], len(onx.SerializeToString()), flush=True)
    calls[name] = ort_call(make_session(onx), X1)
res = interleaved_latency(calls, 4000)
fl = res["floor"]["p50_us"]
print(json.dumps({k: (round(v["p50_us"], 2), round(v["p50_us"] / fl, 3)) for k, v in res.items()}))
