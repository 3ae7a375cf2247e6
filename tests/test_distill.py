"""End-to-end behaviour of DistilledClassifier and DistilledRegressor."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    make_blobs,
    make_classification,
    make_regression,
)
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError

from skdistill import DistilledClassifier, DistilledRegressor, make_student


def fast_clf_teacher():
    return HistGradientBoostingClassifier(max_iter=30, random_state=0)


def fast_reg_teacher():
    return HistGradientBoostingRegressor(max_iter=30, random_state=0)


@pytest.fixture(scope="module")
def binary_data():
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def digits_data():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


# ----------------------------------------------------------------- classification
@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_classifier_each_family_binary(binary_data, student):
    X_tr, X_te, y_tr, y_te = binary_data
    model = DistilledClassifier(
        fast_clf_teacher(), student, n_synthetic=1.0, random_state=0
    ).fit(X_tr, y_tr)
    proba = model.predict_proba(X_te)
    assert proba.shape == (len(X_te), 2)
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X_te), proba.argmax(1))
    assert model.score(X_te, y_te) > 0.9
    assert model.student_mode_ == "soft_cross_entropy"
    assert model.n_synthetic_ == len(X_tr)
    assert model.n_features_in_ == X_tr.shape[1]
    assert 0.05 <= model.temperature_ <= 20
    assert set(model.calibration_) == {
        "cv",
        "n_rows",
        "nll_before",
        "nll_after",
        "ece_before",
        "ece_after",
    }
    assert model.calibration_["nll_after"] <= model.calibration_["nll_before"] + 1e-12
    assert {"teacher", "calibration", "augment_and_label", "student"} <= set(
        model.fit_times_
    )


@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_classifier_each_family_ten_classes(digits_data, student):
    X_tr, X_te, y_tr, y_te = digits_data
    model = DistilledClassifier(
        fast_clf_teacher(), student, n_synthetic=0.5, random_state=0
    ).fit(X_tr, y_tr)
    np.testing.assert_array_equal(model.classes_, np.arange(10))
    proba = model.predict_proba(X_te)
    assert proba.shape == (len(X_te), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    floor = {"tree": 0.75, "mlp": 0.9, "linear": 0.9}[student]
    assert model.score(X_te, y_te) > floor


def test_string_labels_and_dataframe_input(binary_data):
    X_tr, X_te, y_tr, _ = binary_data
    names = [f"f{i}" for i in range(X_tr.shape[1])]
    labels = np.array(["benign", "malignant"], dtype=object)
    model = DistilledClassifier(fast_clf_teacher(), random_state=0).fit(
        pd.DataFrame(X_tr, columns=names), pd.Series(labels[y_tr])
    )
    assert list(model.classes_) == ["benign", "malignant"]
    np.testing.assert_array_equal(model.feature_names_in_, names)
    pred = model.predict(pd.DataFrame(X_te, columns=names))
    assert set(pred) <= {"benign", "malignant"}
    assert pred.dtype == object


@pytest.mark.parametrize(
    "student, mode",
    [
        (DecisionTreeRegressor(max_depth=4), "regress_proba"),
        (Ridge(), "regress_logits"),
        (LogisticRegression(max_iter=500), "soft_cross_entropy"),
        (KNeighborsClassifier(), "teacher_labels"),
    ],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_student_modes_give_valid_probabilities(student, mode, n_classes):
    X, y = make_classification(
        400, 8, n_informative=5, n_classes=n_classes, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model = DistilledClassifier(
            fast_clf_teacher(), student, n_synthetic=1.0, random_state=0
        ).fit(X, y)
    assert model.student_mode_ == mode
    proba = model.predict_proba(X)
    assert proba.shape == (400, n_classes)
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.score(X, y) > 0.7


def test_student_target_overrides_auto():
    X, y = make_classification(300, 6, random_state=0)
    model = DistilledClassifier(
        fast_clf_teacher(), DecisionTreeRegressor(max_depth=3), student_target="logits"
    ).fit(X, y)
    assert model.student_mode_ == "regress_logits"


def test_predict_proba_absent_when_student_lacks_it():
    X, y = make_classification(300, 6, random_state=0)
    model = DistilledClassifier(fast_clf_teacher(), LinearSVC(), random_state=0)
    assert not hasattr(model, "predict_proba")
    model.fit(X, y)
    assert not hasattr(model, "predict_proba")
    assert set(model.predict(X)) <= {0, 1}
    assert model.score(X, y) > 0.8


def test_softening_temperature_trains_on_flatter_targets_and_sharpens_back(
    binary_data,
):
    X_tr, X_te, y_tr, _ = binary_data
    kwargs = dict(student="linear", n_synthetic=0.5, random_state=0)
    plain = DistilledClassifier(fast_clf_teacher(), **kwargs).fit(X_tr, y_tr)
    soft = DistilledClassifier(
        fast_clf_teacher(), softening_temperature=4.0, **kwargs
    ).fit(X_tr, y_tr)
    raw = soft.student_.predict_proba(X_te)
    # the student itself learnt flatter targets than the T=1 student ...
    assert raw.max(axis=1).mean() < plain.student_.predict_proba(X_te).max(1).mean()
    # ... and predict_proba sharpens them back by T
    sharpened = soft.predict_proba(X_te)
    assert sharpened.max(axis=1).mean() > raw.max(axis=1).mean()
    assert (soft.predict(X_te) == plain.predict(X_te)).mean() > 0.95


def test_label_weight_one_reproduces_hard_label_fit_on_real_rows():
    X, y = make_classification(300, 5, random_state=0)
    model = DistilledClassifier(
        fast_clf_teacher(),
        LogisticRegression(max_iter=1000),
        augment="none",
        label_weight=1.0,
        random_state=0,
    ).fit(X, y)
    direct = LogisticRegression(max_iter=1000).fit(X, y)
    np.testing.assert_allclose(
        model.predict_proba(X), direct.predict_proba(X), atol=1e-4
    )


def test_calibration_options(binary_data):
    X_tr, _, y_tr, _ = binary_data
    kfold = DistilledClassifier(
        fast_clf_teacher(), calibration_cv=3, n_synthetic=0.2, random_state=0
    ).fit(X_tr, y_tr)
    assert kfold.calibration_["n_rows"] == len(X_tr)  # every row out of fold
    holdout = DistilledClassifier(
        fast_clf_teacher(), calibration_cv=0.25, n_synthetic=0.2, random_state=0
    ).fit(X_tr, y_tr)
    assert holdout.calibration_["n_rows"] == pytest.approx(0.25 * len(X_tr), abs=1)
    off = DistilledClassifier(
        fast_clf_teacher(), calibration_cv=None, n_synthetic=0.2
    ).fit(X_tr, y_tr)
    assert off.temperature_ == 1.0 and off.calibration_ == {}


def test_auto_calibration_cross_fits_small_training_sets(binary_data):
    from skdistill._teacher_stage import resolve_calibration_cv

    assert resolve_calibration_cv("auto", np.arange(2500) % 2) == 0.2
    assert resolve_calibration_cv("auto", np.arange(2499) % 2) == 5
    assert resolve_calibration_cv("auto", np.array([0, 0, 0, 1, 1])) == 3
    assert resolve_calibration_cv("auto", np.array([0, 1, 2])) is None
    for explicit in (0.3, 4, None):
        assert resolve_calibration_cv(explicit, np.arange(100) % 2) == explicit
    X_tr, _, y_tr, _ = binary_data
    model = DistilledClassifier(
        fast_clf_teacher(), n_synthetic=0.2, random_state=0
    ).fit(X_tr, y_tr)
    assert model.calibration_["cv"] == 5
    assert model.calibration_["n_rows"] == len(X_tr)  # every row out of fold


@pytest.mark.parametrize("calibration_cv", ["auto", 0.2, 3])
def test_a_class_with_one_row_is_never_held_out(calibration_cv):
    """Every calibration fit must see every class: a lone row stays in each
    training part (it crashed every seed under 5-fold cross-fitting)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(31, 3))
    y = np.array(["a"] * 30 + ["b"])
    for seed in range(4):
        model = DistilledClassifier(
            fast_clf_teacher(),
            n_synthetic=0,
            calibration_cv=calibration_cv,
            random_state=seed,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model.fit(X, y)
        # the lone row is never held out: 30 out-of-fold rows, or 20% of them
        assert model.calibration_["n_rows"] == (6 if calibration_cv == 0.2 else 30)


def test_too_many_calibration_folds_is_a_clear_error():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 1, 1])
    model = DistilledClassifier(fast_clf_teacher(), n_synthetic=0, calibration_cv=5)
    with pytest.raises(ValueError, match="calibration_cv=5 folds need a class"):
        model.fit(X, y)


def test_a_tie_does_not_identify_a_temperature():
    """A tied row is not misclassified: sharpening still lowers its loss."""
    from skdistill._teacher_stage import _calibrate

    held = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    for label in (0, 1):
        with pytest.warns(UserWarning, match="misclassifies none"):
            temperature, _ = _calibrate(held, np.array([0, 1, label]), None)
        assert temperature == 1.0
    temperature, _ = _calibrate(held, np.array([1, 1, 0]), None)  # one error
    assert temperature != 1.0


def test_a_teacher_that_learnt_nothing_is_named_as_such():
    """Equal probabilities for every class on every row (a teacher fitted on
    too few rows): not 'misclassifies none'; T stays 1."""
    from skdistill._teacher_stage import _calibrate

    for held in (np.full((8, 2), 0.5), np.full((6, 3), 1 / 3)):
        with pytest.warns(UserWarning, match="same probability on all"):
            temperature, _ = _calibrate(held, np.arange(len(held)) % 2, None)
        assert temperature == 1.0


def test_too_few_rows_for_the_teachers_early_stopping_split_is_explained():
    """scikit-learn's 'test_size = 1 should be greater or equal to the number
    of classes' names no parameter the user set: say what is short."""
    X, y = make_classification(12, n_features=4, random_state=0)
    teacher = HistGradientBoostingClassifier(max_iter=5, early_stopping=True)
    with pytest.raises(ValueError, match="y has 12 rows, too few for a teacher"):
        DistilledClassifier(teacher, n_synthetic=0).fit(X, y)


def test_frozen_teacher_calibration_is_marked_frozen():
    X, y = make_classification(300, random_state=0)
    teacher = FrozenEstimator(fast_clf_teacher().fit(X[:150], y[:150]))
    model = DistilledClassifier(teacher, n_synthetic=0, random_state=0)
    model.fit(X[150:], y[150:])
    assert model.calibration_["cv"] == "frozen"
    assert model.calibration_["n_rows"] == 150


def test_no_temperature_when_the_teacher_makes_no_error():
    """Every calibration row right: the likelihood keeps improving as T -> 0,
    so T is not identified; it stays 1, with a warning."""
    X, y = make_blobs(300, centers=[[-10, -10], [10, 10]], random_state=0)
    model = DistilledClassifier(fast_clf_teacher(), n_synthetic=0.2, random_state=0)
    with pytest.warns(UserWarning, match="misclassifies none"):
        model.fit(X, y)
    assert model.temperature_ == 1.0
    assert model.calibration_["nll_after"] == model.calibration_["nll_before"]


def test_calibration_corrects_an_overconfident_teacher():
    # an unregularised deep tree forest of one: probabilities 0/1, overconfident
    X, y = make_classification(1500, 10, flip_y=0.2, random_state=0)
    model = DistilledClassifier(
        DecisionTreeClassifier(min_samples_leaf=3, random_state=0),
        n_synthetic=0.2,
        random_state=0,
    ).fit(X, y)
    assert model.temperature_ > 1.5
    assert model.calibration_["ece_after"] < model.calibration_["ece_before"]


# ----------------------------------------------------------------- frozen teacher
class _FitForbidden(HistGradientBoostingClassifier):
    def fit(self, *args, **kwargs):  # noqa: D102
        raise AssertionError("a frozen teacher must never be refitted")


def test_frozen_teacher_is_used_as_is(binary_data):
    X_tr, X_te, y_tr, _ = binary_data
    fitted = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(
        X_tr[:200], y_tr[:200]
    )
    fitted.__class__ = _FitForbidden  # any call to fit would now fail
    frozen = FrozenEstimator(fitted)
    model = DistilledClassifier(frozen, n_synthetic=0.5, random_state=0).fit(
        X_tr[200:], y_tr[200:]
    )
    assert model.teacher_ is frozen
    assert model.temperature_ > 0
    assert (model.predict(X_te) == fitted.predict(X_te)).mean() > 0.9


def test_frozen_teacher_rejects_unknown_classes():
    X, y = make_classification(200, 4, random_state=0)
    frozen = FrozenEstimator(fast_clf_teacher().fit(X, y))
    with pytest.raises(ValueError, match="frozen teacher does not know"):
        DistilledClassifier(frozen).fit(X, np.where(y == 1, 5, y))


def test_frozen_regressor_teacher(binary_data):
    X, y = load_diabetes(return_X_y=True)
    frozen = FrozenEstimator(fast_reg_teacher().fit(X, y))
    model = DistilledRegressor(frozen, random_state=0).fit(X, y)
    assert model.teacher_ is frozen


# ----------------------------------------------------------------- regression
@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_regressor_each_family(student):
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    model = DistilledRegressor(
        fast_reg_teacher(), student, n_synthetic=1.0, random_state=0
    ).fit(X_tr, y_tr)
    pred = model.predict(X_te)
    assert pred.shape == (len(X_te),)
    teacher_pred = model.teacher_predict(X_te)
    fidelity = 1 - np.sum((pred - teacher_pred) ** 2) / np.sum(
        (teacher_pred - teacher_pred.mean()) ** 2
    )
    assert fidelity > 0.5
    assert model.score(X_te, y_te) > 0.2


def test_regressor_multi_output_and_large_targets():
    X, y = make_regression(400, 6, n_targets=3, noise=1.0, random_state=0)
    y = y * 1e4 + 1e6  # an MLP on unscaled targets would not learn this
    model = DistilledRegressor(
        fast_reg_teacher(), "mlp", n_synthetic=1.0, random_state=0
    ).fit(X, y)
    pred = model.predict(X)
    assert pred.shape == (400, 3)
    assert model.score(X, y) > 0.8


def test_regressor_label_weight_mixes_true_targets():
    X, y = make_regression(200, 4, noise=20.0, random_state=0)
    model = DistilledRegressor(
        fast_reg_teacher(), LinearRegression(), augment="none", label_weight=1.0
    ).fit(X, y)
    np.testing.assert_allclose(
        model.predict(X), LinearRegression().fit(X, y).predict(X), rtol=1e-8
    )


# ----------------------------------------------------------------- sklearn usage
def test_nested_params_clone_and_set_params():
    model = DistilledClassifier(student=DecisionTreeClassifier(max_depth=3))
    assert model.get_params()["student__max_depth"] == 3
    model.set_params(student__max_depth=5)
    assert model.student.max_depth == 5
    cloned = clone(model)
    assert cloned.student is not model.student
    assert cloned.get_params()["student__max_depth"] == 5


def test_pickle_round_trip_gives_identical_predictions(binary_data):
    X_tr, X_te, y_tr, _ = binary_data
    model = DistilledClassifier(fast_clf_teacher(), "mlp", random_state=0).fit(
        X_tr, y_tr
    )
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(X_te), model.predict_proba(X_te))


@pytest.mark.parametrize("student", ["tree", "mlp", "linear"])
def test_same_random_state_same_model_bit_for_bit(binary_data, student):
    X_tr, X_te, y_tr, _ = binary_data
    # an unseeded teacher: the distiller's random_state must seed it
    teacher = HistGradientBoostingClassifier(max_iter=30)
    probas = [
        DistilledClassifier(teacher, student, n_synthetic=1.0, random_state=7)
        .fit(X_tr, y_tr)
        .predict_proba(X_te)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(probas[0], probas[1])


def test_default_teacher_is_reproducible_bit_for_bit(binary_data):
    X_tr, X_te, y_tr, _ = binary_data
    a, b = (
        DistilledClassifier(n_synthetic=0.5, random_state=3).fit(X_tr, y_tr)
        for _ in range(2)
    )
    np.testing.assert_array_equal(
        a.teacher_.predict_proba(X_te), b.teacher_.predict_proba(X_te)
    )
    np.testing.assert_array_equal(a.predict_proba(X_te), b.predict_proba(X_te))


def test_different_random_state_changes_synthetic_rows(binary_data):
    X_tr, _, y_tr, _ = binary_data
    a = DistilledClassifier(fast_clf_teacher(), random_state=0).fit(X_tr, y_tr)
    b = DistilledClassifier(fast_clf_teacher(), random_state=1).fit(X_tr, y_tr)
    assert not np.array_equal(a.augmenter_.sample(10)[0], b.augmenter_.sample(10)[0])


def test_pipeline_with_column_transformer_on_dataframe():
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], n),
            "size": rng.normal(size=n),
            "weight": rng.normal(size=n),
        }
    )
    y = ((df["colour"] == "red") ^ (df["size"] > 0)).astype(int).to_numpy()
    pre = ColumnTransformer(
        [("cat", OneHotEncoder(), ["colour"])], remainder=StandardScaler()
    )
    pipe = make_pipeline(
        pre, DistilledClassifier(fast_clf_teacher(), "tree", random_state=0)
    )
    pipe.fit(df, y)
    assert pipe.score(df, y) > 0.9
    assert pipe.predict_proba(df.head(3)).shape == (3, 2)


def test_grid_search_over_student_families_and_depth(binary_data):
    X_tr, X_te, y_tr, y_te = binary_data
    base = DistilledClassifier(fast_clf_teacher(), n_synthetic=0.5, random_state=0)
    families = GridSearchCV(base, {"student": ["tree", "mlp", "linear"]}, cv=3)
    families.fit(X_tr, y_tr)
    assert families.best_params_["student"] in {"tree", "mlp", "linear"}
    assert len(families.cv_results_["params"]) == 3

    tree = make_student("tree", "classification")
    depth = GridSearchCV(
        clone(base).set_params(student=tree),
        [
            {"student": [tree], "student__max_depth": [2, 4]},
            {"student": ["mlp", "linear"]},
        ],
        cv=3,
    )
    depth.fit(X_tr, y_tr)
    assert len(depth.cv_results_["params"]) == 4
    assert depth.score(X_te, y_te) > 0.85


# ----------------------------------------------------------------- sample_weight
def test_sample_weight_is_used():
    X, y = make_classification(400, 5, random_state=0)
    w = np.where(y == 1, 10.0, 1.0)
    kwargs = dict(student="linear", n_synthetic=0.5, random_state=0)
    plain = DistilledClassifier(fast_clf_teacher(), **kwargs).fit(X, y)
    weighted = DistilledClassifier(fast_clf_teacher(), **kwargs).fit(X, y, w)
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


def test_zero_weight_rows_are_dropped_exactly():
    X, y = make_classification(300, 5, random_state=0)
    w = np.ones(300)
    w[::7] = 0
    kwargs = dict(student="tree", n_synthetic=0.5, random_state=0)
    with_zeros = DistilledClassifier(fast_clf_teacher(), **kwargs).fit(X, y, w)
    keep = w > 0
    dropped = DistilledClassifier(fast_clf_teacher(), **kwargs).fit(
        X[keep], y[keep], w[keep]
    )
    np.testing.assert_array_equal(with_zeros.predict_proba(X), dropped.predict_proba(X))


@pytest.mark.parametrize("Distiller", [DistilledClassifier, DistilledRegressor])
def test_negative_sample_weight_is_refused(Distiller):
    X, y = make_classification(200, 5, random_state=0)
    w = np.ones(200)
    w[y == 1] = -1.0  # dropping these rows silently would leave one class
    teacher = fast_clf_teacher() if Distiller is DistilledClassifier else None
    with pytest.raises(ValueError, match="Negative values .*sample_weight"):
        Distiller(teacher, n_synthetic=0.2).fit(X, y, sample_weight=w)


def test_student_budget_needs_student_auto(small):
    X, y = small
    model = DistilledClassifier(fast_clf_teacher(), student_budget={"latency_us": 5})
    with pytest.raises(ValueError, match="student_budget only applies to student="):
        model.fit(X, y)


def test_teacher_without_sample_weight_warns():
    X, y = make_classification(200, 5, random_state=0)
    with pytest.warns(UserWarning, match="does not accept sample_weight"):
        DistilledClassifier(KNeighborsClassifier(), n_synthetic=0.2).fit(
            X, y, sample_weight=np.ones(200)
        )


# ----------------------------------------------------------------- bad input
@pytest.fixture
def small():
    X, y = make_classification(100, 4, random_state=0)
    return X, y


def test_inf_in_X_is_rejected(small):
    X, y = small
    X = X.copy()
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        DistilledClassifier(fast_clf_teacher()).fit(X, y)


def test_nan_rejected_when_student_cannot_handle_it(small):
    X, y = small
    X = X.copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN.*student LogisticRegression"):
        DistilledClassifier(fast_clf_teacher(), LogisticRegression()).fit(X, y)


def test_nan_accepted_by_default_components(small):
    X, y = small
    X = X.copy()
    X[::5, 1] = np.nan
    for student in ["tree", "mlp", "linear"]:
        model = DistilledClassifier(fast_clf_teacher(), student, random_state=0)
        assert model.fit(X, y).score(X, y) > 0.7


def test_single_class_is_rejected(small):
    X, _ = small
    with pytest.raises(ValueError, match="at least 2 classes"):
        DistilledClassifier(fast_clf_teacher()).fit(X, np.zeros(len(X)))


def test_empty_X_is_rejected():
    with pytest.raises(ValueError, match="0 sample"):
        DistilledClassifier(fast_clf_teacher()).fit(np.empty((0, 3)), [])


def test_wrong_number_of_features_at_predict(small):
    X, y = small
    model = DistilledClassifier(fast_clf_teacher(), n_synthetic=0.2).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features.*expecting 4"):
        model.predict(X[:, :3])


def test_clusterer_student_is_rejected(small):
    X, y = small
    with pytest.raises(TypeError, match="student must be a classifier or a regressor"):
        DistilledClassifier(fast_clf_teacher(), KMeans(n_clusters=2)).fit(X, y)


def test_classifier_student_for_regression_is_rejected():
    X, y = make_regression(50, 3, random_state=0)
    with pytest.raises(TypeError, match="student must be a regressor"):
        DistilledRegressor(fast_reg_teacher(), LogisticRegression()).fit(X, y)


def test_teacher_without_predict_proba_is_rejected(small):
    X, y = small
    with pytest.raises(TypeError, match="SVC has no predict_proba"):
        DistilledClassifier(SVC()).fit(X, y)


def test_regressor_teacher_for_classification_is_rejected(small):
    X, y = small
    with pytest.raises(TypeError, match="teacher must be a classifier"):
        DistilledClassifier(Ridge()).fit(X, y)


def test_regression_target_for_classifier_is_rejected(small):
    X, _ = small
    with pytest.raises(ValueError, match="Unknown label type"):
        DistilledClassifier(fast_clf_teacher()).fit(X, np.linspace(0, 1, len(X)))


def test_string_columns_are_named():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "city": ["x", "y", "x", "y"]})
    with pytest.raises(ValueError, match=r"columns \['city'\] hold strings"):
        DistilledClassifier(fast_clf_teacher()).fit(df, [0, 1, 0, 1])


@pytest.mark.parametrize(
    "params, name",
    [
        ({"student": "forest"}, "student"),
        ({"n_synthetic": -1}, "n_synthetic"),
        ({"label_weight": 1.5}, "label_weight"),
        ({"softening_temperature": 0}, "softening_temperature"),
        ({"calibration_cv": 1}, "calibration_cv"),
        ({"augment": "smote"}, "augment"),
        ({"student_target": "margins"}, "student_target"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_invalid_parameters_name_the_parameter(small, params, name):
    X, y = small
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        DistilledClassifier(fast_clf_teacher(), **params).fit(X, y)


def test_categorical_features_errors(small):
    X, y = small
    with pytest.raises(ValueError, match="out of range"):
        DistilledClassifier(fast_clf_teacher(), categorical_features=[7]).fit(X, y)
    with pytest.raises(ValueError, match="boolean mask must have length"):
        DistilledClassifier(fast_clf_teacher(), categorical_features=[True]).fit(X, y)
    with pytest.raises(ValueError, match="X has no column names"):
        DistilledClassifier(fast_clf_teacher(), categorical_features=["a"]).fit(X, y)
    with pytest.raises(ValueError, match=r"one list .* shape \(1, 2\)"):
        DistilledClassifier(fast_clf_teacher(), categorical_features=[[0, 1]]).fit(X, y)


@pytest.mark.parametrize(
    "params, words",
    [
        ({"chunk_size": True}, "chunk_size must be a number of rows"),
        ({"memory": ""}, "memory='' names no directory"),
        ({"memory": "  "}, "memory='' names no directory"),
    ],
)
def test_values_the_constraints_let_through_are_refused(small, params, words):
    X, y = small
    with pytest.raises(ValueError, match=re.escape(words)):
        DistilledClassifier(fast_clf_teacher(), **params).fit(X, y)


def test_categorical_columns_from_dtype_keep_observed_values():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "grade": pd.Categorical(rng.choice([1, 3, 7], 300)),
            "x": rng.normal(size=300),
        }
    )
    y = (df["x"] > 0).astype(int)
    model = DistilledClassifier(fast_clf_teacher(), random_state=0).fit(df, y)
    np.testing.assert_array_equal(model.augmenter_.categorical_mask_, [True, False])
    synthetic, _ = model.augmenter_.sample(500)
    assert set(np.unique(synthetic[:, 0])) <= {1.0, 3.0, 7.0}


def test_a_teacher_reading_dtypes_it_never_sees_is_warned_about():
    """HistGradientBoosting's categorical_features='from_dtype' (its default)
    finds no category columns in the numeric arrays the distiller fits it
    on: a warning names the columns, the member and the fix; none where the
    teacher is told (None, a mask), for the default teacher, or without
    category columns."""
    from sklearn.ensemble import VotingRegressor

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"x": rng.normal(size=300), "grade": pd.Categorical(rng.choice([1, 3], 300))}
    )
    y = (df["x"] > 0).astype(int)
    with pytest.warns(UserWarning, match=r"category columns \['grade'\] as numbers"):
        DistilledClassifier(fast_clf_teacher(), n_synthetic=0).fit(df, y)
    voting = VotingRegressor([("hgb", HistGradientBoostingRegressor(max_iter=5))])
    with pytest.warns(UserWarning, match=r"teacher.estimators\['hgb'\]'s"):
        DistilledRegressor(voting, n_synthetic=0).fit(df, y * 1.0)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*pandas dtypes")
        for spec in (None, [False, True]):
            teacher = fast_clf_teacher().set_params(categorical_features=spec)
            DistilledClassifier(teacher, n_synthetic=0).fit(df, y)
        DistilledClassifier(fast_clf_teacher(), n_synthetic=0).fit(df.astype(float), y)
        DistilledClassifier(
            fast_clf_teacher(), n_synthetic=0, categorical_features=[1]
        ).fit(df, y)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_default_teacher_reads_no_dtypes(task):
    """The default teacher (as ``teacher=None`` builds it, or passed
    explicitly) reads category codes as numbers, as all its members do: no
    member takes its categories from dtypes, so neither use warns."""
    from skdistill import default_teacher
    from skdistill._teacher import categories_from_dtype

    assert categories_from_dtype(default_teacher(task)) is None


def test_the_default_teacher_passed_explicitly_does_not_warn_about_dtypes():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"x": rng.normal(size=200), "grade": pd.Categorical(rng.choice([1, 3], 200))}
    )
    y = ((df["x"] + rng.normal(size=200)) > 0).astype(int)
    from skdistill import default_teacher

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*pandas dtypes")
        DistilledClassifier(
            default_teacher(random_state=0, n_jobs=1),
            n_synthetic=0,
            calibration_cv=None,
        ).fit(df, y)


def test_a_students_own_categorical_columns_that_differ_are_warned_about():
    """A BinnedColumns told its own categorical columns keeps them; where
    the distiller knows others (a category dtype), a warning says so and
    points at the caller's line."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skdistill import BinnedColumns

    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=300),
            "grade": pd.Categorical(rng.choice([1, 3], 300)),
            "z": rng.normal(size=300),
        }
    )
    y = ((df["x"] + rng.normal(size=300)) > 0).astype(int)

    def student(categorical):
        return make_pipeline(
            BinnedColumns(categorical=categorical), LogisticRegression(max_iter=1000)
        )

    teacher = fast_clf_teacher().set_params(categorical_features=None)
    with pytest.warns(
        UserWarning, match=r"categorical=\[2\]\) names other.*\(\[1\]"
    ) as record:
        model = DistilledClassifier(teacher, student([2]), n_synthetic=0).fit(df, y)
    ours = [w for w in record if "names other" in str(w.message)]
    assert [w.filename for w in ours] == [__file__]
    assert model.student_[0].categorical == [2]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*names other categorical")
        for same in ([1], [False, True, False], None):
            DistilledClassifier(teacher, student(same), n_synthetic=0).fit(df, y)
        DistilledClassifier(teacher, student([2]), n_synthetic=0).fit(
            df.astype(float), y
        )


def test_user_arrays_are_not_modified(small):
    X, y = small
    X = X.copy()
    X[::9, 2] = np.nan
    w = np.linspace(0.5, 2, len(X))
    X0, y0, w0 = X.copy(), y.copy(), w.copy()
    DistilledClassifier(fast_clf_teacher(), label_weight=0.3, random_state=0).fit(
        X, y, w
    )
    DistilledRegressor(fast_reg_teacher(), label_weight=0.3).fit(X, y * 1.0, w)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w, w0)


# ----------------------------------------------------------------- default teacher
def test_default_teacher_end_to_end(binary_data):
    X_tr, X_te, y_tr, y_te = binary_data
    model = DistilledClassifier(random_state=0).fit(X_tr, y_tr)
    teacher_acc = (model.teacher_.predict(X_te) == y_te).mean()
    hgb = HistGradientBoostingClassifier(random_state=0).fit(X_tr, y_tr)
    assert teacher_acc >= hgb.score(X_te, y_te)
    assert model.score(X_te, y_te) > 0.9
    assert isinstance(model.student_, DecisionTreeClassifier)


def test_default_teacher_regression():
    X, y = load_diabetes(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    model = DistilledRegressor(random_state=0, n_synthetic=1.0).fit(X_tr, y_tr)
    hgb = HistGradientBoostingRegressor(random_state=0).fit(X_tr, y_tr)
    # diabetes is small and noisy: the early-stopped ensemble must still beat a
    # default HistGradientBoostingRegressor (0.28 vs 0.19 R^2 on this split)
    assert model.teacher_.score(X_te, y_te) > hgb.score(X_te, y_te)
    assert model.score(X_te, y_te) > 0.2


# ----------------------------------------------------------------- quality
def test_distilled_tree_agrees_with_teacher_at_least_as_often_as_hard_tree():
    """Breast cancer, fixed seeds: fidelity of a depth-3 tree, distilled vs hard."""
    X, y = load_breast_cancer(return_X_y=True)
    distilled_agree = hard_agree = 0
    for seed in range(3):
        X_tr, X_te, y_tr, _ = train_test_split(
            X, y, test_size=0.3, random_state=seed, stratify=y
        )
        model = DistilledClassifier(
            student=make_student("tree", "classification").set_params(max_depth=3),
            random_state=seed,
        ).fit(X_tr, y_tr)
        teacher_pred = model.teacher_.predict(X_te)
        hard = (
            make_student("tree", "classification")
            .set_params(max_depth=3, random_state=seed)
            .fit(X_tr, y_tr)
        )
        distilled_agree += (model.predict(X_te) == teacher_pred).sum()
        hard_agree += (hard.predict(X_te) == teacher_pred).sum()
    assert distilled_agree >= hard_agree


def test_mlp_student_pipeline_is_scale_robust():
    X, y = make_classification(500, 6, random_state=0)
    X = X * np.array([1e-3, 1, 1e3, 1e5, 1, 1])
    model = DistilledClassifier(fast_clf_teacher(), "mlp", random_state=0).fit(X, y)
    assert isinstance(model.student_, Pipeline)
    assert model.score(X, y) > 0.85


def test_student_given_as_pipeline_receives_weights():
    X, y = make_classification(300, 5, random_state=0)
    student = make_pipeline(StandardScaler(), LogisticRegression())
    model = DistilledClassifier(fast_clf_teacher(), student, random_state=0).fit(X, y)
    assert model.student_mode_ == "soft_cross_entropy"
    assert model.score(X, y) > 0.85


def test_gather_rows_casts_without_changing_values():
    from skdistill._students import gather_rows

    rng = np.random.default_rng(0)
    X = rng.normal(size=(70_000, 3))
    rows = rng.integers(0, len(X), 140_001)
    np.testing.assert_array_equal(
        gather_rows(X, rows, np.float32), X[rows].astype(np.float32)
    )
    assert gather_rows(X, rows).dtype == np.float64


# ------------------------------------------------------------ n_synthetic='auto'
def test_student_family_of_aliases_and_instances():
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.svm import SVR

    from skdistill._distill import student_family

    assert [student_family(a) for a in ("tree", "mlp", "linear", "auto")] == [
        "tree",
        "mlp",
        "linear",
        "other",
    ]
    assert student_family(DecisionTreeClassifier()) == "tree"
    assert student_family(MultiOutputRegressor(RandomForestRegressor())) == "tree"
    assert student_family(make_pipeline(StandardScaler(), MLPRegressor())) == "mlp"
    assert student_family(make_student("mlp", "classification")) == "mlp"
    assert student_family(LogisticRegression()) == "linear"
    assert student_family(make_pipeline(StandardScaler(), Ridge())) == "linear"
    assert student_family(SVR()) == "other"
    assert student_family(KNeighborsClassifier()) == "other"


@pytest.mark.parametrize("student", ["tree", "mlp", "linear", LinearSVC()])
def test_auto_n_synthetic_follows_the_student_family(binary_data, student):
    from skdistill._distill import AUTO_N_SYNTHETIC, student_family
    from skdistill._transfer import n_synthetic_rows

    X_tr, _, y_tr, _ = binary_data
    family = student_family(student)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LinearSVC: no predict_proba, no weights
        model = DistilledClassifier(
            fast_clf_teacher(), student, calibration_cv=None, random_state=0
        ).fit(X_tr, y_tr)
    assert model.n_synthetic == "auto"
    expected = n_synthetic_rows(AUTO_N_SYNTHETIC[family], len(X_tr))
    assert model.n_synthetic_ == expected
    explicit = DistilledClassifier(
        fast_clf_teacher(),
        student,
        n_synthetic=AUTO_N_SYNTHETIC[family],
        calibration_cv=None,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explicit.fit(X_tr, y_tr)
    np.testing.assert_array_equal(model.predict(X_tr), explicit.predict(X_tr))


def test_auto_n_synthetic_regressor_linear_uses_real_rows_only():
    X, y = make_regression(n_samples=300, n_features=5, noise=5.0, random_state=0)
    model = DistilledRegressor(fast_reg_teacher(), "linear", random_state=0).fit(X, y)
    assert model.n_synthetic_ == 0
    tree = DistilledRegressor(fast_reg_teacher(), "tree", random_state=0).fit(X, y)
    from skdistill._distill import AUTO_N_SYNTHETIC_REGRESSION

    assert AUTO_N_SYNTHETIC_REGRESSION["tree"] == 5.0
    assert tree.n_synthetic_ == round(AUTO_N_SYNTHETIC_REGRESSION["tree"] * len(X))
    explicit = DistilledRegressor(
        fast_reg_teacher(), "tree", n_synthetic=5.0, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(tree.predict(X), explicit.predict(X))


def test_n_synthetic_rejects_unknown_strings(binary_data):
    X_tr, _, y_tr, _ = binary_data
    with pytest.raises(InvalidParameterError, match="'n_synthetic' parameter"):
        DistilledClassifier(fast_clf_teacher(), n_synthetic="lots").fit(X_tr, y_tr)


def test_nested_student_parameter_needs_an_estimator():
    """GridSearchCV sets student__max_depth on a clone: with the 'tree' alias
    there is no estimator yet, and the error says what to pass instead."""
    X, y = make_classification(n_samples=120, random_state=0)
    search = GridSearchCV(
        DistilledClassifier(fast_clf_teacher()),
        {"student__max_depth": [3, 6]},
        cv=2,
        error_score="raise",
    )
    with pytest.raises(ValueError, match=r"make_student\('tree'"):
        search.fit(X, y)
    # a Pipeline student: the key the estimator really has
    with pytest.raises(ValueError, match="'student__mlpclassifier__alpha'"):
        DistilledClassifier(student="mlp").set_params(student__alpha=1e-3)
    with pytest.raises(ValueError, match="builds its own candidates"):
        DistilledClassifier(student="auto").set_params(student__max_depth=3)
    with pytest.raises(ValueError, match="teacher=None is not an estimator"):
        DistilledClassifier().set_params(teacher__max_iter=10)
    # with an estimator in the same call it works
    model = DistilledClassifier(fast_clf_teacher()).set_params(
        student=make_student("tree", "classification"), student__max_depth=3
    )
    assert model.student.max_depth == 3


def test_a_single_row_class_with_an_early_stopping_teacher_says_so():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = np.array(["a"] * 100 + ["b"] * 99 + ["rare"])
    teacher = HistGradientBoostingClassifier(early_stopping=True, max_iter=20)
    model = DistilledClassifier(teacher, n_synthetic=0, random_state=0)
    with pytest.raises(ValueError, match=r"single row: \['rare'\]"):
        model.fit(X, y)


def test_refit_drops_the_attributes_of_an_earlier_fit(binary_data):
    X_tr, _, y_tr, _ = binary_data
    model = DistilledClassifier(fast_clf_teacher(), n_synthetic=0.2, random_state=0)
    model.fit(X_tr, y_tr).fine_tune(X_tr[:50], y_tr[:50])
    assert hasattr(model, "fine_tune_")
    assert not hasattr(model.fit(X_tr, y_tr), "fine_tune_")


def test_the_single_row_hint_is_only_for_stratification_errors():
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.default_rng(0).normal(size=(200, 3))
    y = np.array(["a"] * 100 + ["b"] * 99 + ["rare"])
    bad = HistGradientBoostingClassifier(max_iter=0)  # unrelated: a bad parameter
    with pytest.raises(InvalidParameterError) as info:
        DistilledClassifier(bad, n_synthetic=0, random_state=0).fit(X, y)
    assert "single row" not in str(info.value)


@pytest.mark.parametrize("frozen", [False, True])
def test_teacher_picking_columns_by_name_is_refused_with_the_fix(frozen):
    """The teacher gets arrays without column names: a ColumnTransformer given
    names fails in fit with the way out, not deep inside scikit-learn; the
    way out (the preprocessing frozen in front) works."""
    import pandas as pd
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    y = (X.a + X.b > 0).astype(int).to_numpy()
    teacher = make_pipeline(
        make_column_transformer((StandardScaler(), ["a", "b"])),
        HistGradientBoostingClassifier(max_iter=10, random_state=0),
    )
    if frozen:
        teacher = FrozenEstimator(teacher.fit(X, y))
    with pytest.raises(ValueError, match="columns by name.*FrozenEstimator"):
        DistilledClassifier(teacher, n_synthetic=0.5, random_state=0).fit(X, y)
    fitted = teacher.estimator if frozen else teacher.fit(X, y)
    model = make_pipeline(
        FrozenEstimator(fitted[:-1]),
        DistilledClassifier(
            FrozenEstimator(fitted[-1]), n_synthetic=0.5, random_state=0
        ),
    ).fit(X, y)
    assert model.score(X, y) > 0.8


def test_columns_by_name_finds_names_only_where_the_input_arrives():
    """Positional specs (slice, int, callable) and names made inside the
    teacher are fine; names, a name slice or a selector on the input, also
    inside a member of an ensemble or a remainder, are found."""
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.ensemble import VotingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skdistill._teacher import columns_by_name

    def teacher(columns, remainder="drop"):
        ct = ColumnTransformer([("s", StandardScaler(), columns)], remainder=remainder)
        return make_pipeline(ct, HistGradientBoostingClassifier(max_iter=5))

    for positional in (slice(0, 2), 0, [0, 1], lambda X: [0, 1]):
        assert columns_by_name(teacher(positional)) is None
    for named in ("a", ["a", "b"], slice("a", "b"), make_column_selector("a")):
        assert "transformer 's'" in columns_by_name(teacher(named))
    inner = ColumnTransformer([("n", StandardScaler(), ["a"])])
    assert columns_by_name(teacher([0], remainder=inner))
    voting = VotingClassifier([("ok", teacher([0])), ("named", teacher(["a"]))])
    assert "named" in columns_by_name(voting)
    hgb = HistGradientBoostingClassifier(categorical_features=["a"])
    assert "categorical_features" in columns_by_name(hgb)
    for fine in ("from_dtype", [0], None):
        hgb.set_params(categorical_features=fine)
        assert columns_by_name(hgb) is None
    # names made inside the teacher: a later step picking them is fine
    framed = make_pipeline(
        FunctionTransformer(feature_names_out="one-to-one"),
        ColumnTransformer([("s", StandardScaler(), ["x0", "x1"])]),
        HistGradientBoostingClassifier(max_iter=5),
    ).set_output(transform="pandas")
    assert columns_by_name(framed) is None
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    DistilledClassifier(teacher(slice(0, 2)), n_synthetic=0.5).fit(X, y)


def test_booleans_are_not_numbers_of_rows_or_budgets():
    """True is an int to Python: n_synthetic=True and a budget of True are
    refused, not taken as 1."""
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    teacher = HistGradientBoostingClassifier(max_iter=5)
    with pytest.raises(ValueError, match="n_synthetic must be.*got True"):
        DistilledClassifier(teacher, n_synthetic=True).fit(X, y)
    with pytest.raises(ValueError, match=r"student_budget\['onnx_bytes'\] must be"):
        DistilledClassifier(teacher, "auto", student_budget={"onnx_bytes": True}).fit(
            X, y
        )


def test_frozen_unfitted_teacher_is_named():
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    teacher = FrozenEstimator(HistGradientBoostingClassifier(max_iter=5))
    with pytest.raises(ValueError, match="frozen teacher Hist.*not fitted"):
        DistilledClassifier(teacher).fit(X, y)


# ------------------------------------------------------- weights reaching students
def test_nested_pipeline_student_gets_the_soft_target_weights(binary_data):
    # the repeated-rows fit carries the soft targets in its weights: a student
    # whose last step is itself a Pipeline must get them too (it was fitted
    # without them, silently: constant 0.5 probabilities)
    X_tr, X_te, y_tr, _ = binary_data
    flat = make_pipeline(StandardScaler(), LogisticRegression())
    nested = make_pipeline(StandardScaler(), make_pipeline(LogisticRegression()))
    probas = [
        DistilledClassifier(fast_clf_teacher(), student, random_state=0)
        .fit(X_tr, y_tr)
        .predict_proba(X_te)
        for student in (flat, nested)
    ]
    np.testing.assert_array_equal(probas[0], probas[1])


@pytest.mark.parametrize(
    "student", ["linear", "mlp", make_pipeline(StandardScaler(), LogisticRegression())]
)
def test_metadata_routing_on_gives_the_same_model(binary_data, student):
    import sklearn

    X_tr, X_te, y_tr, _ = binary_data
    w = np.where(y_tr == 1, 2.0, 1.0)

    def fit():
        return (
            DistilledClassifier(
                fast_clf_teacher(), student, n_synthetic=0.5, random_state=0
            )
            .fit(X_tr, y_tr, sample_weight=w)
            .predict_proba(X_te)
        )

    expected = fit()
    with sklearn.config_context(enable_metadata_routing=True):
        np.testing.assert_array_equal(fit(), expected)


def test_metadata_routing_on_routes_weights_to_the_distiller_in_a_search(binary_data):
    import sklearn

    X_tr, X_te, y_tr, _ = binary_data
    w = np.where(y_tr == 1, 20.0, 1.0)  # weights that move the model

    def distiller():
        return DistilledClassifier(fast_clf_teacher(), "linear", random_state=0)

    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            distiller()
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False),
            {"n_synthetic": [0.0]},
            cv=2,
        ).fit(X_tr, y_tr, sample_weight=w)
    # the refit got the weights: it equals a weighted fit, not an unweighted one
    refit = search.best_estimator_.predict_proba(X_te)
    weighted = distiller().set_params(n_synthetic=0.0).fit(X_tr, y_tr, sample_weight=w)
    plain = distiller().set_params(n_synthetic=0.0).fit(X_tr, y_tr)
    np.testing.assert_array_equal(refit, weighted.predict_proba(X_te))
    assert not np.allclose(refit, plain.predict_proba(X_te))
