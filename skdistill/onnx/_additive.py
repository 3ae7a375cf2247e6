""":class:`~skdistill.BinnedColumns` and the additive students it makes.

A linear model behind ``BinnedColumns`` (the ``'linear'`` alias) adds one
weight row per column, the row of the column's bin or category. In a float32
graph the whole student is one ``ai.onnx.ml`` tree-ensemble node: one tree per
column, a binary search over its bin edges (``BRANCH_LT``) or its categories
(``BRANCH_LEQ`` then ``BRANCH_EQ``, as :mod:`skdistill.onnx._onehot_fold`
writes them), whose leaves hold the row. A multiclass classifier is a
``TreeEnsembleClassifier`` with ``SOFTMAX`` (labels and probabilities in one
kernel), a binary one a ``TreeEnsembleRegressor`` of its two logits, a
``Softmax`` and an ``ArgMax`` (see :func:`classifier_node`), a regressor a
``TreeEnsembleRegressor`` with the target scaling in its leaves. Missing values
follow ``fit``: a column that had some has a first ``BRANCH_LT -inf`` test
whose true branch only a missing value takes (``missing_value_tracks_true``),
and a column that had none sends them down the path to its median's bin.

Elsewhere (float64 graphs, other models behind the bins)
:func:`binned_columns` writes the indicators themselves, exactly: each
numeric column's bin is the count of its edges at or below the value, in
float32 as :class:`~skdistill.BinnedColumns` bins (so a float32 graph
fed float64 rows cast at its input answers as the model does), each
categorical column is compared with its categories.

Every graph reads alike in ONNX Runtime and in ONNX's reference evaluator
(``onnx.reference``), which follows the specification (tested).
"""

from __future__ import annotations

import numpy as np
from skl2onnx.algebra.onnx_ops import (
    OnnxArgMax,
    OnnxCast,
    OnnxConcat,
    OnnxEqual,
    OnnxGather,
    OnnxGreaterOrEqual,
    OnnxIsNaN,
    OnnxMatMul,
    OnnxReshape,
    OnnxSoftmax,
    OnnxTreeEnsembleClassifier_1,
    OnnxTreeEnsembleRegressor_1,
    OnnxWhere,
)

from .._binning import BinnedColumns
from . import _dense
from . import _graph as g
from ._onehot_fold import _column_tree, leaf_weights, node_attributes


# ------------------------------------------------------------ the indicators
def _missing_code(est: BinnedColumns, j: int) -> int:
    """The code of a missing value in numeric column ``j`` (where ``fit`` saw
    some): ``bin_indices``'s, or -1 for thermometer columns (no bin column
    set)."""
    return -1 if est.encode_ == "thermometer" else int(est.n_codes_[j] - 1)


def _codes(est: BinnedColumns, X, dtype, opv):
    """``(codes, order)``: a tensor of one code per column (numeric: its bin,
    or the missing code; categorical: the value, missing values as ``-inf``
    where ``fit`` saw some) and the input column behind each of its columns."""
    numeric = [j for j, codes in enumerate(est.categories_) if codes is None]
    categorical = [j for j, codes in enumerate(est.categories_) if codes is not None]
    parts = []
    if numeric:
        n_edges = max(1, max(len(est.edges_[j]) for j in numeric))
        # padding never counts: x >= NaN is false (a value beyond float32,
        # +inf once cast, must not pass a padding +inf)
        edges = np.full((1, len(numeric), n_edges), np.nan)
        nan_code = np.empty(len(numeric))
        for i, j in enumerate(numeric):
            edges[0, i, : len(est.edges_[j])] = est.edges_[j]
            nan_code[i] = (
                _missing_code(est, j) if est.missing_[j] else est.median_bin_[j]
            )
        columns = OnnxGather(X, np.array(numeric, np.int64), axis=1, op_version=opv)
        stacked = OnnxReshape(
            columns, np.array([-1, len(numeric), 1], np.int64), op_version=opv
        )
        if dtype != np.float32:  # the bins see float32 values (see BinnedColumns)
            stacked = OnnxCast(stacked, to=g.proto_type(np.float32), op_version=opv)
        above = g._cast(
            OnnxGreaterOrEqual(stacked, edges.astype(np.float32), op_version=opv),
            dtype,
            opv,
        )
        counts = OnnxReshape(
            OnnxMatMul(above, np.ones((n_edges, 1), dtype), op_version=opv),
            np.array([-1, len(numeric)], np.int64),
            op_version=opv,
        )
        parts.append(
            OnnxWhere(
                OnnxIsNaN(columns, op_version=opv),
                nan_code.astype(dtype).reshape(1, -1),
                counts,
                op_version=opv,
            )
        )
    if categorical:
        columns = OnnxGather(X, np.array(categorical, np.int64), axis=1, op_version=opv)
        if dtype != np.float32:  # matched as float32 (see BinnedColumns)
            columns = OnnxCast(
                OnnxCast(columns, to=g.proto_type(np.float32), op_version=opv),
                to=g.proto_type(dtype),
                op_version=opv,
            )
        if est.missing_[categorical].any():
            fill = np.where(est.missing_[categorical], -np.inf, np.nan)
            columns = OnnxWhere(
                OnnxIsNaN(columns, op_version=opv),
                fill.astype(dtype).reshape(1, -1),
                columns,
                op_version=opv,
            )
        parts.append(columns)
    codes = parts[0] if len(parts) == 1 else OnnxConcat(*parts, axis=1, op_version=opv)
    return codes, numeric + categorical


def binned_columns(est: BinnedColumns, X, dtype, opv, output_names=None):
    """``est.transform`` (dense), exactly, in ``dtype``: each indicator is its
    column's code compared with the code it stands for (``Equal``; numeric
    bins and categories as float32 values, as ``est`` compares them) or, for
    thermometer columns, with the first bin it covers (``GreaterOrEqual``)."""
    codes, order = _codes(est, X, dtype, opv)
    position = {j: i for i, j in enumerate(order)}
    # (input position, value, whether a thermometer column), in output order
    indicators = []
    for j in range(est.n_features_in_):
        cats = est.categories_[j]
        if cats is not None:  # as float32 values; missing: -inf
            values, ge = cats.astype(np.float32).astype(np.float64), False
        elif est.encode_ == "thermometer":
            values, ge = np.arange(1, len(est.edges_[j]) + 1, dtype=np.float64), True
        else:
            values, ge = np.arange(len(est.edges_[j]) + 1, dtype=np.float64), False
        indicators += [(position[j], v, ge) for v in values]
        if est.missing_[j]:
            code = -np.inf if cats is not None else _missing_code(est, j)
            indicators.append((position[j], float(code), False))
    parts, part_order = [], []
    for ge in (False, True):
        chosen = [i for i, (_, _, is_ge) in enumerate(indicators) if is_ge == ge]
        if not chosen:
            continue
        source = np.array([indicators[i][0] for i in chosen], dtype=np.int64)
        row = np.array([indicators[i][1] for i in chosen]).astype(dtype)
        compare = OnnxGreaterOrEqual if ge else OnnxEqual
        parts.append(
            compare(
                OnnxGather(codes, source, axis=1, op_version=opv),
                row.reshape(1, -1),
                op_version=opv,
            )
        )
        part_order += chosen
    if len(parts) == 1:
        return OnnxCast(
            parts[0], to=g.proto_type(dtype), op_version=opv, output_names=output_names
        )
    hits = OnnxCast(
        OnnxConcat(*parts, axis=1, op_version=opv),
        to=g.proto_type(dtype),
        op_version=opv,
    )
    return OnnxGather(
        hits,
        np.argsort(part_order).astype(np.int64),
        axis=1,
        op_version=opv,
        output_names=output_names,
    )


# ------------------------------------------------------- one tree per column
def _bin_tree(tree_id, feature, edges, rows, missing_row, median_bin):
    """Nodes and leaves (as :func:`_column_tree`) of a numeric column's tree:
    a binary search over ``edges`` (float32) ending in bin ``i``'s leaf, row
    ``rows[i]``; a missing value takes the first test's true branch to
    ``missing_row`` if given, else the path to ``median_bin``'s leaf."""
    nodes, leaves = [], []

    def add(node):
        nodes.append(node)
        return len(nodes) - 1

    def search(lo, hi):  # bins lo..hi; x < edges[mid] holds for bins <= mid
        if lo == hi:
            node_id = add(("LEAF", 0.0, 0, 0, 0))
            leaves.append((node_id, rows[lo]))
            return node_id
        mid = (lo + hi) // 2
        node_id = add(None)
        left, right = search(lo, mid), search(mid + 1, hi)
        nan_left = int(missing_row is None and lo <= median_bin <= mid)
        nodes[node_id] = ("BRANCH_LT", edges[mid], left, right, nan_left)
        return node_id

    if missing_row is not None:
        root = add(None)
        hit = add(("LEAF", 0.0, 0, 0, 0))
        leaves.append((hit, missing_row))
        nodes[root] = ("BRANCH_LT", -np.inf, hit, search(0, len(edges)), 1)
    else:
        search(0, len(edges))
    return [(tree_id, feature, i, *node) for i, node in enumerate(nodes)], leaves


def _trees(est: BinnedColumns, weights: np.ndarray):
    """``(nodes, leaves)`` of every column's tree; a leaf is ``(tree id, node
    id, weight row)``, what the code adds (``est.column_weights(weights)``;
    ``weights``: one row per indicator)."""
    all_nodes, all_leaves = [], []
    zero = np.zeros(weights.shape[1])
    for j, block in enumerate(est.column_weights(weights)):
        missing_row = block[-1] if est.missing_[j] else None
        cats = est.categories_[j]
        if cats is None:
            nodes, leaves = _bin_tree(
                j,
                j,
                est.edges_[j].astype(np.float32),
                block,
                missing_row,
                int(est.median_bin_[j]),
            )
        else:
            nodes, leaves = _column_tree(
                j, j, cats.astype(np.float32), block[: len(cats)], missing_row, zero
            )
        all_nodes.extend(nodes)
        all_leaves.extend((j, node_id, row) for node_id, row in leaves)
    return all_nodes, all_leaves


def additive_net(steps: list):
    """``(bins, net)`` for ``[BinnedColumns, linear model]``, else None."""
    if len(steps) != 2 or not isinstance(steps[0], BinnedColumns):
        return None
    net = _dense.dense_net(steps[1])
    if net is None or len(net.weights) != 1:
        return None
    return steps[0], net


def classifier_node(bins: BinnedColumns, net, X, classes, opv, output_names):
    """Labels (``classes``, int64 or str) and the softmax of the net's logits
    (float32).

    More than two classes: one ``TreeEnsembleClassifier`` (labels and
    probabilities in one kernel). Two classes: ONNX Runtime reads a
    two-class ``TreeEnsembleClassifier`` its own way, not as the ONNX
    specification does (given a base value per class, class 1's score is its
    base value plus the summed class-0 weights, class 0's its opposite), so
    no encoding gives the same answers in ONNX Runtime and in a runtime that
    follows the specification. The two-class graph is a
    ``TreeEnsembleRegressor`` of the logits ``(0, z)``, a ``Softmax``
    (``(1 - sigmoid(z), sigmoid(z))``; the reference evaluator has no
    ``SOFTMAX`` post-transform), then ``ArgMax`` and, unless the labels are 0
    and 1, a ``Gather`` of the labels.
    """
    label_name, proba_name = output_names
    if net.output == "logistic":
        z, b = net.weights[0], net.biases[0]
        nodes, leaves = _trees(bins, np.hstack([np.zeros_like(z), z]))
        logits = OnnxTreeEnsembleRegressor_1(
            X,
            op_version=1,
            n_targets=2,
            aggregate_function="SUM",
            post_transform="NONE",
            base_values=np.array([0.0, b[0]], dtype=np.float32),
            **node_attributes(nodes),
            **leaf_weights(leaves, "target"),
        )
        proba = OnnxSoftmax(logits, axis=1, op_version=opv, output_names=[proba_name])
        if classes.dtype.kind == "i" and classes.tolist() == [0, 1]:
            label = OnnxArgMax(
                proba, axis=1, keepdims=0, op_version=opv, output_names=[label_name]
            )
        else:
            label = g.argmax_labels(proba, classes, opv, output_names=[label_name])
        return [proba, label]
    nodes, leaves = _trees(bins, net.weights[0])
    labels = (
        {"classlabels_int64s": classes.astype(np.int64).tolist()}
        if classes.dtype.kind == "i"
        else {"classlabels_strings": [str(c) for c in classes]}
    )
    node = OnnxTreeEnsembleClassifier_1(
        X,
        op_version=1,
        post_transform="SOFTMAX",
        base_values=net.biases[0].astype(np.float32),
        output_names=[label_name, proba_name],
        **node_attributes(nodes),
        **leaf_weights(leaves, "class"),
        **labels,
    )
    return [node]


def regressor_node(bins: BinnedColumns, net, X, output_names):
    """One ``TreeEnsembleRegressor`` computing the net's (scaled) output."""
    W, b = net.weights[0], net.biases[0]
    nodes, leaves = _trees(bins, W)
    return OnnxTreeEnsembleRegressor_1(
        X,
        op_version=1,
        n_targets=W.shape[1],
        aggregate_function="SUM",
        post_transform="NONE",
        base_values=b.astype(np.float32),
        output_names=output_names,
        **node_attributes(nodes),
        **leaf_weights(leaves, "target"),
    )
