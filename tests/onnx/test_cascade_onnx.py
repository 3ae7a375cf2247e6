"""ONNX export of DistilledCascade: the student with its routing outputs."""

import functools
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skdistill import DistilledCascade, DistilledClassifier, to_onnx, verify_onnx
from skdistill.onnx import session
from skdistill.onnx._api import onnx_feeds

LABELS = np.array(["ant", "bee", "cat"])


@functools.cache
def data():
    X, y = make_classification(
        3000, 8, n_informative=5, n_classes=3, class_sep=0.8, random_state=0
    )
    return X[:2000], LABELS[y[:2000]], X[2000:], LABELS[y[2000:]]


@functools.cache
def cascade(family, confidence):
    X, y, _, _ = data()
    distiller = DistilledClassifier(
        HistGradientBoostingClassifier(max_iter=40, random_state=0),
        family,
        n_synthetic=1000,
        random_state=0,
    )
    model = DistilledCascade(
        distiller,
        max_drop=0.05,
        confidence_level=None,
        confidence=confidence,
        random_state=0,
    )
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("confidence", ["max_proba", "margin"])
@pytest.mark.parametrize("family", ["tree", "mlp"])
def test_outputs_match_the_cascade(family, confidence, dtype):
    model = cascade(family, confidence)
    assert 0.0 < model.coverage_ < 1.0  # a real routing decision to reproduce
    _, _, X_test, _ = data()
    X_test = X_test.astype(dtype)
    onx = to_onnx(model, X_test[:1])
    assert [o.name for o in onx.graph.output] == [
        "label",
        "probabilities",
        "confidence",
        "use_student",
    ]
    result = verify_onnx(model, onx, X_test)
    assert result.label_agreement == 1.0
    assert result.max_abs_diff <= (1e-5 if dtype == np.float32 else 1e-12)
    # float32 may route a row within rounding of the threshold differently
    assert result.route_agreement >= (0.995 if dtype == np.float32 else 1.0)

    sess = session(onx)
    label, proba, conf, use = sess.run(None, onnx_feeds(sess, X_test))
    assert conf.shape == use.shape == (len(X_test),)
    assert use.dtype == np.bool_
    assert np.array_equal(use, conf >= np.asarray(model.threshold_, dtype=dtype))
    expected = proba.max(axis=1)
    if confidence == "margin":
        top2 = np.sort(proba, axis=1)[:, -2:]
        expected = top2[:, 1] - top2[:, 0]
    np.testing.assert_allclose(conf, expected, rtol=0, atol=1e-6)


def test_serving_side_routing_reproduces_predict():
    """Student where use_student, teacher elsewhere == cascade.predict."""
    model = cascade("tree", "max_proba")
    _, _, X_test, y_test = data()
    sess = session(to_onnx(model, X_test[:1]))
    label, _, _, use = sess.run(None, onnx_feeds(sess, X_test))
    deferred = ~use
    answer = label.astype(object)
    teacher = model.distiller_.teacher_predict_proba(X_test[deferred])
    answer[deferred] = model.classes_[teacher.argmax(axis=1)]
    assert 0 < deferred.sum() < len(X_test)
    np.testing.assert_array_equal(answer.astype(str), model.predict(X_test))


def test_cascade_at_the_end_of_a_pipeline():
    X, y, X_test, _ = data()
    pipe = make_pipeline(StandardScaler(), clone(cascade("tree", "max_proba")))
    with threadpool_limits(1):
        pipe.fit(X, y)
    onx = to_onnx(pipe, X_test[:1].astype(np.float32))
    assert len(onx.graph.output) == 4
    result = verify_onnx(pipe[-1], to_onnx(pipe[-1], X_test[:1]), X_test)
    assert result.route_agreement == 1.0
    # verify_onnx on the whole pipeline (it failed: it knew only a bare
    # cascade), also one-step and nested
    nested = make_pipeline(StandardScaler().fit(X), make_pipeline(pipe[0], pipe[1]))
    for model in (pipe, make_pipeline(pipe[-1]), nested):
        whole = verify_onnx(model, to_onnx(model, X_test[:1]), X_test)
        assert whole.route_agreement == 1.0 and whole.label_agreement == 1.0
        assert whole.max_abs_diff < 1e-9
    sess = session(onx)
    _, _, _, use = sess.run(None, onnx_feeds(sess, X_test.astype(np.float32)))
    expected = pipe[-1].route(pipe[0].transform(X_test))
    assert np.mean(use == expected) >= 0.995


def test_zipmap_is_refused_with_a_clear_message():
    model = cascade("tree", "max_proba")
    X, *_ = data()
    with pytest.raises(ValueError, match="zipmap=True is not supported"):
        to_onnx(model, X[:1].astype(np.float32), zipmap=True)


def test_threshold_inf_routes_every_row_to_the_teacher():
    model = cascade("tree", "max_proba")
    X, y, X_test, _ = data()
    strict = DistilledCascade(
        model.distiller, min_score=1.0, confidence_level=0.99, random_state=0
    )
    with threadpool_limits(1):
        strict.fit(X, y)
    assert strict.threshold_ == np.inf
    sess = session(to_onnx(strict, X_test[:1]))
    use = sess.run(None, onnx_feeds(sess, X_test))[3]
    assert not use.any()


@pytest.mark.parametrize(
    "model",
    [DistilledCascade(DistilledClassifier()), DistilledClassifier()],
    ids=["cascade", "distiller"],
)
def test_unfitted_model_is_a_clear_error(model):
    X, *_ = data()
    with pytest.raises(NotFittedError, match=type(model).__name__):
        to_onnx(model, X[:1])
