"""The distillation meta-estimators: orchestration only.

The maths lives in :mod:`skdistill._soft_targets` and :mod:`skdistill._calibration`,
the teacher in :mod:`skdistill._teacher`, students in :mod:`skdistill._students`,
the transfer set in :mod:`skdistill._transfer` and augmentation in
:mod:`skdistill.augment`.
"""

from __future__ import annotations

import copy
import inspect
import numbers
import sys
import time
import warnings
from abc import abstractmethod

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.ensemble._forest import BaseForest
from sklearn.exceptions import NotFittedError
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.tree import BaseDecisionTree
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_memory,
    column_or_1d,
    validate_data,
)

from . import _students
from ._loaded_teachers import remembered
from ._selection import check_budget, search_students
from ._soft_targets import (
    blend_with_labels,
    sharpen_student_proba,
    soften,
)
from ._stage_lock import fingerprint, stage_lock
from ._teacher import (
    categories_from_dtype,
    columns_by_name,
    default_teacher,
    fill_random_state,
    in_order,
    is_frozen,
    teacher_predict,
    teacher_proba,
    unfrozen,
)
from ._teacher_stage import (
    classification_stage,
    classification_teacher,
    regression_stage,
    regression_teacher,
    resolve_calibration_cv,
    timed,
)
from ._transfer import build_transfer_set
from .augment import BaseAugmenter

_AUGMENT_ALIASES = ["munge", "jitter", "interpolation", "marginal", "none"]

#: ``n_synthetic='auto'``: synthetic rows per training row, by student family
#: (see :func:`student_family`; the evidence is in the ``n_synthetic``
#: docstrings and ``benchmarks/results/quality_sizes_sweep/``). Students of no
#: known family get ``"other"``.
AUTO_N_SYNTHETIC = {"tree": 2.0, "mlp": 2.0, "linear": 0.0, "other": 2.0}

#: The same for :class:`DistilledRegressor`: a regression teacher's output is a
#: continuous surface, which trees and MLPs follow better from more points.
AUTO_N_SYNTHETIC_REGRESSION = {"tree": 5.0, "mlp": 5.0, "linear": 0.0, "other": 2.0}


def auto_n_synthetic(student, task: str) -> float:
    """Synthetic rows per training row that ``n_synthetic='auto'`` gives.

    Examples
    --------
    >>> from skdistill._distill import auto_n_synthetic
    >>> auto_n_synthetic("tree", "classification")
    2.0
    >>> auto_n_synthetic("tree", "regression"), auto_n_synthetic("linear", "regression")
    (5.0, 0.0)
    """
    if task == "classification":
        return AUTO_N_SYNTHETIC[student_family(student)]
    return AUTO_N_SYNTHETIC_REGRESSION[student_family(student)]


def student_family(student) -> str:
    """The family a student belongs to, for the per-family defaults.

    ``'tree'``, ``'mlp'`` or ``'linear'`` for the aliases and for instances whose
    final estimator (after any Pipeline or MultiOutputRegressor) is a
    decision tree or tree ensemble, a scikit-learn MLP, or a model from
    :mod:`sklearn.linear_model`; ``'other'`` for anything else, including
    ``student='auto'`` (whose transfer set is shared by every candidate).

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from skdistill._distill import student_family
    >>> student_family("mlp"), student_family(Ridge()), student_family("auto")
    ('mlp', 'linear', 'other')
    """
    if isinstance(student, str):
        return student if student in _students.STUDENT_ALIASES else "other"
    final = _students.final_estimator(student)
    if isinstance(final, MultiOutputRegressor):
        final = _students.final_estimator(final.estimator)
    if isinstance(final, (BaseDecisionTree, BaseForest)):
        return "tree"
    if isinstance(final, (MLPClassifier, MLPRegressor)):
        return "mlp"
    if type(final).__module__.startswith("sklearn.linear_model"):
        return "linear"
    return "other"


def _non_numeric_columns(X) -> list[str]:
    """Names of DataFrame columns that hold strings or other non-numbers."""
    if not (hasattr(X, "dtypes") and hasattr(X, "columns")):
        return []
    from pandas import CategoricalDtype
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    bad = []
    for name, dtype in zip(X.columns, X.dtypes, strict=True):
        if isinstance(dtype, CategoricalDtype):
            if not is_numeric_dtype(X[name].cat.categories.dtype):
                bad.append(str(name))
        elif not (is_numeric_dtype(dtype) or is_bool_dtype(dtype)):
            bad.append(str(name))
    return bad


def _categorical_from_dtype(X) -> np.ndarray | None:
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None:
        return None
    mask = np.array([str(d) == "category" for d in dtypes], dtype=bool)
    return mask if mask.any() else None


def _checked_weights(sample_weight, X):
    """``sample_weight`` as float64, one non-negative weight per row, or None."""
    if sample_weight is None:
        return None
    return _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )


def _is_real(value) -> bool:
    """A real number, not a bool or a string."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _locked(call, fn, location, unkeyed=()):
    """``call`` (``fn`` through ``memory``) run under a lock of its own call
    (:mod:`skdistill._stage_lock`): in a parallel search, the candidates of a
    fold that start together compute the stage, or the teacher part that
    stages differing only in their transfer set share, once; the others wait
    and read it from the cache."""
    signature = inspect.signature(fn)

    def locked(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs).arguments
        key = fingerprint({k: v for k, v in arguments.items() if k not in unkeyed})
        with stage_lock(location, f"{fn.__name__}-{key}"):
            return call(*args, **kwargs)

    return locked


#: Stage arguments that do not change the stage: not in ``memory``'s key.
_UNKEYED = ("chunk_size", "n_jobs", "log", "teacher_part")


class _BaseDistiller(MetaEstimatorMixin, BaseEstimator):
    """Steps shared by both tasks: validate, fit teacher, build transfer set."""

    _parameter_constraints: dict = {
        "teacher": [HasMethods(["fit", "predict"]), None],
        "student": [
            StrOptions({*_students.STUDENT_ALIASES, "auto"}),
            HasMethods(["fit"]),
        ],
        "student_budget": [dict, None],
        "augment": [StrOptions(set(_AUGMENT_ALIASES)), BaseAugmenter, None],
        "n_synthetic": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 0, None, closed="left"),
            Interval(numbers.Real, 0, None, closed="left"),
        ],
        "label_weight": [Interval(numbers.Real, 0, 1, closed="both")],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "chunk_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [  # joblib's: 0 means nothing
            Interval(numbers.Integral, None, -1, closed="right"),
            Interval(numbers.Integral, 1, None, closed="left"),
            None,
        ],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _task: str

    @abstractmethod
    def __init__(
        self,
        teacher=None,
        student="tree",
        *,
        augment="munge",
        n_synthetic="auto",
        label_weight=0.0,
        categorical_features="from_dtype",
        chunk_size=50_000,
        n_jobs=None,
        memory=None,
        student_budget=None,
        random_state=None,
        verbose=0,
    ):
        self.teacher = teacher
        self.student = student
        self.augment = augment
        self.n_synthetic = n_synthetic
        self.label_weight = label_weight
        self.categorical_features = categorical_features
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs
        self.memory = memory
        self.student_budget = student_budget
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ helpers
    def _log(self, message: str) -> None:
        if self.verbose:
            elapsed = time.perf_counter() - self._t_start
            print(f"[{type(self).__name__}] {elapsed:7.1f}s {message}", file=sys.stderr)

    def _resolved_teacher(self, n_outputs: int = 1):
        if self.teacher is None:
            task = self._task
            if task == "regression" and n_outputs > 1:
                task = "multioutput_regression"
            return default_teacher(task, n_jobs=self.n_jobs)
        return self.teacher

    def _teacher_allows_nan(self) -> bool:
        if self.teacher is None:
            return True
        return _students.allows_nan(self.teacher)

    def _student_allows_nan(self) -> bool:
        if isinstance(self.student, str):
            return True  # trees take NaN; 'mlp' imputes, 'linear' bins them
        return _students.allows_nan(self.student)

    def _check_categorical(self, X_raw, n_features: int) -> np.ndarray | None:
        spec = self.categorical_features
        if spec is None:
            return None
        if isinstance(spec, str):  # 'from_dtype'
            return _categorical_from_dtype(X_raw)
        spec = np.asarray(spec)
        if spec.size == 0:
            return None
        if spec.ndim != 1:
            raise ValueError(
                "categorical_features must be one list (a boolean mask, column "
                f"indices or column names); got an array of shape {spec.shape}."
            )
        if spec.dtype == bool:
            if spec.shape != (n_features,):
                raise ValueError(
                    f"categorical_features as a boolean mask must have length "
                    f"n_features={n_features}; got shape {spec.shape}."
                )
            return spec
        if spec.dtype.kind in "iu":
            if spec.min() < 0 or spec.max() >= n_features:
                raise ValueError(
                    f"categorical_features holds column indices out of range "
                    f"[0, {n_features - 1}]: {spec.tolist()}."
                )
            mask = np.zeros(n_features, dtype=bool)
            mask[spec] = True
            return mask
        if spec.dtype.kind in "UO":
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError(
                    "categorical_features names columns, but X has no column names;"
                    " pass a pandas DataFrame or give column indices."
                )
            unknown = sorted(set(spec.tolist()) - set(names.tolist()))
            if unknown:
                raise ValueError(
                    f"categorical_features names unknown columns {unknown}; X has "
                    f"columns {names.tolist()}."
                )
            return np.isin(names, spec)
        raise ValueError(
            "categorical_features must be 'from_dtype', None, a boolean mask, "
            f"column indices or column names; got dtype {spec.dtype}."
        )

    def _validate_X_y(self, X, y):
        bad = _non_numeric_columns(X)
        if bad:
            raise ValueError(
                f"{type(self).__name__} needs numeric features; the columns {bad} "
                "hold strings or other non-numbers. Encode them first, e.g. with a "
                "ColumnTransformer and OneHotEncoder/OrdinalEncoder in a Pipeline "
                "before the distiller."
            )
        X_raw = X
        X, y = validate_data(
            self,
            X,
            y,
            ensure_all_finite="allow-nan",
            dtype=np.float64,
            multi_output=self._task == "regression",
            y_numeric=self._task == "regression",
        )
        if np.isnan(X).any():
            culprits = []
            if not self._teacher_allows_nan():
                culprits.append(f"the teacher {type(self.teacher).__name__}")
            if not self._student_allows_nan():
                culprits.append(f"the student {type(self.student).__name__}")
            if culprits:
                raise ValueError(
                    "Input X contains NaN, which "
                    + " and ".join(culprits)
                    + " cannot handle. Impute missing values first (e.g. a "
                    "SimpleImputer in a Pipeline before the distiller) or use "
                    "components that accept NaN (the default teacher and the "
                    "'tree', 'mlp' and 'linear' students do)."
                )
        return X_raw, X, y

    def set_params(self, **params):
        """Set parameters; ``student__x`` / ``teacher__x`` need an estimator.

        With ``student`` an alias (``'tree'``, ...) or ``teacher=None`` (the
        default ensemble) there is no estimator to set ``x`` on yet: that is
        said plainly instead of scikit-learn's ``AttributeError`` on a string.
        """
        for name in ("student", "teacher"):
            value = params.get(name, getattr(self, name, None))
            nested = sorted(k for k in params if k.startswith(f"{name}__"))
            if nested and (value is None or isinstance(value, str)):
                fix = (
                    self._student_param_hint(value, nested[0])
                    if name == "student"
                    else "pass teacher=default_teacher(...) or another estimator"
                )
                raise ValueError(
                    f"{nested[0]!r} sets a parameter of the {name}, but {name}="
                    f"{value!r} is not an estimator yet: {fix}."
                )
        return super().set_params(**params)

    def _student_param_hint(self, alias, key: str) -> str:
        """How to set ``key`` (``student__...``) on an alias's estimator."""
        task = self._task
        if alias not in _students.STUDENT_ALIASES:  # 'auto' builds its own
            return (
                f"student={alias!r} builds its own candidates; to tune one, pass "
                f"it as an estimator, e.g. student=make_student('tree', {task!r})"
            )
        sub = key.split("__", 1)[1]
        names = _students.make_student(alias, task).get_params(deep=True)
        match = next((k for k in names if k == sub or k.endswith(f"__{sub}")), sub)
        return (
            f"pass student=make_student({alias!r}, {task!r}) and set "
            f"'student__{match}' (in a grid: {{'student': "
            f"[make_student({alias!r}, {task!r})], 'student__{match}': [...]}})"
        )

    def _seeds(self):
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=4)
        return {
            name: int(s)
            for name, s in zip(
                ("teacher", "split", "augment", "student"), seeds, strict=True
            )
        }

    def _n_synthetic(self):
        """``n_synthetic`` with ``'auto'`` resolved for the student's family."""
        if isinstance(self.n_synthetic, str):  # 'auto'
            return auto_n_synthetic(self.student, self._task)
        return self.n_synthetic

    def _warn_teacher_reads_dtypes(self, teacher, X_raw, categorical_mask) -> None:
        """Warn when the user's teacher would take ``category`` columns from
        pandas dtypes it never sees (it is fitted on numeric arrays)."""
        if is_frozen(teacher) or categorical_mask is None:
            return
        if not isinstance(self.categorical_features, str):  # not from dtypes
            return
        where = categories_from_dtype(teacher)
        if where is None:
            return
        names = np.asarray(getattr(X_raw, "columns", []), dtype=object)
        columns = (
            names[categorical_mask].tolist()
            if len(names) == len(categorical_mask)
            else np.flatnonzero(categorical_mask).tolist()
        )
        warnings.warn(
            f"The teacher takes its categorical columns from pandas dtypes "
            f"({where} is 'from_dtype'), but {type(self).__name__} fits it on "
            f"numeric arrays: it reads the category columns {columns} as "
            "numbers. To have it treat them as categories, set that "
            "categorical_features to a boolean mask of them (HistGradientBoosting "
            "needs their values to be integers in [0, max_bins)); set it to None "
            "to keep them numbers without this warning.",
            UserWarning,
            stacklevel=4,
        )

    def _check_shared_components(self, teacher):
        """The checks both distillers make after their teacher's type."""
        self._check_teacher_columns(teacher)
        if not isinstance(self.student, str):
            _students.check_student(self.student, self._task)
        self._check_student_budget()
        self._check_loose_values()

    def _check_teacher_columns(self, teacher):
        where = columns_by_name(teacher)
        if where:
            name = type(self).__name__
            raise ValueError(
                f"The teacher picks DataFrame columns by name ({where}), but "
                f"{name} gives its teacher numeric arrays without column names "
                "(the rows of X and the synthetic rows). Put the column "
                f"selection in front of the distiller: make_pipeline(preprocessing, "
                f"{name}(teacher=model_without_it)); for a fitted pipeline, "
                f"make_pipeline(FrozenEstimator(fitted[:-1]), "
                f"{name}(FrozenEstimator(fitted[-1]))), its output dense (e.g. "
                "OneHotEncoder(sparse_output=False)). Or select columns by "
                "position."
            )

    def _check_loose_values(self):
        """Values ``_parameter_constraints`` lets through: a bool is an int
        to it, and any str a path."""
        if isinstance(self.n_synthetic, bool):  # an int to _parameter_constraints
            raise ValueError(
                f"n_synthetic must be 'auto', a count or a multiple of the "
                f"training rows; got {self.n_synthetic!r}."
            )
        if isinstance(self.chunk_size, bool):
            raise ValueError(
                f"chunk_size must be a number of rows; got {self.chunk_size!r}."
            )
        if isinstance(self.memory, str) and not self.memory.strip():
            raise ValueError(
                "memory='' names no directory; pass a cache directory, a "
                "joblib.Memory or None."
            )

    def _check_student_budget(self):
        """``student_budget`` is valid, and only given with ``student='auto'``."""
        if check_budget(self.student_budget) and not (
            isinstance(self.student, str) and self.student == "auto"
        ):
            raise ValueError(
                "student_budget only applies to student='auto' (the budgeted "
                f"search); got student={self.student!r}. Pass student='auto' "
                "or leave student_budget=None."
            )

    def _prepare_teacher(self, seeds, n_outputs: int = 1):
        from .persistence import TeacherNotSaved

        if isinstance(self.teacher, TeacherNotSaved):
            raise ValueError(
                f"This model was saved without its teacher "
                f"({self.teacher.teacher_type or 'n/a'}); set teacher=... (the "
                "original teacher, or None for the default) before fitting it."
            )
        teacher = self._resolved_teacher(n_outputs)
        if is_frozen(teacher):
            inner = unfrozen(teacher)
            try:
                check_is_fitted(inner)
            except NotFittedError:
                raise ValueError(
                    f"The frozen teacher {type(inner).__name__} is not fitted: "
                    "FrozenEstimator keeps a fitted model as it is. Fit it "
                    "first, or pass it unfrozen for the distiller to fit."
                ) from None
            return teacher
        teacher = clone(teacher)
        fill_random_state(teacher, seeds["teacher"])
        return teacher

    def _prepare_student(self, seeds, categorical_mask=None):
        student = _students.resolve_student(
            self.student, self._task, None, categorical_mask
        )
        fill_random_state(student, seeds["student"])
        return student

    def _run_teacher_stage(self, stage_fn, teacher_fn, **kwargs):
        """Run the student-independent stage, through ``memory`` when set.

        The teacher part (``teacher_fn``) is cached on its own too, so stages
        that differ only in their transfer set share one teacher fit.
        """
        memory = check_memory(self.memory)
        location = getattr(memory, "location", None)
        cached = memory.cache(stage_fn, ignore=list(_UNKEYED))
        computed = []  # the stage functions always log when they run

        def log(message):
            computed.append(True)
            self._log(message)

        kwargs["log"] = log
        frozen = is_frozen(kwargs["teacher"])
        teacher_part = memory.cache(teacher_fn, ignore=["log"])
        if not frozen:  # the user's own object: not kept
            teacher_part = remembered(teacher_part, location)
        if location is not None:  # parallel searches: one process per stage
            teacher_part = _locked(teacher_part, teacher_fn, location, ["log"])
            cached = _locked(cached, stage_fn, location, _UNKEYED)
        kwargs["teacher_part"] = teacher_part
        t0 = time.perf_counter()
        stage = cached(**kwargs)
        # a hit is a stage call that ran nothing (asking joblib first would
        # hash the training data a second time)
        hit = location is not None and not computed
        refit = None
        if frozen:
            stage.teacher = kwargs["teacher"]  # the very object the user froze
        elif stage.teacher is None:
            # read from the cache, which holds the teacher once: in its part
            # (kept loaded in this process after the first read)
            before = len(computed)
            parameters = inspect.signature(teacher_fn).parameters
            part = teacher_part(**{a: kwargs[a] for a in parameters})
            stage.teacher = part.teacher
            if len(computed) > before:  # the cache had lost the part
                refit = part.times
        if hit:
            self.fit_times_["teacher_stage_from_cache"] = time.perf_counter() - t0
            # what the cached phases cost the fit that computed them
            self.fit_times_.update(
                {f"cached_{phase}": t for phase, t in stage.times.items()}
            )
            self._log("teacher, calibration and transfer set loaded from memory")
        else:
            self.fit_times_.update(stage.times)
        if refit is not None:
            # the stage came from the cache, its teacher did not: fitted now
            self.fit_times_.update(refit)
            self._log("the cache held the stage but not its teacher: fitted again")
        self.teacher_ = stage.teacher
        self.augmenter_ = stage.augmenter
        self.n_synthetic_ = len(stage.X_transfer) - kwargs["X"].shape[0]
        return stage

    def fine_tune(
        self, X, y, sample_weight=None, *, label_weight=0.5, replay=1.0, epochs=30
    ):
        """Adapt the fitted student to new labelled rows without forgetting.

        On the new rows the targets mix the teacher's with the new labels,
        ``(1 - label_weight) * teacher + label_weight * y``. No synthetic rows
        are generated around the new rows: the teacher may not know the new
        domain, and its labels there would dilute the new labels. The original
        transfer set is replayed (regenerated from the fitted augmenter and
        relabelled by the teacher) with a total weight of ``replay`` times that
        of the new data, so the student keeps what it learnt. MLP students
        continue from their current weights for ``epochs`` passes with their
        preprocessing frozen; other students are refitted on the combined set.
        The teacher is not changed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New rows from the user's domain.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their labels (classes seen in ``fit``) or targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the new rows.
        label_weight : float in [0, 1], default=0.5
            Weight of the new labels against the teacher on the new real rows.
        replay : float >= 0, default=1.0
            Total weight of the replayed original transfer set relative to the
            new data; 0 forgets nothing only if the new data cover the old.
        epochs : int, default=30
            Passes over the combined rows for MLP students.

        Returns
        -------
        self
            With ``student_`` replaced and ``fine_tune_`` describing the step.
        """
        check_is_fitted(self)
        if not (_is_real(label_weight) and 0.0 <= label_weight <= 1.0):
            raise ValueError(
                f"label_weight must be a number in [0, 1]; got {label_weight!r}."
            )
        if not (_is_real(replay) and replay >= 0.0):
            raise ValueError(f"replay must be a number >= 0; got {replay!r}.")
        if not (isinstance(epochs, numbers.Integral) and epochs >= 1):
            raise ValueError(f"epochs must be an int >= 1; got {epochs!r}.")
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        if np.ndim(y) == 0:
            raise ValueError(
                f"y must be array-like with one entry per row of X; got {y!r}."
            )
        if len(y) != len(X):
            raise ValueError(
                f"X has {len(X)} rows but y has {len(y)}; they must match."
            )
        labels = self._encode_labels(y)
        sample_weight = _checked_weights(sample_weight, X)
        t0 = time.perf_counter()
        out_new = self._teacher_outputs(X)
        targets = [self._student_targets(out_new, labels, label_weight)]
        weights = [np.ones(len(X)) if sample_weight is None else sample_weight]
        rows = [X]
        n_replay = 0
        if replay > 0:
            X_old = self.augmenter_.X_fit_
            X_rep, out_rep, _ = build_transfer_set(
                X_old,
                self.augmenter_,
                self.n_synthetic_,
                self._teacher_outputs,
                chunk_size=self.chunk_size,
                n_jobs=self.n_jobs,
            )
            n_replay = len(X_rep)
            rows.append(X_rep)
            targets.append(self._student_targets(out_rep, labels[:0], 0.0))
            weights.append(np.full(n_replay, replay * weights[0].sum() / n_replay))
        X_all = np.concatenate(rows)
        targets_all = np.concatenate(targets)
        weights_all = np.concatenate(weights)
        final = _students.final_estimator(self.student_)
        warm = isinstance(final, (MLPClassifier, MLPRegressor))
        if warm:
            self.student_ = _students.continue_mlp_training(
                copy.deepcopy(self.student_),
                getattr(self, "student_mode_", None),
                X_all,
                targets_all,
                weights_all,
                epochs,
            )
        else:
            self.student_ = self._fit_student(
                clone(self.student_), X_all, targets_all, weights_all
            )
        self.fine_tune_ = {
            "n_new_rows": int(len(X)),
            "n_replayed": int(n_replay),
            "warm_start": warm,
            "seconds": time.perf_counter() - t0,
        }
        return self

    def _search_student(
        self, stage, targets, weights, reference, seeds, categorical_mask=None
    ):
        """``student='auto'``: pick the most faithful candidate within budget."""
        budget = check_budget(self.student_budget)
        t0 = time.perf_counter()
        self._log("searching student candidates ...")
        self.student_, self.student_search_ = search_students(
            self._task,
            stage.X_transfer,
            targets,
            stage.source,
            weights,
            len(reference),
            reference,
            self._fit_student,
            budget,
            seeds["student"],
            categorical_mask,
            export=self._export_with_student,
        )
        self.fit_times_["student"] = time.perf_counter() - t0
        chosen = next(r for r in self.student_search_ if r["chosen"])
        self._log(f"chose {chosen['name']} (fidelity {chosen['fidelity']:.4f})")

    def _export_with_student(self, student, X_sample):
        """What :func:`skdistill.to_onnx` would write with ``student`` as the
        fitted student (the search measures candidates in their real graph)."""
        from .onnx._api import _convert

        model = copy.copy(self)
        model.student_ = student
        return _convert(model, X_sample)

    @staticmethod
    def _drop_zero_weights(X, y, sample_weight):
        """Rows of weight zero are removed, exactly as if they were not given."""
        if sample_weight is None:
            return X, y, None
        keep = sample_weight > 0
        if keep.all():
            return X, y, sample_weight
        if not keep.any():
            raise ValueError("sample_weight is zero for every row; nothing to fit.")
        return X[keep], y[keep], sample_weight[keep]

    def _timed(self, phase: str, fn, *args):
        return timed(self.fit_times_, phase, self._log, fn, *args)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = (
            self._teacher_allows_nan() and self._student_allows_nan()
        )
        return tags


def _student_has_proba(self) -> bool:
    student = self.student_ if hasattr(self, "student_") else self.student
    if isinstance(student, str) or is_regressor(student):
        return True
    mode = getattr(self, "student_mode_", None)
    if mode in ("regress_proba", "regress_logits"):
        return True
    return hasattr(student, "predict_proba")


class DistilledClassifier(ClassifierMixin, _BaseDistiller):
    """Distil a heavy teacher classifier into a compact student.

    The teacher is fitted on ``(X, y)``; its probabilities are calibrated by a
    temperature fitted on rows it did not train on; a transfer set of the real
    rows plus synthetic rows (MUNGE by default) is labelled with the calibrated,
    optionally softened teacher probabilities; and the student learns those soft
    targets. Predictions come from the student alone.

    Parameters
    ----------
    teacher : estimator or None, default=None
        The model to distil. ``None``: :func:`skdistill.default_teacher`, a soft
        vote of early-stopped XGBoost and LightGBM, HistGradientBoosting and
        extra-trees. A scikit-learn classifier with ``predict_proba`` is cloned
        and fitted; a fitted model wrapped in
        :class:`sklearn.frozen.FrozenEstimator` is used as is, never refitted.
    student : {'tree', 'mlp', 'linear', 'auto'} or estimator, default='tree'
        The compact model. ``'tree'``: a 1,024-leaf entropy tree trained on the soft
        cross-entropy; ``'mlp'``: a 32x32 MLP classifier behind median
        imputation and scaling; ``'linear'``: logistic regression on per-column
        bins and categories (an additive model); both trained with the soft
        cross-entropy (see :func:`skdistill.make_student`); ``'auto'``: the
        most faithful of several sizes of the three within ``student_budget``
        (see ``student_search_``). Any classifier or regressor instance is
        cloned; how it learns the soft targets is ``student_mode_`` (see
        Notes). To tune an alias's parameters (e.g. in a grid search), pass
        ``make_student('tree', 'classification')`` and set
        ``student__max_depth``.
    augment : {'munge', 'jitter', 'interpolation', 'marginal', 'none'}, \
            augmenter or None, default='munge'
        How synthetic rows are generated (see :mod:`skdistill.augment`).
        ``None`` or ``'none'``: the real rows only.
    n_synthetic : 'auto', float or int, default='auto'
        Synthetic rows: a float multiplies the number of training rows (capped
        at 200,000 rows); an int is an absolute count. ``'auto'``: a size per
        student family (``AUTO_N_SYNTHETIC`` in :mod:`skdistill._distill`):
        2x the training rows for trees, MLPs and other students, none for
        linear students (for :class:`DistilledRegressor`, 5x for trees and
        MLPs). Evidence (the protocol of ``benchmarks/bench_quality.py``:
        default teacher, MUNGE, 3 seeds; ``benchmarks/README.md``): an
        additive model cannot follow the teacher's interactions off the data,
        and synthetic rows moved the binned linear student's fit away from
        the real rows' as often as they helped. Without them against 2x
        (thermometer bins): accuracy adult 0.870 and 0.862,
        letter 0.877 and 0.875, telco churn 0.805 and 0.804, fars 0.678 and
        0.678, magic 0.852 and 0.856 but with ECE 0.019 against 0.025 (the
        calibrated teacher's: 0.011); R^2 diamonds 0.9884 and 0.9875,
        bikeshare 0.7019 and 0.7015, casp 0.368 and 0.372; and the fit is
        cheaper. (The earlier linear students, on one-hot bins and on
        standardised columns, showed the same:
        ``benchmarks/results/quality_sizes_sweep``, ``linear_bins``.)
        For tree and MLP classifiers 0x, 2x, 5x and 10x gave no consistent
        winner, so they keep 2x: against 2x, 5x changed the tree by +0.0005
        accuracy on telco (seeds 0-2) and -0.0003 on adult (seed 0), and the
        MLP by -0.0015 and +0.0011; for trees it would also more than double
        the labelling time, which on adult is already about the teacher's own
        fit time. (Regression differs: see :class:`DistilledRegressor`.)
        With ``memory``, a linear student still shares the cached teacher fit
        with the other families; only its (smaller) transfer set is labelled
        anew.
    softening_temperature : float, default=1.0
        Hinton's temperature ``T``: the student learns
        ``softmax(log p / (temperature_ * T))`` and predicts with its output
        sharpened back by ``T``. ``T > 1`` exposes more of the teacher's
        "dark knowledge" about wrong classes.
    label_weight : float in [0, 1], default=0.0
        Weight of the true labels mixed into the soft targets of the real rows:
        ``(1 - w) * soft + w * onehot(y)``.
    calibration_cv : 'auto', int, float or None, default='auto'
        Rows the teacher does not train on, for fitting ``temperature_`` by
        minimising the negative log-likelihood. A float: a stratified held-out
        share (one extra teacher fit); an int ``k >= 2``: k-fold out-of-fold
        probabilities (``k`` extra fits); ``'auto'``: ``0.2`` from 2,500
        training rows on (a holdout of at least 500 rows), 5-fold below, so
        that every row gets an out-of-fold probability (on a small holdout
        the temperature follows the few rows it holds: on breast cancer's
        426 training rows the 20% holdout gave ``T = 0.32`` and doubled the
        teacher's test log-loss, 5-fold gave ``T = 0.72``), fewer folds
        when the largest class has fewer rows; ``None``: no calibration
        (``temperature_ = 1``). A class with a single row is never held
        out. The final teacher is always fitted on all rows. A frozen
        teacher is calibrated on its outputs for ``X``,
        which should then be rows it did not train on. When the teacher
        misclassifies none of the calibration rows no temperature can be
        fitted: ``temperature_`` stays 1, with a warning.
    student_target : {'auto', 'proba', 'logits'}, default='auto'
        What a *regressor* student fits: probabilities or centred logits.
        ``'auto'``: probabilities for tree-based regressors (a leaf mean is a
        valid distribution), logits otherwise.
    categorical_features : 'from_dtype', array-like or None, default='from_dtype'
        Columns the augmenter treats as categorical (only observed values are
        generated): a boolean mask, integer indices or column names;
        ``'from_dtype'`` takes pandas ``category`` columns, whose categories
        must be numbers (codes); string categories are refused like any text
        column: encode them first (an ``OrdinalEncoder`` in a Pipeline before
        the distiller, with those columns declared here by index). The
        teacher is fitted on numeric arrays: a teacher that takes its own
        categorical columns from dtypes (HistGradientBoosting's default
        ``categorical_features='from_dtype'``) finds none, and a warning
        names the columns it reads as numbers (the default teacher reads
        them as numbers by design: no warning).
    chunk_size : int, default=50000
        Synthetic rows generated and labelled at a time.
    n_jobs : int or None, default=None
        Parallel labelling of synthetic chunks (joblib threads) and threads of
        the default teacher's members (their fits; when labelling, its
        extra-trees runs sequentially, see ``random_state``).
    student_budget : dict or None, default=None
        Only with ``student='auto'``: ``{'latency_us': ..., 'onnx_bytes': ...}``
        (either key optional), the largest single-row ONNX Runtime latency in
        microseconds and ONNX file size the chosen student may have.
    memory : str, joblib.Memory or None, default=None
        Cache of the student-independent stage (teacher fit, calibration,
        augmentation and labelling), keyed on the data, the teacher, the
        augmentation settings and the seeds; the teacher fit and calibration
        are also cached on their own, keyed without the augmentation
        settings. With it, a grid search over student parameters fits the
        teacher once per training fold, in parallel searches too (the first
        candidate of a fold computes its stage under a lock file in the cache
        directory, the others wait and read it). A string is a cache
        directory.
        The fitted teachers a process computes or reads through it are also
        kept loaded (up to 1 GiB, least recently used dropped first; see
        :func:`~skdistill.keep_loaded_teachers`), so the candidates of a
        search share one teacher object per fold instead of each reading it
        back. ``None``: no caching.
    random_state : int, RandomState instance or None, default=None
        Seeds the teacher, the calibration split, the augmenter and the student
        (only their ``random_state`` parameters left to ``None``). The same int
        and the same ``n_jobs`` give the same model, bit for bit: the teacher
        labels rows with joblib run sequentially (a forest then adds its
        trees in tree order, not in the order its threads finish), so
        threads never change its outputs. One exception: ``student='auto'``
        with a ``latency_us`` budget, which times candidates, can choose
        differently when a candidate's measured latency is near the budget.
    verbose : int, default=0
        Print each phase with its elapsed time to stderr.

    Attributes
    ----------
    teacher_ : estimator
        The fitted teacher (the frozen one itself when given frozen), fitted on
        the validated numeric array (no feature names): give it arrays, or use
        ``teacher_predict_proba``, which checks DataFrame columns like
        ``predict`` does. With ``memory``, the fits of one process that read
        the same cached teacher share it (see
        :func:`~skdistill.keep_loaded_teachers`).
    student_ : estimator
        The fitted student.
    student_mode_ : {'soft_cross_entropy', 'regress_proba', 'regress_logits', \
            'teacher_labels'}
        How the student learnt the soft targets.
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the user's label type.
    temperature_ : float
        Calibrated temperature of the teacher's logits.
    calibration_ : dict
        Negative log-likelihood and ECE of the teacher on the calibration rows
        before and after the temperature, the number of those rows and the
        held-out scheme used (``'cv'``: the held-out share or the number of
        folds, what ``'auto'`` resolved to; ``'frozen'`` for a frozen teacher,
        calibrated on its outputs for ``X``).
    augmenter_ : augmenter
        The fitted augmenter.
    n_synthetic_ : int
        Synthetic rows in the transfer set.
    student_search_ : list of dict
        Only with ``student='auto'``: one entry per candidate, with its
        ``name``, ``fidelity`` (to the teacher, on held-out real rows),
        ``latency_us`` and ``onnx_bytes`` (of the exported float32 graph),
        ``within_budget`` and ``chosen``.
    fine_tune_ : dict
        Only after :meth:`fine_tune`: the new and replayed rows it used, whether
        it warm-started, and its wall time in seconds.
    fit_times_ : dict
        Wall time in seconds of each phase of ``fit``. When ``memory`` served
        the teacher stage, ``'teacher_stage_from_cache'`` is the time it took
        to load, and the phases it holds keep the times of the fit that
        computed them, prefixed with ``'cached_'`` (e.g. ``'cached_teacher'``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (pandas input only).

    See Also
    --------
    DistilledRegressor : The same for regression.

    Notes
    -----
    Student modes: a classifier that accepts ``sample_weight`` sees every
    transfer row once per class weighted by its soft target, which makes its
    log-loss the soft cross-entropy (``'soft_cross_entropy'``; a plain decision
    tree gets the same splits and leaves from a regression tree grown on the
    probability vectors, each row once); a regressor fits
    probabilities or logits (``'regress_proba'``, ``'regress_logits'``, Ba &
    Caruana 2014); a classifier without weights learns the teacher's labels.

    References
    ----------
    .. [1] G. Hinton, O. Vinyals, J. Dean. "Distilling the Knowledge in a Neural
       Network", 2015.
    .. [2] C. Bucilă, R. Caruana, A. Niculescu-Mizil. "Model Compression",
       KDD 2006.
    .. [3] C. Guo, G. Pleiss, Y. Sun, K. Weinberger. "On Calibration of Modern
       Neural Networks", ICML 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from skdistill import DistilledClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = DistilledClassifier(
    ...     teacher=HistGradientBoostingClassifier(max_iter=50), student="tree",
    ...     random_state=0,
    ... ).fit(X, y)
    >>> model.predict(X[:3])
    array([0, 0, 0])
    >>> model.predict_proba(X[:1]).sum().round(6)
    np.float64(1.0)
    """

    _task = "classification"
    _parameter_constraints: dict = {
        **_BaseDistiller._parameter_constraints,
        "softening_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "calibration_cv": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 2, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
            None,
        ],
        "student_target": [StrOptions({"auto", "proba", "logits"})],
    }

    def __init__(
        self,
        teacher=None,
        student="tree",
        *,
        augment="munge",
        n_synthetic="auto",
        softening_temperature=1.0,
        label_weight=0.0,
        calibration_cv="auto",
        student_target="auto",
        categorical_features="from_dtype",
        chunk_size=50_000,
        n_jobs=None,
        memory=None,
        student_budget=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            teacher=teacher,
            student=student,
            augment=augment,
            n_synthetic=n_synthetic,
            label_weight=label_weight,
            categorical_features=categorical_features,
            chunk_size=chunk_size,
            n_jobs=n_jobs,
            memory=memory,
            student_budget=student_budget,
            random_state=random_state,
            verbose=verbose,
        )
        self.softening_temperature = softening_temperature
        self.calibration_cv = calibration_cv
        self.student_target = student_target

    def _check_components(self, teacher):
        if not is_classifier(teacher):
            raise TypeError(
                f"teacher must be a classifier for DistilledClassifier; "
                f"{type(teacher).__name__} is not (estimator type "
                f"{get_tags(teacher).estimator_type!r})."
            )
        if not hasattr(teacher, "predict_proba"):
            raise TypeError(
                f"teacher {type(teacher).__name__} has no predict_proba; the "
                "distiller needs the teacher's probabilities (e.g. SVC needs "
                "probability=True)."
            )
        self._check_shared_components(teacher)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the teacher, calibrate it, label the transfer set, fit the student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows (numeric; NaN allowed where the teacher and student
            accept it).
        y : array-like of shape (n_samples,)
            Class labels (any type that sorts: ints, strings, ...).
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, used by the teacher (where its ``fit`` takes them), the
            calibration, and the student (synthetic rows inherit the weight of
            the row they come from). Rows of weight zero are dropped. As in
            scikit-learn, a weight means "as if the row were repeated": the
            student's loss weighs the rows too, on top of the weighted
            teacher's targets, so with weights that depend on the class a
            student that cannot follow the teacher everywhere leans further
            toward the up-weighted rows than the teacher does.

        Returns
        -------
        self : DistilledClassifier
        """
        self._t_start = time.perf_counter()
        for stale in ("fine_tune_", "student_search_"):  # from an earlier fit
            self.__dict__.pop(stale, None)
        self.fit_times_ = {}
        seeds = self._seeds()
        teacher = self._prepare_teacher(seeds)
        self._check_components(teacher)
        X_raw, X, y = self._validate_X_y(X, y)
        check_classification_targets(y)
        sample_weight = _checked_weights(sample_weight, X)
        X, y, sample_weight = self._drop_zero_weights(X, y, sample_weight)
        categorical_mask = self._check_categorical(X_raw, X.shape[1])
        self._warn_teacher_reads_dtypes(teacher, X_raw, categorical_mask)

        frozen = is_frozen(teacher)
        if frozen:
            self.classes_ = np.asarray(teacher.classes_)
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y holds classes {unknown.tolist()} that the frozen teacher "
                    f"does not know (it knows {self.classes_.tolist()})."
                )
        else:
            self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got 1 class "
                f"({self.classes_.tolist()})."
            )
        y_index = np.searchsorted(self.classes_, y)
        try:
            stage = self._run_teacher_stage(
                classification_stage,
                classification_teacher,
                teacher=teacher,
                X=X,
                y=y,
                sample_weight=sample_weight,
                classes=self.classes_,
                seeds=seeds,
                # resolved here so that the memory cache is keyed on the scheme
                calibration_cv=resolve_calibration_cv(self.calibration_cv, y),
                augment=self.augment,
                n_synthetic=self._n_synthetic(),
                categorical_mask=categorical_mask,
                chunk_size=self.chunk_size,
                n_jobs=self.n_jobs,
            )
        except ValueError as exc:
            # scikit-learn's stratified splits (a teacher's early stopping)
            counts = np.bincount(y_index, minlength=len(self.classes_))
            lone = self.classes_[counts < 2]
            if not frozen and "greater or equal to the number of classes" in str(exc):
                n_classes = len(self.classes_)
                raise ValueError(
                    f"y has {len(y)} rows, too few for a teacher that holds a "
                    "share of its training rows out for a stratified split "
                    "(early stopping, as the default teacher's members do on "
                    "10% of the rows they are fitted on): that share must hold "
                    f"a row of each of the {n_classes} classes. Give more rows, "
                    "or pass a teacher without early stopping."
                ) from exc
            if not lone.size or frozen or "least populated" not in str(exc):
                raise
            # (scikit-learn's own message lists the classes by their indices)
            raise ValueError(
                f"y has classes with a single row: {lone.tolist()}; a teacher "
                "that holds rows out for a stratified split (early stopping, as "
                "the default teacher does) cannot split them: drop or merge "
                "those classes, or pass a teacher without early stopping."
            ) from exc
        self.temperature_ = stage.temperature
        self.calibration_ = stage.calibration
        soft = self._student_targets(stage.outputs, y_index, self.label_weight)
        weights = None if sample_weight is None else sample_weight[stage.source]
        if self.student == "auto":
            self.student_mode_ = "soft_cross_entropy"
            reference = stage.outputs[: len(y)].argmax(axis=1)
            self._search_student(
                stage, soft, weights, reference, seeds, categorical_mask
            )
            return self
        student = self._prepare_student(seeds, categorical_mask)
        self.student_mode_ = _students.student_mode(student, self.student_target)
        # hand the transfer matrix over: the student fit may free it early
        rows = [stage.X_transfer]
        del stage
        self.student_ = self._timed(
            "student", self._fit_student, student, rows, soft, weights
        )
        return self

    def _teacher_outputs(self, rows):
        return teacher_proba(self.teacher_, rows, self.classes_)

    def _encode_labels(self, y):
        y = column_or_1d(y, warn=False)  # as fit: (n, 1) is taken, (n, 2) refused
        check_classification_targets(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y holds classes {unknown.tolist()} the model was not fitted on "
                f"(classes_ = {self.classes_.tolist()})."
            )
        return np.searchsorted(self.classes_, y)

    def _student_targets(self, outputs, y_index, label_weight):
        """Softened calibrated targets; the first len(y_index) rows get labels."""
        soft = soften(outputs, self.temperature_ * self.softening_temperature)
        n = len(y_index)
        soft[:n] = blend_with_labels(soft[:n], y_index, label_weight)
        return soft

    def _fit_student(self, student, X, targets, weights):
        return _students.fit_classifier_student(
            student, self.student_mode_, X, targets, weights
        )

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )

    @available_if(_student_has_proba)
    def predict_proba(self, X):
        """Class probabilities of the student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Non-negative rows summing to one, columns in ``classes_`` order.
        """
        X = self._check_X(X)
        proba = _students.classifier_student_proba(
            self.student_, self.student_mode_, X, len(self.classes_)
        )
        return sharpen_student_proba(proba, self.softening_temperature)

    @available_if(_student_has_proba)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Most probable class according to the student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        if _student_has_proba(self):
            proba = self.predict_proba(X)
            return self.classes_[np.argmax(proba, axis=1)]
        X = self._check_X(X)
        index = _students.classifier_student_labels(
            self.student_, self.student_mode_, X
        )
        return self.classes_[index]

    def teacher_predict_proba(self, X):
        """Calibrated probabilities of the teacher (``temperature_`` applied)."""
        X = self._check_X(X)
        return soften(teacher_proba(self.teacher_, X, self.classes_), self.temperature_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        tags.classifier_tags.poor_score = False
        return tags


class DistilledRegressor(RegressorMixin, _BaseDistiller):
    """Distil a heavy teacher regressor into a compact student.

    The teacher is fitted on ``(X, y)``; the student learns the teacher's
    predictions on the real rows (optionally mixed with the true targets) and on
    synthetic rows (MUNGE by default). Predictions come from the student alone.
    Targets are standardised for the student's fit and mapped back afterwards,
    so scale-sensitive students (MLPs) work on targets of any scale.

    Parameters
    ----------
    teacher : estimator or None, default=None
        ``None``: :func:`skdistill.default_teacher` for regression (wrapped in a
        :class:`~sklearn.multioutput.MultiOutputRegressor` for 2-D ``y``). A
        regressor is cloned and fitted; a fitted model wrapped in
        :class:`sklearn.frozen.FrozenEstimator` is used as is.
    student : {'tree', 'mlp', 'linear', 'auto'} or regressor, default='tree'
        ``'tree'``: a 1,024-leaf regression tree; ``'mlp'``: a 32x32
        :class:`~sklearn.neural_network.MLPRegressor` behind median imputation
        and scaling; ``'linear'``: ridge regression on per-column bins and
        categories (see :func:`skdistill.make_student`);
        ``'auto'``: the most faithful of several sizes of the three within
        ``student_budget`` (see ``student_search_``). A single-output
        regressor is wrapped for multi-output targets.
    augment : {'munge', 'jitter', 'interpolation', 'marginal', 'none'}, \
            augmenter or None, default='munge'
        How synthetic rows are generated.
    n_synthetic : 'auto', float or int, default='auto'
        Synthetic rows: a float multiplies the number of training rows (capped
        at 200,000 rows); an int is an absolute count. ``'auto'``
        (``AUTO_N_SYNTHETIC_REGRESSION`` in :mod:`skdistill._distill`): 5x the
        training rows for trees and MLPs, 2x for other students, none for
        linear students, whose fit synthetic rows only pull away from the real
        rows' distribution (the evidence is in :class:`DistilledClassifier`).
        Regression students follow a continuous surface and gain from more
        points than classifiers do: with the default teacher and MUNGE
        (``benchmarks/bench_quality.py --sweep 5``, seeds 0-2), 5x against 2x
        changed the test R^2 of the tree by +0.0097/+0.0043/+0.0081 on
        bikeshare, +0.0058/+0.0026/-0.0000 on casp and
        +0.0003/-0.0001/-0.0004 on diamonds, and of the MLP by
        +0.0005/+0.0006/+0.0051, +0.0098/+0.0069/+0.0056 and
        +0.0007/+0.0004/+0.0014
        (``benchmarks/results/quality_sizes_sweep/regression_5x.md``), at
        about twice the labelling and student fit time.
    label_weight : float in [0, 1], default=0.0
        Weight of the true targets mixed into the teacher's predictions on the
        real rows: ``(1 - w) * teacher + w * y``.
    categorical_features : 'from_dtype', array-like or None, default='from_dtype'
        Columns the augmenter treats as categorical (as for
        :class:`DistilledClassifier`; a teacher taking its categorical columns
        from dtypes finds none, with a warning).
    chunk_size : int, default=50000
        Synthetic rows generated and labelled at a time.
    n_jobs : int or None, default=None
        Parallel labelling of synthetic chunks (joblib threads) and threads of
        the default teacher's members (their fits; when labelling, its
        extra-trees runs sequentially, see ``random_state``).
    student_budget : dict or None, default=None
        Only with ``student='auto'``: ``{'latency_us': ..., 'onnx_bytes': ...}``
        (either key optional), the largest single-row ONNX Runtime latency in
        microseconds and ONNX file size the chosen student may have.
    memory : str, joblib.Memory or None, default=None
        Cache of the student-independent stage (teacher fit, calibration,
        augmentation and labelling), keyed on the data, the teacher, the
        augmentation settings and the seeds; the teacher fit and calibration
        are also cached on their own, keyed without the augmentation
        settings. With it, a grid search over student parameters fits the
        teacher once per training fold, in parallel searches too (the first
        candidate of a fold computes its stage under a lock file in the cache
        directory, the others wait and read it). A string is a cache
        directory.
        The fitted teachers a process computes or reads through it are also
        kept loaded (up to 1 GiB, least recently used dropped first; see
        :func:`~skdistill.keep_loaded_teachers`), so the candidates of a
        search share one teacher object per fold instead of each reading it
        back. ``None``: no caching.
    random_state : int, RandomState instance or None, default=None
        Seeds every random part of the fit; the same int and the same
        ``n_jobs`` give the same model, bit for bit (the teacher labels rows
        with joblib run sequentially, so a forest adds its trees in tree
        order whatever its threads), except the choice of ``student='auto'``
        under a ``latency_us`` budget, which is timed.
    verbose : int, default=0
        Print each phase with its elapsed time to stderr.

    Attributes
    ----------
    teacher_ : estimator
        The fitted teacher, fitted on the validated numeric array (no feature
        names): give it arrays, or use ``teacher_predict``, which checks
        DataFrame columns like ``predict`` does. With ``memory``, the fits of
        one process that read the same cached teacher share it (see
        :func:`~skdistill.keep_loaded_teachers`).
    student_ : estimator
        The fitted student (it predicts standardised targets; use
        :meth:`predict`).
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Standardisation of the student's targets.
    augmenter_ : augmenter
        The fitted augmenter.
    n_synthetic_ : int
        Synthetic rows in the transfer set.
    student_search_ : list of dict
        Only with ``student='auto'``: one entry per candidate, with its
        ``name``, ``fidelity`` (to the teacher, on held-out real rows),
        ``latency_us`` and ``onnx_bytes`` (of the exported float32 graph),
        ``within_budget`` and ``chosen``.
    fine_tune_ : dict
        Only after :meth:`fine_tune`: the new and replayed rows it used, whether
        it warm-started, and its wall time in seconds.
    fit_times_ : dict
        Wall time in seconds of each phase of ``fit``. When ``memory`` served
        the teacher stage, ``'teacher_stage_from_cache'`` is the time it took
        to load, and the phases it holds keep the times of the fit that
        computed them, prefixed with ``'cached_'`` (e.g. ``'cached_teacher'``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit (pandas input only).

    See Also
    --------
    DistilledClassifier : The same for classification.

    References
    ----------
    .. [1] C. Bucilă, R. Caruana, A. Niculescu-Mizil. "Model Compression",
       KDD 2006.
    .. [2] J. Ba, R. Caruana. "Do Deep Nets Really Need to be Deep?", NIPS 2014.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from skdistill import DistilledRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> model = DistilledRegressor(
    ...     teacher=HistGradientBoostingRegressor(max_iter=50), student="tree",
    ...     random_state=0,
    ... ).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    """

    _task = "regression"

    def __init__(
        self,
        teacher=None,
        student="tree",
        *,
        augment="munge",
        n_synthetic="auto",
        label_weight=0.0,
        categorical_features="from_dtype",
        chunk_size=50_000,
        n_jobs=None,
        memory=None,
        student_budget=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            teacher=teacher,
            student=student,
            augment=augment,
            n_synthetic=n_synthetic,
            label_weight=label_weight,
            categorical_features=categorical_features,
            chunk_size=chunk_size,
            n_jobs=n_jobs,
            memory=memory,
            student_budget=student_budget,
            random_state=random_state,
            verbose=verbose,
        )

    def _check_components(self, teacher):
        if not is_regressor(teacher):
            raise TypeError(
                f"teacher must be a regressor for DistilledRegressor; "
                f"{type(teacher).__name__} is not (estimator type "
                f"{get_tags(teacher).estimator_type!r})."
            )
        self._check_shared_components(teacher)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Fit the teacher, label the transfer set, fit the student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights for the teacher (where accepted) and the student
            (synthetic rows inherit their source row's weight). Rows of weight
            zero are dropped.

        Returns
        -------
        self : DistilledRegressor
        """
        self._t_start = time.perf_counter()
        for stale in ("fine_tune_", "student_search_"):  # from an earlier fit
            self.__dict__.pop(stale, None)
        self.fit_times_ = {}
        seeds = self._seeds()
        X_raw, X, y = self._validate_X_y(X, y)
        y = np.asarray(y, dtype=np.float64)
        self._y_ndim = y.ndim
        y2 = y.reshape(len(y), -1)
        teacher = self._prepare_teacher(seeds, n_outputs=y2.shape[1])
        self._check_components(teacher)
        if not is_frozen(teacher):
            teacher = _students.prepare_regressor(teacher, y2.shape[1])
        sample_weight = _checked_weights(sample_weight, X)
        X, y, sample_weight = self._drop_zero_weights(X, y, sample_weight)
        y2 = y.reshape(len(y), -1)
        categorical_mask = self._check_categorical(X_raw, X.shape[1])
        self._warn_teacher_reads_dtypes(teacher, X_raw, categorical_mask)

        stage = self._run_teacher_stage(
            regression_stage,
            regression_teacher,
            teacher=teacher,
            X=X,
            y=y,
            sample_weight=sample_weight,
            seeds=seeds,
            augment=self.augment,
            n_synthetic=self._n_synthetic(),
            categorical_mask=categorical_mask,
            chunk_size=self.chunk_size,
            n_jobs=self.n_jobs,
        )
        mixed = self._mix_targets(stage.outputs, y2, self.label_weight)
        self.target_mean_ = mixed.mean(axis=0)
        scale = mixed.std(axis=0)
        self.target_scale_ = np.where(scale > 0, scale, 1.0)
        targets = self._standardise(mixed)
        weights = None if sample_weight is None else sample_weight[stage.source]
        if self.student == "auto":
            reference = self._standardise(stage.outputs[: len(y2)])
            self._search_student(
                stage, targets, weights, reference, seeds, categorical_mask
            )
            return self
        student = self._prepare_student(seeds, categorical_mask)
        n_outputs = 1 if targets.ndim == 1 else targets.shape[1]
        student = _students.prepare_regressor(student, n_outputs)
        self.student_ = self._timed(
            "student", self._fit_student, student, stage.X_transfer, targets, weights
        )
        return self

    def _teacher_outputs(self, rows):
        return teacher_predict(self.teacher_, rows)

    def _encode_labels(self, y):
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        if y.shape[1] != len(self.target_mean_):
            raise ValueError(
                f"y has {y.shape[1]} output(s); the model was fitted on "
                f"{len(self.target_mean_)}."
            )
        return y

    @staticmethod
    def _mix_targets(outputs, y2, label_weight):
        """Teacher predictions; the first len(y2) rows mixed with the targets."""
        targets = outputs.copy()
        n = len(y2)
        if label_weight:
            targets[:n] = (1.0 - label_weight) * targets[:n] + label_weight * y2
        return targets

    def _standardise(self, targets):
        targets = (targets - self.target_mean_) / self.target_scale_
        return targets[:, 0] if targets.shape[1] == 1 else targets

    def _student_targets(self, outputs, y2, label_weight):
        return self._standardise(self._mix_targets(outputs, y2, label_weight))

    def _fit_student(self, student, X, targets, weights):
        return _students.fit_weighted_regressor(student, X, targets, weights)

    def predict(self, X):
        """Predictions of the student, in the scale of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        out = np.asarray(self.student_.predict(X), dtype=np.float64)
        out = out.reshape(len(X), -1) * self.target_scale_ + self.target_mean_
        return out[:, 0] if self._y_ndim == 1 else out

    def teacher_predict(self, X):
        """Predictions of the teacher."""
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )
        return in_order(self.teacher_, "predict", X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
