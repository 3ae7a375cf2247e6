"""Tree students grown on the probability vectors (``_students._grow_on_proba``)."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

from skdistill._students import (
    _fit_tree_soft_cross_entropy,
    fit_classifier_student,
    grows_on_proba,
    soft_cross_entropy_rows,
)


def _soft_data(n_classes, seed=0, n=2_000, missing=0.05):
    rng = np.random.default_rng(seed)
    X, _ = make_classification(
        n, 6, n_informative=4, n_classes=n_classes, random_state=seed
    )
    X[rng.random(X.shape) < missing] = np.nan
    logits = 2.0 * X[:, :1].repeat(n_classes, 1) * np.arange(n_classes)
    logits = np.nan_to_num(logits) + rng.normal(size=(n, n_classes))
    soft = np.exp(logits - logits.max(axis=1, keepdims=True))
    return X, soft / soft.sum(axis=1, keepdims=True), rng


def _on_repeated_rows(tree, X, soft, sample_weight=None):
    X_rep, classes, weight = soft_cross_entropy_rows(X, soft, sample_weight)
    return tree.fit(X_rep, classes, sample_weight=weight)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("criterion", ["log_loss", "entropy", "gini"])
@pytest.mark.parametrize("weighted", [False, True])
def test_grown_on_proba_matches_the_classifier_on_repeated_rows(
    n_classes, criterion, weighted
):
    X, soft, rng = _soft_data(n_classes)
    weight = rng.uniform(0.5, 2.0, len(X)) if weighted else None
    params = dict(criterion=criterion, max_leaf_nodes=48, random_state=0)
    grown = _fit_tree_soft_cross_entropy(
        DecisionTreeClassifier(**params), X, soft, weight
    )
    reference = _on_repeated_rows(DecisionTreeClassifier(**params), X, soft, weight)
    assert grown.get_n_leaves() == reference.get_n_leaves()
    np.testing.assert_allclose(
        grown.predict_proba(X), reference.predict_proba(X), rtol=0, atol=1e-6
    )
    if not weighted:  # (weighted: near ties may split on another feature)
        np.testing.assert_allclose(
            grown.feature_importances_, reference.feature_importances_, atol=1e-6
        )
    # the same nodes hold the same total weight (pairs dropped below 1e-6 aside)
    np.testing.assert_allclose(
        np.sort(grown.tree_.weighted_n_node_samples),
        np.sort(reference.tree_.weighted_n_node_samples),
        rtol=1e-5,
    )


def test_a_class_with_zero_probability_does_not_block_a_split():
    """Poisson trees refuse children whose total is zero; the floor avoids it."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(1_000, 2))
    soft = np.zeros((1_000, 3))
    left = X[:, 0] < 0
    soft[left, 0] = 1.0  # class 0 only left, classes 1 and 2 only right
    soft[~left, 1] = 0.7
    soft[~left, 2] = 0.3
    tree = _fit_tree_soft_cross_entropy(
        DecisionTreeClassifier(max_leaf_nodes=2, random_state=0), X, soft, None
    )
    assert tree.tree_.feature[0] == 0
    proba = tree.predict_proba(np.array([[-0.5, 0.0], [0.5, 0.0]]))
    np.testing.assert_allclose(proba, [[1, 0, 0], [0, 0.7, 0.3]], atol=1e-8)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_min_samples_leaf_counts_rows(n_classes):
    X, soft, _ = _soft_data(n_classes, missing=0.0)
    for count in (25, 0.01):  # rows, or a fraction of them
        tree = DecisionTreeClassifier(min_samples_leaf=count, random_state=0)
        grown = _fit_tree_soft_cross_entropy(tree, X, soft, None)
        least = count if count > 1 else count * len(X)
        assert np.bincount(grown.apply(X))[grown.apply(X)].min() >= least


def test_one_hot_targets_give_the_tree_fitted_on_the_labels():
    """The report's label-trained baseline goes through this path."""
    X, _, rng = _soft_data(3)
    y = rng.integers(0, 3, len(X))
    y[np.nan_to_num(X[:, 0]) > 0.5] = 2
    params = dict(max_leaf_nodes=64, min_samples_leaf=10, random_state=0)
    grown = _fit_tree_soft_cross_entropy(
        DecisionTreeClassifier(**params), X, np.eye(3)[y], None
    )
    on_labels = DecisionTreeClassifier(**params).fit(X, y)
    assert grown.get_n_leaves() == on_labels.get_n_leaves()
    np.testing.assert_allclose(
        grown.predict_proba(X), on_labels.predict_proba(X), rtol=0, atol=1e-6
    )


def test_a_split_of_zero_gain_is_taken_as_on_the_labels():
    """Exact XOR: the first split gains nothing; the label tree still takes it."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 25, dtype=float)
    y = (X[:, 0] != X[:, 1]).astype(int)
    tree = DecisionTreeClassifier(random_state=0)
    grown = _fit_tree_soft_cross_entropy(tree, X, np.eye(2)[y], None)
    assert grown.get_n_leaves() == 4
    np.testing.assert_array_equal(grown.predict(X), y)


def test_weights_scaled_by_a_power_of_two_give_the_same_tree_bit_for_bit():
    X, soft, rng = _soft_data(3, missing=0.0)
    weight = rng.uniform(0.1, 3.0, len(X))

    def fit(w):
        tree = DecisionTreeClassifier(max_leaf_nodes=40, random_state=0)
        return _fit_tree_soft_cross_entropy(tree, X, soft, w)

    a, b = fit(weight), fit(weight * 2.0**-20)
    np.testing.assert_array_equal(a.tree_.threshold, b.tree_.threshold)
    np.testing.assert_array_equal(a.tree_.value, b.tree_.value)
    np.testing.assert_array_equal(
        a.tree_.weighted_n_node_samples, b.tree_.weighted_n_node_samples * 2.0**20
    )


def test_rows_of_tiny_weight_are_still_split_off():
    """Poisson trees refuse children of (near) zero total; scaled weights avoid it."""
    X = np.r_[np.linspace(0, 10, 1_000), np.full(5, 10.5)].reshape(-1, 1)
    soft = np.r_[np.tile([0.7, 0.3], (1_000, 1)), np.tile([0.0, 1.0], (5, 1))]
    weight = np.r_[np.ones(1_000), np.full(5, 1e-7)]
    tree = _fit_tree_soft_cross_entropy(
        DecisionTreeClassifier(random_state=0), X, soft, weight
    )
    np.testing.assert_allclose(tree.predict_proba([[10.5]]), [[0, 1]], atol=1e-8)


def test_the_grown_student_is_an_ordinary_fitted_tree_classifier():
    X, soft, rng = _soft_data(3)
    weight = rng.uniform(0.5, 2.0, len(X))
    tree = fit_classifier_student(
        DecisionTreeClassifier(max_leaf_nodes=32, random_state=0),
        "soft_cross_entropy",
        [X.copy()],  # handed over, as the distiller does
        soft,
        weight,
    )
    assert type(tree) is DecisionTreeClassifier
    np.testing.assert_array_equal(tree.classes_, [0, 1, 2])
    assert tree.classes_.dtype == np.intp and tree.n_classes_ == 3
    assert tree.n_outputs_ == 1 and tree.n_features_in_ == X.shape[1]
    proba = tree.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(tree.predict(X), proba.argmax(axis=1))
    # weights keep their scale in the nodes
    assert tree.tree_.weighted_n_node_samples[0] == pytest.approx(weight.sum())
    again = pickle.loads(pickle.dumps(tree))
    np.testing.assert_array_equal(again.predict_proba(X), proba)


def test_same_seed_same_tree_bit_for_bit_and_weight_scale_does_not_matter():
    X, soft, rng = _soft_data(2)
    weight = rng.uniform(0.5, 2.0, len(X))

    def fit(w):
        tree = DecisionTreeClassifier(max_features=3, random_state=7)
        return _fit_tree_soft_cross_entropy(tree, X, soft, w)

    a, b, scaled = fit(weight), fit(weight), fit(weight * 1e-9)
    assert pickle.dumps(a) == pickle.dumps(b)  # padding bytes included
    np.testing.assert_allclose(
        a.predict_proba(X), scaled.predict_proba(X), rtol=0, atol=1e-9
    )


@pytest.mark.parametrize(
    "tree",
    [
        DecisionTreeClassifier(class_weight="balanced"),
        DecisionTreeClassifier(ccp_alpha=0.01),
        DecisionTreeClassifier(min_impurity_decrease=0.01),
        DecisionTreeClassifier(splitter="random"),
        ExtraTreeClassifier(),
    ],
    ids=["class_weight", "ccp_alpha", "min_impurity_decrease", "random", "extra"],
)
def test_parameters_whose_meaning_would_change_keep_the_repeated_rows(tree):
    assert not grows_on_proba(tree)
    X, soft, _ = _soft_data(2, missing=0.0)
    fitted = _fit_tree_soft_cross_entropy(tree, X, soft, None)
    assert fitted.tree_.n_node_samples[0] > len(X)  # (row, class) pairs


def test_plain_trees_grow_on_proba():
    assert grows_on_proba(DecisionTreeClassifier(criterion="log_loss"))
    assert grows_on_proba(DecisionTreeClassifier(max_features="sqrt"))


def test_make_student_refuses_an_unknown_task():
    """A typo in the task would otherwise give the regression student."""
    from skdistill import make_student

    with pytest.raises(ValueError, match="task='Classification' is not a task"):
        make_student("tree", "Classification")


@pytest.mark.parametrize("routing", [False, True])
def test_multioutput_wrapped_pipeline_student_takes_weights(routing):
    # a Pipeline student without multi-output support is wrapped in a
    # MultiOutputRegressor, whose unrouted fit refused it any weights
    import sklearn
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    from skdistill import DistilledRegressor

    X, y = make_regression(300, 5, n_targets=2, random_state=0)
    w = np.where(X[:, 0] > 0, 5.0, 1.0)

    def fit(weights):
        student = make_pipeline(StandardScaler(), SVR())
        with sklearn.config_context(enable_metadata_routing=routing):
            model = DistilledRegressor(Ridge(), student, n_synthetic=0, random_state=0)
            return model.fit(X, y, sample_weight=weights).predict(X)

    weighted, ones, plain = fit(w), fit(np.ones(len(y))), fit(None)
    np.testing.assert_allclose(ones, plain)
    assert not np.allclose(weighted, plain)
