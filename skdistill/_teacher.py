"""The default teacher ensemble and the way a teacher is resolved.

The default teacher is a soft-voting ensemble of four strong, differently biased
tabular learners: XGBoost, LightGBM, scikit-learn's HistGradientBoosting and an
extra-trees forest. The two external boosters are wrapped in
:class:`EarlyStoppingClassifier` / :class:`EarlyStoppingRegressor`, which hold out
a stratified validation split and stop adding trees when the validation loss has
not improved for ``patience`` rounds: a LightGBM with library defaults and a
fixed number of trees overfits small or imbalanced data badly.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from joblib import effective_n_jobs, parallel_config
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.ensemble._bagging import BaseBagging
from sklearn.ensemble._forest import BaseForest
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ._lightgbm import booster_predict
from ._students import accepts_sample_weight, fit_weighted, request_weights

#: Hard cap on boosting rounds; early stopping ends far sooner on real data.
_MAX_ROUNDS = 2000
#: Below this many rows a validation split is too small to stop on: the booster
#: is fitted on all rows with ``_SMALL_DATA_ROUNDS`` trees instead.
_MIN_ROWS_FOR_EARLY_STOPPING = 100
_SMALL_DATA_ROUNDS = 100


def _booster_kind(estimator) -> str:
    module = type(estimator).__module__
    if module.startswith("xgboost"):
        return "xgboost"
    if module.startswith("lightgbm"):
        return "lightgbm"
    raise TypeError(
        "EarlyStopping* wraps an XGBoost or LightGBM scikit-learn estimator; got "
        f"{type(estimator).__name__}."
    )


class _EarlyStoppingMixin(MetaEstimatorMixin):
    """Shared fit logic: hold out a validation split, fit with early stopping."""

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "patience": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self, estimator, *, validation_fraction=0.1, patience=50, random_state=None
    ):
        self.estimator = estimator
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state

    def _fit_booster(self, X, y, sample_weight, stratify):
        kind = _booster_kind(self.estimator)
        want = "classifier" if is_classifier(self) else "regressor"
        # a classifier has predict_proba (not scikit-learn's tags, which
        # xgboost 2.1.0-2.1.3 lack under scikit-learn >= 1.6)
        if hasattr(self.estimator, "predict_proba") != (want == "classifier"):
            raise TypeError(
                f"{type(self).__name__} wraps an XGBoost or LightGBM {want}; got "
                f"{type(self.estimator).__name__}."
            )
        booster = clone(self.estimator)
        seed = self.random_state
        if isinstance(seed, np.random.RandomState):
            seed = int(seed.randint(np.iinfo(np.int32).max))
        if "random_state" in booster.get_params():
            booster.set_params(random_state=seed)
        split = None
        if len(y) >= _MIN_ROWS_FOR_EARLY_STOPPING:
            arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
            try:
                split = train_test_split(
                    *arrays,
                    test_size=self.validation_fraction,
                    random_state=seed,
                    stratify=stratify,
                )
            except ValueError:  # a class too rare to stratify: no early stopping
                split = None
            if split is not None and stratify is not None:
                # every class must stay in the training part for the booster
                if len(np.unique(split[2])) != len(np.unique(y)):
                    split = None
        if split is None:
            booster.set_params(n_estimators=_SMALL_DATA_ROUNDS)
            kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
            if kind == "xgboost":
                booster.set_params(early_stopping_rounds=None)
            self.n_estimators_ = _SMALL_DATA_ROUNDS
            return booster.fit(X, y, **kwargs)
        if sample_weight is None:
            X_tr, X_va, y_tr, y_va = split
            w_tr = w_va = None
        else:
            X_tr, X_va, y_tr, y_va, w_tr, w_va = split
        if kind == "xgboost":
            booster.set_params(early_stopping_rounds=self.patience)
            booster.fit(
                X_tr,
                y_tr,
                sample_weight=w_tr,
                eval_set=[(X_va, y_va)],
                sample_weight_eval_set=None if w_va is None else [w_va],
                verbose=False,
            )
            self.n_estimators_ = int(booster.best_iteration) + 1
        else:
            import lightgbm

            if "eval_X" in inspect.signature(booster.fit).parameters:
                eval_kwargs = {"eval_X": (X_va,), "eval_y": (y_va,)}  # lightgbm>=4.7
            else:  # pragma: no cover - older lightgbm
                eval_kwargs = {"eval_set": [(X_va, y_va)]}
            booster.fit(
                X_tr,
                y_tr,
                sample_weight=w_tr,
                eval_sample_weight=None if w_va is None else [w_va],
                callbacks=[lightgbm.early_stopping(self.patience, verbose=False)],
                **eval_kwargs,
            )
            self.n_estimators_ = int(booster.best_iteration_ or booster.n_estimators)
        return booster

    def _booster_output(self, X, *, proba: bool):
        """The booster's probabilities or predictions for validated ``X``.

        A LightGBM booster scores a batch block of trees by block of trees
        (:mod:`skdistill._lightgbm`): several times faster for large multiclass
        models, equal to rounding.
        """
        if _booster_kind(self.estimator_) == "lightgbm":
            return booster_predict(self.estimator_, X, proba=proba)
        if proba:
            return self.estimator_.predict_proba(X)
        return self.estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


class EarlyStoppingClassifier(_EarlyStoppingMixin, ClassifierMixin, BaseEstimator):
    """An XGBoost or LightGBM classifier fitted with early stopping on a holdout.

    Parameters
    ----------
    estimator : XGBClassifier or LGBMClassifier
        The booster, with a generous ``n_estimators``; it is cloned.
    validation_fraction : float, default=0.1
        Share of the rows held out (stratified) to decide when to stop.
    patience : int, default=50
        Rounds without improvement of the validation loss before stopping.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the booster.

    Attributes
    ----------
    estimator_ : estimator
        The fitted booster (trained on the non-held-out rows).
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_estimators_ : int
        Number of boosting rounds kept.

    Examples
    --------
    >>> from lightgbm import LGBMClassifier
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skdistill import EarlyStoppingClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = EarlyStoppingClassifier(
    ...     LGBMClassifier(n_estimators=500, verbose=-1), random_state=0
    ... ).fit(X, y)
    >>> clf.n_estimators_ < 500
    True
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the booster with early stopping."""
        self._validate_params()
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan")
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        y_enc = self._encoder.transform(y)
        self.estimator_ = self._fit_booster(X, y_enc, sample_weight, stratify=y_enc)
        return self

    def predict_proba(self, X):
        """Class probabilities of the fitted booster."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        proba = self._booster_output(X, proba=True)
        if proba.shape[1] == len(self.classes_):
            return proba
        # the booster saw fewer classes than exist (cannot happen after the
        # stratification guard, kept for safety): scatter into full width
        full = np.zeros((len(X), len(self.classes_)))
        full[:, self.estimator_.classes_] = proba
        return full

    def predict(self, X):
        """Most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class EarlyStoppingRegressor(_EarlyStoppingMixin, RegressorMixin, BaseEstimator):
    """An XGBoost or LightGBM regressor fitted with early stopping on a holdout.

    Same parameters and attributes as :class:`EarlyStoppingClassifier`, with a
    random (not stratified) validation split.

    Examples
    --------
    >>> from xgboost import XGBRegressor
    >>> from sklearn.datasets import load_diabetes
    >>> from skdistill import EarlyStoppingRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = EarlyStoppingRegressor(XGBRegressor(n_estimators=500), random_state=0)
    >>> reg.fit(X, y).n_estimators_ < 500
    True
    """

    def fit(self, X, y, sample_weight=None):
        """Fit the booster with early stopping."""
        self._validate_params()
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", y_numeric=True)
        self.estimator_ = self._fit_booster(X, y, sample_weight, stratify=None)
        return self

    def predict(self, X):
        """Predictions of the fitted booster."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        return self._booster_output(X, proba=False)


def _boosters(task: str, seed: int | None, n_jobs: int | None):
    from lightgbm import LGBMClassifier, LGBMRegressor
    from xgboost import XGBClassifier, XGBRegressor

    common_xgb = dict(
        n_estimators=_MAX_ROUNDS,
        learning_rate=0.05,
        max_depth=6,
        min_child_weight=2.0,
        subsample=0.8,
        colsample_bytree=0.8,
        reg_lambda=2.0,
        tree_method="hist",
        n_jobs=n_jobs,
        random_state=seed,
    )
    common_lgbm = dict(
        n_estimators=_MAX_ROUNDS,
        learning_rate=0.05,
        num_leaves=31,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=2.0,
        n_jobs=n_jobs,
        deterministic=True,
        force_row_wise=True,
        verbose=-1,
        random_state=seed,
    )
    if task == "classification":
        return XGBClassifier(**common_xgb), LGBMClassifier(**common_lgbm)
    return XGBRegressor(**common_xgb), LGBMRegressor(**common_lgbm)


def default_teacher(
    task: str = "classification",
    *,
    random_state: int | None = None,
    n_jobs: int | None = None,
):
    """Build the default heavy teacher: a soft-voting ensemble of four learners.

    XGBoost and LightGBM (each up to 2,000 rounds at learning rate 0.05, stopped
    early on a 10% holdout with patience 50, row and column subsampling, L2
    regularisation), HistGradientBoosting (likewise early-stopped) and 200
    extra-trees. All four handle missing values natively and read category
    codes as ordered numbers (the distiller fits its teacher on numeric
    arrays; its augmenter keeps categorical columns to observed codes).

    Parameters
    ----------
    task : {'classification', 'regression', 'multioutput_regression'}
        Which ensemble. Multi-output regression wraps the regression ensemble
        in a :class:`~sklearn.multioutput.MultiOutputRegressor`.
    random_state : int or None, default=None
        Seed shared by all members.
    n_jobs : int or None, default=None
        Threads of each member (``None``: the libraries' defaults).

    Returns
    -------
    teacher : VotingClassifier, VotingRegressor or MultiOutputRegressor
        An unfitted estimator.

    Examples
    --------
    >>> from skdistill import default_teacher
    >>> sorted(name for name, _ in default_teacher("classification").estimators)
    ['extra_trees', 'hist_gradient_boosting', 'lightgbm', 'xgboost']
    """
    if n_jobs is not None and (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, numbers.Integral)
        or n_jobs == 0
    ):
        raise ValueError(f"n_jobs must be None or a non-zero int; got {n_jobs!r}.")
    xgb, lgbm = _boosters(
        "classification" if task == "classification" else "regression",
        random_state,
        n_jobs,
    )
    hgb_params = dict(
        max_iter=1000,
        learning_rate=0.05,
        l2_regularization=1.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=30,
        # codes as ordered numbers, as the other members read them: the
        # distiller fits its teacher on numeric arrays, where 'from_dtype'
        # (the default) finds no categories anyway
        categorical_features=None,
        random_state=random_state,
    )
    et_params = dict(
        n_estimators=200,
        min_samples_leaf=2,
        max_features=0.5,
        n_jobs=n_jobs,
        random_state=random_state,
    )
    if task == "classification":
        members = [
            ("xgboost", EarlyStoppingClassifier(xgb, random_state=random_state)),
            ("lightgbm", EarlyStoppingClassifier(lgbm, random_state=random_state)),
            ("hist_gradient_boosting", HistGradientBoostingClassifier(**hgb_params)),
            ("extra_trees", ExtraTreesClassifier(**et_params)),
        ]
        return _requesting_weights(VotingClassifier(members, voting="soft"))
    if task not in ("regression", "multioutput_regression"):
        raise ValueError(
            "task must be 'classification', 'regression' or "
            f"'multioutput_regression'; got {task!r}."
        )
    members = [
        ("xgboost", EarlyStoppingRegressor(xgb, random_state=random_state)),
        ("lightgbm", EarlyStoppingRegressor(lgbm, random_state=random_state)),
        ("hist_gradient_boosting", HistGradientBoostingRegressor(**hgb_params)),
        ("extra_trees", ExtraTreesRegressor(**et_params)),
    ]
    ensemble = _requesting_weights(VotingRegressor(members))
    if task == "multioutput_regression":
        return MultiOutputRegressor(ensemble)
    return ensemble


def _requesting_weights(ensemble):
    """``ensemble``, whose members ask for ``sample_weight`` when metadata
    routing is on, so that its fit forwards the weights to all of them, as it
    does without routing."""
    if get_config()["enable_metadata_routing"]:
        request_weights(ensemble)  # a voting ensemble: each member
    return ensemble


def _picks_names(columns) -> bool:
    """Whether a ColumnTransformer column spec needs column names."""
    if isinstance(columns, make_column_selector):
        return True
    if isinstance(columns, str):
        return True
    if isinstance(columns, slice):
        return isinstance(columns.start, str) or isinstance(columns.stop, str)
    if isinstance(columns, (list, tuple, np.ndarray)):
        return any(isinstance(c, str) for c in columns)
    return False  # an int, booleans, a positional callable


def _find_member(estimator, where: str, params_match, columns_match=None) -> str | None:
    """The path of the first part of ``estimator`` that sees its input and
    whose parameters ``params_match``, or of a ColumnTransformer transformer
    whose column spec ``columns_match`` (when given), or None. Only the parts
    that see that input are searched: a Pipeline's first step (later steps
    may see what its steps make), a ColumnTransformer's transformers and
    remainder, and the members of other meta-estimators."""
    if isinstance(estimator, Pipeline):
        name, first = estimator.steps[0]
        return _find_member(first, f"{where}[{name!r}]", params_match, columns_match)
    if isinstance(estimator, ColumnTransformer):
        parts = list(estimator.transformers)
        parts.append(("remainder", estimator.remainder, None))
        for name, transformer, columns in parts:
            if columns_match and columns is not None and columns_match(columns):
                return f"{where}'s ColumnTransformer, transformer {name!r}"
            found = _find_member(
                transformer, f"{where}[{name!r}]", params_match, columns_match
            )
            if found:
                return found
        return None
    if not hasattr(estimator, "get_params") or isinstance(estimator, type):
        return None
    params = estimator.get_params(deep=False)
    if params_match(params):
        return f"{where}'s categorical_features"
    for key, value in params.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            path = f"{where}.{key}"
            if isinstance(item, tuple) and len(item) >= 2:  # (name, estimator)
                path, item = f"{path}[{item[0]!r}]", item[1]
            found = _find_member(item, path, params_match, columns_match)
            if found:
                return found
    return None


def _names_columns(params) -> bool:
    named = params.get("categorical_features")  # HistGradientBoosting's
    return _picks_names(named) and not isinstance(named, str)  # str: 'from_dtype'


def _reads_dtypes(params) -> bool:
    named = params.get("categorical_features")
    return isinstance(named, str) and named == "from_dtype"


def columns_by_name(estimator, where: str = "teacher") -> str | None:
    """Where ``estimator`` picks columns of its input by name (a
    ``ColumnTransformer`` given column names or a ``make_column_selector``,
    ``categorical_features`` given as names), or None.

    The distillers hand their teacher numeric arrays (the rows of ``X`` and
    the synthetic rows), which have no column names.
    """
    return _find_member(estimator, where, _names_columns, _picks_names)


def categories_from_dtype(estimator, where: str = "teacher") -> str | None:
    """Where a part of ``estimator`` seeing its input takes its categorical
    columns from pandas dtypes (``categorical_features='from_dtype'``, the
    default of scikit-learn's HistGradientBoosting), or None: on the numeric
    arrays the distillers hand their teacher it finds none."""
    return _find_member(estimator, where, _reads_dtypes)


def is_frozen(estimator) -> bool:
    """Whether ``estimator`` is an already fitted model wrapped to stay fitted."""
    return isinstance(estimator, FrozenEstimator)


def unfrozen(estimator):
    """The model inside ``estimator``'s FrozenEstimator wrappers (or itself)."""
    while isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    return estimator


def split_final(model):
    """``(preprocessing or None, final estimator)`` of a fitted model, through
    nested Pipelines and ``FrozenEstimator`` wrappers; the preprocessing is
    a fitted transformer (the steps before the final estimator, chained)."""
    model = unfrozen(model)
    if not isinstance(model, Pipeline):
        return None, model
    inner_pre, final = split_final(model.steps[-1][1])
    outer = model[:-1] if len(model.steps) > 1 else None
    if outer is None or inner_pre is None:
        return outer if inner_pre is None else inner_pre, final
    return Pipeline([("outer", outer), ("inner", inner_pre)]), final


def fit_teacher(teacher, X, y, sample_weight=None):
    """Fit a (cloned) teacher, forwarding ``sample_weight`` only when given.

    The weights reach the estimator that uses them, as for students
    (:func:`skdistill._students.fit_weighted`: a Pipeline's last step gets
    ``<name>__sample_weight``); with scikit-learn's metadata routing on, they
    go where the teacher's parts request them, as in any routed fit. A
    teacher that cannot take them is fitted without them, with a warning that
    says so.
    """
    if sample_weight is None:
        return teacher.fit(X, y)
    if accepts_sample_weight(teacher):
        if get_config()["enable_metadata_routing"]:
            # the user's requests on the teacher's parts decide where the
            # weights go (the default teacher's members request them)
            return teacher.fit(X, y, sample_weight=sample_weight)
        return fit_weighted(teacher, X, y, sample_weight)
    warnings.warn(
        f"The teacher {type(teacher).__name__} does not accept sample_weight; it "
        "is fitted without it (the student still uses the weights).",
        UserWarning,
        stacklevel=3,
    )
    return teacher.fit(X, y)


def fitted_parts(estimator):
    """The fitted estimators ``estimator`` predicts with: a Pipeline's steps,
    an ensemble's members (voting, stacking, multi-output; a forest or
    bagging ensemble is one part, not its trees), through FrozenEstimator and
    skdistill's early-stopping wrappers."""
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            yield from fitted_parts(step)
        return
    if isinstance(estimator, FrozenEstimator):
        yield from fitted_parts(estimator.estimator)
        return
    inner = getattr(estimator, "estimator_", None)
    if inner is not None and type(estimator).__module__.startswith("skdistill"):
        yield from fitted_parts(inner)
        return
    members = getattr(estimator, "estimators_", None)
    if isinstance(members, list) and not isinstance(
        estimator, (BaseForest, BaseBagging)
    ):
        for member in members:
            yield from fitted_parts(member)
        final = getattr(estimator, "final_estimator_", None)  # stacking
        if final is not None:
            yield from fitted_parts(final)
        return
    yield estimator


def _uses_openmp(part) -> bool:
    module = type(part).__module__
    return module.startswith(("xgboost", "lightgbm")) or isinstance(
        part, (HistGradientBoostingClassifier, HistGradientBoostingRegressor)
    )


def prediction_threads(teacher) -> int:
    """Threads :func:`in_order` may label rows on: the most any joblib-parallel
    part of ``teacher`` (a forest, bagging, neighbours) would use, or 1 when
    a part runs OpenMP threads of its own (XGBoost, LightGBM,
    HistGradientBoosting), which concurrent calls would oversubscribe."""
    parts = list(fitted_parts(teacher))
    if any(_uses_openmp(part) for part in parts):
        return 1
    jobs = [
        effective_n_jobs(part.n_jobs)
        for part in parts
        if getattr(part, "n_jobs", None) is not None
    ]
    return max([1, *jobs])


#: Fewest rows per thread when :func:`in_order` splits a batch.
_MIN_ROWS_PER_THREAD = 1000


def in_order(teacher, method: str, X):
    """``teacher.<method>(X)`` with joblib running sequentially in each
    thread, the rows split over :func:`prediction_threads` threads when there
    are enough of them.

    A forest predicting with ``n_jobs`` threads (the default teacher's
    extra-trees, a user's random forest) adds its trees' outputs in the order
    its threads finish, so the same rows get outputs that differ in the last
    bit from call to call (scikit-learn's ``_accumulate_prediction``; 10 of 10
    calls of a 200-tree ``ExtraTreesClassifier(n_jobs=2)`` on 20,000 rows
    differed from the first). Run sequentially, a forest adds them in tree
    order: the same outputs every call, equal to ``n_jobs=1``'s, so the soft
    targets and the model fitted on them are reproducible bit for bit. The
    setting is thread-local (joblib): members parallel by OpenMP (XGBoost,
    LightGBM, HistGradientBoosting), which score each row alone, keep their
    threads, and so do parallel chunks labelled by the distiller's ``n_jobs``.
    The forest's threads are given back over rows instead: each row still adds
    its trees in order, so the outputs are the same bits. On 2 cores, 40,000
    rows, a 100-tree ``RandomForestClassifier(n_jobs=2)``: its own threads
    0.170 s, sequential 0.321 s, two row blocks 0.178 s; the default teacher
    (``n_jobs=2``, whose boosters keep their OpenMP threads): 3.37 s, 3.74 s,
    and 5.42 s in two row blocks (oversubscribed), hence one thread when a part
    uses OpenMP. Every teacher output skdistill uses (soft targets,
    calibration, the report's scores, a cascade's deferred answers) comes
    through here; the report's latency times the teacher as a user would call
    it.
    """
    predict = getattr(teacher, method)
    n = len(X)
    threads = min(prediction_threads(teacher), n // _MIN_ROWS_PER_THREAD)
    if threads <= 1 or not isinstance(X, np.ndarray):
        return _sequential(predict, X)
    bounds = np.linspace(0, n, threads + 1).astype(int)
    blocks = [X[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(threads) as pool:
        outputs = list(pool.map(lambda rows: _sequential(predict, rows), blocks))
    return np.concatenate([np.asarray(out) for out in outputs])


def _sequential(predict, X):
    with parallel_config(backend="sequential"):
        return predict(X)


def teacher_proba(teacher, X, classes: np.ndarray) -> np.ndarray:
    """The teacher's probabilities with columns in the order of ``classes``.

    A teacher fitted on a subset of the classes (a fold without a rare class)
    gets zero columns for the classes it never saw. Computed by
    :func:`in_order`.
    """
    proba = np.asarray(in_order(teacher, "predict_proba", X), dtype=np.float64)
    teacher_classes = np.asarray(teacher.classes_)
    if len(teacher_classes) == len(classes) and np.array_equal(
        teacher_classes, classes
    ):
        return proba
    full = np.zeros((proba.shape[0], len(classes)))
    full[:, np.searchsorted(classes, teacher_classes)] = proba
    return full


def teacher_predict(teacher, X) -> np.ndarray:
    """A regression teacher's predictions as float64 of shape (n_rows, n_outputs),
    computed by :func:`in_order`."""
    out = in_order(teacher, "predict", X)
    return np.asarray(out, dtype=np.float64).reshape(len(X), -1)


def held_out_proba(teacher, X, y, sample_weight, cv, random_state, classes):
    """Teacher probabilities for rows the teacher did not train on.

    Parameters
    ----------
    teacher : unfitted estimator
        Cloned for every fit.
    cv : int or float
        An int ``k >= 2``: k-fold cross-fitting (stratified, shuffled), so every
        row gets an out-of-fold probability (``k`` extra teacher fits). A float
        in (0, 1): one stratified held-out split of that share (one extra fit).
    classes : ndarray
        Sorted class labels; the columns of the result.

    Returns
    -------
    index : ndarray of int
        Rows that received a held-out probability.
    proba : ndarray of shape (len(index), n_classes)
    """
    from sklearn.model_selection import StratifiedKFold

    labels, counts = np.unique(y, return_counts=True)
    # A class with one row is never held out: every fit must see every class.
    lone = np.isin(y, labels[counts < 2])
    pool, kept = np.flatnonzero(~lone), np.flatnonzero(lone)
    if not len(pool):
        raise ValueError(
            "calibration needs a class with at least 2 rows to hold one out; "
            "every class has one. Pass calibration_cv=None."
        )
    if isinstance(cv, numbers.Integral):
        if cv > counts.max():
            raise ValueError(
                f"calibration_cv={cv} folds need a class with at least {cv} rows; "
                f"the largest has {counts.max()}. Use fewer folds, a held-out "
                "share (e.g. 0.2) or 'auto'."
            )
        folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class")
            splits = [
                (np.sort(np.concatenate([pool[train], kept])), pool[test])
                for train, test in folds.split(np.zeros(len(pool)), y[pool])
            ]
    else:
        try:
            train, test = train_test_split(
                pool, test_size=cv, random_state=random_state, stratify=y[pool]
            )
        except ValueError:  # a class too rare to stratify
            train, test = train_test_split(
                pool, test_size=cv, random_state=random_state
            )
            # give back one row of any class the split left out of training
            back = [test[y[test] == c][0] for c in np.setdiff1d(y[test], y[train])]
            train = np.concatenate([train, back]).astype(int)
            test = np.setdiff1d(test, back)
        if not len(test):
            raise ValueError(
                f"calibration_cv={cv} holds out no row of these {len(y)} "
                "(each class needs a row left to train on); use more data, "
                "folds or calibration_cv=None."
            )
        splits = [(np.sort(np.concatenate([train, kept])), np.sort(test))]
    index = np.concatenate([test for _, test in splits])
    proba = np.empty((len(index), len(classes)))
    offset = 0
    for train, test in splits:
        w = None if sample_weight is None else sample_weight[train]
        fold_teacher = fit_teacher(clone(teacher), X[train], y[train], w)
        proba[offset : offset + len(test)] = teacher_proba(
            fold_teacher, X[test], classes
        )
        offset += len(test)
    return index, proba


def fill_random_state(estimator, seed: int) -> None:
    """Set every ``random_state`` parameter left to ``None`` to ``seed``.

    Explicit seeds chosen by the user are kept; only unset ones are filled, so
    that the distiller's ``random_state`` makes the whole fit reproducible.
    """
    params = estimator.get_params(deep=True)
    unset = {
        key: seed
        for key, value in params.items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    if unset:
        estimator.set_params(**unset)
