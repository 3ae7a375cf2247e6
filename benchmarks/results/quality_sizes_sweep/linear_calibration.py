"""Scratch (session 5): can the linear student's ECE be brought down? (issue 4,
target 3). Frozen cached teachers of exp.py (default teacher + its held-out
temperature), library-default linear student (logistic regression, soft
cross-entropy, real rows only), and variants:

* T_in: a temperature fitted on the training rows' labels (in-sample);
* T_ho: a temperature fitted on a stratified 20% of the training rows by a
  student distilled on the other 80%, applied to the full-data student
  (T_ho_sub: applied to the 80% student itself);
* lw0.5: ``label_weight=0.5`` (labels mixed into the soft targets);
* C100: the logistic student with ``C=100`` (weaker L2 penalty).

Ran from /tmp/s5 as ``OMP_NUM_THREADS=1 python lin_cal.py <dataset>:<seed> ...``
(telco_churn 0-2, magic 0-2, adult 0-2, fars 0, letter 0); output in
``linear_calibration.log`` (test ECE, 15 bins; ``hard`` = the same student on
the labels, not run where the data have categorical columns).
"""

import sys
import warnings

import numpy as np

sys.path.insert(0, "/work/main")
sys.path.insert(0, "/tmp/exp")
from exp import get_teacher  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from benchmarks import common  # noqa: E402
from benchmarks.bench_quality import CalibratedTeacher  # noqa: E402
from benchmarks.datasets import load  # noqa: E402
from skdistill import DistilledClassifier, make_student  # noqa: E402
from skdistill._calibration import expected_calibration_error as ece  # noqa: E402
from skdistill._calibration import fit_temperature  # noqa: E402
from skdistill._soft_targets import proba_to_logits  # noqa: E402

warnings.simplefilter("ignore")


def scaled(p, T):
    """Probabilities ``p`` with their logits divided by ``T``."""
    z = proba_to_logits(p) / T
    q = np.exp(z - z.max(1, keepdims=True))
    return q / q.sum(1, keepdims=True)


def distil(teacher, cat, seed, X, y, student="linear", **kw):
    """The default distiller over a frozen calibrated teacher."""
    return DistilledClassifier(
        FrozenEstimator(teacher),
        student=student,
        calibration_cv=None,
        categorical_features=cat,
        random_state=seed,
        **kw,
    ).fit(X, y)


def run(ds, seed):
    sp = common.make_split(load(ds), seed)
    cat_idx = np.flatnonzero(sp.categorical_mask)
    cat = cat_idx if cat_idx.size else None
    t = get_teacher(ds, seed, sp, cat)
    w = CalibratedTeacher(t["teacher"], t["T"])._setup()
    classes = t["classes"]
    y_tr = np.searchsorted(classes, sp.y_train)
    y_te = np.searchsorted(classes, sp.y_test)
    t_ece = ece(y_te, w.predict_proba(sp.X_test))
    res = {}
    m = distil(w, cat, seed, sp.X_train, sp.y_train)
    p_te = m.predict_proba(sp.X_test)
    res["default"] = ece(y_te, p_te)
    acc = (p_te.argmax(1) == y_te).mean()
    T_in = fit_temperature(proba_to_logits(m.predict_proba(sp.X_train)), y_tr)
    res["T_in"] = ece(y_te, scaled(p_te, T_in))
    Xa, Xb, ya, yb = train_test_split(
        sp.X_train, y_tr, test_size=0.2, stratify=y_tr, random_state=seed
    )
    mh = distil(w, cat, seed, Xa, classes[ya])
    T_ho = fit_temperature(proba_to_logits(mh.predict_proba(Xb)), yb)
    res["T_ho"] = ece(y_te, scaled(p_te, T_ho))
    res["T_ho_sub"] = ece(y_te, scaled(mh.predict_proba(sp.X_test), T_ho))
    m2 = distil(w, cat, seed, sp.X_train, sp.y_train, label_weight=0.5)
    res["lw0.5"] = ece(y_te, m2.predict_proba(sp.X_test))
    s = make_student("linear", "classification")
    s.set_params(**{s.steps[-1][0] + "__C": 100.0})
    m3 = distil(w, cat, seed, sp.X_train, sp.y_train, student=s)
    res["C100"] = ece(y_te, m3.predict_proba(sp.X_test))
    hard = float("nan")
    if cat is None:
        h = make_student("linear", "classification").fit(sp.X_train, sp.y_train)
        hard = ece(y_te, h.predict_proba(sp.X_test))
    print(
        f"{ds:11s} s{seed} teacherECE {t_ece:.4f} acc {acc:.4f} hard {hard:.4f} "
        f"T_in {T_in:.3f} T_ho {T_ho:.3f} "
        + " ".join(f"{k} {v:.4f}" for k, v in res.items()),
        flush=True,
    )


if __name__ == "__main__":
    for job in sys.argv[1:]:
        name, seed = job.split(":")
        run(name, int(seed))
