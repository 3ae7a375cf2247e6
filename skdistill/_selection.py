"""Choosing the student under a budget (``student="auto"``).

Every candidate (tree sizes, MLP sizes, a linear model) is trained on the
transfer rows derived from 80% of the real training rows and scored by its
fidelity to the teacher on the other 20% (real rows only). Its cost is measured
where it will be paid, in ONNX Runtime: single-row median latency (one
intra-op thread, cached session) and the size of the ONNX file, of the
float32 graph the distiller exports with that candidate as its student (lean
dense layers, lookup trees for categorical columns), not skl2onnx's graph of
the bare candidate. (A float64 export of the same student can be slower.) The most
faithful candidate within the budget wins and is refitted on the whole transfer
set. Every candidate's figures are kept in ``student_search_``.
"""

from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split

from ._students import final_estimator, resolve_student

#: Single-row latency is the median of this many ONNX Runtime calls.
LATENCY_CALLS = 300


def candidate_students(
    task: str, random_state=None, categorical=None
) -> list[tuple[str, object]]:
    """The candidates ``student='auto'`` searches, smallest first per family.

    Each is built by :func:`~skdistill._students.resolve_student`, as the
    distillers build an alias, so ``categorical`` (a mask or column indices)
    reaches the families that take it (``ONE_HOT_FAMILIES``: the linear one).

    Examples
    --------
    >>> from skdistill._selection import candidate_students
    >>> [name for name, _ in candidate_students("classification")][:5]
    ['tree-d3', 'tree-d6', 'tree-d8', 'tree-d10', 'mlp-16']
    """
    out = []
    for depth in (3, 6, 8, 10):
        tree = resolve_student("tree", task, random_state, categorical)
        tree.set_params(max_depth=depth)
        out.append((f"tree-d{depth}", tree))
    for name, layers in (("16", (16,)), ("32x32", (32, 32)), ("64x64", (64, 64))):
        mlp = resolve_student("mlp", task, random_state, categorical)
        mlp.set_params(**{f"{mlp.steps[-1][0]}__hidden_layer_sizes": layers})
        out.append((f"mlp-{name}", mlp))
    out.append(("linear", resolve_student("linear", task, random_state, categorical)))
    return out


def student_onnx(student, X_sample: np.ndarray):
    """The bare student converted by skl2onnx (classifiers without ZipMap)."""
    from skl2onnx import to_onnx

    options = None
    final = final_estimator(student)
    if is_classifier(final):
        options = {id(final): {"zipmap": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return to_onnx(student, np.asarray(X_sample[:1], np.float32), options=options)


def onnx_cost(student, X_sample: np.ndarray, export=None) -> tuple[float, int]:
    """Single-row median latency (seconds) and ONNX size (bytes) of a student.

    ``export(student, X_sample)`` gives the ONNX model to measure: the graph
    the fitted distiller would export with this student (what
    :func:`skdistill.to_onnx` writes), or by default :func:`student_onnx`.
    """
    from .onnx._api import timing_session

    sample = np.asarray(X_sample[:1], dtype=np.float32)
    onx = (export or student_onnx)(student, sample)
    payload = onx.SerializeToString()
    sess = timing_session(payload)
    feed = {sess.get_inputs()[0].name: sample}
    sess.run(None, feed)
    times = np.empty(LATENCY_CALLS)
    for i in range(LATENCY_CALLS):
        t0 = time.perf_counter()
        sess.run(None, feed)
        times[i] = time.perf_counter() - t0
    return float(np.median(times)), len(payload)


def _holdout_rows(n_real: int, source: np.ndarray, y_strat, seed: int):
    idx = np.arange(n_real)
    try:
        fit_real, val_real = train_test_split(
            idx, test_size=0.2, random_state=seed, stratify=y_strat
        )
    except ValueError:  # too few rows of a class to stratify
        fit_real, val_real = train_test_split(idx, test_size=0.2, random_state=seed)
    in_fit = np.zeros(n_real, dtype=bool)
    in_fit[fit_real] = True
    # transfer rows derived from held-out real rows are excluded from fitting
    return np.flatnonzero(in_fit[source]), np.sort(val_real)


def search_students(
    task: str,
    X_transfer: np.ndarray,
    targets: np.ndarray,
    source: np.ndarray,
    weights: np.ndarray | None,
    n_real: int,
    teacher_reference: np.ndarray,
    fit_student,
    budget: dict | None,
    seed: int,
    categorical=None,
    export=None,
) -> tuple[object, list[dict]]:
    """Fit every candidate, measure fidelity and ONNX cost, pick within budget.

    Parameters
    ----------
    fit_student : callable
        ``fit_student(student, X, targets, weights)`` returning the fitted
        student (the distiller's own way of training students).
    teacher_reference : ndarray
        For classification the teacher's class index of each real row, for
        regression the teacher's (standardised) predictions of the real rows.
    budget : dict or None
        ``{"latency_us": float, "onnx_bytes": int}``, either key optional.
    categorical : ndarray of bool or None
        The categorical columns, for the candidates (see
        :func:`candidate_students`).
    export : callable or None
        ``export(student, X_sample)``: the ONNX model whose cost is measured
        (see :func:`onnx_cost`).

    Returns
    -------
    best : estimator
        The chosen candidate, refitted on all transfer rows.
    results : list of dict
        One entry per candidate: ``name``, ``fidelity``, ``latency_us``,
        ``onnx_bytes``, ``within_budget``, ``chosen``.
    """
    budget = budget or {}
    classification = task == "classification"
    strat = teacher_reference if classification else None
    fit_rows, val_rows = _holdout_rows(n_real, source, strat, seed)
    w_fit = None if weights is None else weights[fit_rows]
    candidates = candidate_students(task, seed, categorical)
    results = []
    for name, candidate in candidates:
        student = fit_student(
            clone(candidate), X_transfer[fit_rows], targets[fit_rows], w_fit
        )
        if classification:
            pred = _predict_index(student, X_transfer[val_rows])
            fidelity = float(np.mean(pred == teacher_reference[val_rows]))
        else:
            pred = np.asarray(student.predict(X_transfer[val_rows]))
            fidelity = float(r2_score(teacher_reference[val_rows], pred))
        latency, size = onnx_cost(student, X_transfer[val_rows], export)
        within = latency * 1e6 <= budget.get(
            "latency_us", np.inf
        ) and size <= budget.get("onnx_bytes", np.inf)
        results.append(
            {
                "name": name,
                "fidelity": fidelity,
                "latency_us": latency * 1e6,
                "onnx_bytes": size,
                "within_budget": bool(within),
                "chosen": False,
            }
        )
    eligible = [i for i, r in enumerate(results) if r["within_budget"]]
    if not eligible:
        cheapest = min(results, key=lambda r: (r["latency_us"], r["onnx_bytes"]))
        raise ValueError(
            f"No student meets the budget {budget}: the cheapest candidate "
            f"({cheapest['name']}) needs {cheapest['latency_us']:.1f} µs per row "
            f"and {cheapest['onnx_bytes']:,} ONNX bytes. Loosen student_budget."
        )
    # most faithful; ties broken by the cheaper (earlier, smaller) candidate
    best = max(eligible, key=lambda i: (round(results[i]["fidelity"], 6), -i))
    results[best]["chosen"] = True
    chosen = fit_student(clone(candidates[best][1]), X_transfer, targets, weights)
    return chosen, results


def _predict_index(student, X) -> np.ndarray:
    """Class index predicted by a candidate (all are soft-target classifiers)."""
    return np.asarray(student.classes_)[np.argmax(student.predict_proba(X), axis=1)]


def check_budget(budget) -> dict:
    """Validate ``student_budget``: keys 'latency_us' and/or 'onnx_bytes' > 0."""
    if budget is None:
        return {}
    unknown = sorted(set(budget) - {"latency_us", "onnx_bytes"})
    if unknown:
        raise ValueError(
            f"student_budget has unknown keys {unknown}; use 'latency_us' "
            "(single-row ONNX Runtime latency) and/or 'onnx_bytes'."
        )
    for key, value in budget.items():
        number = isinstance(value, numbers.Real) and not isinstance(
            value, (bool, np.bool_)
        )
        if not (number and value > 0):
            raise ValueError(f"student_budget[{key!r}] must be > 0; got {value!r}.")
    return dict(budget)
