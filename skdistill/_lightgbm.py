"""Batch prediction of large LightGBM models, block of trees by block of trees.

LightGBM scores a dense matrix row by row: every row walks every tree. A
multiclass model grows ``n_classes`` trees per round (the default teacher's
LightGBM on the 26-class letter data: 36,114 trees of up to 31 leaves), so
each row streams the whole model through the CPU caches and the prediction is
bound by memory, not arithmetic: 11.4 ms a row there on one thread against
1.5 ms in blocks (``benchmarks/bench_teacher_predict.py``); XGBoost scores its
trees one by one over blocks of rows. Labelling a transfer set is exactly
this many-row case.

:func:`booster_predict` scores a batch in blocks of about ``_BLOCK_TREES``
trees (``start_iteration`` / ``num_iteration`` of ``Booster.predict``), sums
the raw scores and applies the objective's link (sigmoid, softmax or the
identity), so each block stays in cache while all rows pass through it. The
result equals LightGBM's own to rounding (the raw scores are summed in another
order: on letter the probabilities differ by at most 6.4e-15), and every
batch checks it: the first rows are also scored by LightGBM itself, and a
difference beyond rounding sends the whole batch to LightGBM. Batches under
``_MIN_ROWS`` rows, models under ``_MIN_TREES`` trees (they fit in cache
already), objectives whose link is not one of those three, and models whose
prediction is not a plain sum of tree outputs (``reg_sqrt``, random-forest
boosting, which averages, and ``pred_early_stop``, which approximates) are
predicted by LightGBM itself, unchanged. Each block call uses the model's own
thread count (``n_jobs``), as LightGBM's scikit-learn methods do.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax

#: Trees per prediction call when a batch is scored block by block, and the
#: model size (trees used) from which it is. Scratch timings that chose them
#: (one thread, 2,000 rows, the LightGBM members of cached default teachers,
#: against one call): letter (28,938 trees) 4.2x faster in blocks of 64 trees,
#: 3.6x in blocks of 256; casp (1,882 trees, regression) 1.30x; fars (1,386
#: trees) 0.99x; magic (490 trees) 0.81x, slower. Smaller models fit in cache
#: already, and each call has its own cost.
_BLOCK_TREES = 64
_MIN_TREES = 1_500
#: Batches with fewer rows are scored in one call (the per-call cost would
#: outweigh the cache gain for a few rows).
_MIN_ROWS = 256
#: Rows of each batch also scored by LightGBM itself, to check the blocks.
_CHECK_ROWS = 8
#: Aliases of LightGBM's thread-count parameter, before ``n_jobs``.
_THREAD_ALIASES = ("num_threads", "num_thread", "nthread", "nthreads")
#: Regression objectives whose prediction is the raw score itself.
_IDENTITY_OBJECTIVES = frozenset(
    {
        "regression",
        "regression_l2",
        "l2",
        "mean_squared_error",
        "mse",
        "l2_root",
        "root_mean_squared_error",
        "rmse",
        "regression_l1",
        "l1",
        "mean_absolute_error",
        "mae",
        "huber",
        "fair",
        "quantile",
        "mape",
        "mean_absolute_percentage_error",
    }
)


def _plain_sum(params: dict) -> bool:
    """Whether the prediction is a function of the plain sum of tree outputs."""
    boosting = {params.get(k) for k in ("boosting", "boosting_type", "boost")}
    if boosting & {"rf", "random_forest"}:  # averages its trees
        return False
    return not (params.get("reg_sqrt") or params.get("pred_early_stop"))


def _link(model, proba: bool):
    """The objective's link as a function of the raw scores, or None if unknown."""
    objective = getattr(model, "objective_", None)
    if not isinstance(objective, str):  # a custom (callable) objective
        return None
    if not _plain_sum(model.booster_.params):
        return None
    if not proba:
        return (lambda raw: raw) if objective in _IDENTITY_OBJECTIVES else None
    if objective == "binary":
        sigmoid = float(model.booster_.params.get("sigmoid", 1.0))

        def binary(raw):
            p1 = expit(sigmoid * raw)
            return np.column_stack([1.0 - p1, p1])

        return binary
    if objective in ("multiclass", "softmax"):
        return lambda raw: softmax(raw, axis=1)
    return None


def booster_predict(model, X: np.ndarray, *, proba: bool) -> np.ndarray:
    """``model.predict_proba(X)`` (``proba``) or ``model.predict(X)``, fast.

    Parameters
    ----------
    model : fitted LGBMClassifier or LGBMRegressor
        Predicted with its best iteration, as its own methods do.
    X : ndarray of shape (n_samples, n_features)
        Validated numeric rows.
    proba : bool
        Class probabilities (a classifier) or predictions (a regressor).

    Returns
    -------
    ndarray
        What the model's own method returns, equal to rounding.
    """
    own = model.predict_proba if proba else model.predict
    link = _link(model, proba) if len(X) >= _MIN_ROWS else None
    if link is None:
        return own(X)
    booster = model.booster_
    n_rounds = booster.best_iteration or booster.current_iteration()
    per_round = booster.num_model_per_iteration()
    if n_rounds * per_round < _MIN_TREES:
        return own(X)
    threads = _threads(model)
    if threads is None:
        return own(X)
    rounds_per_block = max(1, _BLOCK_TREES // per_round)
    raw = None
    for start in range(0, n_rounds, rounds_per_block):
        block = booster.predict(
            X,
            start_iteration=start,
            num_iteration=min(rounds_per_block, n_rounds - start),
            raw_score=True,
            num_threads=threads,
        )
        if raw is None:
            raw = block
        else:
            raw += block
    out = link(raw)
    head = own(X[:_CHECK_ROWS])
    if not np.allclose(out[:_CHECK_ROWS], head, rtol=1e-9, atol=1e-12):
        return own(X)  # a transform this module does not know: LightGBM's own
    return out


def _threads(model) -> int | None:
    """The thread count LightGBM's own predict would use, or None if unknown."""
    params = model.get_params()
    value = next(
        (params[k] for k in _THREAD_ALIASES if params.get(k) is not None),
        params.get("n_jobs"),
    )
    process = getattr(model, "_process_n_jobs", None)  # lightgbm >= 4.0
    if process is None:  # pragma: no cover - older lightgbm
        return None
    return int(process(value))
