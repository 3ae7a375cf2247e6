"""Leaf size of the distilled tree without augmentation (``augment='none'``).

Session 10's peers run found letter's distilled tree without augmentation 2
points below session 6's (0.8696 -> 0.8500) since leaves count rows (session
9). This refits the library-default distiller with ``augment='none'`` and the
tree student at ``min_samples_leaf`` 1, 3 and 5 rows (5: the default), through
the quality benchmark's stage cache (teachers loaded, not refitted), and prints
one JSON line per (dataset, seed): test accuracy of each, and of the same tree
on the labels. From the repository root::

    for d in letter fars magic; do for s in 0 1 2; do
      OMP_NUM_THREADS=1 PYTHONPATH=. \\
        python benchmarks/results/tree_leaf_size/noaug.py $d $s
    done; done > benchmarks/results/tree_leaf_size/noaug.jsonl
"""

import json
import sys

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score

from benchmarks import common
from benchmarks.common import make_split
from benchmarks.datasets import load
from skdistill import DistilledClassifier, make_student

ds, seed = sys.argv[1], int(sys.argv[2])
sp = make_split(load(ds), seed)
cat = np.flatnonzero(sp.categorical_mask).tolist() or None
out = {"dataset": ds, "seed": seed}
for leaf in (1, 3, 5):
    tree = make_student("tree", "classification").set_params(min_samples_leaf=leaf)
    model = DistilledClassifier(
        student=tree,
        augment="none",
        random_state=seed,
        categorical_features=cat,
        n_jobs=1,
        memory=common.stage_memory(),
    ).fit(sp.X_train, sp.y_train)
    hard = clone(model.student_).fit(sp.X_train, sp.y_train)
    for key, fitted in ((f"rows{leaf}", model), (f"hard_rows{leaf}", hard)):
        out[key] = round(accuracy_score(sp.y_test, fitted.predict(sp.X_test)), 4)
print(json.dumps(out), flush=True)
