"""How a folded scaler's float32 error grows with the weighted ratio (issue 5).

``skdistill.onnx._dense`` folds an MLP's StandardScaler into its first layer
when every unit's |w|-weighted mean of |mean| / scale is <= 6 (float32; the
limit was 4 when this study was written, and was set to 6 from it). This
study builds the case that limit guards against (``tests/onnx/test_dense.py``:
a calendar year among ordinary columns) with the year's share of the weights
varied, fits the default MLP student, and measures the float32 ONNX graph's
max |probability difference| with the scaler folded (limit infinite) and kept
(limit 0) on 2,000 test rows, a quarter of them far outside the training
range. One JSON line per case: the largest weighted ratio, both errors and
their quotient. From the repository root (about 1.5 minutes)::

    PYTHONPATH=. python benchmarks/results/fold_limit/study.py > \\
        benchmarks/results/fold_limit/study.jsonl
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import onnxruntime as ort
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from skdistill import DistilledClassifier, make_student, to_onnx
from skdistill.onnx import _dense


def rows(rng, n, n_ordinary, far=False):
    X = rng.normal(size=(n, n_ordinary))
    year = 2000.0 + rng.integers(0, 21, n)
    if far:
        X[: n // 4] *= 4
        year[: n // 4] = rng.choice([1900.0, 2100.0], n // 4)
    return np.column_stack([X, year])


def max_diff(model, X_test, limit):
    _dense._FOLD_LIMIT[np.float32] = limit
    try:
        onx = to_onnx(model, X_test[:1])
    finally:
        _dense._FOLD_LIMIT[np.float32] = 4.0
    folded = not any(n.op_type == "Scaler" for n in onx.graph.node)
    sess = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    proba = sess.run(None, {sess.get_inputs()[0].name: X_test})[1]
    expected = model.predict_proba(X_test.astype(np.float64))
    return folded, float(np.abs(proba - expected).max())


def main() -> None:
    warnings.simplefilter("ignore", ConvergenceWarning)
    for n_ordinary in (5, 10, 20, 50, 100, 200, 400):
        for year_weight in (0.02, 0.05, 0.2):
            for seed in (0, 1, 2):
                rng = np.random.default_rng(seed)
                X = rows(rng, 1500, n_ordinary)
                X_test = rows(rng, 2000, n_ordinary, far=True).astype(np.float32)
                signal = X[:, :-1] @ np.linspace(-1, 1, n_ordinary) + year_weight * (
                    X[:, -1] - 2010
                )
                y = (signal > np.median(signal)).astype(int)
                model = DistilledClassifier(
                    HistGradientBoostingClassifier(max_iter=30, random_state=0),
                    make_student("mlp", "classification", 0),
                    n_synthetic=500,
                    random_state=seed,
                )
                with threadpool_limits(1):
                    model.fit(X, y)
                scaler, net = model.student_[-2], model.student_[-1]
                weights = np.abs(net.coefs_[0])
                ratio = (np.abs(scaler.mean_) / scaler.scale_) @ weights
                ratio = float((ratio / weights.sum(axis=0)).max())
                folded_ok, folded = max_diff(model, X_test, np.inf)
                kept_ok, kept = max_diff(model, X_test, 0.0)
                assert folded_ok and not kept_ok
                record = {
                    "n_ordinary": n_ordinary,
                    "year_weight": year_weight,
                    "seed": seed,
                    "weighted_ratio": round(ratio, 3),
                    "folded_diff": folded,
                    "kept_diff": kept,
                    "quotient": folded / max(kept, 1e-12),
                }
                print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
