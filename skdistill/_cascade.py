"""Cascade: the student answers routine rows, the teacher the hard ones.

Confidence-threshold deferral (Chow's rule) on the distilled student's
probabilities, which are trained on *calibrated* teacher targets: rows whose
student confidence reaches ``threshold_`` are answered by the student, the rest
are deferred to the teacher. The threshold is the lowest one (most rows kept by
the student) that still meets the user's target on held-out rows — by default
with a one-sided statistical bound, so that the target also holds on new rows
(see :func:`cascade_score_bounds`).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy.stats import beta, norm
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ._distill import DistilledClassifier
from ._teacher import is_frozen


def student_confidence(proba: np.ndarray, kind: str = "max_proba") -> np.ndarray:
    """Confidence of each row's prediction: top probability or top-2 margin.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._cascade import student_confidence
    >>> p = np.array([[0.7, 0.2, 0.1], [0.4, 0.35, 0.25]])
    >>> student_confidence(p).round(2).tolist()
    [0.7, 0.4]
    >>> student_confidence(p, "margin").round(2).tolist()
    [0.5, 0.05]
    """
    if kind == "max_proba":
        return proba.max(axis=1)
    top2 = np.sort(proba, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def _sorted_by_confidence(confidence, student_correct, teacher_correct):
    order = np.argsort(-np.asarray(confidence), kind="stable")
    conf = np.asarray(confidence)[order]
    s_ok = np.asarray(student_correct, dtype=np.float64)[order]
    t_ok = np.asarray(teacher_correct, dtype=np.float64)[order]
    return conf, s_ok, t_ok


def cascade_score_bounds(
    confidence: np.ndarray,
    student_correct: np.ndarray,
    teacher_correct: np.ndarray,
    confidence_level: float,
    paired: bool,
) -> np.ndarray:
    """One-sided lower confidence bounds of the cascade's score, for every cut.

    Entry ``k`` is for the cascade that answers the ``k`` most confident rows
    with the student and the rest with the teacher (``k = 0 .. n``).

    ``paired=False``: the score is a proportion of correct rows; its bound is
    the exact (Clopper-Pearson) one, ``1 -`` the upper bound of the error rate.
    This is used for agreement with the teacher and for an absolute
    ``min_score``.

    ``paired=True``: the target is relative to the teacher's score on the same
    rows, so what is bounded is the paired difference ``d = student_correct -
    teacher_correct`` on the rows the student answers (0 elsewhere). Most rows
    have ``d = 0``; the bound is the normal approximation ``mean(d) - z *
    sd(d) / sqrt(n)``, with at least one discordant row in the variance. The
    returned value is ``teacher score + bound``, on the same scale as the
    target.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._cascade import cascade_score_bounds
    >>> conf = np.linspace(1, 0, 1000)
    >>> s_ok = np.arange(1000) < 900  # the 100 least confident rows are wrong
    >>> b = cascade_score_bounds(conf, s_ok, np.ones(1000), 0.95, paired=False)
    >>> float(b[0].round(4)), float(b[900].round(4)), float(b[1000].round(4))
    (0.997, 0.997, 0.883)
    """
    _, s_ok, t_ok = _sorted_by_confidence(confidence, student_correct, teacher_correct)
    n = len(s_ok)
    if paired:
        d = s_ok - t_ok
        sum_d = np.concatenate([[0.0], np.cumsum(d)])
        discordant = np.concatenate([[0.0], np.cumsum(d != 0)])
        mean = sum_d / n
        var = np.maximum(np.maximum(discordant, 1.0) / n - mean**2, 0.0)
        z = norm.ppf(confidence_level)
        return t_ok.mean() + mean - z * np.sqrt(var / n)
    student_part = np.concatenate([[0.0], np.cumsum(s_ok)])
    teacher_part = np.concatenate([[0.0], np.cumsum(t_ok[::-1])])[::-1]
    errors = np.rint(n - student_part - teacher_part)
    upper = np.ones(n + 1)
    some = errors < n
    upper[some] = beta.ppf(confidence_level, errors[some] + 1, n - errors[some])
    return 1.0 - upper


def choose_threshold(
    confidence: np.ndarray,
    student_correct: np.ndarray,
    teacher_correct: np.ndarray,
    target: float,
    *,
    confidence_level: float | None = None,
    paired: bool = False,
) -> tuple[float, float, float]:
    """Lowest confidence threshold whose cascade score on these rows >= target.

    The cascade answers a row with the student when its confidence is at least
    the threshold, else with the teacher; its score is the mean correctness.
    Only thresholds at distinct confidence values are considered, so tied rows
    are always routed together.

    With ``confidence_level=None`` the score measured on these rows must meet
    the target; the lowest such threshold is chosen, which overfits the rows
    (on new rows the score tends to fall short). With a ``confidence_level``
    the one-sided lower bound of the score (:func:`cascade_score_bounds`) must
    meet it, and thresholds are tested from the highest down, stopping at the
    first that fails (fixed-sequence testing, as in Learn-then-Test,
    Angelopoulos et al. 2021): the chosen threshold then meets the target on
    the distribution the rows come from with probability about
    ``confidence_level``, without a correction for the number of thresholds.

    Returns
    -------
    threshold : float
        ``inf`` when even deferring every row misses the target or when no
        row can be handed to the student without missing it.
    coverage : float
        Share of rows the student answers at that threshold.
    score : float
        The cascade's score on these rows at that threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from skdistill._cascade import choose_threshold
    >>> conf = np.array([0.9, 0.8, 0.6, 0.55])
    >>> s_ok = np.array([1, 1, 0, 1]); t_ok = np.array([1, 1, 1, 1])
    >>> choose_threshold(conf, s_ok, t_ok, target=1.0)
    (0.8, 0.5, 1.0)
    """
    conf, s_ok, t_ok = _sorted_by_confidence(
        confidence, student_correct, teacher_correct
    )
    n = len(conf)
    # score when the first k rows (most confident) go to the student
    student_part = np.concatenate([[0.0], np.cumsum(s_ok)])
    teacher_part = np.concatenate([[0.0], np.cumsum(t_ok[::-1])])[::-1]
    scores = (student_part + teacher_part) / n
    # valid cut points: k = 0, or k where conf[k-1] > conf[k] (tie boundaries), or n
    valid = np.ones(n + 1, dtype=bool)
    valid[1:n] = conf[:-1] > conf[1:]
    if confidence_level is None:
        ok = valid & (scores >= target - 1e-12)
        ok[0] = False
        if not ok.any():
            return float("inf"), 0.0, float(scores[0])
        best = int(np.flatnonzero(ok).max())
    else:
        bounds = cascade_score_bounds(conf, s_ok, t_ok, confidence_level, paired)
        cuts = np.flatnonzero(valid[1:]) + 1  # valid k >= 1, increasing
        failing = cuts[bounds[cuts] < target - 1e-12]
        first_fail = failing[0] if failing.size else n + 1
        passed = cuts[cuts < first_fail]
        if not passed.size:
            return float("inf"), 0.0, float(scores[0])
        best = int(passed.max())
    return float(conf[best - 1]), best / n, float(scores[best])


class DistilledCascade(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Answer confident rows with the student, defer the rest to the teacher.

    Parameters
    ----------
    distiller : DistilledClassifier
        A fitted one wrapped in :class:`sklearn.frozen.FrozenEstimator` (then
        ``fit`` only chooses the threshold, on the rows it is given — they
        should be rows neither model trained on), or an unfitted one (then
        ``fit`` fits a clone on ``1 - validation_fraction`` of the rows and
        chooses the threshold on the rest).
    metric : {'agreement', 'accuracy'}, default='agreement'
        What the target constrains: agreement of the cascade with the teacher,
        or accuracy against the true labels.
    min_score : float or None, default=None
        Minimum held-out score of the cascade. ``None``: the teacher's own
        held-out score minus ``max_drop`` (the teacher agrees with itself
        perfectly, so for 'agreement' that is ``1 - max_drop``).
    max_drop : float, default=0.005
        Allowed loss against the teacher when ``min_score`` is None.
    confidence_level : float in (0, 1) or None, default=0.95
        Statistical confidence (unrelated to ``confidence`` below) that the
        target holds beyond the held-out rows: the threshold must meet the
        target with a one-sided lower bound of the held-out score at this level
        instead of the score itself, thresholds tested from the highest down
        (see :func:`cascade_score_bounds`). For ``metric='accuracy'`` with
        ``min_score=None`` the bound is on the accuracy difference to the
        teacher on the same rows (normal approximation); otherwise it is the
        exact Clopper-Pearson bound. ``None``: the held-out score itself, which
        maximises the coverage on these rows but overfits them (on adult,
        magic and telco the test accuracy fell 0.2-1.2 points under the
        teacher for a 0.5-point target).
    confidence : {'max_proba', 'margin'}, default='max_proba'
        The student's confidence score: top probability, or the gap between the
        two most probable classes.
    validation_fraction : float, default=0.2
        Held-out share for choosing the threshold when the distiller is unfitted.
    random_state : int, RandomState instance or None, default=None
        Seeds the held-out split.

    Attributes
    ----------
    distiller_ : DistilledClassifier
        The fitted distilled model.
    threshold_ : float
        Rows whose student confidence is at least this are answered by the
        student (``inf``: every row goes to the teacher).
    coverage_ : float
        Share of held-out rows the student answered: the teacher calls saved.
    target_ : float
        The score the threshold had to meet.
    validation_scores_ : dict
        Held-out scores of the cascade, the student alone and the teacher alone,
        and the lower bound of the cascade's score at ``confidence_level``
        (``'cascade_lower_bound'``, None without one).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from skdistill import DistilledCascade, DistilledClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> distiller = DistilledClassifier(
    ...     HistGradientBoostingClassifier(max_iter=50), random_state=0
    ... )
    >>> cascade = DistilledCascade(distiller, random_state=0).fit(X, y)
    >>> 0.0 <= cascade.coverage_ <= 1.0
    True
    >>> cascade.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        "distiller": [HasMethods(["fit", "predict_proba"])],
        "metric": [StrOptions({"agreement", "accuracy"})],
        "min_score": [Interval(numbers.Real, 0, 1, closed="both"), None],
        "max_drop": [Interval(numbers.Real, 0, 1, closed="both")],
        "confidence_level": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "confidence": [StrOptions({"max_proba", "margin"})],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        distiller,
        *,
        metric="agreement",
        min_score=None,
        max_drop=0.005,
        confidence_level=0.95,
        confidence="max_proba",
        validation_fraction=0.2,
        random_state=None,
    ):
        self.distiller = distiller
        self.metric = metric
        self.min_score = min_score
        self.max_drop = max_drop
        self.confidence_level = confidence_level
        self.confidence = confidence
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the distiller if needed and choose the deferral threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : DistilledCascade
        """
        inner = self.distiller.estimator if is_frozen(self.distiller) else None
        target_model = inner if inner is not None else self.distiller
        if not isinstance(target_model, DistilledClassifier):
            raise TypeError(
                "distiller must be a DistilledClassifier (optionally wrapped in "
                f"FrozenEstimator); got {type(target_model).__name__}."
            )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None: it chooses its threshold on labelled rows."
            )
        y = column_or_1d(y, warn=True)  # a column vector: warn, as scikit-learn
        check_classification_targets(y)
        X_val, y_val = X, y
        if inner is not None:
            check_is_fitted(inner)
            self.distiller_ = inner
        else:
            X_fit, X_val, y_fit, y_val = train_test_split(
                X,
                y,
                test_size=self.validation_fraction,
                random_state=self.random_state,
                stratify=y,
            )
            self.distiller_ = clone(self.distiller).fit(X_fit, y_fit)
        model = self.distiller_
        self.classes_ = model.classes_
        self.n_features_in_ = model.n_features_in_
        if hasattr(model, "feature_names_in_"):
            self.feature_names_in_ = model.feature_names_in_
        X_val = self._checked(X_val)
        y_val = np.asarray(y_val)
        if y_val.ndim != 1 or len(y_val) != X_val.shape[0]:
            raise ValueError(
                f"y must be 1-D with one label per row of X: X has "
                f"{X_val.shape[0]} rows, y has shape {y_val.shape}."
            )
        unknown = np.setdiff1d(np.unique(y_val), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y holds classes {unknown.tolist()} the distiller does not know "
                f"(it knows {self.classes_.tolist()})."
            )
        student_proba = model.predict_proba(X_val)
        student_pred = student_proba.argmax(axis=1)
        teacher_pred = model.teacher_predict_proba(X_val).argmax(axis=1)
        if self.metric == "agreement":
            reference = teacher_pred
        else:
            reference = np.searchsorted(self.classes_, y_val)
        student_ok = student_pred == reference
        teacher_ok = teacher_pred == reference
        teacher_score = float(teacher_ok.mean())
        self.target_ = (
            self.min_score
            if self.min_score is not None
            else max(0.0, teacher_score - self.max_drop)
        )
        conf = student_confidence(student_proba, self.confidence)
        paired = self.metric == "accuracy" and self.min_score is None
        self.threshold_, self.coverage_, cascade_score = choose_threshold(
            conf,
            student_ok,
            teacher_ok,
            self.target_,
            confidence_level=self.confidence_level,
            paired=paired,
        )
        if self.coverage_ == 0.0:
            warnings.warn(
                f"No threshold meets the target {self.metric} of "
                f"{self.target_:.4f} on the {len(conf)} validation rows"
                + (
                    f" at confidence_level={self.confidence_level}"
                    if self.confidence_level is not None
                    else ""
                )
                + ": every row is deferred to the teacher (coverage_ = 0). "
                "More validation rows, a larger max_drop (or lower min_score) "
                "or confidence_level=None let the student answer some rows.",
                UserWarning,
                stacklevel=2,
            )
        bound = None
        if self.confidence_level is not None:
            k = int(round(self.coverage_ * len(conf)))
            bound = float(
                cascade_score_bounds(
                    conf, student_ok, teacher_ok, self.confidence_level, paired
                )[k]
            )
        self.validation_scores_ = {
            "metric": self.metric,
            "cascade": cascade_score,
            "cascade_lower_bound": bound,
            "student": float(student_ok.mean()),
            "teacher": teacher_score,
            "n_rows": int(len(y_val)),
        }
        return self

    def _checked(self, X):
        """``X`` checked against the fitted columns.

        A DataFrame is passed on as is (the distiller, fitted on a DataFrame,
        converts it itself and would warn about an array without column
        names); anything else becomes a float64 array.
        """
        if hasattr(X, "columns"):
            return validate_data(self, X, reset=False, skip_check_array=True)
        return validate_data(
            self, X, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
        )

    def _validated(self, X):
        check_is_fitted(self)
        return self._checked(X)

    def route(self, X):
        """Boolean mask: True where the student answers, False where deferred."""
        X = self._validated(X)
        proba = self.distiller_.predict_proba(X)
        return student_confidence(proba, self.confidence) >= self.threshold_

    def predict_proba(self, X):
        """Student probabilities on confident rows, calibrated teacher's on the rest.

        The teacher is called only on the deferred rows.
        """
        X = self._validated(X)
        proba = self.distiller_.predict_proba(X)
        deferred = student_confidence(proba, self.confidence) < self.threshold_
        if deferred.any():
            rows = X.iloc[deferred] if hasattr(X, "iloc") else X[deferred]
            proba[deferred] = self.distiller_.teacher_predict_proba(rows)
        return proba

    def predict(self, X):
        """Cascade prediction (labels from ``classes_``)."""
        proba = self.predict_proba(X)  # checks that the cascade is fitted first
        return self.classes_[proba.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
