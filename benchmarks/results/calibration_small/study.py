"""Temperature on small training sets: a 20% holdout against 5-fold cross-fitting.

The evidence behind ``calibration_cv='auto'`` (5-fold below 5,000 training rows).
For scikit-learn's built-in classification sets, three seeds each (75/25
stratified split), the default teacher (``DistilledClassifier(random_state=seed,
n_jobs=1)``, tree student) is calibrated with ``calibration_cv=0.2`` and with
``calibration_cv=5``; the fitted temperature is applied to the final teacher's
probabilities on the test split, whose log-loss and ECE are compared with the
uncalibrated teacher's. Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/results/calibration_small/study.py
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skdistill import DistilledClassifier
from skdistill._calibration import expected_calibration_error
from skdistill._soft_targets import soften

LOADERS = ["load_breast_cancer", "load_wine", "load_iris", "load_digits"]


def main() -> None:
    records = []
    for loader in LOADERS:
        X, y = getattr(datasets, loader)(return_X_y=True)
        for seed in range(3):
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, test_size=0.25, stratify=y, random_state=seed
            )
            for cv in (0.2, 5):
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    model = DistilledClassifier(
                        random_state=seed, n_jobs=1, calibration_cv=cv
                    ).fit(X_tr, y_tr)
                raw = model.teacher_.predict_proba(X_te)
                cal = soften(raw, model.temperature_)
                y_idx = np.searchsorted(model.classes_, y_te)
                rec = {
                    "dataset": loader[5:],
                    "seed": seed,
                    "n_train": len(y_tr),
                    "calibration_cv": cv,
                    "calibration_rows": model.calibration_["n_rows"],
                    "temperature": model.temperature_,
                    "no_error_warning": any(
                        "misclassifies none" in str(w.message) for w in caught
                    ),
                    "test_log_loss_raw": log_loss(
                        y_idx, raw, labels=range(len(model.classes_))
                    ),
                    "test_log_loss_calibrated": log_loss(
                        y_idx, cal, labels=range(len(model.classes_))
                    ),
                    "test_ece_raw": expected_calibration_error(y_idx, raw),
                    "test_ece_calibrated": expected_calibration_error(y_idx, cal),
                }
                records.append(rec)
                print(
                    f"{rec['dataset']:14s} seed {seed} cv={cv!s:3s} rows "
                    f"{rec['calibration_rows']:4d} T={rec['temperature']:.3f}"
                    f"{' (no error: T=1 kept)' if rec['no_error_warning'] else ''} "
                    f"log-loss {rec['test_log_loss_raw']:.4f} -> "
                    f"{rec['test_log_loss_calibrated']:.4f}  ECE "
                    f"{rec['test_ece_raw']:.4f} -> {rec['test_ece_calibrated']:.4f}",
                    flush=True,
                )
    out = Path(__file__).with_name("study.json")
    out.write_text(json.dumps(records, indent=1) + "\n")
    for cv in (0.2, 5):
        rows = [r for r in records if r["calibration_cv"] == cv]
        worse = sum(
            r["test_log_loss_calibrated"] > r["test_log_loss_raw"] for r in rows
        )
        ratio = np.median(
            [r["test_log_loss_calibrated"] / r["test_log_loss_raw"] for r in rows]
        )
        print(
            f"calibration_cv={cv}: calibrated test log-loss worse than raw on "
            f"{worse}/{len(rows)} splits; median ratio calibrated/raw {ratio:.3f}"
        )
    print(f"written {out}")


if __name__ == "__main__":
    main()
