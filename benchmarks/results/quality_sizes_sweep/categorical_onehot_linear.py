# ruff: noqa
# Scratch script of session 5 (from /tmp/s5, lin_onehot.py), as it ran apart from ruff's formatting; not linted.
"""Scratch: MLP student with one-hot categorical columns (issue 4, target 2)."""

import json, sys, warnings
import numpy as np

sys.path.insert(0, "/work/main")
sys.path.insert(0, "/tmp/exp")
import pickle, os
from exp import get_teacher
from sklearn.compose import ColumnTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from benchmarks import common
from benchmarks.bench_quality import CalibratedTeacher, clf_metrics, _student_seed
from benchmarks.datasets import load
from skdistill import DistilledClassifier, SoftTargetMLPClassifier, make_student
from skdistill._students import _DEFAULT_MLP

warnings.simplefilter("ignore")

from sklearn.linear_model import LogisticRegression

FAM = os.environ.get("FAM", "mlp")


def onehot_mlp(cat_idx, n_features, seed):
    num = [j for j in range(n_features) if j not in set(cat_idx)]
    pre = ColumnTransformer(
        [
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                list(cat_idx),
            ),
            ("num", StandardScaler(), num),
        ]
    )
    final = (
        SoftTargetMLPClassifier(**_DEFAULT_MLP, random_state=seed)
        if FAM == "mlp"
        else LogisticRegression(C=1.0, max_iter=1000)
    )
    return make_pipeline(SimpleImputer(strategy="most_frequent"), pre, final)


for job in sys.argv[1:]:
    ds, seed = job.split(":")
    seed = int(seed)
    sp = common.make_split(load(ds), seed)
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    t = get_teacher(ds, seed, sp, cat)
    w = CalibratedTeacher(t["teacher"], t["T"])._setup()
    cache_path = f"/tmp/exp/teachers/{ds}_{seed}_cache.pkl"
    if os.path.exists(cache_path):
        w.cache_.update(pickle.load(open(cache_path, "rb")))
    classes = t["classes"]
    y_te = np.searchsorted(classes, sp.y_test)
    tt = w.predict_proba(sp.X_test)
    tm = clf_metrics(y_te, tt)["accuracy"]
    sseed = _student_seed(seed)
    out = {}
    for name, make in [
        ("default", lambda s: make_student(FAM, "classification", s)),
        ("onehot", lambda s: onehot_mlp(cat_idx, sp.X_train.shape[1], s)),
    ]:
        h = make(sseed).fit(sp.X_train, sp.y_train)
        proba = np.zeros((len(y_te), len(classes)))
        proba[:, np.searchsorted(classes, h.classes_)] = h.predict_proba(sp.X_test)
        hard = clf_metrics(y_te, proba, tt)["accuracy"]
        m = DistilledClassifier(
            FrozenEstimator(w),
            student=make(None),
            calibration_cv=None,
            n_synthetic="auto",
            categorical_features=cat,
            random_state=seed,
        ).fit(sp.X_train, sp.y_train)
        dm = clf_metrics(y_te, m.predict_proba(sp.X_test), tt)
        gap = (dm["accuracy"] - hard) / (tm - hard) if tm > hard else None
        out[name] = dict(hard=hard, dist=dm["accuracy"], ece=dm["ece"], gap=gap)
    print(
        json.dumps(dict(family=FAM, dataset=ds, seed=seed, teacher=tm, **out)),
        flush=True,
    )
