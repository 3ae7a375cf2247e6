"""One-hot indicators folded into a dense student's first layer (float32 graphs).

A student built as ``OneHotColumns -> SimpleImputer -> StandardScaler -> net``
(the ``'linear'`` alias with categorical columns, or ``make_student('mlp',
categorical=...)``) multiplies its indicator columns by the first layer's
weights. An indicator is 0 or 1 and a categorical column switches on at most
one of its own, so what a column adds to the first layer is a lookup: one
weight row per category (scaler included), nothing for an unseen value. Written
literally, the lookup costs a ``Gather`` of the categorical columns, an
``Equal`` with the categories, a ``Cast`` and a ``Concat`` per call, plus an
``Imputer`` when missing values have their own indicator.

Here it is one ``TreeEnsembleRegressor`` (``ai.onnx.ml``) instead: one tree per
categorical column, a binary search over its categories (``BRANCH_LEQ``) ending
in an exact ``BRANCH_EQ`` test, whose leaves hold the column's weight rows; a
missing value takes a first ``BRANCH_LT -inf`` test's true branch (only missing
values do: valid input is finite) to the missing-value category's row. The
numeric columns (with the categorical codes, ``keep_codes=True``) go through
their imputer and, when it could not be folded, their scaler, and are
concatenated with the tree's output; the first layer then reads the tree's
output through an identity block. The constant part of the scaled indicators
(``-mean / scale`` times their weights) goes to the first layer's bias.

Only float32 graphs: ``TreeEnsembleRegressor`` computes in float32 (its
``ai.onnx.ml`` opset-1 output is float). A float64 graph keeps the literal
encoding (:func:`skdistill.onnx._graph.one_hot_columns`). Like that encoding, a
category float32 cannot hold is never matched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skl2onnx.algebra.onnx_ops import (
    OnnxConcat,
    OnnxGather,
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


def _column_tree(tree_id: int, feature: int, values, rows, missing_row, zero):
    """Nodes and leaf targets of one categorical column's lookup tree.

    ``values`` are the column's categories (float32, sorted, distinct) and
    ``rows`` their weight rows; ``missing_row`` is the missing-value
    category's row or None. Returns ``(nodes, leaves)``: nodes as ``(tree id,
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
            hit, miss = leaf(rows[lo]), leaf(zero)
            nodes[node_id] = ("BRANCH_EQ", values[lo], hit, miss, 0)
        else:
            mid = (lo + hi) // 2
            left = search(lo, mid)
            nodes[node_id] = ("BRANCH_LEQ", values[mid], left, search(mid + 1, hi), 0)
        return node_id

    if missing_row is not None:
        root = add(None)
        hit = leaf(missing_row)
        rest = search(0, len(values) - 1) if len(values) else leaf(zero)
        nodes[root] = ("BRANCH_LT", -np.inf, hit, rest, 1)
    elif len(values):
        search(0, len(values) - 1)
    else:
        leaf(zero)
    return [(tree_id, feature, i, *node) for i, node in enumerate(nodes)], leaves


def _tree_attributes(one_hot: OneHotColumns, weights: np.ndarray) -> dict:
    """One lookup tree per categorical column; ``weights`` has a row per
    indicator (float64), the tree's targets are those rows in float32."""
    source, value, missing = one_hot.output_table()
    n_targets = weights.shape[1]
    zero = np.zeros(n_targets)
    all_nodes, targets = [], []
    for tree_id, column in enumerate(one_hot.categorical_):
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
            weights[kept],
            weights[missing_rows[0]] if len(missing_rows) else None,
            zero,
        )
        all_nodes.extend(nodes)
        targets.extend((tree_id, node_id, row) for node_id, row in leaves)
    tree_ids, features, ids, modes, thresholds, true_ids, false_ids, tracks = zip(
        *all_nodes, strict=True
    )
    return dict(
        n_targets=n_targets,
        aggregate_function="SUM",
        post_transform="NONE",
        nodes_treeids=list(tree_ids),
        nodes_nodeids=list(ids),
        nodes_featureids=list(features),
        nodes_modes=list(modes),
        nodes_values=np.asarray(thresholds, dtype=np.float32),
        nodes_truenodeids=list(true_ids),
        nodes_falsenodeids=list(false_ids),
        nodes_missing_value_tracks_true=list(tracks),
        target_treeids=np.repeat([t for t, _, _ in targets], n_targets).tolist(),
        target_nodeids=np.repeat([n for _, n, _ in targets], n_targets).tolist(),
        target_ids=np.tile(np.arange(n_targets), len(targets)).tolist(),
        target_weights=np.concatenate([row for _, _, row in targets]).astype(
            np.float32
        ),
    )


def fold_one_hot(transformers: list, net, dtype) -> OneHotFold | None:
    """The fold of ``OneHotColumns [-> SimpleImputer] [-> StandardScaler]``
    into ``net``'s first layer, or None when the steps are anything else."""
    if net is None or dtype != np.float32 or not transformers:
        return None
    one_hot, *rest = transformers
    if not isinstance(one_hot, OneHotColumns) or not len(one_hot.output_table()[0]):
        return None
    imputer = rest.pop(0) if rest and g._exact_imputer(rest[0]) else None
    scaler = rest.pop(0) if rest and isinstance(rest[0], StandardScaler) else None
    if rest:
        return None
    n_numeric = len(one_hot.numeric_)
    statistics = None
    if imputer is not None:
        statistics = np.asarray(imputer.statistics_, dtype=np.float64)[:n_numeric]
        if len(imputer.statistics_) != n_numeric + len(one_hot.output_table()[0]):
            return None
        if np.isnan(statistics).any():  # the imputer drops a column
            return None
    W, b = net.weights[0], net.biases[0].copy()
    mean = scale = None
    indicator_W = W[n_numeric:]
    if scaler is not None:
        mean, scale = _dense._scaler_arrays(scaler, W.shape[0])
        # an indicator h in {0, 1} scaled: (h - mean) / scale; its constant part
        # moves to the bias, its 0/1 part to the lookup
        indicator_W = indicator_W / scale[n_numeric:, None]
        b = b - (mean[n_numeric:] / scale[n_numeric:]) @ W[n_numeric:]
        mean, scale = mean[:n_numeric], scale[:n_numeric]
    n_hidden = W.shape[1]
    first = np.vstack([W[:n_numeric], np.eye(n_hidden)])
    folded = _dense.DenseNet(
        [first, *net.weights[1:]], [b, *net.biases[1:]], net.hidden, net.output
    )
    return OneHotFold(
        one_hot, statistics, mean, scale, _tree_attributes(one_hot, indicator_W), folded
    )


def folded_input(fold: OneHotFold, X, opv):
    """``[numeric columns (imputed, scaled), lookup sums]`` for ``fold.net``."""
    one_hot = fold.one_hot
    lookups = OnnxTreeEnsembleRegressor_1(X, op_version=1, **fold.trees)
    if not len(one_hot.numeric_):
        return lookups
    numeric = one_hot.numeric_.astype(np.int64)
    if not np.array_equal(numeric, np.arange(one_hot.n_features_in_)):
        X = OnnxGather(X, numeric, axis=1, op_version=opv)
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
    return OnnxConcat(X, lookups, axis=1, op_version=opv)


def dense_input(transformers: list, net, X, dtype, opv):
    """The input of a dense student's ``net`` and the net reading it.

    Folds the one-hot indicators into a lookup when :func:`fold_one_hot`
    applies; otherwise each transformer step is exported in turn.
    """
    fold = fold_one_hot(transformers, net, dtype)
    if fold is not None:
        return folded_input(fold, X, opv), fold.net
    for step in transformers:
        X = g.transform(step, X, dtype, opv)
    return X, net
