"""Scratch (session 13): n_bins and synthetic rows for the binned linear student,
distilled (frozen default teacher from the stage cache) against the same student
on the labels. Primary metric on the test split, seeds 0-2."""

import json
import sys
import warnings

import numpy as np

sys.path.insert(0, "/work/main")
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.preprocessing import StandardScaler

from benchmarks import common
from benchmarks.bench_quality import (
    CachedRegressor,
    CalibratedTeacher,
    clf_metrics,
    reg_metrics,
)
from benchmarks.datasets import load
from skdistill import DistilledClassifier, DistilledRegressor, make_student

warnings.simplefilter("ignore")
ds = sys.argv[1]
bins_list = [int(b) for b in sys.argv[2].split(",")]
nsyn_list = [float(v) for v in sys.argv[3].split(",")]
for seed in (0, 1, 2):
    sp = common.make_split(load(ds), seed)
    clf = sp.is_classification
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    D = DistilledClassifier if clf else DistilledRegressor
    ref = D(
        random_state=seed,
        categorical_features=cat,
        n_jobs=1,
        memory=common.stage_memory(),
    ).fit(sp.X_train, sp.y_train)
    if clf:
        y_te = np.searchsorted(ref.classes_, sp.y_test)
        w = CalibratedTeacher(ref.teacher_, ref.temperature_)._setup()
        tt = ref.teacher_predict_proba(sp.X_test)
    else:
        w = CachedRegressor(ref.teacher_)._setup()
    for nb in bins_list:
        st = make_student(
            "linear", "classification" if clf else "regression", 0, categorical=cat
        )
        st.set_params(binnedcolumns__n_bins=nb)
        h = (
            clone(st)
            if clf
            else TransformedTargetRegressor(
                regressor=clone(st), transformer=StandardScaler()
            )
        )
        h.fit(sp.X_train, sp.y_train)
        if clf:
            hm = clf_metrics(y_te, h.predict_proba(sp.X_test))["accuracy"]
        else:
            hm = reg_metrics(sp.y_test, h.predict(sp.X_test))["r2"]
        out = {"ds": ds, "seed": seed, "bins": nb, "hard": hm}
        for nsyn in nsyn_list:
            kw = dict(calibration_cv=None) if clf else {}
            d = D(
                FrozenEstimator(w),
                student=st,
                categorical_features=cat,
                random_state=seed,
                n_synthetic=nsyn,
                **kw,
            ).fit(sp.X_train, sp.y_train)
            if clf:
                m = clf_metrics(y_te, d.predict_proba(sp.X_test), tt)
                out[f"d{nsyn:g}"] = m["accuracy"]
                out[f"ece{nsyn:g}"] = m["ece"]
            else:
                out[f"d{nsyn:g}"] = reg_metrics(sp.y_test, d.predict(sp.X_test))["r2"]
        print(json.dumps(out), flush=True)
