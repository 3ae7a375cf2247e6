# ruff: noqa
# Scratch script of session 5 (from /tmp/s5), as it ran apart from ruff's import sorting and formatting; not linted.
import json
import os
import pickle
import sys
import warnings

import numpy as np

sys.path.insert(0, "/work/main")
sys.path.insert(0, "/tmp/exp")
from exp import get_teacher
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import StandardScaler

from benchmarks import common
from benchmarks.bench_quality import (
    CachedRegressor,
    CalibratedTeacher,
    _student_seed,
    clf_metrics,
    reg_metrics,
)
from benchmarks.datasets import load
from skdistill import DistilledClassifier, DistilledRegressor, make_student

warnings.simplefilter("ignore")
for job in sys.argv[1:]:
    ds, seed = job.split(":")
    seed = int(seed)
    sp = common.make_split(load(ds), seed)
    clf = sp.is_classification
    task = "classification" if clf else "regression"
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    t = get_teacher(ds, seed, sp, cat)
    cache_path = f"/tmp/exp/teachers/{ds}_{seed}_cache.pkl"
    if clf:
        w = CalibratedTeacher(t["teacher"], t["T"])._setup()
        classes = t["classes"]
        y_te = np.searchsorted(classes, sp.y_test)
        tt = w.predict_proba(sp.X_test)
        tm = clf_metrics(y_te, tt)["accuracy"]
    else:
        w = CachedRegressor(t["teacher"])._setup()
        y_te = sp.y_test
        tt = w.predict(sp.X_test)
        tm = reg_metrics(y_te, tt)["r2"]
    if os.path.exists(cache_path):
        w.cache_.update(pickle.load(open(cache_path, "rb")))
    key = "accuracy" if clf else "r2"
    sseed = _student_seed(seed)
    out = {}
    for fam in ["mlp", "linear"]:
        for name, kw in [
            ("codes", None),
            ("onehot", dict(keep_codes=False)),
            ("both", dict(keep_codes=True)),
        ]:

            def make(s):
                st = make_student(
                    fam, task, s, None if kw is None else sp.categorical_mask
                )
                if kw:
                    st.set_params(**{f"onehotcolumns__{k}": v for k, v in kw.items()})
                return st

            h = make(sseed)
            if not clf:
                h = TransformedTargetRegressor(
                    regressor=h, transformer=StandardScaler()
                )
            h.fit(sp.X_train, sp.y_train)
            if clf:
                proba = np.zeros((len(y_te), len(classes)))
                proba[:, np.searchsorted(classes, h.classes_)] = h.predict_proba(
                    sp.X_test
                )
                hard = clf_metrics(y_te, proba, tt)[key]
            else:
                hard = reg_metrics(y_te, h.predict(sp.X_test), tt)[key]
            D = DistilledClassifier if clf else DistilledRegressor
            kwc = dict(calibration_cv=None) if clf else {}
            m = D(
                FrozenEstimator(w),
                student=make(None),
                categorical_features=cat,
                random_state=seed,
                **kwc,
            ).fit(sp.X_train, sp.y_train)
            dm = (
                clf_metrics(y_te, m.predict_proba(sp.X_test), tt)
                if clf
                else reg_metrics(y_te, m.predict(sp.X_test), tt)
            )[key]
            out[f"{fam}_{name}"] = dict(
                hard=round(hard, 4),
                dist=round(dm, 4),
                gap=round((dm - hard) / (tm - hard), 3) if tm > hard else None,
            )
        print(
            json.dumps(dict(dataset=ds, seed=seed, teacher=round(tm, 4), **out)),
            flush=True,
        )
