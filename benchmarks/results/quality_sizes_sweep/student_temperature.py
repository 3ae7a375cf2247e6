"""Scratch: would a student temperature lower the distilled student's test ECE?

The temperature is fitted on the real training rows' labels (in-sample, the
only labelled rows a distiller has left once the student is fitted), for the
linear, MLP and tree students distilled from the frozen cached teachers of
``exp.py`` (library defaults otherwise). Run from ``/tmp/exp`` after ``exp.py``
has pickled its teachers there; output in ``student_temperature.log``.
"""

import sys
import warnings

import numpy as np
from sklearn.frozen import FrozenEstimator

sys.path.insert(0, "/work/main")
sys.path.insert(0, "/tmp/exp")
from exp import get_teacher  # noqa: E402

from benchmarks import common  # noqa: E402
from benchmarks.bench_quality import CalibratedTeacher  # noqa: E402
from benchmarks.datasets import load  # noqa: E402
from skdistill import DistilledClassifier  # noqa: E402
from skdistill._calibration import (  # noqa: E402
    expected_calibration_error,
    fit_temperature,
)
from skdistill._soft_targets import proba_to_logits  # noqa: E402

warnings.simplefilter("ignore")
for ds in ("telco_churn", "magic", "adult"):
    for seed in (0, 1, 2):
        sp = common.make_split(load(ds), seed)
        cat_idx = np.flatnonzero(sp.categorical_mask)
        cat = cat_idx if cat_idx.size else None
        t = get_teacher(ds, seed, sp, cat)
        w = CalibratedTeacher(t["teacher"], t["T"])._setup()
        classes = t["classes"]
        y_tr = np.searchsorted(classes, sp.y_train)
        y_te = np.searchsorted(classes, sp.y_test)
        t_ece = expected_calibration_error(y_te, w.predict_proba(sp.X_test))
        for fam in ("linear", "mlp", "tree"):
            m = DistilledClassifier(
                FrozenEstimator(w),
                student=fam,
                calibration_cv=None,
                categorical_features=cat,
                random_state=seed,
            ).fit(sp.X_train, sp.y_train)
            p_tr, p_te = m.predict_proba(sp.X_train), m.predict_proba(sp.X_test)
            T = fit_temperature(proba_to_logits(p_tr), y_tr)
            z = proba_to_logits(p_te) / T
            q = np.exp(z - z.max(1, keepdims=True))
            q /= q.sum(1, keepdims=True)
            before = expected_calibration_error(y_te, p_te)
            after = expected_calibration_error(y_te, q)
            print(
                f"{ds:11s} s{seed} {fam:6s} teacherECE {t_ece:.4f} "
                f"studentECE {before:.4f} T_s {T:.3f} -> {after:.4f}",
                flush=True,
            )
