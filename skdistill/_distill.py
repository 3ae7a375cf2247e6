"""The distillation meta-estimators: orchestration only.

The maths lives in :mod:`skdistill._soft_targets` and :mod:`skdistill._calibration`,
the teacher in :mod:`skdistill._teacher`, students in :mod:`skdistill._students`,
the transfer set in :mod:`skdistill._transfer` and augmentation in
:mod:`skdistill.augment`.
"""

from __future__ import annotations

import numbers
import sys
import time
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
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _students
from ._calibration import expected_calibration_error, fit_temperature
from ._calibration import negative_log_likelihood as _nll
from ._soft_targets import (
    blend_with_labels,
    proba_to_logits,
    sharpen_student_proba,
    soften,
)
from ._teacher import (
    default_teacher,
    fill_random_state,
    fit_teacher,
    held_out_proba,
    is_frozen,
    teacher_proba,
)
from ._transfer import build_transfer_set, n_synthetic_rows
from .augment import BaseAugmenter, NoAugmenter, resolve_augmenter

_AUGMENT_ALIASES = ["munge", "jitter", "interpolation", "marginal", "none"]


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


class _BaseDistiller(MetaEstimatorMixin, BaseEstimator):
    """Steps shared by both tasks: validate, fit teacher, build transfer set."""

    _parameter_constraints: dict = {
        "teacher": [HasMethods(["fit", "predict"]), None],
        "student": [StrOptions(set(_students.STUDENT_ALIASES)), HasMethods(["fit"])],
        "augment": [StrOptions(set(_AUGMENT_ALIASES)), BaseAugmenter, None],
        "n_synthetic": [
            Interval(numbers.Integral, 0, None, closed="left"),
            Interval(numbers.Real, 0, None, closed="left"),
        ],
        "label_weight": [Interval(numbers.Real, 0, 1, closed="both")],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "chunk_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_jobs": [numbers.Integral, None],
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
        n_synthetic=2.0,
        label_weight=0.0,
        categorical_features="from_dtype",
        chunk_size=50_000,
        n_jobs=None,
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
            return True  # trees take NaN; 'mlp' and 'linear' impute medians
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

    def _seeds(self):
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=4)
        return {
            name: int(s)
            for name, s in zip(
                ("teacher", "split", "augment", "student"), seeds, strict=True
            )
        }

    def _prepare_teacher(self, seeds, n_outputs: int = 1):
        teacher = self._resolved_teacher(n_outputs)
        if is_frozen(teacher):
            return teacher
        teacher = clone(teacher)
        fill_random_state(teacher, seeds["teacher"])
        return teacher

    def _prepare_student(self, seeds):
        student = _students.resolve_student(self.student, self._task, None)
        fill_random_state(student, seeds["student"])
        return student

    def _fit_augmenter(self, X, seeds, categorical_mask):
        augmenter = resolve_augmenter(self.augment)
        if augmenter.get_params().get("random_state", None) is None:
            augmenter.set_params(random_state=seeds["augment"])
        return augmenter.fit(X, categorical_features=categorical_mask)

    def _transfer_set(self, X, label, seeds, categorical_mask):
        """Fit the augmenter and label real and synthetic rows with ``label``."""
        n_syn = n_synthetic_rows(self.n_synthetic, X.shape[0])
        augmenter = self._fit_augmenter(X, seeds, categorical_mask)
        self.augmenter_ = augmenter
        t0 = time.perf_counter()
        if isinstance(augmenter, NoAugmenter):
            n_syn = 0
        X_transfer, outputs, source = build_transfer_set(
            X,
            augmenter,
            n_syn,
            label,
            chunk_size=self.chunk_size,
            n_jobs=self.n_jobs,
        )
        self.fit_times_["augment_and_label"] = time.perf_counter() - t0
        self.n_synthetic_ = X_transfer.shape[0] - X.shape[0]
        self._log(
            f"transfer set: {X.shape[0]} real + {self.n_synthetic_} synthetic rows"
        )
        return X_transfer, outputs, source

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
        self._log(f"{phase} ...")
        t0 = time.perf_counter()
        result = fn(*args)
        self.fit_times_[phase] = time.perf_counter() - t0
        self._log(f"{phase} done in {self.fit_times_[phase]:.2f}s")
        return result

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
    student : {'tree', 'mlp', 'linear'} or estimator, default='tree'
        The compact model. ``'tree'``: a depth-6 entropy tree trained on the soft
        cross-entropy; ``'mlp'``: a 32x32 MLP classifier and ``'linear'``: logistic
        regression, both behind median imputation and scaling, trained with the
        soft cross-entropy (see :func:`skdistill.make_student`). Any classifier
        or regressor instance is cloned; how it learns the soft targets is
        ``student_mode_`` (see Notes).
    augment : {'munge', 'jitter', 'interpolation', 'marginal', 'none'}, \
            augmenter or None, default='munge'
        How synthetic rows are generated (see :mod:`skdistill.augment`).
        ``None`` or ``'none'``: the real rows only.
    n_synthetic : float or int, default=2.0
        Synthetic rows: a float multiplies the number of training rows (capped
        at 200,000 rows); an int is an absolute count.
    softening_temperature : float, default=1.0
        Hinton's temperature ``T``: the student learns
        ``softmax(log p / (temperature_ * T))`` and predicts with its output
        sharpened back by ``T``. ``T > 1`` exposes more of the teacher's
        "dark knowledge" about wrong classes.
    label_weight : float in [0, 1], default=0.0
        Weight of the true labels mixed into the soft targets of the real rows:
        ``(1 - w) * soft + w * onehot(y)``.
    calibration_cv : int, float or None, default=0.2
        Rows the teacher does not train on, for fitting ``temperature_`` by
        minimising the negative log-likelihood. A float: a stratified held-out
        share (one extra teacher fit); an int ``k >= 2``: k-fold out-of-fold
        probabilities (``k`` extra fits); ``None``: no calibration
        (``temperature_ = 1``). The final teacher is always fitted on all rows.
        A frozen teacher is calibrated on its outputs for ``X``, which should
        then be rows it did not train on.
    student_target : {'auto', 'proba', 'logits'}, default='auto'
        What a *regressor* student fits: probabilities or centred logits.
        ``'auto'``: probabilities for tree-based regressors (a leaf mean is a
        valid distribution), logits otherwise.
    categorical_features : 'from_dtype', array-like or None, default='from_dtype'
        Columns the augmenter treats as categorical (only observed values are
        generated): a boolean mask, integer indices or column names;
        ``'from_dtype'`` takes pandas ``category`` columns.
    chunk_size : int, default=50000
        Synthetic rows generated and labelled at a time.
    n_jobs : int or None, default=None
        Parallel labelling of chunks (joblib) and threads of the default teacher.
    random_state : int, RandomState instance or None, default=None
        Seeds the teacher, the calibration split, the augmenter and the student
        (only their ``random_state`` parameters left to ``None``). The same int
        gives the same model, bit for bit.
    verbose : int, default=0
        Print each phase with its elapsed time to stderr.

    Attributes
    ----------
    teacher_ : estimator
        The fitted teacher (the frozen one itself when given frozen).
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
        before and after the temperature, and the number of those rows.
    augmenter_ : augmenter
        The fitted augmenter.
    n_synthetic_ : int
        Synthetic rows in the transfer set.
    fit_times_ : dict
        Wall time in seconds of each phase of ``fit``.
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
    log-loss the soft cross-entropy (``'soft_cross_entropy'``); a regressor fits
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
        n_synthetic=2.0,
        softening_temperature=1.0,
        label_weight=0.0,
        calibration_cv=0.2,
        student_target="auto",
        categorical_features="from_dtype",
        chunk_size=50_000,
        n_jobs=None,
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
        if not isinstance(self.student, str):
            _students.check_student(self.student, "classification")

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
            the row they come from). Rows of weight zero are dropped.

        Returns
        -------
        self : DistilledClassifier
        """
        self._t_start = time.perf_counter()
        self.fit_times_ = {}
        seeds = self._seeds()
        teacher = self._prepare_teacher(seeds)
        self._check_components(teacher)
        X_raw, X, y = self._validate_X_y(X, y)
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        X, y, sample_weight = self._drop_zero_weights(X, y, sample_weight)
        categorical_mask = self._check_categorical(X_raw, X.shape[1])

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
        self._fit_teacher_and_temperature(teacher, X, y, y_index, sample_weight, seeds)

        temperature = self.temperature_ * self.softening_temperature
        X_transfer, proba, source = self._transfer_set(
            X,
            lambda rows: teacher_proba(self.teacher_, rows, self.classes_),
            seeds,
            categorical_mask,
        )
        soft = soften(proba, temperature)
        n = X.shape[0]
        soft[:n] = blend_with_labels(soft[:n], y_index, self.label_weight)
        weights = None if sample_weight is None else sample_weight[source]

        student = self._prepare_student(seeds)
        self.student_mode_ = _students.student_mode(student, self.student_target)
        self.student_ = self._timed(
            "student",
            _students.fit_classifier_student,
            student,
            self.student_mode_,
            X_transfer,
            soft,
            weights,
        )
        return self

    def _fit_teacher_and_temperature(self, teacher, X, y, y_index, sw, seeds):
        if is_frozen(teacher):
            self.teacher_ = teacher
            index = np.arange(len(y))
            held = (
                teacher_proba(teacher, X, self.classes_)
                if self.calibration_cv is not None
                else None
            )
        else:
            held = None
            if self.calibration_cv is not None:
                index, held = self._timed(
                    "calibration",
                    held_out_proba,
                    teacher,
                    X,
                    y,
                    sw,
                    self.calibration_cv,
                    seeds["split"],
                    self.classes_,
                )
            self.teacher_ = self._timed(
                "teacher", fit_teacher, clone(teacher), X, y, sw
            )
        if held is None:
            self.temperature_ = 1.0
            self.calibration_ = {}
            return
        logits = proba_to_logits(held)
        yi = y_index[index]
        w = None if sw is None else sw[index]
        self.temperature_ = fit_temperature(logits, yi, w)
        calibrated = soften(held, self.temperature_)
        self.calibration_ = {
            "n_rows": int(len(index)),
            "nll_before": _nll(logits, yi, 1.0, w),
            "nll_after": _nll(logits, yi, self.temperature_, w),
            "ece_before": expected_calibration_error(yi, held, sample_weight=w),
            "ece_after": expected_calibration_error(yi, calibrated, sample_weight=w),
        }
        self._log(
            f"temperature {self.temperature_:.3f} (held-out NLL "
            f"{self.calibration_['nll_before']:.4f} -> "
            f"{self.calibration_['nll_after']:.4f})"
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
    student : {'tree', 'mlp', 'linear'} or regressor, default='tree'
        ``'tree'``: a depth-6 regression tree; ``'mlp'``: a 32x32
        :class:`~sklearn.neural_network.MLPRegressor`; ``'linear'``: ridge
        regression; the last two behind median imputation and scaling. A
        single-output regressor is wrapped for multi-output targets.
    augment : {'munge', 'jitter', 'interpolation', 'marginal', 'none'}, \
            augmenter or None, default='munge'
        How synthetic rows are generated.
    n_synthetic : float or int, default=2.0
        Synthetic rows: a float multiplies the number of training rows (capped
        at 200,000 rows); an int is an absolute count.
    label_weight : float in [0, 1], default=0.0
        Weight of the true targets mixed into the teacher's predictions on the
        real rows: ``(1 - w) * teacher + w * y``.
    categorical_features : 'from_dtype', array-like or None, default='from_dtype'
        Columns the augmenter treats as categorical.
    chunk_size : int, default=50000
        Synthetic rows generated and labelled at a time.
    n_jobs : int or None, default=None
        Parallel labelling of chunks (joblib) and threads of the default teacher.
    random_state : int, RandomState instance or None, default=None
        Seeds every random part of the fit; the same int gives the same model.
    verbose : int, default=0
        Print each phase with its elapsed time to stderr.

    Attributes
    ----------
    teacher_ : estimator
        The fitted teacher.
    student_ : estimator
        The fitted student (it predicts standardised targets; use
        :meth:`predict`).
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        Standardisation of the student's targets.
    augmenter_ : augmenter
        The fitted augmenter.
    n_synthetic_ : int
        Synthetic rows in the transfer set.
    fit_times_ : dict
        Wall time in seconds of each phase of ``fit``.
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
        n_synthetic=2.0,
        label_weight=0.0,
        categorical_features="from_dtype",
        chunk_size=50_000,
        n_jobs=None,
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
        if not isinstance(self.student, str):
            _students.check_student(self.student, "regression")

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
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        X, y, sample_weight = self._drop_zero_weights(X, y, sample_weight)
        y2 = y.reshape(len(y), -1)
        categorical_mask = self._check_categorical(X_raw, X.shape[1])

        if is_frozen(teacher):
            self.teacher_ = teacher
        else:
            self.teacher_ = self._timed(
                "teacher", fit_teacher, teacher, X, y, sample_weight
            )

        def label(rows):
            return np.asarray(self.teacher_.predict(rows), dtype=np.float64).reshape(
                len(rows), -1
            )

        X_transfer, targets, source = self._transfer_set(
            X, label, seeds, categorical_mask
        )
        n = X.shape[0]
        if self.label_weight:
            w = self.label_weight
            targets[:n] = (1.0 - w) * targets[:n] + w * y2
        weights = None if sample_weight is None else sample_weight[source]
        self.target_mean_ = targets.mean(axis=0)
        scale = targets.std(axis=0)
        self.target_scale_ = np.where(scale > 0, scale, 1.0)
        targets -= self.target_mean_
        targets /= self.target_scale_
        if targets.shape[1] == 1:
            targets = targets[:, 0]

        student = self._prepare_student(seeds)
        n_outputs = 1 if targets.ndim == 1 else targets.shape[1]
        student = _students.prepare_regressor(student, n_outputs)
        self.student_ = self._timed(
            "student",
            _students.fit_weighted_regressor,
            student,
            X_transfer,
            targets,
            weights,
        )
        return self

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
        return self.teacher_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
