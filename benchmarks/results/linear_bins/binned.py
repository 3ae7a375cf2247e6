"""Scratch: binned-feature logistic student vs the default linear student."""

import sys
import time
import warnings

import numpy as np

sys.path.insert(0, "/work/main")
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer

from benchmarks import common
from benchmarks.bench_quality import CalibratedTeacher, clf_metrics
from benchmarks.datasets import load
from skdistill import DistilledClassifier
from skdistill._students import resolve_student

warnings.simplefilter("ignore")


def binned(k, cat, C=1.0):
    steps = [
        SimpleImputer(strategy="median", keep_empty_features=True),
        KBinsDiscretizer(
            n_bins=k,
            strategy="quantile",
            encode="onehot",
            quantile_method="averaged_inverted_cdf",
        ),
        LogisticRegression(C=C, max_iter=1000),
    ]
    return make_pipeline(*steps)


def run(ds, seed, variants):
    sp = common.make_split(load(ds), seed)
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    t0 = time.time()
    ref = DistilledClassifier(
        random_state=seed,
        categorical_features=cat,
        n_jobs=1,
        memory=common.stage_memory(),
    ).fit(sp.X_train, sp.y_train)
    print(f"{ds} s{seed} ref fit {time.time() - t0:.0f}s", flush=True)
    classes = ref.classes_
    y_te = np.searchsorted(classes, sp.y_test)
    w = CalibratedTeacher(ref.teacher_, ref.temperature_)._setup()
    tt = ref.teacher_predict_proba(sp.X_test)
    m = clf_metrics(y_te, tt)
    print(f"  teacher acc {m['accuracy']:.4f} ece {m['ece']:.4f}", flush=True)
    for name in variants:
        if name == "linear":
            st = resolve_student("linear", "classification", 0, sp.categorical_mask)
        elif name.startswith("bin"):
            k, _, C = name[3:].partition("C")
            st = binned(int(k), cat, float(C or 1))
        h = __import__("sklearn").base.clone(st).fit(sp.X_train, sp.y_train)
        mh = clf_metrics(y_te, h.predict_proba(sp.X_test), tt)
        print(
            f"  {name:8s} HARD    acc {mh['accuracy']:.4f} ece {mh['ece']:.4f} "
            f"ll {mh['log_loss']:.4f}",
            flush=True,
        )
        for nsyn in NSYN:
            t0 = time.time()
            d = DistilledClassifier(
                FrozenEstimator(w),
                student=st,
                calibration_cv=None,
                categorical_features=cat,
                random_state=seed,
                n_synthetic=nsyn,
            ).fit(sp.X_train, sp.y_train)
            p = d.predict_proba(sp.X_test)
            mm = clf_metrics(y_te, p, tt)
            print(
                f"  {name:8s} nsyn {nsyn} acc {mm['accuracy']:.4f} "
                f"ece {mm['ece']:.4f} ll {mm['log_loss']:.4f} "
                f"fid {mm.get('fidelity', float('nan')):.4f} {time.time() - t0:.0f}s",
                flush=True,
            )


if __name__ == "__main__":
    NSYN = (
        [float(v) for v in sys.argv[3].split(",")] if len(sys.argv) > 3 else [0.0, 2.0]
    )
    variants = sys.argv[2].split(",")
    for job in sys.argv[1].split(","):
        n, s = job.split(":")
        run(n, int(s), variants)
