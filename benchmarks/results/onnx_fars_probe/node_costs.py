"""What each node of fars' linear student graph costs in ONNX Runtime, and
whether lookup trees written with one split mode only are cheaper (issue 5
follow-up, session 12).

Run from the repository root, alone (about one minute)::

    PYTHONPATH=. python benchmarks/results/onnx_fars_probe/node_costs.py > \\
        benchmarks/results/onnx_fars_probe/node_costs.log

Same student as ``probe.py`` (fars seed-0 split, a 50-tree random forest as
teacher: the graph's shape does not depend on it). Times, interleaved, one
row, one thread, against the Identity floor of the same run:

* each node of the graph alone, as a one-node model (the ``Imputer``, the
  ``TreeEnsembleRegressor`` of the categorical lookups with its first 1, 5,
  11 and all 22 trees, the ``Gemm`` and the ``LinearClassifier`` reading a
  7-column input);
* the whole graph, and the same graph whose lookup trees use ``BRANCH_LEQ``
  splits only (onnxruntime walks such trees in a tighter loop, without
  per-node mode dispatch or missing-value tracking): an equality test
  ``x == v`` becomes ``x <= v`` and not ``x <= nextafter(v, -inf)`` (exact
  in float32), a missing value is the only input failing ``x <= +inf``.
  Its parity with scikit-learn is checked on the test rows and on rows whose
  categorical codes are missing, shifted by 0.5 or out of range.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from onnx import TensorProto, helper
from sklearn.ensemble import RandomForestClassifier

from benchmarks.bench_onnx import identity_model, interleaved_latency
from benchmarks.common import make_split
from benchmarks.datasets import load
from benchmarks.results.onnx_fars_probe.probe import call, session
from skdistill import DistilledClassifier, to_onnx
from skdistill.onnx import _onehot_fold


def leq_tree(tree_id, feature, values, rows, missing_row, unseen):
    """``_onehot_fold._column_tree`` with BRANCH_LEQ splits only."""
    nodes, leaves = [], []

    def add(node):
        nodes.append(node)
        return len(nodes) - 1

    def leaf(row):
        node_id = add(("LEAF", 0.0, 0, 0, 0))
        leaves.append((node_id, row))
        return node_id

    def exact(i, upper_known):  # x <= values[i] known when upper_known
        node_id = add(None)
        if not upper_known:
            nodes[node_id] = ("BRANCH_LEQ", values[i], exact(i, True), leaf(unseen), 0)
            return node_id
        below = np.nextafter(np.float32(values[i]), np.float32(-np.inf))
        miss = leaf(unseen)
        nodes[node_id] = ("BRANCH_LEQ", below, miss, leaf(rows[i]), 0)
        return node_id

    def search(lo, hi, upper_known):
        if lo == hi:
            return exact(lo, upper_known)
        node_id = add(None)
        mid = (lo + hi) // 2
        left = search(lo, mid, True)
        right = search(mid + 1, hi, upper_known)
        nodes[node_id] = ("BRANCH_LEQ", values[mid], left, right, 0)
        return node_id

    root = add(None)
    rest = search(0, len(values) - 1, False) if len(values) else leaf(unseen)
    nan_leaf = leaf(missing_row if missing_row is not None else unseen)
    nodes[root] = ("BRANCH_LEQ", np.float32(np.inf), rest, nan_leaf, 0)
    return [(tree_id, feature, i, *node) for i, node in enumerate(nodes)], leaves


def one_node_model(base, node):
    graph = helper.make_graph(
        [node],
        "one",
        list(base.graph.input),
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, None)
            for name in node.output
        ],
        list(base.graph.initializer),
    )
    model = helper.make_model(graph, opset_imports=list(base.opset_import))
    model.ir_version = base.ir_version
    return model


def first_trees(tree, k):
    attrs = {a.name: helper.get_attribute_value(a) for a in tree.attribute}
    keep = [i for i, t in enumerate(attrs["nodes_treeids"]) if t < k]
    tkeep = [i for i, t in enumerate(attrs["target_treeids"]) if t < k]
    new = {}
    for name, value in attrs.items():
        if name.startswith("nodes_"):
            new[name] = [value[i] for i in keep]
        elif name.startswith("target_"):
            new[name] = [value[i] for i in tkeep]
        else:
            new[name] = value
    for name in ("aggregate_function", "post_transform"):
        new[name] = new[name].decode()
    new["nodes_modes"] = [m.decode() for m in new["nodes_modes"]]
    return helper.make_node(
        "TreeEnsembleRegressor", list(tree.input), ["T"], domain="ai.onnx.ml", **new
    )


def odd_rows(X, categorical, rng):
    """Test rows whose categorical codes are missing, off-grid or unseen."""
    Y = X.copy()
    for c in categorical:
        r = rng.random(len(Y))
        Y[r < 0.1, c] = np.nan
        Y[(r >= 0.1) & (r < 0.2), c] += 0.5
        Y[(r >= 0.2) & (r < 0.3), c] = 1000
        Y[(r >= 0.3) & (r < 0.4), c] = -1
    return Y


def main() -> None:
    warnings.simplefilter("ignore")
    sp = make_split(load("fars"), 0)
    categorical = np.flatnonzero(sp.categorical_mask).tolist()
    model = DistilledClassifier(
        RandomForestClassifier(50, n_jobs=2, random_state=0),
        "linear",
        categorical_features=categorical,
        random_state=0,
        calibration_cv=None,
    ).fit(sp.X_train, sp.y_train)
    row = sp.X_test[:1].astype(np.float32)
    base = to_onnx(model, row)
    original = _onehot_fold._column_tree
    _onehot_fold._column_tree = leq_tree
    try:
        leq = to_onnx(model, row)
    finally:
        _onehot_fold._column_tree = original
    nodes = {n.op_type: n for n in base.graph.node}
    print("graph:", [n.op_type for n in base.graph.node])

    rows = np.vstack(
        [sp.X_test, odd_rows(sp.X_test[:3000], categorical, np.random.default_rng(0))]
    ).astype(np.float32)
    expected = model.predict_proba(rows.astype(np.float64))
    for name, onx in (("mixed-mode trees", base), ("BRANCH_LEQ-only trees", leq)):
        got = session(onx).run(None, {"X": rows})[1]
        print(
            f"{name}: max |proba diff| {np.abs(got - expected).max():.2e} on "
            f"{len(rows)} rows ({len(rows) - len(sp.X_test)} with odd codes)"
        )

    calls = {
        "floor": call(session(identity_model(row.shape[1])), row),
        "graph": call(session(base), row),
        "graph_leq_trees": call(session(leq), row),
        "imputer_alone": call(session(one_node_model(base, nodes["Imputer"])), row),
        "gemm_alone": None,
    }
    for k in (1, 5, 11, 22):
        tree = first_trees(nodes["TreeEnsembleRegressor"], k)
        alone = session(one_node_model(base, tree))
        calls[f"lookups_{k}_trees_alone"] = call(alone, row)
    gemm = copy.deepcopy(nodes["Gemm"])
    gemm.input[0], gemm.input[2] = "X", "C0"
    gemm_model = one_node_model(base, gemm)
    gemm_model.graph.initializer.append(
        helper.make_tensor("C0", TensorProto.FLOAT, [1, 7], [0.0] * 7)
    )
    calls["gemm_alone"] = call(session(gemm_model), row)
    classifier = copy.deepcopy(nodes["LinearClassifier"])
    classifier.input[0] = "Z"
    z_input = helper.make_tensor_value_info("Z", TensorProto.FLOAT, [None, 7])
    lin = helper.make_graph([classifier], "lin", [z_input], list(base.graph.output))
    lin_model = helper.make_model(lin, opset_imports=list(base.opset_import))
    lin_model.ir_version = base.ir_version
    sess = session(lin_model)
    z = np.zeros((1, 7), np.float32)
    calls["linear_classifier_alone"] = lambda: sess.run(None, {"Z": z})
    result = interleaved_latency(calls, 8000)
    floor = result["floor"]["p50_us"]
    for name, stats in result.items():
        p50 = stats["p50_us"]
        print(f"{name:26s} p50 {p50:.2f} us  {p50 / floor:.3f}x  +{p50 - floor:.2f} us")


if __name__ == "__main__":
    main()
