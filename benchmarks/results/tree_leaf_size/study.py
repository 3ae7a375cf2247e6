"""Leaf size of the distilled tree: ``min_samples_leaf`` in rows (the tree grown on
the probability vectors) against 10 (row, class) pairs of the repeated rows (the
tree before session 9).

Uses the quality benchmark's reference fit (default teacher, MUNGE 2x) through
its stage cache, so a teacher is fitted only where the cache lacks it. From the
repository root::

    for d in letter adult telco_churn fars magic; do for s in 0 1 2; do
      OMP_NUM_THREADS=1 PYTHONPATH=. \\
        python benchmarks/results/tree_leaf_size/study.py $d $s
    done; done > benchmarks/results/tree_leaf_size/results.jsonl

Each line: test accuracy, log-loss and agreement with the teacher of the old tree
(``pairs10``) and of the grown tree with ``min_samples_leaf`` 1, 2, 3, 5, 10 rows.
"""

import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, log_loss
from sklearn.tree import DecisionTreeClassifier

import skdistill._students as S
from benchmarks import common
from benchmarks.common import make_split
from benchmarks.datasets import load
from skdistill import DistilledClassifier

ds, seed = sys.argv[1], int(sys.argv[2])
sp = make_split(load(ds), seed)
cat = np.flatnonzero(sp.categorical_mask).tolist() or None
captured = {}
original = S._fit_tree_soft_cross_entropy


def grab(student, X, soft, sw):
    """Keep the reference fit's transfer set and soft targets."""
    captured["X"] = np.array(X[0] if isinstance(X, list) else X)
    captured["soft"] = soft.copy()
    return original(student, X, soft, sw)


S._fit_tree_soft_cross_entropy = grab
ref = DistilledClassifier(
    random_state=seed, categorical_features=cat, n_jobs=1, memory=common.stage_memory()
).fit(sp.X_train, sp.y_train)
X, soft = captured["X"], captured["soft"]
y_test = np.searchsorted(ref.classes_, sp.y_test)
teacher = ref.teacher_predict_proba(sp.X_test).argmax(1)
tree_seed = ref.student_.random_state


def evaluate(p):
    """Test accuracy, log-loss, agreement with the teacher."""
    p = np.clip(p, 1e-15, 1)
    p = p / p.sum(1, keepdims=True)
    return [
        round(accuracy_score(y_test, p.argmax(1)), 4),
        round(log_loss(y_test, p, labels=range(p.shape[1])), 4),
        round(float(np.mean(p.argmax(1) == teacher)), 4),
    ]


out = {
    "dataset": ds,
    "seed": seed,
    "cached": "teacher_stage_from_cache" in ref.fit_times_,
}
X_rep, classes, weight = S.soft_cross_entropy_rows(X, soft, None, np.float32, np.uint8)
pairs = DecisionTreeClassifier(
    criterion="log_loss",
    max_leaf_nodes=1024,
    min_samples_leaf=10,
    random_state=tree_seed,
).fit(X_rep, classes, sample_weight=weight)
out["pairs10"] = evaluate(pairs.predict_proba(sp.X_test))
for rows in [1, 2, 3, 5, 10]:
    tree = DecisionTreeClassifier(
        criterion="log_loss",
        max_leaf_nodes=1024,
        min_samples_leaf=rows,
        random_state=tree_seed,
    )
    tree = original(tree, X, soft, None)
    out[f"rows{rows}"] = evaluate(tree.predict_proba(sp.X_test))
print(json.dumps(out), flush=True)
