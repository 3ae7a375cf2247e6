"""Shared data and fitted models for the ONNX tests (imported by the tests).

Models are fitted once per session (``functools.cache``) with a cheap teacher
(HistGradientBoosting, 20 iterations, fitted once per dataset and shared frozen
by the student families), 400 synthetic rows and one thread, which keeps the
whole folder well under two minutes.
"""

import functools
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from skdistill import DistilledClassifier, DistilledRegressor

N_TRAIN = 600
N_TEST = 1200  # 900 in-distribution rows + 300 outside the training range
N_NUMERIC = 5
COLORS = ["red", "green", "blue", "black"]
SIZES = ["S", "M", "L"]
STRING_LABELS = np.array(["ant", "bee", "cat"])
FAST = dict(n_synthetic=400, random_state=0)


def numeric_rows(n, seed, outside=0):
    """Gaussian rows; the last ``outside`` rows are scaled far out of range."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_NUMERIC))
    if outside:
        X[-outside:] = X[-outside:] * 4.0 + rng.choice([-6.0, 6.0], size=(outside, 1))
    return X


def targets(X, task):
    z = X[:, 0] + 0.8 * X[:, 1] ** 2 - 0.5 * X[:, 2] * X[:, 3]
    if task == "binary":
        return (z > np.median(z)).astype(int)
    if task == "multiclass":
        cuts = np.quantile(z, [1 / 3, 2 / 3])
        return STRING_LABELS[np.digitize(z, cuts)]
    if task == "regression":
        return 50.0 + 20.0 * z
    return np.column_stack([50.0 + 20.0 * z, np.sin(X[:, 4]) - X[:, 0]])


def frame(X, seed):
    """A DataFrame: the numeric columns plus two string categorical columns."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(N_NUMERIC)])
    df["color"] = rng.choice(COLORS, size=len(df))
    df["size"] = rng.choice(SIZES, size=len(df))
    return df


def column_transformer():
    return ColumnTransformer(
        [
            ("num", StandardScaler(), [f"x{i}" for i in range(N_NUMERIC)]),
            ("ohe", OneHotEncoder(handle_unknown="ignore"), ["color"]),
            ("ord", OrdinalEncoder(), ["size"]),
        ]
    )


def scaled_linear(task, categorical=None):
    """The logistic (or ridge) regression on imputed, standardised columns
    that the ``'linear'`` alias was before it binned its columns: the dense
    route's linear case (scaler folding, one-hot lookups)."""
    from sklearn.linear_model import LogisticRegression, Ridge

    from skdistill._students import _scaled

    regression = task in ("regression", "multioutput")
    final = Ridge(alpha=1.0) if regression else LogisticRegression(max_iter=1000)
    return _scaled(final, None, categorical)


def teacher(task):
    if task in ("binary", "multiclass"):
        return HistGradientBoostingClassifier(max_iter=20, random_state=0)
    if task == "multioutput":
        return MultiOutputRegressor(
            HistGradientBoostingRegressor(max_iter=20, random_state=0)
        )
    return HistGradientBoostingRegressor(max_iter=20, random_state=0)


def distiller(task, student, teacher_=None, **params):
    """An unfitted distiller; ``teacher_`` defaults to a fresh cheap teacher."""
    teacher_ = teacher(task) if teacher_ is None else teacher_
    cls = (
        DistilledClassifier if task in ("binary", "multiclass") else DistilledRegressor
    )
    return cls(teacher_, student, **{**FAST, **params})


@functools.cache
def data(task, wrapper):
    """Training rows, targets and test rows (float64 array or DataFrame)."""
    X = numeric_rows(N_TRAIN, seed=1)
    X_test = numeric_rows(N_TEST, seed=2, outside=N_TEST // 4)
    y = targets(X, task)
    if wrapper == "pipeline":
        X, X_test = frame(X, seed=3), frame(X_test, seed=4)
    return X, y, X_test


@functools.cache
def frozen_teacher(task, wrapper):
    """One teacher per dataset, shared (frozen) by the three student families."""
    X, y, _ = data(task, wrapper)
    if wrapper == "pipeline":
        X = column_transformer().fit_transform(X)
    with threadpool_limits(1):
        return FrozenEstimator(teacher(task).fit(X, y))


@functools.cache
def fitted(task, student, wrapper):
    """A fitted model (distiller or Pipeline), its training and test inputs."""
    X, y, X_test = data(task, wrapper)
    model = distiller(task, student, frozen_teacher(task, wrapper))
    if wrapper == "pipeline":
        model = make_pipeline(column_transformer(), model)
    # one thread: OpenMP spinning makes tiny fits slow on a busy machine
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model, X, X_test


def as_dtype(X, dtype):
    """Numeric data in ``dtype``; DataFrames keep their string columns."""
    if isinstance(X, pd.DataFrame):
        X = X.copy()
        for name in X.columns[:N_NUMERIC]:
            X[name] = X[name].astype(dtype)
        return X
    return np.asarray(X, dtype=dtype)
