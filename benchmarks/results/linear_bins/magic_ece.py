import sys
import warnings

import numpy as np

sys.path.insert(0, "/work/main")
from scipy.optimize import minimize_scalar
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from benchmarks import common
from benchmarks.bench_quality import CalibratedTeacher, clf_metrics
from benchmarks.datasets import load
from skdistill import DistilledClassifier
from skdistill._binning import BinnedColumns
from skdistill._soft_targets import proba_to_logits

warnings.simplefilter("ignore")
ds = sys.argv[1]
res = {}
for seed in (0, 1, 2):
    sp = common.make_split(load(ds), seed)
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    ref = DistilledClassifier(
        random_state=seed,
        categorical_features=cat,
        n_jobs=1,
        memory=common.stage_memory(),
    ).fit(sp.X_train, sp.y_train)
    y_te = np.searchsorted(ref.classes_, sp.y_test)
    w = CalibratedTeacher(ref.teacher_, ref.temperature_)._setup()
    tt = ref.teacher_predict_proba(sp.X_test)
    res.setdefault("teacher", []).append(clf_metrics(y_te, tt)["ece"])

    def st(nb=32, C=10.0, cat=cat):
        return make_pipeline(
            BinnedColumns(n_bins=nb, categorical=list(cat) if cat is not None else []),
            LogisticRegression(C=C, max_iter=1000),
        )

    variants = {
        "C10": (st(), {}),
        "C100": (st(C=100), {}),
        "b64": (st(64), {}),
        "b16": (st(16), {}),
        "b128": (st(128), {}),
        "lw0.3": (st(), {"label_weight": 0.3}),
        "regress_logits": (st(), {}),
    }
    for name, (s, kw) in variants.items():
        d = DistilledClassifier(
            FrozenEstimator(w),
            student=s,
            calibration_cv=None,
            categorical_features=cat,
            random_state=seed,
            n_synthetic=0.0,
            **kw,
        ).fit(sp.X_train, sp.y_train)
        p = d.predict_proba(sp.X_test)
        m = clf_metrics(y_te, p, tt)
        res.setdefault(name, []).append(m["ece"])
        res.setdefault(name + "_acc", []).append(m["accuracy"])
        if name == "C10":
            ptr = d.predict_proba(sp.X_train)
            t_tr = w.predict_proba(sp.X_train)
            z = proba_to_logits(ptr)

            def ce(T, z=z, t_tr=t_tr):
                q = np.exp(z / T - (z / T).max(1, keepdims=True))
                q /= q.sum(1, keepdims=True)
                return -(t_tr * np.log(q + 1e-300)).sum(1).mean()

            T = minimize_scalar(ce, bounds=(0.2, 5), method="bounded").x
            zt = proba_to_logits(p) / T
            q = np.exp(zt - zt.max(1, keepdims=True))
            q /= q.sum(1, keepdims=True)
            res.setdefault("Tsoft", []).append(clf_metrics(y_te, q)["ece"])
    print(seed, {k: round(v[-1], 4) for k, v in res.items()}, flush=True)
print("MEAN", {k: round(float(np.mean(v)), 4) for k, v in res.items()})
