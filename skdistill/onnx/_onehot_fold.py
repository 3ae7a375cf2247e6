"""One-hot indicators folded into a dense student's first layer (float32 graphs).

A student built as ``OneHotColumns -> SimpleImputer -> StandardScaler -> net``
(``make_student('mlp', categorical=...)``, or a hand-built linear student such
as the ``'linear'`` alias was before it binned its columns) multiplies its
indicator columns by the first layer's weights. An indicator is 0 or 1 and a
categorical column switches on at most one of its own, so what a column adds to
the first layer is a lookup: one weight row per category, one for any other
value (scaler included). Written literally, the lookup costs a ``Gather`` of
the categorical columns, an ``Equal`` with the categories, a ``Cast`` and a
``Concat`` per call, plus an ``Imputer`` when missing values have their own
indicator.

Here it is one ``TreeEnsembleRegressor`` (``ai.onnx.ml``) instead: one tree per
categorical column, a binary search over its categories (``BRANCH_LEQ``) ending
in an exact ``BRANCH_EQ`` test, whose leaves hold the column's whole
contribution (computed in float64, rounded once; see :func:`fold_one_hot`); a
missing value takes a first ``BRANCH_LT -inf`` test's true branch (only missing
values do: valid input is finite) to the missing-value category's row. The
numeric columns (with the categorical codes, ``keep_codes=True``) go through
their imputer and, when it could not be folded, their scaler, into the first
layer, a ``Gemm`` that adds the tree's output (its ``C`` input; the layer's
bias is in the tree's ``base_values``). A classifier without hidden layers
then reads those logits through an identity layer: with integer or string
labels that is its one ``LinearClassifier`` (labels and probabilities in one
kernel; on fars, seven classes and 22 categorical columns, ``Imputer,
TreeEnsembleRegressor, Gemm, LinearClassifier`` ran at 1.54x ONNX Runtime's
per-call floor and the ``LinearClassifier`` reading the numeric columns and
the lookups joined by a ``Concat`` at 1.57x, single row, one thread, side by
side: no slower, one kernel fewer), with float labels a second ``Gemm``
before ``Softmax``, ``ArgMax`` and ``Gather`` (as many nodes as with the
``Concat``). With no numeric column left, the lookups are the first layer's
output: no ``Gemm`` reads them.

Precision: the tree's output holds the first layer's bias (for a linear
regressor, the target's mean too), so the output is rounded to float32 once
more at its own magnitude than with the bias in the ``Gemm`` (about half a
unit in the last place more).

When it applies: float32 graphs only (``TreeEnsembleRegressor`` computes in
float32: its ``ai.onnx.ml`` opset-1 output is float), on the lean dense route
of :mod:`skdistill.onnx._dense`, i.e. a regressor whose student ends in the
dense net itself (not a ``MultiOutputRegressor`` around it), or a classifier
whose probabilities are the net's softmax (student mode
``soft_cross_entropy`` or ``teacher_labels``, ``softening_temperature=1``).
Elsewhere, and in float64 graphs, the literal encoding
(:func:`skdistill.onnx._graph.one_hot_columns`) is exported. Like that
encoding, a category float32 cannot hold is never matched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skl2onnx.algebra.onnx_ops import (
    OnnxImputer,
    OnnxScaler,
    OnnxTreeEnsembleRegressor_1,
)
from sklearn.preprocessing import StandardScaler

from .._categorical import OneHotColumns
from . import _dense
from . import _graph as g


@dataclass
class OneHotFold:
    """The numeric path, the lookup trees and the first layer reading both."""

    one_hot: OneHotColumns
    statistics: np.ndarray | None  # the numeric columns' imputed values
    mean: np.ndarray | None  # the numeric columns' unfolded scaler
    scale: np.ndarray | None
    trees: dict  # TreeEnsembleRegressor attributes
    net: _dense.DenseNet


def _column_tree(tree_id: int, feature: int, values, rows, missing_row, unseen):
    """Nodes and leaf targets of one categorical column's lookup tree.

    ``values`` are the column's categories (float32, sorted, distinct) and
    ``rows`` their weight rows; ``missing_row`` is the missing-value
    category's row or None; ``unseen`` is the row of any other value (a
    value not among the categories, or a missing value without its own
    category). Returns ``(nodes, leaves)``: nodes as ``(tree id,
    feature, node id, mode, threshold, true id, false id, missing tracks
    true)`` and leaves as ``(node id, weight row)``.
    """
    nodes, leaves = [], []

    def add(node):  # node ids are positions in ``nodes``
        nodes.append(node)
        return len(nodes) - 1

    def leaf(row):
        node_id = add(("LEAF", 0.0, 0, 0, 0))
        leaves.append((node_id, row))
        return node_id

    def search(lo, hi):  # categories lo..hi (inclusive)
        node_id = add(None)
        if lo == hi:
            hit, miss = leaf(rows[lo]), leaf(unseen)
            nodes[node_id] = ("BRANCH_EQ", values[lo], hit, miss, 0)
        else:
            mid = (lo + hi) // 2
            left = search(lo, mid)
            nodes[node_id] = ("BRANCH_LEQ", values[mid], left, search(mid + 1, hi), 0)
        return node_id

    if missing_row is not None:
        root = add(None)
        hit = leaf(missing_row)
        rest = search(0, len(values) - 1) if len(values) else leaf(unseen)
        nodes[root] = ("BRANCH_LT", -np.inf, hit, rest, 1)
    elif len(values):
        search(0, len(values) - 1)
    else:
        leaf(unseen)
    return [(tree_id, feature, i, *node) for i, node in enumerate(nodes)], leaves


def _tree_attributes(
    one_hot: OneHotColumns, weights: np.ndarray, offsets: np.ndarray
) -> dict:
    """One lookup tree per categorical column.

    ``weights`` has a row per indicator, ``offsets`` one per categorical
    column (float64): a category's leaf holds its indicator's row plus its
    column's offset, an unseen value's leaf the offset alone, each summed in
    float64 and rounded to float32 once.
    """
    source, value, missing = one_hot.output_table()
    n_targets = weights.shape[1]
    all_nodes, targets = [], []
    for tree_id, column in enumerate(one_hot.categorical_):
        offset = offsets[tree_id]
        mine = np.flatnonzero(source == column)
        kept = mine[~missing[mine]]
        v32 = value[kept].astype(np.float32)
        exact = v32.astype(np.float64) == value[kept]  # others are never matched
        kept, v32 = kept[exact], v32[exact]
        order = np.argsort(v32, kind="stable")
        kept, v32 = kept[order], v32[order]
        missing_rows = mine[missing[mine]]
        nodes, leaves = _column_tree(
            tree_id,
            int(column),
            v32,
            weights[kept] + offset,
            weights[missing_rows[0]] + offset if len(missing_rows) else None,
            offset,
        )
        all_nodes.extend(nodes)
        targets.extend((tree_id, node_id, row) for node_id, row in leaves)
    return dict(
        n_targets=n_targets,
        aggregate_function="SUM",
        post_transform="NONE",
        **node_attributes(all_nodes),
        **leaf_weights(targets, "target"),
    )


def node_attributes(nodes) -> dict:
    """The ``nodes_*`` attributes of an ``ai.onnx.ml`` tree ensemble from
    nodes as :func:`_column_tree` gives them."""
    tree_ids, features, ids, modes, thresholds, true_ids, false_ids, tracks = zip(
        *nodes, strict=True
    )
    return dict(
        nodes_treeids=list(tree_ids),
        nodes_nodeids=list(ids),
        nodes_featureids=list(features),
        nodes_modes=list(modes),
        nodes_values=np.asarray(thresholds, dtype=np.float32),
        nodes_truenodeids=list(true_ids),
        nodes_falsenodeids=list(false_ids),
        nodes_missing_value_tracks_true=list(tracks),
    )


def leaf_weights(leaves, prefix: str) -> dict:
    """The ``<prefix>_*`` attributes (``target`` or ``class``) giving each
    leaf ``(tree id, node id, row)`` its whole row, one entry per target."""
    n_targets = len(leaves[0][2])
    return {
        f"{prefix}_treeids": np.repeat([t for t, _, _ in leaves], n_targets).tolist(),
        f"{prefix}_nodeids": np.repeat([n for _, n, _ in leaves], n_targets).tolist(),
        f"{prefix}_ids": np.tile(np.arange(n_targets), len(leaves)).tolist(),
        f"{prefix}_weights": np.concatenate([r for _, _, r in leaves]).astype(
            np.float32
        ),
    }


def _one_hot_front(transformers: list):
    """``(one_hot, imputer, scaler)`` for ``OneHotColumns [-> SimpleImputer]
    [-> StandardScaler]`` (imputer and scaler None when absent), else None."""
    if not transformers:
        return None
    one_hot, *rest = transformers
    if not isinstance(one_hot, OneHotColumns) or not len(one_hot.output_table()[0]):
        return None
    imputer = rest.pop(0) if rest and g._exact_imputer(rest[0]) else None
    scaler = rest.pop(0) if rest and isinstance(rest[0], StandardScaler) else None
    if rest:
        return None
    if imputer is not None:
        statistics = np.asarray(imputer.statistics_, dtype=np.float64)
        n_out = len(one_hot.numeric_) + len(one_hot.output_table()[0])
        if len(statistics) != n_out or np.isnan(statistics).any():
            return None  # the imputer drops a column
    return one_hot, imputer, scaler


def split_dense_steps(steps: list, dtype):
    """:func:`skdistill.onnx._dense.split_steps`, except that in a float32
    graph a scaler behind ``OneHotColumns`` is left to :func:`fold_one_hot`."""
    if dtype == np.float32 and _one_hot_front(steps[:-1]) is not None:
        net = _dense.dense_net(steps[-1])
        if net is not None:
            return steps[:-1], net
    return _dense.split_steps(steps, dtype)


def fold_one_hot(transformers: list, net, dtype) -> OneHotFold | None:
    """The fold of ``OneHotColumns [-> SimpleImputer] [-> StandardScaler]``
    into ``net``'s first layer, or None when the steps are anything else.

    A scaled indicator ``(h - mean) / scale`` is ``-mean / scale`` when off
    and ``(1 - mean) / scale`` when on: each leaf of a column's tree holds
    that column's whole contribution (its switched-on indicator's and the
    constant parts of the others), so that no large constant cancels in
    float32 (a category held by nearly every row has ``|mean| / scale`` in the
    tens). The numeric columns' scaler is folded into the first layer when
    :func:`skdistill.onnx._dense.within_fold_limit` allows it for the numeric
    columns' weights, else kept as a ``Scaler``.
    """
    if net is None or dtype != np.float32:
        return None
    front = _one_hot_front(transformers)
    if front is None:
        return None
    one_hot, imputer, scaler = front
    n_numeric = len(one_hot.numeric_)
    source = one_hot.output_table()[0]
    statistics = None
    if imputer is not None:
        statistics = np.asarray(imputer.statistics_, dtype=np.float64)[:n_numeric]
    W, b = net.weights[0], net.biases[0].copy()
    W_numeric, W_indicators = W[:n_numeric], W[n_numeric:]
    offsets = np.zeros((len(one_hot.categorical_), W.shape[1]))
    mean = scale = None
    if scaler is not None:
        mean, scale = _dense._scaler_arrays(scaler, W.shape[0])
        on = W_indicators / scale[n_numeric:, None]
        off = -(mean[n_numeric:] / scale[n_numeric:])[:, None] * W_indicators
        for i, column in enumerate(one_hot.categorical_):
            offsets[i] = off[source == column].sum(axis=0)
        W_indicators = on
        mean, scale = mean[:n_numeric], scale[:n_numeric]
        if _dense.within_fold_limit(mean, scale, W_numeric, np.float32):
            W_numeric = W_numeric / scale[:, None]
            b = b - (mean / scale) @ W[:n_numeric]
            mean = scale = None
    trees = _tree_attributes(one_hot, W_indicators, offsets)
    n_units = W.shape[1]
    # The lookups' base_values hold the first layer's bias.
    trees["base_values"] = b.astype(np.float32)
    if not n_numeric:
        # Only the lookups: they are the first layer's output, which the net
        # reads through an identity layer (no node: see _dense._gemm).
        folded = _dense.DenseNet(
            [np.eye(n_units), *net.weights[1:]],
            [np.zeros_like(b), *net.biases[1:]],
            net.hidden,
            net.output,
        )
        return OneHotFold(one_hot, statistics, mean, scale, trees, folded)
    # The first layer becomes a Gemm over the numeric columns adding the
    # lookups (its C input). A classifier without hidden layers gets an
    # identity layer after it: the LinearClassifier (labels and probabilities
    # in one kernel) reads the logits through it (the net of a linear
    # classifier has hidden 'identity': no activation between the two).
    rest_w, rest_b = net.weights[1:], net.biases[1:]
    if not rest_w and net.output != "identity":  # a classifier's only layer
        rest_w, rest_b = [np.eye(n_units)], [np.zeros_like(b)]
    folded = _dense.DenseNet(
        [W_numeric, *rest_w], [np.zeros_like(b), *rest_b], net.hidden, net.output
    )
    return OneHotFold(one_hot, statistics, mean, scale, trees, folded)


def folded_input(fold: OneHotFold, X, opv):
    """``(input, addend)`` of ``fold.net``: the numeric columns (imputed,
    scaled) and the lookup sums as its addend, or the lookups alone (and no
    addend) when no numeric column is left."""
    one_hot = fold.one_hot
    lookups = OnnxTreeEnsembleRegressor_1(X, op_version=1, **fold.trees)
    if not len(one_hot.numeric_):
        return lookups, None
    X = g.kept_columns(one_hot, X, opv)
    if fold.statistics is not None:
        X = OnnxImputer(
            X,
            imputed_value_floats=fold.statistics.astype(np.float32),
            replaced_value_float=np.nan,
            op_version=1,
        )
    if fold.mean is not None:
        X = OnnxScaler(
            X,
            offset=fold.mean.astype(np.float32),
            scale=(1.0 / fold.scale).astype(np.float32),
            op_version=1,
        )
    return X, lookups


def dense_input(transformers: list, net, X, dtype, opv):
    """``(input, net, addend)``: what a dense student's ``net`` reads, the net
    reading it, and a tensor its first layer adds (or None).

    Folds the one-hot indicators into lookups when :func:`fold_one_hot`
    applies; otherwise each transformer step is exported in turn.
    """
    fold = fold_one_hot(transformers, net, dtype)
    if fold is not None:
        X, addend = folded_input(fold, X, opv)
        return X, fold.net, addend
    for step in transformers:
        X = g.transform(step, X, dtype, opv)
    return X, net, None
