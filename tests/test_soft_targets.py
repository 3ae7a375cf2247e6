"""Soft-target maths and temperature calibration on cases with known answers."""

import numpy as np
import pytest
from scipy.special import softmax

from skdistill._calibration import (
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
)
from skdistill._soft_targets import (
    blend_with_labels,
    logits_to_proba,
    one_hot,
    proba_to_logits,
    sharpen_student_proba,
    soften,
)


def _sample_labels(logits, temperature, rng):
    proba = softmax(logits / temperature, axis=1)
    cumulative = proba.cumsum(axis=1)
    u = rng.random((len(proba), 1))
    return (u > cumulative).sum(axis=1)


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.0, 4.0])
@pytest.mark.parametrize("n_classes", [2, 5])
def test_fitted_temperature_recovers_known_temperature(true_t, n_classes):
    rng = np.random.default_rng(42)
    logits = rng.normal(scale=3.0, size=(20_000, n_classes))
    y = _sample_labels(logits, true_t, rng)
    fitted = fit_temperature(logits, y)
    assert abs(fitted - true_t) / true_t < 0.05


def test_temperature_minimises_nll_and_keeps_argmax():
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=5.0, size=(3000, 3))
    y = _sample_labels(logits, 2.5, rng)
    t = fit_temperature(logits, y)
    best = negative_log_likelihood(logits, y, t)
    for other in (t * 0.9, t * 1.1, 1.0):
        assert best <= negative_log_likelihood(logits, y, other)
    np.testing.assert_array_equal(
        logits_to_proba(logits, t).argmax(1), logits.argmax(1)
    )


def test_weighted_temperature_equals_repeated_rows():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=2.0, size=(500, 3))
    y = _sample_labels(logits, 1.5, rng)
    w = rng.integers(1, 4, size=500)
    t_weighted = fit_temperature(logits, y, w.astype(float))
    t_repeated = fit_temperature(np.repeat(logits, w, axis=0), np.repeat(y, w))
    assert t_weighted == pytest.approx(t_repeated, rel=1e-4)


def test_ece_known_answer():
    # bin of confidence 0.9: two rows, one correct -> |0.5 - 0.9| * 2/4 = 0.2;
    # confidence 0.8: correct -> 0.2/4 = 0.05; 0.6: correct -> 0.4/4 = 0.1
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
    y = np.array([0, 1, 1, 1])
    assert expected_calibration_error(y, proba) == pytest.approx(0.35)


def test_ece_zero_for_perfectly_calibrated_bins():
    # 10 rows at confidence 0.7 of which exactly 7 correct
    proba = np.tile([0.7, 0.3], (10, 1))
    y = np.array([0] * 7 + [1] * 3)
    assert expected_calibration_error(y, proba) == pytest.approx(0.0, abs=1e-12)


def test_ece_uses_15_equal_width_bins():
    # confidences 0.61 and 0.66 fall in different 1/15-wide bins (0.6-0.667 is
    # one bin: 9/15=0.6 .. 10/15=0.667), so they share a bin; 0.67 does not.
    proba = np.array([[0.61, 0.39], [0.66, 0.34], [0.67, 0.33]])
    y = np.array([0, 1, 0])
    # bin (0.6, 0.667]: rows 0,1 acc 0.5 conf 0.635 -> 0.135 * 2/3
    # bin (0.667, 0.733]: row 2 acc 1 conf 0.67 -> 0.33 * 1/3
    expected = 0.135 * 2 / 3 + 0.33 / 3
    assert expected_calibration_error(y, proba) == pytest.approx(expected)


def test_proba_logits_round_trip_and_centering():
    rng = np.random.default_rng(0)
    p = softmax(rng.normal(size=(50, 4)), axis=1)
    z = proba_to_logits(p)
    np.testing.assert_allclose(z.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(logits_to_proba(z), p, rtol=1e-10)


def test_zero_probabilities_give_finite_logits():
    z = proba_to_logits(np.array([[1.0, 0.0]]))
    assert np.isfinite(z).all()


def test_soften_flattens_and_sharpen_undoes_it():
    p = np.array([[0.1, 0.2, 0.7]])
    soft = soften(p, 3.0)
    assert soft.max() < p.max()
    assert soft.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(sharpen_student_proba(soft, 3.0), p, rtol=1e-9)
    assert sharpen_student_proba(p, 1.0) is p


def test_blend_with_labels_is_convex_mix():
    soft = np.array([[0.3, 0.7], [0.6, 0.4]])
    y = np.array([0, 0])
    mixed = blend_with_labels(soft, y, 0.25)
    np.testing.assert_allclose(mixed, 0.75 * soft + 0.25 * one_hot(y, 2))
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0)
    assert blend_with_labels(soft, y, 0.0) is soft


def test_ece_refuses_inputs_it_would_score_wrongly():
    proba = np.array([[0.5, 0.5], [0.2, 0.8]])
    with pytest.raises(ValueError, match=r"integers in \[0, 1\]; got values \[0, 5\]"):
        expected_calibration_error(np.array([0, 5]), proba)
    with pytest.raises(ValueError, match="one class index per row"):
        expected_calibration_error(np.array([0, 1, 1]), proba)
    with pytest.raises(ValueError, match="2-D"):
        expected_calibration_error(np.array([0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        expected_calibration_error(np.array([0, 1]), proba * 3)
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error(np.array([0, 1]), proba, n_bins=0)
    # float32 rounding beyond [0, 1], integral float and bool labels are fine
    expected = expected_calibration_error(np.array([0, 1]), proba)
    assert expected_calibration_error(np.array([0.0, 1.0]), proba) == expected
    assert expected_calibration_error(np.array([False, True]), proba) == expected
    assert expected_calibration_error(np.array([0, 1]), proba + 1e-7) >= 0
    assert expected_calibration_error(np.array([0, 1]), proba - 1e-7) >= 0
