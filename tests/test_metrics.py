"""Size and fidelity measures (skdistill/metrics.py)."""

import io
import pickle

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skdistill.metrics import agreement, model_size, pickled_size


def test_pickled_size_is_the_pickle_length():
    X, y = make_classification(500, 6, random_state=0)
    for model in (
        RandomForestClassifier(20, random_state=0).fit(X, y),
        LogisticRegression().fit(X, y),
        {"array": np.arange(100_000.0)},
    ):
        buffer = io.BytesIO()
        pickle.dump(model, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        assert pickled_size(model) == buffer.tell()


def test_model_size_counts_nodes_and_bytes():
    X, y = make_classification(500, 6, random_state=0)
    forest = RandomForestClassifier(5, random_state=0).fit(X, y)
    size = model_size(forest)
    assert size["bytes"] == pickled_size(forest)
    assert size["nodes"] == sum(t.tree_.node_count for t in forest.estimators_)
    assert agreement(np.array([0, 1, 1]), np.array([0, 1, 0])) == 2 / 3


def test_model_size_of_the_linear_student_counts_its_bins():
    from skdistill import make_student

    X, y = make_classification(500, 6, random_state=0)
    X[:, 5] = np.round(X[:, 5])  # a categorical column
    student = make_student("linear", "classification", categorical=[5]).fit(X, y)
    bins, logistic = student[0], student[-1]
    learnt = sum(len(e) for e in bins.edges_[:5]) + len(bins.categories_[5])
    weights = logistic.coef_.size + logistic.intercept_.size
    assert model_size(student)["parameters"] == learnt + weights


def test_pickled_size_holds_no_copy_of_the_pickle():
    import tracemalloc

    payload = {"weights": np.ones(2_000_000)}  # 16 MB
    tracemalloc.start()
    try:
        size = pickled_size(payload)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 16_000_000
    assert peak < 1_000_000  # a BytesIO held all 16 MB
