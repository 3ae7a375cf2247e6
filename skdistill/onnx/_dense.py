"""Lean ONNX graphs for dense students: MLPs and linear models.

A fitted MLP or linear model is a chain of dense layers ``act(x @ W + b)``.
Exporting it through skl2onnx's own converters costs extra nodes per call
(``Cast``, ``MatMul`` + ``Add`` per layer, a ``Scaler`` in front,
``Sigmoid``/``Sub``/``Concat`` for binary probabilities), and for a single row
ONNX Runtime's cost is dominated by the number of kernels it runs (~0.5 µs each
on this project's machine, against ~5 µs for an empty call). This module writes
the chain directly:

* a ``StandardScaler`` just before the network is folded into the first layer
  (``W / scale`` and ``b - (mean / scale) @ W``), when that costs little
  precision (see :func:`within_fold_limit`);
* each layer is one ``Gemm`` (ONNX Runtime fuses ``Gemm`` + ``Relu``);
* for a classifier in a float32 graph the last layer is one ``LinearClassifier``
  (``ai.onnx.ml``) with a ``SOFTMAX`` post-transform, which returns the labels
  and the probabilities in a single kernel; a binary model's single logit ``z``
  becomes the two logits ``(0, z)``, since ``softmax(0, z) = (1 - sigmoid(z),
  sigmoid(z))`` is what scikit-learn returns;
* a regressor's target scaling (``* target_scale_ + target_mean_``) is folded
  into its last layer.

Every fold is computed in float64 with numpy and rounded once to the graph's
precision. The parity tests (``tests/onnx``) hold these graphs to the same
bounds as the skl2onnx route.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skl2onnx.algebra.onnx_ops import (
    OnnxArgMax,
    OnnxGather,
    OnnxGemm,
    OnnxIdentity,
    OnnxLinearClassifier,
    OnnxRelu,
    OnnxSigmoid,
    OnnxSoftmax,
    OnnxTanh,
)
from sklearn.linear_model import (
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

_HIDDEN = {"relu": OnnxRelu, "tanh": OnnxTanh, "logistic": OnnxSigmoid}
_LINEAR_REGRESSORS = (LinearRegression, Ridge, Lasso, ElasticNet)

#: Folding a scaler turns ``(x - mean) / scale`` into ``x / scale - mean / scale``;
#: a unit's rounding error then grows with ``sum_j |w_j| |mean_j| / scale_j``
#: instead of ``sum_j |w_j| |x_j - mean_j| / scale_j`` (about ``sum_j |w_j|``).
#: Folding is skipped when, for some unit of the layer, the ``|w|``-weighted
#: mean of ``|mean| / scale`` exceeds these limits: a feature such as a
#: calendar year, far from zero relative to its spread, carrying more than a
#: sliver of a unit's weight. The float32 limit comes from
#: ``benchmarks/results/fold_limit/study.py`` (a year among 5-400 ordinary
#: columns, MLP students, 63 cases): up to a weighted ratio of 5.0 the folded
#: graph's max |probability difference| stayed within 1.55x the kept
#: scaler's; the first case over 2x was at 6.75 (2.95x), and at 12-20 up to
#: 12x. Ordinary standardised columns give 1.4-3.3 on the benchmark
#: datasets' students, fars' linear student 1.7-2.5 and its MLP 5.5.
_FOLD_LIMIT = {np.float32: 6.0, np.float64: 100.0}


@dataclass
class DenseNet:
    """Dense layers ``(W, b)`` (float64), the hidden and output activations."""

    weights: list
    biases: list
    hidden: str  # 'relu', 'tanh', 'logistic' or 'identity'
    output: str  # 'identity', 'logistic' or 'softmax'

    @property
    def n_outputs(self) -> int:
        return self.weights[-1].shape[1]


def dense_net(estimator) -> DenseNet | None:
    """The layers of an MLP or linear model, or None for anything else."""
    if isinstance(estimator, (MLPClassifier, MLPRegressor)):
        if estimator.activation not in (*_HIDDEN, "identity"):
            return None
        return DenseNet(
            [np.asarray(w, dtype=np.float64) for w in estimator.coefs_],
            [np.asarray(b, dtype=np.float64) for b in estimator.intercepts_],
            estimator.activation,
            estimator.out_activation_,
        )
    if isinstance(estimator, LogisticRegression):
        coef = np.asarray(estimator.coef_, dtype=np.float64)
        output = "logistic" if coef.shape[0] == 1 else "softmax"
        return DenseNet(
            [coef.T],
            [np.asarray(estimator.intercept_, dtype=np.float64)],
            "identity",
            output,
        )
    if isinstance(estimator, _LINEAR_REGRESSORS):
        coef = np.asarray(estimator.coef_, dtype=np.float64)
        coef = coef.reshape(1, -1) if coef.ndim == 1 else coef
        bias = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
        bias = np.broadcast_to(bias, coef.shape[:1])
        return DenseNet([coef.T], [bias], "identity", "identity")
    return None


def _scaler_arrays(scaler: StandardScaler, n_features: int):
    mean = scaler.mean_ if scaler.with_mean else None
    scale = scaler.scale_ if scaler.with_std else None
    mean = np.zeros(n_features) if mean is None else np.asarray(mean, np.float64)
    scale = np.ones(n_features) if scale is None else np.asarray(scale, np.float64)
    return mean, scale


def within_fold_limit(mean, scale, weights, dtype) -> bool:
    """Whether a scaler of these columns folds into the layer of ``weights``
    (``(n_columns, n_units)``) without losing precision in ``dtype``: for every
    unit, ``sum_j |w_j| |mean_j| / scale_j <= limit * sum_j |w_j|`` (see
    ``_FOLD_LIMIT``): a column far from zero stops the fold only when it
    carries enough of some unit's weight."""
    weights = np.abs(np.asarray(weights, dtype=np.float64))
    ratio = np.abs(np.asarray(mean, dtype=np.float64)) / scale
    limit = _FOLD_LIMIT[np.dtype(dtype).type]
    return bool(np.all(ratio @ weights <= limit * weights.sum(axis=0)))


def split_steps(steps: list, dtype):
    """``(transformers, net)`` when the last step is dense, with a foldable
    scaler just before it folded into ``net``; ``(steps, None)`` otherwise."""
    *transformers, final = steps
    net = dense_net(final)
    if net is None:
        return steps, None
    if not transformers or not isinstance(transformers[-1], StandardScaler):
        return transformers, net
    mean, scale = _scaler_arrays(transformers[-1], net.weights[0].shape[0])
    if within_fold_limit(mean, scale, net.weights[0], dtype):
        transformers.pop()
        first = net.weights[0] / scale[:, None]
        net.biases[0] = net.biases[0] - mean @ first
        net.weights[0] = first
    return transformers, net


def _is_identity(W, b) -> bool:
    square = W.shape[0] == W.shape[1]
    return square and np.array_equal(W, np.eye(len(W))) and not np.any(b)


def _gemm(X, W, b, dtype, opv, output_names=None, addend=None):
    """``X @ W + b``, or ``X @ W + addend`` when ``addend`` (a graph tensor
    holding the bias already) is given. An identity layer without bias (the
    lookups of a folded one-hot student without numeric columns are already
    its first layer's output) is no node at all, or an ``Identity`` naming an
    output, which :func:`skdistill.onnx._api.prune` removes."""
    if addend is None and _is_identity(W, b):
        if output_names is None:
            return X
        return OnnxIdentity(X, op_version=opv, output_names=output_names)
    return OnnxGemm(
        X,
        W.astype(dtype),
        b.astype(dtype) if addend is None else addend,
        op_version=opv,
        output_names=output_names,
    )


def _hidden_layers(net: DenseNet, X, dtype, opv, addend=None):
    """The hidden layers; ``addend`` (if any) is added by the first one."""
    for W, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        X = _gemm(X, W, b, dtype, opv, addend=addend)
        addend = None
        if net.hidden in _HIDDEN:
            X = _HIDDEN[net.hidden](X, op_version=opv)
    return X


def output_scaled(net: DenseNet, scale, mean) -> DenseNet:
    """A regressor net whose last layer also computes ``* scale + mean``."""
    W, b = net.weights[-1], net.biases[-1]
    W = W * np.asarray(scale, np.float64).reshape(1, -1)
    b = b * np.asarray(scale, np.float64).reshape(-1) + np.asarray(
        mean, np.float64
    ).reshape(-1)
    return DenseNet(
        [*net.weights[:-1], W], [*net.biases[:-1], b], net.hidden, net.output
    )


def _two_logits(net: DenseNet):
    """Last layer giving the logits whose softmax is the model's probabilities."""
    W, b = net.weights[-1], net.biases[-1]
    if net.output == "logistic":  # softmax(0, z) = (1 - sigmoid(z), sigmoid(z))
        W = np.hstack([np.zeros_like(W), W])
        b = np.concatenate([np.zeros_like(b), b])
    return W, b


def classifier_proba_logits(net: DenseNet, n_classes: int) -> bool:
    """Whether ``softmax`` of the net's last layer is its ``predict_proba``."""
    if net.output == "logistic":
        return n_classes == 2 and net.n_outputs == 1
    return net.output == "softmax" and net.n_outputs == n_classes


def classifier(net: DenseNet, X, classes, dtype, opv, output_names, addend=None):
    """Labels and probabilities of a softmax classifier net.

    ``classes`` is the label table (int64 or str) for a ``LinearClassifier``
    node (float32 graphs) or any table ``Gather`` can read. ``addend`` (a
    tensor added by the first hidden layer, see :func:`_gemm`) needs one.
    """
    if addend is not None and len(net.weights) < 2:
        raise ValueError("an addend needs a hidden layer to add it")
    label_name, proba_name = output_names
    hidden = _hidden_layers(net, X, dtype, opv, addend)
    W, b = _two_logits(net)
    if dtype == np.float32 and classes.dtype.kind in "iO":
        labels = (
            {"classlabels_ints": classes.astype(np.int64).tolist()}
            if classes.dtype.kind == "i"
            else {"classlabels_strings": [str(c) for c in classes]}
        )
        node = OnnxLinearClassifier(
            hidden,
            coefficients=W.T.astype(np.float32).ravel().tolist(),
            intercepts=b.astype(np.float32).tolist(),
            post_transform="SOFTMAX",
            op_version=1,
            output_names=[label_name, proba_name],
            **labels,
        )
        return [node]
    proba = OnnxSoftmax(
        _gemm(hidden, W, b, dtype, opv),
        axis=1,
        op_version=opv,
        output_names=[proba_name],
    )
    if classes.dtype.kind == "i" and np.array_equal(classes, np.arange(len(classes))):
        # the class index is the label
        label = OnnxArgMax(
            proba, axis=1, keepdims=0, op_version=opv, output_names=[label_name]
        )
    else:
        index = OnnxArgMax(proba, axis=1, keepdims=0, op_version=opv)
        label = OnnxGather(
            classes, index, axis=0, op_version=opv, output_names=[label_name]
        )
    return [proba, label]


def raw_output(net: DenseNet, X, dtype, opv, output_names=None, addend=None):
    """The net's output, (N, n_outputs).

    The output activation is applied (sigmoid / softmax) unless the net is a
    regressor ('identity' output); a regressor's target scaling is folded into
    the net beforehand (:func:`output_scaled`). ``addend`` is a tensor the
    first layer adds instead of its bias.
    """
    hidden = _hidden_layers(net, X, dtype, opv, addend)
    if len(net.weights) > 1:
        addend = None  # added by the first hidden layer
    W, b = net.weights[-1], net.biases[-1]
    if net.output == "logistic":
        out = _gemm(hidden, W, b, dtype, opv, addend=addend)
        return OnnxSigmoid(out, op_version=opv, output_names=output_names)
    if net.output == "softmax":
        out = _gemm(hidden, W, b, dtype, opv, addend=addend)
        return OnnxSoftmax(out, axis=1, op_version=opv, output_names=output_names)
    return _gemm(hidden, W, b, dtype, opv, output_names, addend=addend)
