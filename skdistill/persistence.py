"""Saving and loading distilled models: skops (secure) and joblib (pickle).

Two formats, chosen from the file name by :func:`save_model` and
:func:`load_model`:

``.skops``
    `skops <https://skops.readthedocs.io>`_'s format. Loading it never runs
    code from the file; it only rebuilds objects whose types are *trusted*.
    skops trusts scikit-learn's estimators by default; a distilled model also
    holds the types in :data:`TRUSTED_TYPES` (skdistill's own classes, a few
    scikit-learn internals such as ``sklearn.tree._tree.Tree``, and the XGBoost
    and LightGBM members of the default teacher). :func:`load_model` trusts
    exactly those, and refuses a file that holds anything else, naming the
    types; pass ``trusted=[...]`` after reviewing them (``skops.io.
    get_untrusted_types(file=path)`` lists a file's types).
``.joblib`` or ``.pkl``
    joblib's pickle. Fast and saves anything, but loading a pickle can run
    arbitrary code: load only files you made or trust.

A teacher that skops cannot save (a custom estimator, some third-party
boosters) need not block shipping the student: ``student_only=True`` (or
:func:`drop_teacher`) saves a copy whose ``teacher_`` is replaced by a
:class:`TeacherNotSaved` placeholder. The copy predicts exactly as the full
model (predictions come from the student alone); only the teacher's methods
(``teacher_predict_proba``, the report's teacher columns) are unavailable.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

from sklearn.base import BaseEstimator
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

__all__ = [
    "TRUSTED_TYPES",
    "TeacherNotSaved",
    "UntrustedTypesError",
    "drop_teacher",
    "load_model",
    "save_model",
]

#: Types, beyond skops' defaults, that skdistill's models contain. Every one is a
#: data container rebuilt from arrays and numbers; none runs code when loaded.
TRUSTED_TYPES: tuple[str, ...] = (
    # skdistill's own estimators and augmenters
    "skdistill._binning.BinnedColumns",
    "skdistill._cascade.DistilledCascade",
    "skdistill._categorical.OneHotColumns",
    "skdistill._distill.DistilledClassifier",
    "skdistill._distill.DistilledRegressor",
    "skdistill._soft_mlp.SoftTargetMLPClassifier",
    "skdistill._teacher.EarlyStoppingClassifier",
    "skdistill._teacher.EarlyStoppingRegressor",
    "skdistill.augment._interpolation.InterpolationAugmenter",
    "skdistill.augment._jitter.GaussianJitterAugmenter",
    "skdistill.augment._marginal.MarginalResamplingAugmenter",
    "skdistill.augment._munge.MUNGEAugmenter",
    "skdistill.augment._none.NoAugmenter",
    "skdistill.persistence.TeacherNotSaved",
    # scikit-learn internals skops does not trust by default
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.utils._bunch.Bunch",
    # a fitted search with the default scoring and cv
    "sklearn.metrics._scorer._PassthroughScorer",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "collections.OrderedDict",
    "numpy.dtype",
    # the default teacher's boosters
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBClassifier",
    "xgboost.sklearn.XGBRegressor",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
)

_SKOPS_SUFFIXES = {".skops"}
_NO_SKOPS = (
    "Saving and loading .skops files needs skops: pip install skops (the 'persist' "
    "extra)."
)
_PICKLE_SUFFIXES = {".joblib", ".pkl", ".pickle"}


class UntrustedTypesError(ValueError):
    """A skops file holds types that are not trusted; they are listed."""

    def __init__(self, path, types):
        self.path = str(path)
        self.types = sorted(types)
        super().__init__(
            f"{self.path} holds types that are not trusted: {self.types}. Review "
            "them and pass trusted=[...] to load_model if you trust the file."
        )


class TeacherNotSaved(BaseEstimator):
    """Stands in for a teacher that was not saved with its student.

    Any use of the teacher raises a :class:`RuntimeError` that says so; the
    distiller's own ``predict`` and ``predict_proba`` never touch it.

    Parameters
    ----------
    teacher_type : str, default=''
        Class name of the teacher that was dropped, for the error message.
    """

    def __init__(self, teacher_type=""):
        self.teacher_type = teacher_type

    def _fail(self, *args, **kwargs):
        raise RuntimeError(
            f"This model was saved without its teacher ({self.teacher_type or 'n/a'}"
            "); only the student is available. Save with student_only=False to "
            "keep the teacher."
        )

    fit = predict = predict_proba = decision_function = _fail

    def __sklearn_is_fitted__(self):
        return True


def _distillers(model) -> list:
    from ._distill import DistilledClassifier, DistilledRegressor

    if isinstance(model, (DistilledClassifier, DistilledRegressor)):
        return [model]
    if isinstance(model, Pipeline):
        return [d for _, step in model.steps for d in _distillers(step)]
    best = getattr(model, "best_estimator_", None)
    return _distillers(best) if best is not None else []


def drop_teacher(model):
    """A copy of a fitted model that keeps the student and drops the teacher.

    ``teacher_`` (and a frozen ``teacher`` parameter, which holds the fitted
    teacher too) become :class:`TeacherNotSaved`; ``augmenter_``, which holds
    the fitted augmenter and thus statistics of the training rows, is
    removed. Predictions are unchanged, and the copy can still be refitted
    with an unfitted ``teacher`` parameter. For a search object
    (``GridSearchCV``) only ``best_estimator_`` is cleaned.

    Parameters
    ----------
    model : DistilledClassifier, DistilledRegressor or Pipeline
        A fitted distiller or a Pipeline that contains one.

    Returns
    -------
    model : same type
        A deep copy; ``model`` itself is not modified.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import ExtraTreesClassifier
    >>> from skdistill import DistilledClassifier
    >>> from skdistill.persistence import drop_teacher
    >>> X, y = load_iris(return_X_y=True)
    >>> model = DistilledClassifier(
    ...     ExtraTreesClassifier(n_estimators=20), n_synthetic=100, random_state=0
    ... ).fit(X, y)
    >>> light = drop_teacher(model)
    >>> bool((light.predict(X) == model.predict(X)).all())
    True
    >>> type(light.teacher_).__name__
    'TeacherNotSaved'
    """
    distillers = _distillers(model)
    if not distillers:
        raise TypeError(
            "drop_teacher needs a fitted DistilledClassifier, DistilledRegressor or "
            f"a Pipeline that contains one; got {type(model).__name__}."
        )
    # Detach the heavy parts before copying so that they are not copied at all.
    saved = []
    for d in distillers:
        saved.append((d, d.__dict__.get("teacher_"), d.__dict__.get("augmenter_")))
        d.__dict__.pop("teacher_", None)
        d.__dict__.pop("augmenter_", None)
    try:
        light = copy.deepcopy(model)
    finally:
        for d, teacher, augmenter in saved:
            if teacher is not None:
                d.teacher_ = teacher
            if augmenter is not None:
                d.augmenter_ = augmenter
    for d, (_, teacher, _aug) in zip(_distillers(light), saved, strict=True):
        inner = teacher.estimator if isinstance(teacher, FrozenEstimator) else teacher
        placeholder = TeacherNotSaved(type(inner).__name__)
        d.teacher_ = placeholder
        if isinstance(d.teacher, FrozenEstimator):
            d.teacher = placeholder
    return light


def _skops_io():
    try:
        import skops.io as sio
    except ImportError as exc:
        raise ImportError(_NO_SKOPS) from exc
    return sio


def _format(path, fmt: str) -> str:
    if fmt != "auto":
        if fmt not in ("skops", "joblib"):
            raise ValueError(
                f"format must be 'auto', 'skops' or 'joblib'; got {fmt!r}."
            )
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix in _SKOPS_SUFFIXES:
        return "skops"
    if suffix in _PICKLE_SUFFIXES:
        return "joblib"
    raise ValueError(
        f"Cannot tell the format of {os.fspath(path)!r} from its extension; use "
        "'.skops' (secure) or '.joblib' / '.pkl' (pickle), or pass format=."
    )


def save_model(model, path, *, format="auto", student_only=False):
    """Save a fitted model with skops or joblib.

    Parameters
    ----------
    model : estimator
        Any fitted estimator; typically a distiller or a Pipeline ending in one.
    path : str or path-like
        Destination; its extension picks the format when ``format='auto'``:
        ``.skops`` for skops, ``.joblib``/``.pkl`` for joblib.
    format : {'auto', 'skops', 'joblib'}, default='auto'
    student_only : bool, default=False
        Save :func:`drop_teacher` of ``model``: the student and preprocessing
        without the teacher. Much smaller; use it when the teacher cannot be
        serialised by skops or must not ship. The ``teacher`` parameter is
        replaced too (an unfitted teacher's class would otherwise be needed to
        load the file): the loaded model predicts, and needs ``teacher=...``
        set before it can be refitted.

    Returns
    -------
    path : pathlib.Path
        Where the model was written.

    Raises
    ------
    TypeError
        skops cannot serialise a part of the model; the message suggests
        ``student_only=True`` or joblib.
    """
    fmt = _format(path, format)
    if student_only:
        model = drop_teacher(model)
        for d in _distillers(model):
            if d.teacher is not None and not isinstance(d.teacher, TeacherNotSaved):
                d.teacher = TeacherNotSaved(type(d.teacher).__name__)
    path = Path(path)
    if fmt == "joblib":
        import joblib

        joblib.dump(model, path)
        return path
    sio = _skops_io()
    existed = path.exists()
    try:
        sio.dump(model, path)
    except OSError:  # the path or the disk (no directory, no space), not skops
        if not existed and path.exists():
            path.unlink()  # no partial file left behind
        raise
    except Exception as exc:  # skops raises TypeError and others per object
        if path.exists():
            path.unlink()
        raise TypeError(
            f"skops cannot serialise this model ({type(exc).__name__}: {exc}). "
            "Save the student alone with student_only=True, or use a .joblib file "
            "(pickle) instead."
        ) from exc
    return path


def load_model(path, *, trusted=None, format="auto"):
    """Load a model written by :func:`save_model` (or any skops/joblib file).

    Parameters
    ----------
    path : str or path-like
    trusted : str, sequence of str or None, default=None
        skops only: type names to trust *in addition to* :data:`TRUSTED_TYPES`.
        A file holding any other untrusted type is refused.
    format : {'auto', 'skops', 'joblib'}, default='auto'

    Returns
    -------
    model : estimator

    Raises
    ------
    UntrustedTypesError
        The skops file holds types that are not trusted (listed).

    Notes
    -----
    joblib files are pickles: loading one can execute arbitrary code. Load only
    files you produced or trust.
    """
    fmt = _format(path, format)
    path = Path(path)
    if fmt == "joblib":
        import joblib

        return joblib.load(path)
    sio = _skops_io()
    if isinstance(trusted, str):  # one type name, not its characters
        trusted = [trusted]
    allowed = set(TRUSTED_TYPES) | set(trusted or ())
    found = set(sio.get_untrusted_types(file=path))
    refused = found - allowed
    if refused:
        raise UntrustedTypesError(path, refused)
    return sio.load(path, trusted=sorted(found))
