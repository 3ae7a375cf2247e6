"""Teacher fitting and prediction helpers (skdistill/_teacher.py): sample weights,
thread-independent outputs."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import ExtraTreesClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdistill import DistilledClassifier, DistilledRegressor
from skdistill._teacher import fit_teacher, teacher_predict, teacher_proba


def _data():
    X, y = make_classification(300, 5, random_state=0)
    w = np.where(y == 1, 8.0, 1.0)
    return X, y, w


def test_pipeline_teacher_receives_the_weights():
    X, y, w = _data()
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no "fitted without it"
        fitted = fit_teacher(clone(pipe), X, y, sample_weight=w)
    expected = clone(pipe).fit(X, y, logisticregression__sample_weight=w)
    unweighted = clone(pipe).fit(X, y)
    coef = fitted[-1].coef_
    np.testing.assert_array_equal(coef, expected[-1].coef_)
    assert not np.allclose(coef, unweighted[-1].coef_)


def test_distiller_forwards_weights_to_a_pipeline_teacher():
    X, y, w = _data()
    teacher = make_pipeline(StandardScaler(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        model = DistilledClassifier(
            teacher, student="linear", n_synthetic=0.5, random_state=0
        ).fit(X, y, sample_weight=w)
    expected = clone(teacher).fit(X, y, logisticregression__sample_weight=w)
    np.testing.assert_array_equal(model.teacher_[-1].coef_, expected[-1].coef_)


def test_teacher_without_weights_is_fitted_without_them_and_warns():
    X, y, w = _data()
    with pytest.warns(UserWarning, match="KNeighborsClassifier does not accept"):
        fitted = fit_teacher(KNeighborsClassifier(), X, y, sample_weight=w)
    assert fitted.n_samples_fit_ == len(X)


def test_forest_teacher_outputs_do_not_depend_on_its_threads():
    # A forest predicting on 2 threads adds its trees in the order the threads
    # finish; skdistill's calls add them in tree order: every call equals n_jobs=1.
    X, y = make_classification(4000, 10, n_informative=6, n_classes=3, random_state=0)
    # leaves of 5+ rows: fractional probabilities, whose sum depends on order
    threaded = ExtraTreesClassifier(
        100, min_samples_leaf=5, n_jobs=2, random_state=0
    ).fit(X, y)
    expected = clone(threaded).set_params(n_jobs=1).fit(X, y).predict_proba(X)
    for _ in range(4):
        np.testing.assert_array_equal(
            teacher_proba(threaded, X, threaded.classes_), expected
        )
    Xr, yr = make_regression(4000, 10, random_state=0)
    forest = RandomForestRegressor(50, n_jobs=2, random_state=0).fit(Xr, yr)
    single = clone(forest).set_params(n_jobs=1).fit(Xr, yr).predict(Xr)
    for _ in range(4):
        np.testing.assert_array_equal(teacher_predict(forest, Xr)[:, 0], single)


def test_distilling_from_a_threaded_forest_is_bit_for_bit():
    X, y = make_classification(2000, 8, n_informative=5, n_classes=3, random_state=1)
    probas = [
        DistilledClassifier(
            ExtraTreesClassifier(60, min_samples_leaf=5, n_jobs=n_jobs),
            "mlp",
            random_state=0,
        )
        .fit(X, y)
        .predict_proba(X)
        for n_jobs in (2, 2, 1)
    ]
    np.testing.assert_array_equal(probas[0], probas[1])
    np.testing.assert_array_equal(probas[0], probas[2])
    Xr, yr = make_regression(2000, 8, random_state=1)
    preds = [
        DistilledRegressor(
            RandomForestRegressor(40, n_jobs=n_jobs), "mlp", random_state=0
        )
        .fit(Xr, yr)
        .predict(Xr)
        for n_jobs in (2, 1)
    ]
    np.testing.assert_array_equal(preds[0], preds[1])


def test_early_stopping_wrappers_refuse_the_other_task_and_bad_threads():
    from lightgbm import LGBMClassifier, LGBMRegressor

    from skdistill import (
        EarlyStoppingClassifier,
        EarlyStoppingRegressor,
        default_teacher,
    )

    X, y = make_classification(200, 5, random_state=0)
    with pytest.raises(TypeError, match="regressor; got LGBMClassifier"):
        EarlyStoppingRegressor(LGBMClassifier(verbose=-1)).fit(X, y.astype(float))
    with pytest.raises(TypeError, match="classifier; got LGBMRegressor"):
        EarlyStoppingClassifier(LGBMRegressor(verbose=-1)).fit(X, y)
    for bad in ("2", 0, True):
        with pytest.raises(ValueError, match="n_jobs must be None or a non-zero"):
            default_teacher("classification", n_jobs=bad)


def test_routing_on_the_teachers_requests_decide_where_weights_go():
    import sklearn
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.tree import DecisionTreeClassifier

    X, y, w = _data()
    with sklearn.config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=False)
        teacher = CalibratedClassifierCV(inner, cv=2, ensemble=False)
        model = DistilledClassifier(
            teacher,
            DecisionTreeClassifier(max_depth=3),
            n_synthetic=0,
            calibration_cv=None,
            random_state=0,
        ).fit(X, y, sample_weight=w)
    fitted = model.teacher_.calibrated_classifiers_[0].estimator
    np.testing.assert_allclose(fitted.coef_, LogisticRegression().fit(X, y).coef_)


@pytest.mark.parametrize("routing", [False, True])
def test_multioutput_voting_teacher_takes_weights(routing):
    # scikit-learn's unrouted MultiOutputRegressor refused VotingRegressor, the
    # default multi-output teacher, as "does not support sample weights"
    import sklearn
    from sklearn.ensemble import VotingRegressor
    from sklearn.linear_model import Ridge
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.tree import DecisionTreeRegressor

    X, y = make_regression(300, 5, n_targets=2, random_state=0)
    w = np.where(X[:, 0] > 0, 5.0, 1.0)
    members = [("ridge", Ridge()), ("tree", DecisionTreeRegressor(max_depth=3))]
    if routing:  # routed, the user says which parts take the weights
        with sklearn.config_context(enable_metadata_routing=True):
            for _, member in members:
                member.set_fit_request(sample_weight=True)
    teacher = MultiOutputRegressor(VotingRegressor(members))

    def fit(weights):
        with sklearn.config_context(enable_metadata_routing=routing):
            model = DistilledRegressor(teacher, n_synthetic=0, random_state=0)
            return model.fit(X, y, sample_weight=weights).teacher_predict(X)

    weighted, ones, plain = fit(w), fit(np.ones(len(y))), fit(None)
    np.testing.assert_allclose(ones, plain)
    assert not np.allclose(weighted, plain)


def test_prediction_threads_follow_the_forest_unless_a_part_uses_openmp():
    from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier

    from skdistill._teacher import fitted_parts, prediction_threads

    X, y = make_classification(300, 5, random_state=0)
    forest = ExtraTreesClassifier(10, n_jobs=2, random_state=0).fit(X, y)
    assert prediction_threads(forest) == 2
    assert prediction_threads(make_pipeline(StandardScaler(), forest).fit(X, y)) == 2
    mixed = VotingClassifier(
        [("et", forest), ("hgb", HistGradientBoostingClassifier(max_iter=5))],
        voting="soft",
    ).fit(X, y)
    # concurrent calls would oversubscribe the booster's OpenMP threads
    assert prediction_threads(mixed) == 1
    names = [type(p).__name__ for p in fitted_parts(mixed)]
    assert names == ["ExtraTreesClassifier", "HistGradientBoostingClassifier"]
