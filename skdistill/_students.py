"""Student families and the adapters that train them on soft targets.

A student is any scikit-learn classifier or regressor. How it learns from the
teacher's soft targets depends on what it is (``mode``):

``"soft_cross_entropy"``
    A classifier whose ``fit`` accepts ``sample_weight``: every transfer row is
    repeated once per class with weight ``row_weight * q_k``. The weighted
    log-loss is then exactly the soft cross-entropy ``-sum_k q_k log p_k``, so
    logistic regression and MLP classifiers reach the soft-target optimum.
    A plain :class:`~sklearn.tree.DecisionTreeClassifier` (the ``'tree'``
    student) gets the same tree from a regression tree grown on the
    probability vectors, each row once (:func:`_grow_on_proba`).
    A :class:`~skdistill.SoftTargetMLPClassifier` (the ``'mlp'`` student) gets
    the probability rows themselves instead: the same loss on ``1/k`` of the
    rows.
``"regress_proba"``
    A regressor fitted to the probability vector (one output per class; one
    output, ``P(class 1)``, for binary problems). Used by default for tree
    regressors: a leaf predicts the mean of its rows' probability vectors, which
    is itself a valid probability vector.
``"regress_logits"``
    A regressor fitted to centred logits (Ba & Caruana 2014); one output, the log
    odds, for binary problems. Probabilities are recovered with softmax, so they
    are always valid. Used by default for all other regressors.
``"teacher_labels"``
    A classifier that accepts no ``sample_weight`` learns the teacher's most
    probable class on every transfer row (model extraction); a warning says so.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.special import entr, expit
from sklearn import config_context
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.ensemble._forest import BaseForest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import (
    BaseDecisionTree,
    DecisionTreeClassifier,
    DecisionTreeRegressor,
)
from sklearn.tree._tree import Tree
from sklearn.utils import get_tags
from sklearn.utils.validation import has_fit_parameter

from ._binning import BinnedColumns
from ._categorical import OneHotColumns, column_indices
from ._soft_mlp import SoftTargetMLPClassifier
from ._soft_targets import proba_to_logits

STUDENT_ALIASES = ("tree", "mlp", "linear")
STUDENT_MODES = (
    "soft_cross_entropy",
    "regress_proba",
    "regress_logits",
    "teacher_labels",
)
#: Repeated rows whose soft-target weight is below this are dropped: their share
#: of the soft cross-entropy is below 1e-6 and they would only cost time.
_MIN_CLASS_WEIGHT = 1e-6

#: Rows copied at a time by :func:`gather_rows`.
_GATHER_CHUNK = 65_536

#: Original rows expanded at a time by :func:`soft_cross_entropy_rows` (a block's
#: float64 gather of 50 features is 3 MiB per class).
_ROW_BLOCK = 8_192

_DEFAULT_TREE = dict(max_leaf_nodes=1024, min_samples_leaf=10)
#: The classification tree's leaves: 5 rows. Until the tree was grown on the
#: probability vectors it counted (row, class) pairs of the repeated rows, 10
#: of them: 5 rows of a binary task (the same test accuracy on 9 of 9 splits of
#: adult, magic and telco churn), 1 to 10 rows of letter's 26 classes (10 rows
#: cost letter 0.5-0.8 accuracy points on 3 of 3 seeds, 5 rows 0-0.2;
#: ``benchmarks/results/tree_leaf_size``).
_DEFAULT_CLASSIFICATION_TREE = dict(max_leaf_nodes=1024, min_samples_leaf=5)
_DEFAULT_MLP = dict(
    hidden_layer_sizes=(32, 32),
    alpha=1e-4,
    learning_rate_init=1e-3,
    max_iter=200,
)


def _scaled(estimator, name: str | None = None, categorical=None):
    """Median imputation and standard scaling in front of a scale-sensitive model.

    The steps are named as :func:`~sklearn.pipeline.make_pipeline` names them,
    the last one ``name`` when given. With ``categorical`` column indices, a
    :class:`~skdistill._categorical.OneHotColumns` step comes first (indicators
    added to the codes, which stay: ordered codes keep their order).
    """
    steps = [SimpleImputer(strategy="median", keep_empty_features=True)]
    steps += [StandardScaler(), estimator]
    if categorical:
        steps.insert(0, OneHotColumns(categorical=list(categorical), keep_codes=True))
    pipe = make_pipeline(*steps)
    if name is not None:
        pipe.steps[-1] = (name, estimator)
    return pipe


def _categorical_columns(categorical) -> list[int]:
    """Column indices from a boolean mask or indices (None: none)."""
    if categorical is None:
        return []
    values = np.asarray(categorical)
    if values.ndim > 1:
        raise ValueError(
            f"categorical must be 1-D (column indices or a boolean mask); got "
            f"shape {values.shape}."
        )
    return column_indices(values).tolist()


def make_student(alias: str, task: str, random_state=None, categorical=None):
    """Return the unfitted student for a family alias.

    Parameters
    ----------
    alias : {'tree', 'mlp', 'linear'}
        ``'tree'``: a tree grown best-first to at most 1,024 leaves (2,047
        nodes, at least 5 rows a leaf for classification, 10 for
        regression). Capacity matters more than depth
        limits: a depth-6 tree was capacity-bound and gained nothing from
        distillation. The transfer set (real plus synthetic rows, all labelled
        by the teacher) lets a distilled tree use more leaves than the same
        tree fitted on the labels, which overfits them. Against 256 leaves, the
        distilled 1,024-leaf tree was better on 14 of 15 (dataset, seed) splits
        of adult, bikeshare, casp, diamonds, fars, magic and telco churn
        (default teacher, 2x MUNGE; +0.003 accuracy on adult and magic, +0.008
        R^2 on bikeshare, +0.064 on casp; telco seed 1 -0.005;
        ``benchmarks/results/quality_sizes_sweep/capacity_summary.md``); 2,048
        leaves gained little more (casp +0.015, diamonds +0.001) at twice the
        size. For classification
        a :class:`~sklearn.tree.DecisionTreeClassifier` with the entropy
        criterion trained on the soft cross-entropy: its split criterion is
        then the soft-target log-loss and a leaf predicts the mean soft target
        of its rows (grown as a Poisson regression tree on the probability
        vectors, which chooses the same splits with each row once; on digits
        this beat a regression tree on the probability
        vectors, 84-86% against 77% accuracy). For regression a
        :class:`~sklearn.tree.DecisionTreeRegressor` on the teacher's
        predictions. ``'mlp'``: a 32x32 MLP behind median
        imputation and standard scaling; for classification a
        :class:`~skdistill.SoftTargetMLPClassifier` (an ``MLPClassifier``
        that fits the probability vectors themselves, with the soft
        cross-entropy), for regression an ``MLPRegressor``.
        ``'linear'``: logistic regression (soft cross-entropy, ``C=3``) or
        ridge regression on :class:`~skdistill.BinnedColumns`: each numeric
        column cut into at most 128 quantile bins and written as one 0/1
        column ``x >= edge`` per bin edge (thermometer encoding), one column
        per category of each categorical column and one for missing values,
        so that each column adds a step function of its value to the logits
        (an additive model; its weights are one small table, and it exports
        to ONNX as one tree-ensemble node, with a ``Softmax`` and an
        ``ArgMax`` for two classes). A weight is the step at its edge, so the
        L2 penalty smooths each curve rather than shrinking it to a constant.
        Distilled with the library defaults from the default teacher (no
        synthetic rows; 3 seeds, ``benchmarks/README.md``), against one-hot
        bins (at most 32, ``C=10``): accuracy adult 0.857 to 0.870, letter
        0.868 to 0.877, fars 0.677 to 0.678, telco churn 0.805 to 0.805,
        magic 0.856 to 0.852 with its ECE 0.024 to 0.019 (the calibrated
        teacher's: 0.011); R^2 casp 0.358 to 0.368, diamonds 0.986 to 0.988,
        bikeshare 0.700 to 0.702 (scratch study of bins and ``C``:
        ``benchmarks/results/linear_bins``, section 4). ``C=3``: less
        (1, 0.3) leaves letter's 26-class student under-confident (ECE 0.027,
        0.063), more (10) over-confident (0.024). Against logistic and ridge
        regression on imputed, standardised columns (earlier versions):
        letter 0.772, magic 0.790, adult 0.850, casp 0.285.
    task : {'classification', 'regression'}
    random_state : int or None
        Seed of the student (trees and MLPs).
    categorical : array-like of bool or int, default=None
        The categorical columns (a mask or indices). MLP students then get one
        0/1 column per category seen in ``fit`` besides the codes
        (:class:`~skdistill._categorical.OneHotColumns` with
        ``keep_codes=True``), linear students one per category instead of
        bins; trees split on the codes as they are. The distillers pass the
        columns they know (``categorical_features``) to the ``'linear'``
        alias only: a linear model cannot use a code as a magnitude
        (distilled, 3 seeds, logistic and ridge regression on standardised
        columns: adult accuracy 0.826 to 0.850, bikeshare R^2 0.374 to 0.681,
        diamonds 0.967 to 0.971). For the MLP the indicators helped where the
        codes are nominal (adult +0.002, fars +0.014 at seed 0) and cost where
        they are ordered (bikeshare -0.006 R^2, diamonds and telco churn
        -0.001), so ``'mlp'`` keeps the codes unless asked:
        ``student=make_student('mlp', task, categorical=mask)``.

    Examples
    --------
    >>> from skdistill import make_student
    >>> make_student("tree", "classification")
    DecisionTreeClassifier(criterion='log_loss', max_leaf_nodes=1024,
                           min_samples_leaf=5)
    >>> make_student("linear", "regression", categorical=[2])
    Pipeline(steps=[('binnedcolumns', BinnedColumns(categorical=[2])),
                    ('ridge', Ridge())])
    >>> make_student("linear", "classification")[-1]
    LogisticRegression(C=3.0, max_iter=1000)
    """
    if task not in ("classification", "regression"):
        raise ValueError(
            f"task={task!r} is not a task; use 'classification' or 'regression'."
        )
    classification = task == "classification"
    if alias == "tree":
        if classification:
            return DecisionTreeClassifier(
                criterion="log_loss",
                **_DEFAULT_CLASSIFICATION_TREE,
                random_state=random_state,
            )
        return DecisionTreeRegressor(**_DEFAULT_TREE, random_state=random_state)
    columns = _categorical_columns(categorical)
    if alias == "mlp":
        if classification:  # step named as for an MLPClassifier
            mlp = SoftTargetMLPClassifier(**_DEFAULT_MLP, random_state=random_state)
            return _scaled(mlp, "mlpclassifier", columns)
        mlp = MLPRegressor(**_DEFAULT_MLP, random_state=random_state)
        return _scaled(mlp, None, columns)
    if alias == "linear":  # categorical None: the distiller's columns
        bins = BinnedColumns(categorical=None if categorical is None else columns)
        if classification:
            return make_pipeline(bins, LogisticRegression(C=3.0, max_iter=1000))
        return make_pipeline(bins, Ridge(alpha=1.0))
    raise ValueError(
        f"student={alias!r} is not a known family; use one of {STUDENT_ALIASES} "
        "or a scikit-learn classifier/regressor instance."
    )


def _final_path(estimator) -> tuple[list[str], object]:
    """The step names down to a Pipeline's final estimator (through nested
    Pipelines), and that estimator; ``([], estimator)`` for any other."""
    names = []
    while isinstance(estimator, Pipeline):
        name, estimator = estimator.steps[-1]
        names.append(name)
    return names, estimator


def final_estimator(estimator):
    """The last step of a Pipeline (recursively), or the estimator itself."""
    return _final_path(estimator)[1]


def input_step(estimator):
    """The step that reads a Pipeline's input (through nested Pipelines), or
    the estimator itself."""
    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[0][1]
    return estimator


def allows_nan(estimator) -> bool:
    """Whether ``estimator`` accepts missing values (a Pipeline: its first step)."""
    return bool(get_tags(input_step(estimator)).input_tags.allow_nan)


def supports_multi_output(estimator) -> bool:
    """Whether a regressor (or a Pipeline's final regressor) fits 2-D targets."""
    return bool(get_tags(final_estimator(estimator)).target_tags.multi_output)


def accepts_sample_weight(estimator) -> bool:
    """Whether ``estimator`` (a Pipeline: its final step) takes sample_weight."""
    try:
        return has_fit_parameter(final_estimator(estimator), "sample_weight")
    except (TypeError, ValueError):  # pragma: no cover - exotic signatures
        return False


def _weight_parameter(estimator) -> str:
    """The fit parameter that reaches ``estimator``'s final estimator: a
    Pipeline's is ``<last step>__sample_weight``, nested ones' chain the names
    (``outer__inner__sample_weight``)."""
    return "__".join([*_final_path(estimator)[0], "sample_weight"])


def request_weights(estimator) -> None:
    """Make ``estimator`` route ``sample_weight`` as skdistill does without
    metadata routing (routing must be on): a Pipeline's last step requests
    it and its other steps do not (scalers ignore weights), a voting or
    stacking ensemble's members request it, and so does a plain estimator
    that takes it."""
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps[:-1]:
            if hasattr(step, "set_fit_request") and has_fit_parameter(
                step, "sample_weight"
            ):
                step.set_fit_request(sample_weight=False)
        request_weights(estimator.steps[-1][1])
        return
    members = getattr(estimator, "estimators", None)
    if isinstance(members, list):
        for _, member in members:
            if not isinstance(member, str):  # 'drop'
                request_weights(member)
        return
    if hasattr(estimator, "set_fit_request") and has_fit_parameter(
        estimator, "sample_weight"
    ):
        estimator.set_fit_request(sample_weight=True)


def fit_weighted(estimator, X, y, sample_weight):
    """Fit ``estimator`` with ``sample_weight`` routed to where it belongs.

    A Pipeline's final estimator (inside nested Pipelines too) receives them
    (scalers ignore weights); a
    :class:`~sklearn.multioutput.MultiOutputRegressor` or a voting ensemble
    forwards them itself. The fit runs with scikit-learn's metadata routing
    off, so the weights skdistill makes (the soft targets of a repeated-rows
    fit) reach the final estimator the same way whether or not the user
    enabled routing: under routing a Pipeline refuses ``<step>__sample_weight``
    and its steps would each need a request set. One exception runs routed:
    a ``MultiOutputRegressor`` around an estimator that takes the weights
    only through ``**fit_params`` (a Pipeline, a ``VotingRegressor``), which
    scikit-learn's unrouted path refuses ("does not support sample weights");
    :func:`request_weights` then sets the same routes on it.
    """
    if (
        sample_weight is not None
        and isinstance(estimator, MultiOutputRegressor)
        and not has_fit_parameter(estimator.estimator, "sample_weight")
    ):
        with config_context(enable_metadata_routing=True):
            request_weights(estimator.estimator)
            return estimator.fit(X, y, sample_weight=sample_weight)
    with config_context(enable_metadata_routing=False):
        if sample_weight is None:
            return estimator.fit(X, y)
        return estimator.fit(X, y, **{_weight_parameter(estimator): sample_weight})


def _is_tree_like(estimator) -> bool:
    est = final_estimator(estimator)
    if isinstance(est, MultiOutputRegressor):
        est = est.estimator
    return isinstance(est, (BaseDecisionTree, BaseForest))


def student_mode(student, student_target: str) -> str:
    """How ``student`` learns from soft targets (see the module docstring)."""
    if is_classifier(student):
        if accepts_sample_weight(student):
            return "soft_cross_entropy"
        return "teacher_labels"
    if student_target == "proba":
        return "regress_proba"
    if student_target == "logits":
        return "regress_logits"
    return "regress_proba" if _is_tree_like(student) else "regress_logits"


def check_student(student, task: str, name: str = "student"):
    """Raise a clear error when ``student`` cannot serve for ``task``."""
    if not (hasattr(student, "fit") and hasattr(student, "predict")):
        raise TypeError(
            f"{name} must be a scikit-learn estimator with fit and predict; got "
            f"{type(student).__name__}."
        )
    if task == "classification":
        if not (is_classifier(student) or is_regressor(student)):
            raise TypeError(
                f"{name} must be a classifier or a regressor to learn soft targets; "
                f"{type(student).__name__} is neither (estimator type "
                f"{get_tags(student).estimator_type!r})."
            )
    elif not is_regressor(student):
        raise TypeError(
            f"{name} must be a regressor for DistilledRegressor; "
            f"{type(student).__name__} is not (estimator type "
            f"{get_tags(student).estimator_type!r})."
        )


def _regression_targets(soft: np.ndarray, mode: str) -> np.ndarray:
    """Targets of a regressor student for soft-target rows."""
    binary = soft.shape[1] == 2
    if mode == "regress_proba":
        return soft[:, 1] if binary else soft
    logits = proba_to_logits(soft)
    return logits[:, 1] - logits[:, 0] if binary else logits


def prepare_regressor(student, n_outputs: int):
    """Wrap a single-output regressor so it can fit ``n_outputs`` targets."""
    if n_outputs > 1 and not supports_multi_output(student):
        return MultiOutputRegressor(student)
    return student


def soft_cross_entropy_rows(X, soft, sample_weight=None, dtype=None, class_dtype=None):
    """Repeat each row once per class, weighted by its soft target.

    Returns ``(X_rep, class_index, weight)``: a classifier's weighted log-loss on
    them is the soft cross-entropy of the original rows. Pairs whose weight is
    below ``1e-6`` of the row's weight are dropped. ``dtype`` casts the repeated
    rows (trees work in float32 anyway, so they get float32 and no extra copy);
    ``class_dtype`` is the integer type of ``class_index`` (default ``intp``).

    The three outputs are filled block by block of :data:`_ROW_BLOCK` rows, so
    besides them only one block's temporaries exist at a time: no full-length
    row-index array, weight matrix or gathered float64 copy is ever built (at
    1,000,000 synthetic rows of 50 features each of those is 4-8% of the
    transfer matrix). The result is the same, element for element, as
    repeating all rows at once.
    """
    n, n_classes = soft.shape
    dtype = X.dtype if dtype is None else np.dtype(dtype)
    class_dtype = np.intp if class_dtype is None else np.dtype(class_dtype)
    blocks = range(0, n, _ROW_BLOCK)

    def block(start):
        stop = min(start + _ROW_BLOCK, n)
        base_w = (
            np.ones(stop - start)
            if sample_weight is None
            else sample_weight[start:stop]
        )
        weights = soft[start:stop] * base_w[:, None]
        return weights, weights >= _MIN_CLASS_WEIGHT * base_w[:, None]

    counts = [int(np.count_nonzero(block(start)[1])) for start in blocks]
    n_rep = sum(counts)
    X_rep = np.empty((n_rep, X.shape[1]), dtype=dtype)
    classes = np.empty(n_rep, dtype=class_dtype)
    rep_weight = np.empty(n_rep, dtype=np.float64)
    pos = 0
    for start, count in zip(blocks, counts, strict=True):
        weights, keep = block(start)
        rows, cls = np.nonzero(keep)
        stop = pos + count
        if dtype == X.dtype:
            np.take(X, rows + start, axis=0, out=X_rep[pos:stop])
        else:
            X_rep[pos:stop] = X[rows + start]
        classes[pos:stop] = cls
        rep_weight[pos:stop] = weights[rows, cls]
        pos = stop
    return X_rep, classes, rep_weight


def gather_rows(X: np.ndarray, rows: np.ndarray, dtype=None) -> np.ndarray:
    """``X[rows]`` cast to ``dtype``, built chunk by chunk without a temporary.

    Casting ``X[rows]`` afterwards would first materialise the gathered matrix
    in ``X``'s dtype; filling a preallocated array keeps the peak at the output
    plus one small chunk.
    """
    dtype = X.dtype if dtype is None else np.dtype(dtype)
    if dtype == X.dtype:
        return X[rows]
    out = np.empty((len(rows), X.shape[1]), dtype=dtype)
    step = _GATHER_CHUNK
    for start in range(0, len(rows), step):
        out[start : start + step] = X[rows[start : start + step]]
    return out


def continue_mlp_training(student, mode, X, targets, sample_weight, epochs: int):
    """Train a fitted MLP student (or Pipeline ending in one) for more epochs.

    The Pipeline's fitted preprocessing is kept as it is (refitting the scaler
    would move the inputs under the learnt weights); the MLP continues from its
    weights with ``partial_fit``, one pass over the rows per epoch. Returns the
    student, updated in place.
    """
    if isinstance(student, Pipeline):
        Xt = student[:-1].transform(X)
        mlp = student.steps[-1][1]
    else:
        Xt, mlp = X, student
    if learns_soft_targets(mlp):
        for _ in range(epochs):
            mlp.partial_fit(Xt, targets, sample_weight=sample_weight)
    elif is_classifier(mlp):
        X_rep, y_rep, w_rep = soft_cross_entropy_rows(Xt, targets, sample_weight)
        for _ in range(epochs):
            mlp.partial_fit(X_rep, y_rep, sample_weight=w_rep)
    else:
        for _ in range(epochs):
            mlp.partial_fit(Xt, targets, sample_weight=sample_weight)
    return student


def fit_classifier_student(
    student,
    mode: str,
    X: np.ndarray,
    soft: np.ndarray,
    sample_weight: np.ndarray | None,
):
    """Fit a (cloned) student to soft targets ``soft`` of shape (n, n_classes).

    Returns the fitted student; for ``'soft_cross_entropy'`` and
    ``'teacher_labels'`` its classes are the integers ``0 .. n_classes-1``.

    ``X`` may be handed over as a one-element list holding the matrix: the
    list is emptied, so that when the caller keeps no other reference a tree
    student's fit can free the float64 matrix once its own float32 rows are
    built (peak memory at 1,000,000 rows, ``benchmarks/bench_scaling.py``:
    1.56 copies of the matrix for the default tree, grown on the probability
    vectors; 2.13 when it still repeated the rows, 2.35 before the
    hand-over).
    """
    if mode == "soft_cross_entropy" and isinstance(
        student, (BaseDecisionTree, BaseForest)
    ):
        return _fit_tree_soft_cross_entropy(student, X, soft, sample_weight)
    X = _take(X)
    if mode == "soft_cross_entropy" and learns_soft_targets(student):
        return fit_weighted(student, X, soft, sample_weight)
    if mode == "soft_cross_entropy":
        return fit_weighted(student, *soft_cross_entropy_rows(X, soft, sample_weight))
    if mode == "teacher_labels":
        if sample_weight is not None:
            warnings.warn(
                f"The student {type(student).__name__} does not accept sample_weight;"
                " it is fitted without it.",
                UserWarning,
                stacklevel=3,
            )
        return student.fit(X, np.argmax(soft, axis=1))
    targets = _regression_targets(soft, mode)
    n_outputs = 1 if targets.ndim == 1 else targets.shape[1]
    student = prepare_regressor(student, n_outputs)
    return fit_weighted_regressor(student, X, targets, sample_weight)


def learns_soft_targets(student) -> bool:
    """Whether ``student`` (or its Pipeline's last step) fits probability rows.

    A :class:`~skdistill.SoftTargetMLPClassifier` does, unless it was asked for
    ``early_stopping`` (whose validation score needs labels): it then learns
    from the repeated rows like every other classifier.
    """
    final = final_estimator(student)
    return isinstance(final, SoftTargetMLPClassifier) and not final.early_stopping


def _take(X):
    """The matrix of a one-element list (emptied: a hand-over), or ``X``."""
    return X.pop() if isinstance(X, list) else X


#: Criteria of a tree classifier, and the regression criterion that chooses the
#: same splits when grown on the probability vectors (:func:`_grow_on_proba`).
_REGRESSION_CRITERION = {
    "log_loss": "poisson",
    "entropy": "poisson",
    "gini": "squared_error",
}

#: Probabilities a Poisson tree grows on are floored here: scikit-learn's
#: Poisson criterion refuses a split whose child's total for an output is below
#: ~2e-15, where the soft cross-entropy would take it. The floor moves a split's
#: gain by about ``n * 1e-9 * 21`` for a child of ``n`` rows, far below any
#: real gain.
_POISSON_FLOOR = 1e-9

#: Sample weights are scaled by a power of two to a mean in [2**30, 2**31), so
#: that a row of small relative weight still clears that epsilon. A power of
#: two scales every weighted sum exactly, hence every split's gain: the tree is
#: the one the unscaled weights give, bit for bit. (Scaling the targets
#: instead adds a large constant to every split's score and broke ties
#: differently.)
_WEIGHT_EXPONENT = 30


def grows_on_proba(student) -> bool:
    """Whether a tree classifier's soft cross-entropy fit is grown on the
    probability vectors (:func:`_grow_on_proba`) instead of repeated rows.

    True for a plain :class:`~sklearn.tree.DecisionTreeClassifier` (not a
    subclass) with the best splitter and a criterion of
    :data:`_REGRESSION_CRITERION`; parameters whose meaning would change
    (``class_weight``, ``min_impurity_decrease``, ``ccp_alpha``,
    ``monotonic_cst``: weights and impurity scales of the classifier) keep the
    repeated rows.
    """
    if type(student) is not DecisionTreeClassifier:
        return False
    params = student.get_params()
    return (
        params["criterion"] in _REGRESSION_CRITERION
        and params["splitter"] == "best"
        and params["class_weight"] is None
        and params["min_impurity_decrease"] == 0
        and params["ccp_alpha"] == 0
        and params["monotonic_cst"] is None
    )


def _grow_on_proba(student, X, soft, sample_weight):
    """Fit a tree classifier to soft targets by growing a regression tree on them.

    With ``q_i`` the soft targets and ``p`` a node's weighted mean of them (its
    class proportions), the soft cross-entropy of a node is ``W H(p)``, ``H``
    the entropy. A split's decrease of the half Poisson deviance summed over
    the ``k`` outputs is that of ``W H(p)`` divided by ``k`` (the rows' own
    ``q log q`` terms cancel between parent and children), so a
    ``criterion='poisson'`` regression tree on ``q`` chooses the splits of an
    entropy classifier on the rows repeated once per class with weights
    ``q_ik``; squared error and Gini correspond the same way. Its leaves hold
    ``p``, the classifier's leaf probabilities. The regression tree sees each
    row once instead of once per class: on a fold of magic (28,530 rows, 2
    classes) a 1,024-leaf tree grew in 0.29 s against 0.46 s, on letter
    (30,000 rows, 26 classes) in 0.20 s against 0.96 s, with the same
    predictions to 1e-15 (binary) and 6e-6 (letter: repeated rows below
    ``1e-6`` of a row's weight were dropped), and the float32 copy of the
    rows is the matrix's size, not ``k`` times it.

    ``min_samples_leaf`` and ``min_samples_split`` count rows, as for any
    tree; on the repeated rows they counted (row, class) pairs (see
    :data:`_DEFAULT_CLASSIFICATION_TREE`). One-hot targets (labels) give the
    tree fitted on the labels.

    The grown tree is moved into ``student`` (a fitted
    :class:`~sklearn.tree.DecisionTreeClassifier` like any other: leaf
    values are class proportions, impurities the classifier criterion's,
    ``classes_`` is ``0 .. k-1``).
    """
    params = student.get_params()
    criterion = _REGRESSION_CRITERION[params["criterion"]]
    n_classes = soft.shape[1]
    grower = DecisionTreeRegressor(
        criterion=criterion,
        splitter="best",
        max_depth=params["max_depth"],
        min_samples_split=params["min_samples_split"],
        min_samples_leaf=params["min_samples_leaf"],
        min_weight_fraction_leaf=params["min_weight_fraction_leaf"],
        max_features=params["max_features"],
        random_state=params["random_state"],
        max_leaf_nodes=params["max_leaf_nodes"],
    )
    X = _take(X)
    X32 = np.asarray(X, dtype=np.float32)
    del X  # the last reference if the caller handed the matrix over
    targets = np.asarray(soft, dtype=np.float64)
    if criterion == "poisson":
        targets = np.maximum(targets, _POISSON_FLOOR)
    weight_scale = 1.0
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        mean = float(np.mean(sample_weight))
        if np.isfinite(mean) and mean > 0:  # else scikit-learn says what is wrong
            weight_scale = 2.0 ** (np.floor(np.log2(mean)) - _WEIGHT_EXPONENT)
            sample_weight = sample_weight / weight_scale
    grower.fit(X32, targets, sample_weight=sample_weight)
    return _classifier_from_grower(
        student, grower, n_classes, params["criterion"], weight_scale
    )


def _classifier_from_grower(
    student, grower, n_classes: int, criterion: str, weight_scale: float = 1.0
):
    """Set ``student``'s fitted state from a regression tree grown on probabilities.

    Uses the tree's pickling state (``__getstate__``/``__setstate__``, what
    ``pickle`` itself uses), reshaping the values from ``(nodes, k, 1)`` to the
    classifier's ``(nodes, 1, k)``, recomputing the impurities with the
    classifier's criterion (so that ``feature_importances_`` keep their
    meaning) and scaling the nodes' weights back by ``weight_scale``.
    """
    state = grower.tree_.__getstate__()
    values = state["values"][:, :, 0]
    values = values / values.sum(axis=1, keepdims=True)
    grown = state["nodes"]
    # field by field into zeros: a copy of the structured array would carry
    # its padding bytes (uninitialised memory) into every pickle of the model
    nodes = np.zeros(len(grown), dtype=grown.dtype)
    for name in grown.dtype.names:
        nodes[name] = grown[name]
    nodes["weighted_n_node_samples"] *= weight_scale
    if criterion == "gini":
        nodes["impurity"] = 1.0 - np.sum(values**2, axis=1)
    else:  # scikit-learn's entropy is in bits
        nodes["impurity"] = entr(values).sum(axis=1) / np.log(2)
    tree = Tree(grower.n_features_in_, np.array([n_classes], dtype=np.intp), 1)
    tree.__setstate__(
        {
            "max_depth": state["max_depth"],
            "node_count": state["node_count"],
            "nodes": nodes,
            "values": np.ascontiguousarray(values[:, None, :]),
        }
    )
    student.n_features_in_ = grower.n_features_in_
    student.n_outputs_ = 1
    student.classes_ = np.arange(n_classes, dtype=np.intp)
    student.n_classes_ = np.intp(n_classes)
    student.max_features_ = grower.max_features_
    student.tree_ = tree
    return student


def _fit_tree_soft_cross_entropy(student, X, soft, sample_weight):
    """Fit a bare tree or forest classifier on the soft cross-entropy rows.

    A plain decision tree is grown on the probability vectors instead
    (:func:`grows_on_proba`, :func:`_grow_on_proba`: same splits, one row per
    row). For the rest:

    Two things keep the peak memory down without changing the fitted model:

    * the repeated rows are float32, the dtype trees cast to anyway (a float64
      copy would be twice the size and then be cast by the tree);
    * the class of each repeated row is the smallest unsigned integer type
      that holds it (``uint8`` up to 256 classes). The tree copies ``y``,
      runs ``np.unique(y, return_inverse=True)`` on it and keeps float64
      class indices; with ``uint8`` instead of ``int64`` labels its working
      set during that step shrinks from about 7 to about 4.5 eight-byte
      arrays per repeated row. The labels' values, hence the tree, are the
      same; ``classes_`` is cast back to ``intp`` so the fitted student is
      identical to one fitted on ``int64`` labels.
    """
    if grows_on_proba(student):
        return _grow_on_proba(student, X, soft, sample_weight)
    n_classes = soft.shape[1]
    class_dtype = np.min_scalar_type(n_classes - 1)
    X = _take(X)
    X_rep, classes, rep_weight = soft_cross_entropy_rows(
        X, soft, sample_weight, np.float32, class_dtype
    )
    del X  # the last reference if the caller handed the matrix over
    student = fit_weighted(student, X_rep, classes, rep_weight)
    student.classes_ = np.asarray(student.classes_, dtype=np.intp)
    return student


def fit_weighted_regressor(student, X, targets, sample_weight):
    """Fit a regressor student, warning when it cannot use ``sample_weight``."""
    if sample_weight is not None and not accepts_sample_weight(student):
        warnings.warn(
            f"The student {type(student).__name__} does not accept sample_weight; "
            "it is fitted without it.",
            UserWarning,
            stacklevel=3,
        )
        sample_weight = None
    return fit_weighted(student, X, targets, sample_weight)


def classifier_student_proba(student, mode: str, X, n_classes: int) -> np.ndarray:
    """Probabilities (n, n_classes) predicted by a fitted classification student.

    Regressed probabilities are clipped to [0, 1] and renormalised (a tree's are
    valid already); regressed logits go through softmax; a classifier's columns
    are scattered to the full class range (a class may be absent from its fit).
    """
    if mode in ("soft_cross_entropy", "teacher_labels"):
        raw = student.predict_proba(X)
        proba = np.zeros((raw.shape[0], n_classes))
        proba[:, np.asarray(student.classes_, dtype=np.intp)] = raw
        return proba
    out = np.asarray(student.predict(X), dtype=np.float64)
    if n_classes == 2:
        out = out.reshape(-1)
        p1 = np.clip(out, 0.0, 1.0) if mode == "regress_proba" else expit(out)
        return np.column_stack([1.0 - p1, p1])
    if mode == "regress_logits":
        out = out - out.max(axis=1, keepdims=True)
        np.exp(out, out=out)
    else:
        np.clip(out, 0.0, None, out=out)
    total = out.sum(axis=1, keepdims=True)
    empty = total[:, 0] <= 0
    out[empty] = 1.0
    total[empty] = n_classes
    return out / total


def classifier_student_labels(student, mode: str, X) -> np.ndarray:
    """Integer class indices predicted by a student without ``predict_proba``."""
    return np.asarray(student.predict(X), dtype=np.intp)


#: Student families the distillers give the categorical columns to (one
#: indicator per category): the evidence favours it for linear students only
#: (see :func:`make_student`).
ONE_HOT_FAMILIES = ("linear",)


def resolve_student(student, task: str, random_state, categorical=None):
    """Clone or build the student; check that it can serve for ``task``.

    ``categorical`` reaches :func:`make_student` for the families in
    ``ONE_HOT_FAMILIES`` only.
    """
    if isinstance(student, str):
        if student not in ONE_HOT_FAMILIES:
            categorical = None
        return make_student(student, task, random_state, categorical)
    check_student(student, task)
    student = clone(student)
    # a BinnedColumns step left to the distiller (categorical=None, as
    # make_student builds it when not told) gets the columns it knows, if it
    # reads them: as the student's first step, not behind another step
    # (whose output columns may be others)
    bins = input_step(student)
    if isinstance(bins, BinnedColumns) and bins.categorical is None:
        bins.set_params(categorical=_categorical_columns(categorical))
    elif isinstance(bins, BinnedColumns):
        _warn_other_categorical(bins.categorical, categorical)
    return student


def _warn_other_categorical(own, known) -> None:
    """Warn when a student's ``BinnedColumns`` names other categorical columns
    than the distiller knows (its own are used)."""
    known = _categorical_columns(known)
    if not known:
        return  # the distiller knows none: the student's say is all there is
    own = sorted(_categorical_columns(own))
    if own != sorted(known):
        warnings.warn(
            f"The student's BinnedColumns(categorical={own}) names other "
            f"categorical columns than the distiller knows ({sorted(known)}, "
            "from its categorical_features): the student bins by its own, so "
            "it reads the others as numbers. Leave the BinnedColumns' "
            "categorical=None to take the distiller's columns.",
            UserWarning,
            # here, resolve_student, _prepare_student, fit, its _fit_context
            stacklevel=6,
        )


__all__ = [
    "STUDENT_ALIASES",
    "make_student",
    "resolve_student",
    "student_mode",
]
