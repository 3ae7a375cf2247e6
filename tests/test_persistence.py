"""Saving and loading with skops and joblib (skdistill.persistence)."""

import errno
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder
from threadpoolctl import threadpool_limits

import skdistill.persistence as persistence
from skdistill import DistilledClassifier, DistilledRegressor
from skdistill.persistence import (
    TRUSTED_TYPES,
    TeacherNotSaved,
    UntrustedTypesError,
    drop_teacher,
    load_model,
    save_model,
)

pytest.importorskip("skops")


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def pipeline_and_data():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X, y = X.iloc[:240, :6].copy(), y.iloc[:240].to_numpy()
    X["group"] = pd.Series(np.where(X.iloc[:, 0] > 14, "big", "small"), dtype=object)
    pre = ColumnTransformer(
        [
            ("num", "passthrough", list(X.columns[:6])),
            (
                "cat",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                ["group"],
            ),
        ]
    )
    model = Pipeline(
        [
            ("pre", pre),
            (
                "distill",
                DistilledClassifier(
                    HistGradientBoostingClassifier(max_iter=15, random_state=0),
                    student="mlp",
                    n_synthetic=200,
                    categorical_features=[6],
                    random_state=0,
                ),
            ),
        ]
    ).fit(X, y)
    return model, X


@pytest.fixture(scope="module")
def regressor_and_data():
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200], y[:200]
    model = DistilledRegressor(
        HistGradientBoostingRegressor(max_iter=15, random_state=0),
        n_synthetic=100,
        random_state=0,
    ).fit(X, y)
    return model, X


def test_skops_round_trip_pipeline_predicts_identically(pipeline_and_data, tmp_path):
    model, X = pipeline_and_data
    path = save_model(model, tmp_path / "model.skops")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    distiller = loaded[-1]
    np.testing.assert_array_equal(
        distiller.teacher_predict_proba(loaded[:-1].transform(X)),
        model[-1].teacher_predict_proba(model[:-1].transform(X)),
    )


@pytest.mark.parametrize("suffix", [".joblib", ".pkl"])
def test_joblib_round_trip_regressor(regressor_and_data, tmp_path, suffix):
    model, X = regressor_and_data
    loaded = load_model(save_model(model, tmp_path / f"model{suffix}"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_array_equal(loaded.teacher_predict(X), model.teacher_predict(X))


def test_skops_round_trip_regressor(regressor_and_data, tmp_path):
    model, X = regressor_and_data
    loaded = load_model(save_model(model, tmp_path / "model.skops"))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_student_only_is_smaller_and_predicts_identically(pipeline_and_data, tmp_path):
    model, X = pipeline_and_data
    full = save_model(model, tmp_path / "full.skops")
    light = save_model(model, tmp_path / "light.skops", student_only=True)
    assert light.stat().st_size < full.stat().st_size
    loaded = load_model(light)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert isinstance(loaded[-1].teacher_, TeacherNotSaved)
    assert not hasattr(loaded[-1], "augmenter_")
    with pytest.raises(RuntimeError, match="saved without its teacher"):
        loaded[-1].teacher_predict_proba(loaded[:-1].transform(X))
    # the original model is untouched
    assert not isinstance(model[-1].teacher_, TeacherNotSaved)
    assert hasattr(model[-1], "augmenter_")


def test_drop_teacher_replaces_a_frozen_teacher_parameter(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[:200], y[:200]
    teacher = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    model = DistilledClassifier(
        FrozenEstimator(teacher), n_synthetic=100, random_state=0
    ).fit(X, y)
    light = drop_teacher(model)
    assert isinstance(light.teacher, TeacherNotSaved)
    assert isinstance(model.teacher, FrozenEstimator)
    loaded = load_model(save_model(light, tmp_path / "m.skops"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


class _CustomTeacher(HistGradientBoostingClassifier):
    """A teacher class skops does not trust (as any user's own class)."""


def test_student_only_file_does_not_need_the_teacher_class(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[:200], y[:200]
    model = DistilledClassifier(
        _CustomTeacher(max_iter=10), n_synthetic=100, random_state=0
    ).fit(X, y)
    path = save_model(model, tmp_path / "student.skops", student_only=True)
    loaded = load_model(path)  # no trusted=[...]: the teacher's class is gone
    assert isinstance(loaded.teacher, TeacherNotSaved)
    assert type(model.teacher) is _CustomTeacher  # the original is untouched
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="saved without its teacher"):
        loaded.fit(X, y)
    # in memory, drop_teacher keeps the unfitted teacher: the copy refits
    light = drop_teacher(model)
    assert type(light.teacher) is _CustomTeacher
    assert clone(light).fit(X, y).score(X, y) > 0.8


@pytest.mark.parametrize("family", ["tree", "mlp", "linear"])
@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_student_family_loads_with_the_default_trust(family, task, tmp_path):
    """Each alias's student (the linear one's BinnedColumns included) is made
    of trusted types: saved with skops, loaded without trusted=[...]."""
    loader = load_breast_cancer if task == "classification" else load_diabetes
    X, y = loader(return_X_y=True)
    X, y = X[:200], y[:200]
    Distiller = DistilledClassifier if task == "classification" else DistilledRegressor
    teacher = (
        HistGradientBoostingClassifier(max_iter=10)
        if task == "classification"
        else HistGradientBoostingRegressor(max_iter=10)
    )
    model = Distiller(teacher, student=family, n_synthetic=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    loaded = load_model(save_model(model, tmp_path / "m.skops", student_only=True))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_drop_teacher_needs_a_distiller():
    with pytest.raises(TypeError, match="DistilledClassifier"):
        drop_teacher(HistGradientBoostingClassifier())


def test_untrusted_types_are_refused_and_can_be_trusted(
    regressor_and_data, tmp_path, monkeypatch
):
    model, X = regressor_and_data
    path = save_model(model, tmp_path / "m.skops")
    reduced = tuple(t for t in TRUSTED_TYPES if t != "sklearn.tree._tree.Tree")
    monkeypatch.setattr(persistence, "TRUSTED_TYPES", reduced)
    with pytest.raises(UntrustedTypesError, match="sklearn.tree._tree.Tree"):
        load_model(path)
    loaded = load_model(path, trusted=["sklearn.tree._tree.Tree"])
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # one name as a str is that name (it was iterated as characters)
    loaded = load_model(path, trusted="sklearn.tree._tree.Tree")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_saving_into_a_missing_directory_is_a_path_error(regressor_and_data, tmp_path):
    model, _ = regressor_and_data
    for name in ("m.skops", "m.joblib"):
        with pytest.raises(FileNotFoundError):
            save_model(model, tmp_path / "no_such_dir" / name)


def test_unknown_extension_and_format(regressor_and_data, tmp_path):
    model, _ = regressor_and_data
    with pytest.raises(ValueError, match="extension"):
        save_model(model, tmp_path / "model.bin")
    with pytest.raises(ValueError, match="format must be"):
        save_model(model, tmp_path / "model.bin", format="hdf5")
    path = save_model(model, tmp_path / "model.bin", format="joblib")
    assert load_model(path, format="joblib").n_features_in_ == model.n_features_in_


@pytest.mark.parametrize(
    "error, raised, match",
    [
        # skops refuses an object: explained, with the ways out
        (TypeError("cannot serialise Booster"), TypeError, "student_only=True"),
        # the disk fails mid-write: the file system's own error
        (OSError(errno.ENOSPC, "No space left on device"), OSError, "No space left"),
    ],
    ids=["skops refuses", "disk full"],
)
def test_a_failed_skops_save_leaves_no_partial_file(
    error, raised, match, regressor_and_data, tmp_path, monkeypatch
):
    import skops.io

    model, _ = regressor_and_data

    def fail(obj, file):
        with open(file, "wb") as f:
            f.write(b"partial")
        raise error

    monkeypatch.setattr(skops.io, "dump", fail)
    with pytest.raises(raised, match=match):
        save_model(model, tmp_path / "m.skops")
    assert not (tmp_path / "m.skops").exists()


@pytest.mark.parametrize("kind", ["cascade", "search"])
def test_skops_loads_a_cascade_and_a_search_with_the_default_trust(kind, tmp_path):
    """A DistilledCascade and a fitted GridSearchCV (default scoring and cv)
    hold only trusted types: they load without trusted=[...]."""
    from sklearn.model_selection import GridSearchCV

    from skdistill import DistilledCascade

    X, y = load_breast_cancer(return_X_y=True)
    base = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=10, random_state=0),
        n_synthetic=0.5,
        random_state=0,
    )
    if kind == "cascade":
        model = DistilledCascade(FrozenEstimator(base.fit(X, y)), confidence_level=None)
    else:
        model = GridSearchCV(base, {"student": ["tree", "linear"]}, cv=2)
    model.fit(X, y)
    loaded = load_model(save_model(model, tmp_path / f"{kind}.skops"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
