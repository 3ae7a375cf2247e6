"""Scratch (session 14), first version: thermometer (cumulative) encoding of the
bins against one-hot, as a subclass of the BinnedColumns of commit 9c83107
(one-hot only; its layout keeps an all-zero column for each numeric column's
bin 0). Runs at 9c83107 only: afterwards BinnedColumns encodes itself
(``encode=``) and ``thermometer.py`` is this script on it."""

import json
import sys
import time
import warnings

import numpy as np
from scipy import sparse

sys.path.insert(0, "/work/main")
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks import common
from benchmarks.bench_quality import (
    CachedRegressor,
    CalibratedTeacher,
    clf_metrics,
    reg_metrics,
)
from benchmarks.datasets import load
from skdistill import DistilledClassifier, DistilledRegressor
from skdistill._binning import BinnedColumns


class Thermo(BinnedColumns):
    def transform(self, X):
        index = self.bin_indices(X)
        n, p = index.shape
        rows, cols = [], []
        for j in range(p):
            idx = index[:, j]
            off = self.offsets_[j]
            width = self.offsets_[j + 1] - off
            if self.categories_[j] is None:
                miss = self.missing_[j] & (idx == width - 1)
                r_m = np.flatnonzero(miss)
                rows.append(r_m)
                cols.append(np.full(len(r_m), off + width - 1))
                b = np.where(miss, 0, idx)
                cnt = b  # columns off+1..off+b
                r = np.repeat(np.arange(n), cnt)
                starts = np.repeat(np.cumsum(cnt) - cnt, cnt)
                c = off + 1 + (np.arange(cnt.sum()) - starts)
                rows.append(r)
                cols.append(c)
            else:
                ok = idx >= 0
                rows.append(np.flatnonzero(ok))
                cols.append(off + idx[ok])
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        return sparse.csr_matrix(
            (np.ones(len(r)), (r, c)), shape=(n, int(self.offsets_[-1]))
        )


warnings.simplefilter("ignore")
ds = sys.argv[1]
variants = sys.argv[2].split(",")  # e.g. oh32C10, th128C1
seeds = [int(s) for s in sys.argv[3].split(",")] if len(sys.argv) > 3 else [0]
nsyn = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0


def build(v, clf, cat):
    enc, rest = v[:2], v[2:]
    nb, C = rest.split("C")
    T = Thermo if enc == "th" else BinnedColumns
    b = T(n_bins=int(nb), categorical=cat if cat is not None else [])
    m = (
        LogisticRegression(C=float(C), max_iter=1000)
        if clf
        else Ridge(alpha=1.0 / float(C))
    )
    return make_pipeline(b, m)


for seed in seeds:
    sp = common.make_split(load(ds), seed)
    clf = sp.is_classification
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = list(cat_idx) if cat_idx.size else None
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
        tece = clf_metrics(y_te, tt)["ece"]
    else:
        w = CachedRegressor(ref.teacher_)._setup()
        tece = None
    for v in variants:
        st = build(v, clf, cat)
        t0 = time.time()
        h = (
            clone(st)
            if clf
            else TransformedTargetRegressor(
                regressor=clone(st), transformer=StandardScaler()
            )
        )
        h.fit(sp.X_train, sp.y_train)
        hm = (
            clf_metrics(y_te, h.predict_proba(sp.X_test))["accuracy"]
            if clf
            else reg_metrics(sp.y_test, h.predict(sp.X_test))["r2"]
        )
        kw = dict(calibration_cv=None) if clf else {}
        d = D(
            FrozenEstimator(w),
            student=st,
            categorical_features=cat,
            random_state=seed,
            n_synthetic=nsyn,
            **kw,
        ).fit(sp.X_train, sp.y_train)
        out = {"ds": ds, "seed": seed, "v": v, "nsyn": nsyn, "hard": round(hm, 5)}
        if clf:
            m = clf_metrics(y_te, d.predict_proba(sp.X_test), tt)
            out.update(
                dist=round(m["accuracy"], 5),
                ece=round(m["ece"], 4),
                tece=round(tece, 4),
            )
        else:
            out["dist"] = round(reg_metrics(sp.y_test, d.predict(sp.X_test))["r2"], 5)
        out["s"] = round(time.time() - t0, 1)
        print(json.dumps(out), flush=True)
