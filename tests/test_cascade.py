"""DistilledCascade: threshold choice, routing, coverage, bad input."""

import numpy as np
import pytest
from scipy.stats import binomtest
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skdistill import DistilledCascade, DistilledClassifier
from skdistill._cascade import (
    cascade_score_bounds,
    choose_threshold,
    student_confidence,
)


def test_choose_threshold_meets_target_with_maximum_coverage():
    rng = np.random.default_rng(0)
    conf = rng.random(500)
    student_ok = rng.random(500) < conf  # confident rows are more often right
    teacher_ok = np.ones(500, dtype=bool)
    for target in (0.9, 0.95, 0.99):
        threshold, coverage, score = choose_threshold(
            conf, student_ok, teacher_ok, target
        )
        assert score >= target
        routed = conf >= threshold
        assert routed.mean() == pytest.approx(coverage)
        realised = np.where(routed, student_ok, teacher_ok).mean()
        assert realised == pytest.approx(score)
        # one more row to the student would miss the target
        lower = conf[conf < threshold]
        if lower.size:
            nxt = conf >= lower.max()
            assert np.where(nxt, student_ok, teacher_ok).mean() < target


def test_choose_threshold_keeps_ties_together():
    conf = np.array([0.9, 0.7, 0.7, 0.5])
    s_ok = np.array([1, 1, 0, 1])
    t_ok = np.ones(4)
    threshold, coverage, _ = choose_threshold(conf, s_ok, t_ok, 1.0)
    assert threshold == 0.9 and coverage == 0.25


def test_choose_threshold_unreachable_target_defers_everything():
    conf = np.array([0.9, 0.8])
    threshold, coverage, score = choose_threshold(
        conf, np.array([0, 0]), np.array([1, 0]), 0.9
    )
    assert threshold == np.inf and coverage == 0.0 and score == 0.5


def test_score_bounds_unpaired_are_clopper_pearson():
    rng = np.random.default_rng(1)
    conf = rng.random(300)
    s_ok = rng.random(300) < 0.8
    t_ok = rng.random(300) < 0.9
    bounds = cascade_score_bounds(conf, s_ok, t_ok, 0.9, paired=False)
    order = np.argsort(-conf)
    for k in (0, 1, 50, 299, 300):
        routed = np.zeros(300, dtype=bool)
        routed[order[:k]] = True
        errors = int(np.sum(~np.where(routed, s_ok, t_ok)))
        ci = binomtest(errors, 300, alternative="less").proportion_ci(0.9)
        assert bounds[k] == pytest.approx(1.0 - ci.high)


def test_score_bounds_paired_difference():
    conf = np.array([0.9, 0.8, 0.7, 0.6])
    s_ok = np.array([1, 0, 1, 1])
    t_ok = np.array([1, 1, 0, 1])
    b = cascade_score_bounds(conf, s_ok, t_ok, 0.95, paired=True)
    z = 1.6448536269514722
    # k = 2: d = (0, -1); mean -1/4, one discordant row
    expected = 0.75 - 0.25 - z * np.sqrt((1 / 4 - 1 / 16) / 4)
    assert b[2] == pytest.approx(expected)
    # k = 0: nothing routed, variance floored at one discordant row
    assert b[0] == pytest.approx(0.75 - z * np.sqrt(1 / 16))
    point = 0.75 + np.array([0, 0, -1, 0, 0]).cumsum() / 4  # not the bound
    assert np.all(b < point + np.array([0, 0, 0, 0.25, 0.25]) + 1e-12)


def test_choose_threshold_with_bound_is_fixed_sequence():
    rng = np.random.default_rng(0)
    conf = rng.random(2000)
    s_ok = rng.random(2000) < 0.5 + conf / 2
    t_ok = np.ones(2000, dtype=bool)
    point_t, point_cov, _ = choose_threshold(conf, s_ok, t_ok, 0.97)
    t, cov, score = choose_threshold(conf, s_ok, t_ok, 0.97, confidence_level=0.95)
    assert cov < point_cov and t > point_t
    bounds = cascade_score_bounds(conf, s_ok, t_ok, 0.95, paired=False)
    k = round(cov * 2000)
    assert bounds[k] >= 0.97
    assert bounds[k + 1] < 0.97  # the next threshold down fails (no ties here)
    assert np.all(bounds[1 : k + 1] >= 0.97)  # every higher one passed
    assert score == pytest.approx(np.where(conf >= t, s_ok, t_ok).mean())


def test_bound_keeps_the_target_on_new_rows():
    """Simulated held-out sets: the bound rarely misses, the point estimate often.

    Confidence c ~ U(0.5, 1), the student agrees with the teacher with
    probability c, so the true agreement of the cascade at threshold t is
    1 - (1 - t)^2; the target 0.99 holds for t >= 0.9.
    """
    rng = np.random.default_rng(0)
    misses = {None: 0, 0.95: 0}
    for _ in range(200):
        conf = rng.uniform(0.5, 1.0, 2000)
        s_ok = rng.random(2000) < conf
        for level in misses:
            t, _, _ = choose_threshold(
                conf, s_ok, np.ones(2000), 0.99, confidence_level=level
            )
            misses[level] += 1 - (1 - min(t, 1.0)) ** 2 < 0.99
    assert misses[0.95] <= 20  # about 5% expected; 10% allowed
    assert misses[None] >= 60  # the point estimate misses about half the time


def test_student_confidence_kinds():
    p = np.array([[0.6, 0.3, 0.1]])
    assert student_confidence(p)[0] == pytest.approx(0.6)
    assert student_confidence(p, "margin")[0] == pytest.approx(0.3)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        3000, 10, n_informative=6, flip_y=0.05, random_state=0, class_sep=0.8
    )
    return train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def fitted(data):
    X_tr, _, y_tr, _ = data
    teacher = HistGradientBoostingClassifier(max_iter=100, random_state=0)
    return DistilledClassifier(teacher, "linear", random_state=0).fit(X_tr, y_tr)


def test_cascade_on_frozen_distiller_meets_agreement_target(data, fitted):
    _, X_te, _, y_te = data
    X_val, X_test, y_val, y_test = train_test_split(
        X_te, y_te, test_size=0.5, random_state=1
    )
    cascade = DistilledCascade(FrozenEstimator(fitted), max_drop=0.01).fit(X_val, y_val)
    assert cascade.distiller_ is fitted
    assert cascade.target_ == pytest.approx(0.99)
    assert cascade.validation_scores_["cascade"] >= 0.99
    assert cascade.validation_scores_["cascade_lower_bound"] >= 0.99
    point = DistilledCascade(
        FrozenEstimator(fitted), max_drop=0.01, confidence_level=None
    ).fit(X_val, y_val)
    assert point.validation_scores_["cascade_lower_bound"] is None
    assert point.coverage_ >= cascade.coverage_
    assert 0.0 < cascade.coverage_ < 1.0
    # on fresh rows: close to the target, and better than the student alone
    teacher_pred = fitted.teacher_predict_proba(X_test).argmax(1)
    cascade_pred = cascade.predict(X_test)
    student_pred = fitted.predict(X_test)
    assert (cascade_pred == teacher_pred).mean() >= 0.97
    assert (cascade_pred == teacher_pred).mean() > (student_pred == teacher_pred).mean()
    routed = cascade.route(X_test)
    np.testing.assert_array_equal(cascade_pred[routed], student_pred[routed])
    np.testing.assert_array_equal(cascade_pred[~routed], teacher_pred[~routed])


def test_cascade_accuracy_target_and_min_score(data, fitted):
    _, X_te, _, y_te = data
    cascade = DistilledCascade(
        FrozenEstimator(fitted), metric="accuracy", min_score=0.5
    ).fit(X_te, y_te)
    assert cascade.coverage_ == 1.0  # the student alone easily beats 0.5
    assert cascade.threshold_ <= fitted.predict_proba(X_te).max(1).min()


def test_cascade_fits_an_unfitted_distiller_on_a_split(data):
    X_tr, X_te, y_tr, _ = data
    distiller = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=30), n_synthetic=0.5, random_state=0
    )
    cascade = DistilledCascade(distiller, validation_fraction=0.25, random_state=0)
    cascade.fit(X_tr, y_tr)
    assert cascade.validation_scores_["n_rows"] == pytest.approx(0.25 * len(X_tr))
    proba = cascade.predict_proba(X_te)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert not hasattr(distiller, "student_")  # the parameter was cloned


def test_cascade_bad_input(data, fitted):
    X_tr, _, y_tr, _ = data
    with pytest.raises(TypeError, match="distiller must be a DistilledClassifier"):
        DistilledCascade(FrozenEstimator(LogisticRegression().fit(X_tr, y_tr))).fit(
            X_tr, y_tr
        )
    with pytest.raises(ValueError, match="does not know"):
        DistilledCascade(FrozenEstimator(fitted)).fit(X_tr, y_tr + 5)
    with pytest.raises(ValueError, match="features"):
        DistilledCascade(FrozenEstimator(fitted)).fit(X_tr[:, :3], y_tr)
    for metric in ("agreement", "accuracy"):
        cascade = DistilledCascade(FrozenEstimator(fitted), metric=metric)
        with pytest.raises(ValueError, match="X has 1500 rows, y has shape"):
            cascade.fit(X_tr, y_tr[:50])
    with pytest.raises(ValueError, match="'metric' parameter"):
        DistilledCascade(FrozenEstimator(fitted), metric="f1").fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="'confidence_level' parameter"):
        DistilledCascade(FrozenEstimator(fitted), confidence_level=1.0).fit(X_tr, y_tr)


def test_cascade_on_a_dataframe_gives_no_feature_name_warnings(data):
    import warnings

    pd = pytest.importorskip("pandas")
    X_tr, X_te, y_tr, y_te = data
    columns = [f"f{i}" for i in range(X_tr.shape[1])]
    frame_tr, frame_te = (
        pd.DataFrame(X_tr, columns=columns),
        pd.DataFrame(X_te, columns=columns),
    )
    teacher = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    model = DistilledClassifier(teacher, "linear", random_state=0).fit(frame_tr, y_tr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cascade = DistilledCascade(FrozenEstimator(model), max_drop=0.02)
        cascade.fit(frame_te, y_te)
        proba = cascade.predict_proba(frame_te)
        routed = cascade.route(frame_te)
    assert 0.0 < cascade.coverage_ < 1.0
    np.testing.assert_allclose(proba, cascade.predict_proba(X_te))
    np.testing.assert_array_equal(routed, cascade.route(X_te))
    with pytest.raises(ValueError, match="feature names"):
        cascade.predict(frame_te.rename(columns={"f0": "other"}))


def test_cascade_that_defers_everything_warns(data, fitted):
    _, X_te, _, y_te = data
    with pytest.warns(UserWarning, match="every row is deferred"):
        cascade = DistilledCascade(FrozenEstimator(fitted)).fit(X_te[:100], y_te[:100])
    assert cascade.coverage_ == 0.0
