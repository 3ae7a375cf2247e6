"""The distillation report: is the student good enough to replace its teacher?

:func:`distillation_report` measures a fitted distiller (or a Pipeline ending in
one) on labelled rows and returns a :class:`DistillationReport`:

* **quality** of the teacher (raw and temperature-calibrated), of the distilled
  student and of a *baseline*, the same student family trained on the labels
  (with several regression targets, R² is the mean of the per-target R² and
  RMSE the square root of the mean per-target squared error, which the
  target of the largest scale dominates);
* **fidelity**, how closely the student follows the teacher;
* **calibration** (classification): expected calibration error (ECE) of the
  teacher before and after its temperature, held out (from ``calibration_``) and
  on the given rows, and of the student;
* **size**: tree nodes / learnt parameters, pickled bytes and ONNX bytes;
* **latency**: single-row median of the student in ONNX Runtime and in
  scikit-learn against the teacher in its native library, with OpenMP and
  BLAS pools limited to one thread and ONNX Runtime on one intra-op thread
  (thread pools only slow a single row down, and on a busy machine by orders
  of magnitude; a teacher's own joblib workers, ``n_jobs`` of a forest, are
  not limited);
* **warnings** in plain words when the teacher is not worth distilling.

The report renders as text, markdown or a dict, and draws a reliability
diagram and, given several candidates, fidelity against latency and size with
the Pareto front (matplotlib, the ``plots`` extra).
"""

from __future__ import annotations

import json
import numbers
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import log_loss, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from . import _students
from ._calibration import expected_calibration_error
from ._distill import DistilledClassifier, DistilledRegressor, _is_real
from ._soft_targets import one_hot, soften
from ._teacher import fitted_parts, split_final, teacher_proba
from .metrics import agreement, fidelity_r2, model_size

__all__ = ["DistillationReport", "distillation_report", "pareto_front"]

#: ECE (after temperature scaling) above which the teacher counts as badly
#: calibrated: a student learns its probabilities as targets.
DEFAULT_ECE_THRESHOLD = 0.05


# ----------------------------------------------------------------- helpers
def _split_model(model):
    """(preprocessing or None, distiller) of a distiller or a Pipeline."""
    pre, last = split_final(model)
    if isinstance(last, (DistilledClassifier, DistilledRegressor)):
        return pre, last
    raise TypeError(
        "distillation_report needs a fitted DistilledClassifier, DistilledRegressor, "
        "a Pipeline ending in one, or a fitted search (GridSearchCV, ...) over "
        f"one; got {type(model).__name__}."
    )


def _is_search(model) -> bool:
    return hasattr(model, "cv_results_") and hasattr(model, "best_estimator_")


def _features(distiller, pre, X) -> np.ndarray:
    """``X`` as the distiller sees it: preprocessed, validated, float64."""
    Xt = pre.transform(X) if pre is not None else X
    return validate_data(
        distiller, Xt, reset=False, ensure_all_finite="allow-nan", dtype=np.float64
    )


def _row_keys(a: np.ndarray) -> np.ndarray:
    """One comparable key per row: its float64 bytes (-0.0 as 0.0, one NaN)."""
    a = np.ascontiguousarray(np.where(np.isnan(a), np.nan, a + 0.0), dtype=np.float64)
    return a.view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()


def _shared_rows(X: np.ndarray, X_train: np.ndarray) -> tuple[int, float]:
    """How many rows of ``X`` are also rows of ``X_train``, and the share of
    ``X_train``'s rows that repeat another of its rows (what an honest
    split of data with duplicate rows shares by chance, roughly)."""
    if X.shape[1] != X_train.shape[1] or not len(X_train):
        return 0, 0.0
    train = _row_keys(X_train)
    repeated = 1.0 - len(np.unique(train)) / len(train)
    return int(np.isin(_row_keys(X), train).sum()), repeated


def _rows(X, index):
    return X.iloc[index] if hasattr(X, "iloc") else np.asarray(X)[index]


def _median_seconds(fn, repeats: int, budget: float = 1.0) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (fewer past ``budget`` s).

    At least 5 calls are timed; a slow model stops early once ``budget``
    seconds have been spent, so a report never hangs on a slow teacher.
    """
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if len(times) >= 5 and time.perf_counter() - start > budget:
            break
    return float(np.median(times))


def _count_nodes(estimator) -> dict[str, int]:
    """Nodes/parameters and pickled bytes, XGBoost/LightGBM/HGB trees included.

    Returns ``nodes`` and/or ``parameters`` and ``pickled_bytes``.
    """
    sizes = dict(model_size(estimator))  # pickles the estimator once
    sizes["pickled_bytes"] = sizes.pop("bytes")
    extra = 0
    for member in fitted_parts(estimator):
        module = type(member).__module__
        try:
            if module.startswith("xgboost"):
                dump = member.get_booster().get_dump()
                extra += sum(len(tree.strip().splitlines()) for tree in dump)
            elif module.startswith("lightgbm"):
                text = member.booster_.model_to_string()
                leaves = re.findall(r"^num_leaves=(\d+)$", text, flags=re.M)
                extra += sum(2 * int(n) - 1 for n in leaves)
            elif hasattr(member, "_predictors"):  # HistGradientBoosting
                extra += sum(p.nodes.shape[0] for it in member._predictors for p in it)
        except Exception:  # pragma: no cover - exotic booster versions
            continue
    if extra:
        sizes["nodes"] = sizes.get("nodes", 0) + extra
    return sizes


#: Largest |ONNX - scikit-learn| taken as rounding: float32 graphs stay within
#: 1e-5 on probabilities (tests/onnx/test_parity.py); a regressor's answers are
#: compared relative to the targets' magnitude.
_ONNX_TOLERANCE = 1e-4


def _onnx_disagreement(model, stats: dict, y) -> str | None:
    """What the export gets wrong on the report's rows, in words, or None."""
    problems = []
    agree = stats.get("label_agreement")
    if agree is not None and agree < 0.999:
        problems.append(f"labels differ on {(1 - agree) * 100:.1f}% of the rows")
    diff = stats.get("max_abs_diff")
    scale = 1.0
    if not is_classifier(model):
        scale = max(1.0, float(np.nanmax(np.abs(np.asarray(y, dtype=np.float64)))))
    if diff is not None and diff > _ONNX_TOLERANCE * scale:
        what = "probability" if is_classifier(model) else "prediction"
        problems.append(f"the largest {what} difference is {diff:.3g}")
    return "; ".join(problems) or None


def _onnx_sample(model, X):
    """The sample that fixes the exported graph's inputs: float64 features."""
    if hasattr(X, "columns"):
        sample = X.iloc[:1].copy()
        if isinstance(model, (DistilledClassifier, DistilledRegressor)):
            return sample.to_numpy(dtype=np.float64)
        for name in sample.columns:
            if sample[name].dtype.kind in "biuf":
                sample[name] = sample[name].astype(np.float64)
        return sample
    return np.asarray(X[:1], dtype=np.float64)


def _export(model, X):
    """(onx, None) or (None, reason)."""
    try:
        from .onnx import to_onnx
    except ImportError as exc:  # pragma: no cover - onnx stack missing
        return None, f"ONNX export unavailable ({exc})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return to_onnx(model, _onnx_sample(model, X)), None
    except Exception as exc:  # skl2onnx raises many types
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"ONNX export failed: {message[:300]}"


def _onnx_input(model, X):
    """Rows in the form the exported graph was built from (see _onnx_sample)."""
    if hasattr(X, "columns") and isinstance(
        model, (DistilledClassifier, DistilledRegressor)
    ):
        return X.to_numpy(dtype=np.float64)
    return X


def _onnx_stats(model, onx, X, repeats: int) -> dict:
    """ONNX bytes, parity with scikit-learn on X, single-row latency."""
    from .onnx import verify_onnx
    from .onnx._api import onnx_feeds, timing_session

    stats = {"bytes": len(onx.SerializeToString())}
    X_in = _onnx_input(model, X)
    try:
        with warnings.catch_warnings():  # the same rows as an array, on purpose
            warnings.filterwarnings("ignore", message="X does not have valid feature")
            parity = verify_onnx(model, onx, X_in)
        stats["max_abs_diff"] = parity.max_abs_diff
        stats["label_agreement"] = parity.label_agreement
    except Exception as exc:  # pragma: no cover - reported, not raised
        stats["parity_error"] = str(exc).splitlines()[0][:300]
    sess = timing_session(onx)
    feeds = onnx_feeds(sess, _rows(X_in, slice(0, 1)))
    stats["latency_s"] = _median_seconds(lambda: sess.run(None, feeds), repeats)
    return stats


def pareto_front(fidelity, cost) -> np.ndarray:
    """Boolean mask of the points no other point beats on both axes.

    A point is on the front when no other point has fidelity at least as high
    *and* cost at most as low, with at least one of the two strictly better.

    Parameters
    ----------
    fidelity : array-like of shape (n,)
        Higher is better.
    cost : array-like of shape (n,)
        Lower is better (latency, bytes, nodes).

    Returns
    -------
    mask : ndarray of bool, shape (n,)

    Examples
    --------
    >>> from skdistill.report import pareto_front
    >>> pareto_front([0.90, 0.95, 0.93, 0.99], [1.0, 2.0, 3.0, 10.0]).tolist()
    [True, True, False, True]
    """
    fidelity = np.asarray(fidelity, dtype=np.float64)
    cost = np.asarray(cost, dtype=np.float64)
    keep = np.ones(len(fidelity), dtype=bool)
    for i in range(len(fidelity)):
        better_or_equal = (fidelity >= fidelity[i]) & (cost <= cost[i])
        strictly = (fidelity > fidelity[i]) | (cost < cost[i])
        if np.any(better_or_equal & strictly):
            keep[i] = False
    return keep


def _fmt(value, spec=".4f") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not np.isfinite(value):
        return "n/a"
    return format(value, spec)


def _us(seconds) -> str:
    return "n/a" if seconds is None else f"{seconds * 1e6:,.0f} µs"


def _size_text(sizes: dict) -> str:
    parts = [f"{sizes[k]:,} {k}" for k in ("nodes", "parameters") if sizes.get(k)]
    return ", ".join(parts) or "n/a"


def _kib(n) -> str:
    return "n/a" if n is None else f"{n / 1024:,.1f} KiB"


def format_table(header, rows) -> str:
    """A plain-text table with aligned columns."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [list(header), *rows]) for i in range(len(header))]

    def line(cells):
        return "  ".join(
            c.ljust(w) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return "\n".join(
        [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    )


def _markdown_table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ----------------------------------------------------------------- report
@dataclass
class DistillationReport:
    """What :func:`distillation_report` measured; see there.

    Attributes
    ----------
    task : {'classification', 'regression'}
    model_name : str
        Class name of the model (``Pipeline(DistilledClassifier)`` for a
        pipeline).
    n_rows : int
        Rows the report was computed on.
    quality : dict
        ``{model: {metric: value}}`` for ``'teacher (raw)'``, ``'teacher
        (calibrated)'`` (classification), ``'student'`` and ``'baseline'`` (the
        same student trained on the labels; see ``baseline``). Classification
        metrics: ``accuracy``, ``log_loss``, ``ece``; regression: ``r2``,
        ``rmse``.
    baseline : dict
        How the baseline was fitted and scored (``protocol``, ``n_fit``,
        ``n_scored``) and the teacher's metrics on the same rows
        (``teacher``), the comparison behind the "not worth distilling" warning.
    fidelity : dict
        Classification: ``agreement`` (share of rows where student and teacher
        predict the same class) and ``mean_tv`` (mean total-variation distance
        between their probability vectors). Regression: ``r2`` (student vs
        teacher predictions) and ``rmse``.
    calibration : dict or None
        Classification only: ``temperature``, ``held_out`` (the fit's
        ``calibration_``: ``ece_before``, ``ece_after``, ``nll_before``,
        ``nll_after``, ``n_rows``) and ECE on the given rows for the raw and
        calibrated teacher and the student.
    size : dict
        ``{'teacher': {...}, 'student': {...}}`` with ``nodes`` and/or
        ``parameters``, ``pickled_bytes`` and (student) ``onnx_bytes``.
    latency : dict
        Single-row median seconds: ``student_onnx``, ``student_sklearn``,
        ``teacher``, and ``speedup`` (teacher / fastest student).
    onnx : dict
        ``exported`` (bool), ``bytes``, parity with scikit-learn on the given
        rows (``max_abs_diff``, ``label_agreement``) or ``error``.
    warnings : list of str
        Plain-language findings: the teacher is no better than the baseline,
        the teacher is badly calibrated, the ONNX export failed, ...
    candidates : list of dict
        One entry per candidate (a fitted search's parameter settings or the
        ``candidates`` given): ``name``, ``fidelity``, ``quality``,
        ``onnx_bytes``, ``size``, ``latency_s`` and ``pareto_latency`` /
        ``pareto_size`` (on the front or not).
    """

    task: str
    model_name: str
    n_rows: int
    quality: dict
    baseline: dict
    fidelity: dict
    calibration: dict | None
    size: dict
    latency: dict
    onnx: dict
    warnings: list = field(default_factory=list)
    candidates: list = field(default_factory=list)
    _arrays: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------ rendering
    def to_dict(self) -> dict:
        """A JSON-serialisable dict of every number in the report."""
        out = {
            k: getattr(self, k)
            for k in (
                "task",
                "model_name",
                "n_rows",
                "quality",
                "baseline",
                "fidelity",
                "calibration",
                "size",
                "latency",
                "onnx",
                "warnings",
                "candidates",
            )
        }
        return json.loads(json.dumps(out, default=_json_default))

    def _quality_rows(self):
        if self.task == "classification":
            header = ["model", "accuracy", "log-loss", "ECE"]
            keys = ["accuracy", "log_loss", "ece"]
        else:
            header = ["model", "R^2", "RMSE"]
            keys = ["r2", "rmse"]
        rows = []
        for name, metrics in self.quality.items():
            label = name
            if name == "baseline":
                label = "same student, trained on labels"
                if self.baseline.get("n_scored") != self.n_rows:
                    label += " *"
            rows.append([label] + [_fmt(metrics.get(k)) for k in keys])
        return header, rows

    def _sections(self):
        """(title, header, rows) of each table."""
        sections = [("Quality",) + self._quality_rows()]
        fid = self.fidelity
        if self.task == "classification":
            frows = [
                ["agreement (same predicted class)", _fmt(fid.get("agreement"))],
                ["mean total-variation distance", _fmt(fid.get("mean_tv"))],
            ]
        else:
            frows = [
                ["R^2 of student vs teacher predictions", _fmt(fid.get("r2"))],
                ["RMSE of student vs teacher predictions", _fmt(fid.get("rmse"))],
            ]
        sections.append(("Fidelity to the teacher", ["measure", "value"], frows))
        if self.calibration is not None:
            cal = self.calibration
            held = cal.get("held_out") or {}
            crows = [
                [
                    "teacher, held out during fit",
                    _fmt(held.get("ece_before")),
                    _fmt(held.get("ece_after")),
                    str(held.get("n_rows", "n/a")),
                ],
                [
                    "teacher, these rows",
                    _fmt(cal.get("teacher_raw")),
                    _fmt(cal.get("teacher_calibrated")),
                    str(self.n_rows),
                ],
                ["student, these rows", "", _fmt(cal.get("student")), str(self.n_rows)],
            ]
            sections.append(
                (
                    f"Calibration (ECE; temperature {cal['temperature']:.3f})",
                    ["", "before temperature", "after", "rows"],
                    crows,
                )
            )
        size, lat = self.size, self.latency
        srows = [
            [
                "teacher",
                _size_text(size["teacher"]),
                _kib(size["teacher"].get("pickled_bytes")),
                "",
                _us(lat.get("teacher")),
            ],
            [
                "student",
                _size_text(size["student"]),
                _kib(size["student"].get("pickled_bytes")),
                _kib(size["student"].get("onnx_bytes")),
                f"{_us(lat.get('student_onnx'))} ONNX, "
                f"{_us(lat.get('student_sklearn'))} sklearn",
            ],
        ]
        sections.append(
            (
                "Size and single-row latency (median)",
                ["model", "size", "pickled", "ONNX", "latency"],
                srows,
            )
        )
        if self.candidates:
            metric = "accuracy" if self.task == "classification" else "R^2"
            rows = [
                [
                    c["name"],
                    _fmt(c["fidelity"]),
                    _fmt(c["quality"]),
                    _size_text(c["size"]),
                    _kib(c.get("onnx_bytes")),
                    _us(c.get("latency_s")),
                    ("latency " if c["pareto_latency"] else "")
                    + ("size" if c["pareto_size"] else ""),
                ]
                for c in self.candidates
            ]
            sections.append(
                (
                    "Candidates",
                    [
                        "candidate",
                        "fidelity",
                        metric,
                        "size",
                        "ONNX",
                        "latency",
                        "front",
                    ],
                    rows,
                )
            )
        return sections

    def _notes(self) -> list[str]:
        notes = []
        if self.baseline.get("n_scored") != self.n_rows:
            notes.append(f"* {self.baseline['protocol']}")
        speed = self.latency.get("speedup")
        if speed:
            notes.append(
                f"The student answers one row {speed:,.0f}x faster than the teacher."
            )
        if self.onnx.get("exported"):
            agree = self.onnx.get("label_agreement")
            diff = self.onnx.get("max_abs_diff")
            parts = []
            if agree is not None:
                parts.append(f"label agreement {agree:.4f}")
            if diff is not None:
                parts.append(f"max |difference| {diff:.2e}")
            if parts:
                notes.append(
                    "ONNX vs scikit-learn on these rows: " + ", ".join(parts) + "."
                )
        return notes

    def to_text(self) -> str:
        """The report as aligned plain-text tables."""
        out = [
            f"Distillation report: {self.model_name} ({self.task}), {self.n_rows} rows"
        ]
        for title, header, rows in self._sections():
            out += ["", title, format_table(header, rows)]
        notes = self._notes()
        if notes:
            out += [""] + notes
        if self.warnings:
            out += ["", "Warnings:"] + [f"- {w}" for w in self.warnings]
        return "\n".join(out)

    def to_markdown(self) -> str:
        """The report as markdown (headings and pipe tables)."""
        out = [f"# Distillation report: {self.model_name}", ""]
        out.append(f"{self.task.capitalize()}, measured on {self.n_rows} rows.")
        if self.warnings:
            out += ["", "## Warnings", ""] + [f"- {w}" for w in self.warnings]
        for title, header, rows in self._sections():
            out += ["", f"## {title}", "", _markdown_table(header, rows)]
        notes = self._notes()
        if notes:
            out += [""] + [
                n.replace("* ", "\\* ", 1) if n.startswith("* ") else n for n in notes
            ]
        return "\n".join(out) + "\n"

    def __str__(self) -> str:
        return self.to_text()

    # -------------------------------------------------------------- plots
    def plot_reliability(self, ax=None, *, n_bins: int = 15):
        """Reliability diagram of the teacher (raw, calibrated) and the student.

        Accuracy against mean confidence of the predicted class in
        ``n_bins`` equal-width bins; the diagonal is perfect calibration.
        Regression reports plot the student's predictions against the
        teacher's instead.

        Parameters
        ----------
        ax : matplotlib Axes or None
            Where to draw; ``None`` makes a new figure.
        n_bins : int, default=15

        Returns
        -------
        figure : matplotlib.figure.Figure
        """
        fig, ax = _axes(ax)
        arrays = self._arrays
        if self.task == "regression":
            teacher, student = arrays["teacher"].ravel(), arrays["student"].ravel()
            ax.scatter(teacher, student, s=6, alpha=0.5)
            lo, hi = (
                float(min(teacher.min(), student.min())),
                float(max(teacher.max(), student.max())),
            )
            ax.plot([lo, hi], [lo, hi], color="grey", linestyle="--", linewidth=1)
            ax.set_xlabel("teacher prediction")
            ax.set_ylabel("student prediction")
            ax.set_title(f"Fidelity: R^2 = {_fmt(self.fidelity.get('r2'))}")
            return fig
        y_idx = arrays["y_index"]
        ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
        curves = [
            (
                "teacher (raw)",
                arrays.get("teacher_raw"),
                self.calibration.get("teacher_raw"),
            ),
            (
                "teacher (calibrated)",
                arrays.get("teacher_calibrated"),
                self.calibration.get("teacher_calibrated"),
            ),
            ("student", arrays.get("student"), self.calibration.get("student")),
        ]
        for label, proba, ece in curves:
            if proba is None:
                continue
            conf, acc = _reliability(y_idx, proba, n_bins)
            ax.plot(
                conf,
                acc,
                marker="o",
                markersize=3,
                label=f"{label}, ECE {_fmt(ece, '.3f')}",
            )
        ax.set_xlim(0, 1.01)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("confidence (predicted class probability)")
        ax.set_ylabel("accuracy")
        ax.set_title("Reliability diagram")
        ax.legend(loc="upper left", fontsize="small")
        return fig

    def plot_pareto(self, axes=None):
        """Fidelity against ONNX latency and ONNX size, with the Pareto front.

        Needs ``candidates`` (a fitted search, or ``candidates=`` given to
        :func:`distillation_report`).

        Parameters
        ----------
        axes : pair of matplotlib Axes or None

        Returns
        -------
        figure : matplotlib.figure.Figure
        """
        if not self.candidates:
            raise ValueError(
                "This report has no candidates; pass a fitted search with X_train and "
                "y_train, or candidates=, to distillation_report."
            )
        if axes is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(10, 4), layout="constrained")
            axes = fig.subplots(1, 2)
        else:
            fig = axes[0].figure
        fid = np.array([c["fidelity"] for c in self.candidates], dtype=float)
        for ax, key, front_key, label, scale in (
            (
                axes[0],
                "latency_s",
                "pareto_latency",
                "single-row ONNX latency (µs)",
                1e6,
            ),
            (axes[1], "onnx_bytes", "pareto_size", "model size (KiB)", 1 / 1024),
        ):
            cost = np.array(
                [
                    np.nan if c.get(key) is None else c[key] * scale
                    for c in self.candidates
                ]
            )
            front = np.array([c[front_key] for c in self.candidates])
            ax.scatter(cost[~front], fid[~front], color="tab:grey", label="candidate")
            order = np.argsort(cost[front])
            ax.plot(
                cost[front][order],
                fid[front][order],
                color="tab:red",
                marker="o",
                drawstyle="steps-post",
                label="Pareto front",
            )
            for c, x, y in zip(self.candidates, cost, fid, strict=True):
                ax.annotate(
                    c["name"],
                    (x, y),
                    fontsize="x-small",
                    alpha=0.9 if c[front_key] else 0.6,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
            ax.margins(x=0.2, y=0.15)
            ax.set_xlabel(label)
            ax.set_ylabel("fidelity")
            ax.legend(loc="best", fontsize="small")
        return fig

    def save(self, directory, *, plots: bool = True) -> list[Path]:
        """Write ``report.md``, ``report.json`` and the plots into ``directory``.

        Plots (``reliability.png`` or ``fidelity.png``, and ``pareto.png`` with
        candidates) are skipped when matplotlib is not installed; the returned
        list says what was written.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        md = directory / "report.md"
        md.write_text(self.to_markdown(), encoding="utf-8")
        written.append(md)
        js = directory / "report.json"
        js.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        written.append(js)
        if plots and _have_matplotlib():
            name = (
                "reliability.png" if self.task == "classification" else "fidelity.png"
            )
            fig = self.plot_reliability()
            fig.savefig(directory / name, dpi=110)
            written.append(directory / name)
            if self.candidates:
                fig = self.plot_pareto()
                fig.savefig(directory / "pareto.png", dpi=110)
                written.append(directory / "pareto.png")
        return written


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _axes(ax):
    if ax is not None:
        return ax.figure, ax
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "Plots need matplotlib: pip install matplotlib (the 'plots' extra)."
        ) from exc
    fig = Figure(figsize=(5, 4.5), layout="constrained")
    return fig, fig.subplots()


def _reliability(y_idx, proba, n_bins):
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_idx
    bins = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    xs, ys = [], []
    for b in range(n_bins):
        inside = bins == b
        if inside.any():
            xs.append(conf[inside].mean())
            ys.append(correct[inside].mean())
    return np.array(xs), np.array(ys)


# ------------------------------------------------------------- measuring
def _constant_outputs(student: np.ndarray, teacher: np.ndarray) -> list[int]:
    """Outputs the student predicts as (nearly) a constant while the
    teacher's vary."""
    spread, varies = student.std(axis=0), teacher.std(axis=0)
    return np.flatnonzero((varies > 0) & (spread <= 1e-6 * varies)).tolist()


def _class_metrics(y_idx, proba, n_classes):
    # a float32 teacher's (XGBoost, LightGBM) rows sum to one within ~1e-7,
    # beyond what log_loss takes without warning
    total = proba.sum(axis=1, keepdims=True)
    summed = proba / np.where(total > 0, total, 1.0)
    return {
        "accuracy": float(np.mean(proba.argmax(axis=1) == y_idx)),
        "log_loss": float(log_loss(y_idx, summed, labels=np.arange(n_classes))),
        "ece": float(expected_calibration_error(y_idx, proba)),
    }


def _reg_metrics(y, pred):
    y = np.asarray(y, dtype=np.float64).reshape(len(pred), -1)
    pred = np.asarray(pred, dtype=np.float64).reshape(len(y), -1)
    return {
        "r2": float(r2_score(y, pred)),
        "rmse": float(mean_squared_error(y, pred) ** 0.5),
    }


def _y_index(distiller, y):
    y = np.asarray(y)
    classes = distiller.classes_
    unknown = np.setdiff1d(np.unique(y), classes)
    if unknown.size:
        raise ValueError(
            f"y holds classes {unknown.tolist()} that the model does not know (it "
            f"knows {classes.tolist()})."
        )
    return np.searchsorted(classes, y)


def _baseline_split(y_key, n, random_state):
    idx = np.arange(n)
    try:
        return train_test_split(
            idx, test_size=0.5, random_state=random_state, stratify=y_key
        )
    except ValueError:  # a class too rare to stratify
        return train_test_split(idx, test_size=0.5, random_state=random_state)


def _fit_baseline_classifier(d, Xt_fit, yi_fit):
    n_classes = len(d.classes_)
    student = clone(d.student_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _students.fit_classifier_student(
            student, d.student_mode_, Xt_fit, one_hot(yi_fit, n_classes), None
        )


def _baseline_proba(d, student, Xt):
    return _students.classifier_student_proba(
        student, d.student_mode_, Xt, len(d.classes_)
    )


def _fit_baseline_regressor(d, Xt_fit, y_fit):
    y2 = np.asarray(y_fit, dtype=np.float64).reshape(len(Xt_fit), -1)
    targets = (y2 - d.target_mean_) / d.target_scale_
    if targets.shape[1] == 1:
        targets = targets[:, 0]
    student = clone(d.student_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return student.fit(Xt_fit, targets)


def _baseline_predict(d, student, Xt):
    out = np.asarray(student.predict(Xt), dtype=np.float64).reshape(len(Xt), -1)
    return out * d.target_scale_ + d.target_mean_


def _candidate_name(params: dict) -> str:
    parts = []
    for key, value in params.items():
        if hasattr(value, "get_params"):
            value = type(value).__name__
        parts.append(f"{key}={value}")
    return ", ".join(parts) or "default"


def _candidates_from(model, candidates, X_train, y_train, notes):
    """A list of (name, fitted model) to compare, or []."""
    if candidates is not None:
        items = candidates.items() if isinstance(candidates, dict) else candidates
        out = []
        for i, item in enumerate(items):
            if isinstance(item, tuple):
                out.append(item)
            else:
                out.append(
                    (f"{i}: {type(_split_model(item)[1].student_).__name__}", item)
                )
        return out
    if not _is_search(model):
        return []
    if X_train is None:
        notes.append(
            "The search's candidates were not compared: pass X_train and y_train "
            "(the rows the search was fitted on) to refit and compare them."
        )
        return []
    out = []
    for params in model.cv_results_["params"]:
        fitted = clone(model.estimator).set_params(**params).fit(X_train, y_train)
        out.append((_candidate_name(params), fitted))
    return out


def _measure_candidate(name, model, X, y, repeats):
    pre, d = _split_model(model)
    Xt = _features(d, pre, X)
    entry = {"name": name}
    if is_classifier(d):
        teacher_label = np.argmax(d.teacher_predict_proba(Xt), axis=1)
        y_idx = _y_index(d, y)
        student_label = np.searchsorted(d.classes_, model.predict(X))
        entry["fidelity"] = agreement(student_label, teacher_label)
        entry["quality"] = float(np.mean(student_label == y_idx))
    else:
        teacher = d.teacher_predict(Xt)
        student = model.predict(X)
        entry["fidelity"] = fidelity_r2(teacher, student)
        entry["quality"] = _reg_metrics(y, student)["r2"]
    entry["size"] = _count_nodes(d.student_)
    onx, error = _export(model, X)
    if onx is not None:
        stats = _onnx_stats(model, onx, _rows(X, slice(0, min(len(X), 200))), repeats)
        entry["onnx_bytes"] = stats["bytes"]
        entry["latency_s"] = stats["latency_s"]
    else:
        entry["onnx_bytes"] = None
        entry["latency_s"] = _median_seconds(
            lambda: model.predict(_rows(X, slice(0, 1))), repeats
        )
        entry["onnx_error"] = error
    return entry


def _check_report_params(ece_threshold, onnx, n_repeats) -> None:
    if not _is_real(ece_threshold) or not 0 <= ece_threshold <= 1:
        raise ValueError(f"ece_threshold must be in [0, 1]; got {ece_threshold!r}.")
    if not isinstance(onnx, (bool, np.bool_)):
        raise ValueError(f"onnx must be True or False; got {onnx!r}.")
    if (
        isinstance(n_repeats, bool)
        or not isinstance(n_repeats, numbers.Integral)
        or n_repeats < 1
    ):
        raise ValueError(f"n_repeats must be a positive int; got {n_repeats!r}.")


def distillation_report(
    model,
    X,
    y,
    *,
    X_train=None,
    y_train=None,
    candidates=None,
    ece_threshold: float = DEFAULT_ECE_THRESHOLD,
    onnx: bool = True,
    n_repeats: int = 100,
    random_state=0,
) -> DistillationReport:
    """Measure a fitted distiller against its teacher on labelled rows.

    Parameters
    ----------
    model : DistilledClassifier, DistilledRegressor, Pipeline or search
        A fitted distiller, a Pipeline ending in one, or a fitted
        :class:`~sklearn.model_selection.GridSearchCV` (or any search with
        ``best_estimator_`` and ``cv_results_``) over one: the report is on
        ``best_estimator_`` and, given ``X_train, y_train``, every parameter
        setting is refitted on them and compared as a candidate (set
        ``memory=`` on the distiller so the teacher is fitted once).
    X : array-like or DataFrame
        Rows to measure on, ideally rows none of the models trained on.
    y : array-like
        Their labels or targets.
    X_train, y_train : array-like, default=None
        The rows the model was trained on. When given, the *baseline* (the
        same student, cloned, trained on the hard labels) is fitted on them
        and scored on ``(X, y)``, as the distilled student was. When not
        given, the baseline is fitted on a random half of ``(X, y)`` and it and
        the teacher are compared on the other half (the baseline then sees
        fewer rows than the student did, which favours the teacher).
    candidates : dict or list of fitted models, default=None
        Models to compare on fidelity, latency and size (``{name: model}`` or
        a list); overrides the candidates of a search.
    ece_threshold : float in [0, 1], default=0.05
        A teacher whose ECE after temperature scaling exceeds this is flagged
        as badly calibrated.
    onnx : bool, default=True
        Export the student to ONNX for its size and latency in ONNX Runtime.
    n_repeats : int >= 1, default=100
        Timed single-row predictions per latency (the median is reported).
    random_state : int, default=0
        Seed of the baseline's split (when ``X_train`` is not given) and of the
        baseline student.

    Returns
    -------
    DistillationReport
        With ``to_text()``, ``to_markdown()``, ``to_dict()``,
        ``plot_reliability()``, ``plot_pareto()`` and ``save(directory)``.

    Notes
    -----
    Warnings are raised in the report (``report.warnings``), not as Python
    warnings:

    * the teacher is *not worth distilling* when its accuracy (classification)
      or R^2 (regression) on the comparison rows is no higher than the
      baseline's: the student family learns as much from the labels alone;
    * the teacher is *badly calibrated* when its ECE after temperature scaling
      (held out during the fit, or on the given rows) exceeds
      ``ece_threshold``: the student learns those probabilities as targets;
    * rows of ``X`` that are also rows of ``X_train`` (bit for bit, after the
      pipeline's preprocessing) are counted: the figures on them are
      in-sample. A warning when they are more than 1% of ``X`` and more than
      twice the share of ``X_train``'s rows that repeat one another (data
      with duplicate rows share some by chance).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import ExtraTreesClassifier
    >>> from sklearn.model_selection import train_test_split
    >>> from skdistill import DistilledClassifier, distillation_report
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    >>> model = DistilledClassifier(
    ...     ExtraTreesClassifier(n_estimators=30), n_synthetic=300, random_state=0
    ... ).fit(X_tr, y_tr)
    >>> report = distillation_report(
    ...     model, X_te, y_te, X_train=X_tr, y_train=y_tr, n_repeats=10
    ... )
    >>> sorted(report.quality)
    ['baseline', 'student', 'teacher (calibrated)', 'teacher (raw)']
    >>> report.onnx["exported"]
    True
    """
    _check_report_params(ece_threshold, onnx, n_repeats)
    notes: list[str] = []
    search = model if _is_search(model) else None
    main = model.best_estimator_ if search is not None else model
    pre, d = _split_model(main)
    check_is_fitted(d)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")
    if len(X) < 2:
        raise ValueError("distillation_report needs at least 2 rows.")
    classification = is_classifier(d)
    task = "classification" if classification else "regression"
    name = type(d).__name__
    if pre is not None:
        name = f"Pipeline({name})"
    Xt = _features(d, pre, X)
    n = len(Xt)
    arrays: dict = {}
    report_warnings: list[str] = []

    # ---- quality, fidelity, calibration
    if classification:
        n_classes = len(d.classes_)
        y_idx = _y_index(d, y)
        raw = teacher_proba(d.teacher_, Xt, d.classes_)
        calibrated = soften(raw, d.temperature_)  # = d.teacher_predict_proba(Xt)
        if hasattr(main, "predict_proba"):
            student = np.asarray(main.predict_proba(X), dtype=np.float64)
        else:
            student = one_hot(np.searchsorted(d.classes_, main.predict(X)), n_classes)
        quality = {
            "teacher (raw)": _class_metrics(y_idx, raw, n_classes),
            "teacher (calibrated)": _class_metrics(y_idx, calibrated, n_classes),
            "student": _class_metrics(y_idx, student, n_classes),
        }
        fidelity = {
            "agreement": agreement(student.argmax(1), calibrated.argmax(1)),
            "mean_tv": float(0.5 * np.abs(student - calibrated).sum(axis=1).mean()),
        }
        held = dict(getattr(d, "calibration_", {}) or {}) or None
        calibration = {
            "temperature": float(d.temperature_),
            "held_out": held,
            "teacher_raw": quality["teacher (raw)"]["ece"],
            "teacher_calibrated": quality["teacher (calibrated)"]["ece"],
            "student": quality["student"]["ece"],
        }
        arrays.update(
            y_index=y_idx,
            teacher_raw=raw,
            teacher_calibrated=calibrated,
            student=student,
        )
    else:
        teacher_pred = np.asarray(d.teacher_predict(Xt), dtype=np.float64)
        student = np.asarray(main.predict(X), dtype=np.float64)
        quality = {
            "teacher (raw)": _reg_metrics(y, teacher_pred),
            "student": _reg_metrics(y, student),
        }
        fidelity = {
            "r2": fidelity_r2(teacher_pred, student),
            "rmse": float(mean_squared_error(teacher_pred, student) ** 0.5),
        }
        calibration = None
        arrays.update(teacher=teacher_pred, student=student)

    # ---- baseline: the same student trained on the labels
    if X_train is not None:
        if y_train is None:
            raise ValueError("X_train is given without y_train.")
        Xt_fit = _features(d, pre, X_train)
        eval_idx = np.arange(n)
        protocol = (
            f"baseline fitted on X_train ({len(Xt_fit)} rows), scored on the "
            f"{n} given rows"
        )
        fit_y = y_train
        shared, repeated = _shared_rows(Xt, Xt_fit)
        # data with duplicate rows share some by chance: warn past twice that
        if shared / n > max(0.01, 2 * repeated):
            report_warnings.append(
                f"{shared} of the {n} rows measured on ({shared / n:.1%}) are "
                "also in X_train: the models trained on them, so the figures "
                "on them are in-sample and flatter the models (the baseline "
                "most). Measure on rows none of the models trained on."
            )
    else:
        key = y_idx if classification else None
        fit_idx, eval_idx = _baseline_split(key, n, random_state)
        Xt_fit = Xt[fit_idx]
        fit_y = np.asarray(y)[fit_idx]
        protocol = (
            f"baseline fitted on a random half of the given rows ({len(fit_idx)}) and "
            f"scored, with the teacher, on the other half ({len(eval_idx)} rows); pass "
            "X_train, y_train (skdistill report: --train) to fit it on the "
            "training rows"
        )
    if classification:
        fitted = _fit_baseline_classifier(d, Xt_fit, _y_index(d, fit_y))
        base = _baseline_proba(d, fitted, Xt[eval_idx])
        quality["baseline"] = _class_metrics(y_idx[eval_idx], base, n_classes)
        teacher_same = _class_metrics(y_idx[eval_idx], calibrated[eval_idx], n_classes)
        key_metric, key_label = "accuracy", "accuracy"
    else:
        fitted = _fit_baseline_regressor(d, Xt_fit, fit_y)
        base = _baseline_predict(d, fitted, Xt[eval_idx])
        y_eval = np.asarray(y, dtype=np.float64).reshape(n, -1)[eval_idx]
        quality["baseline"] = _reg_metrics(y_eval, base)
        teacher_same = _reg_metrics(y_eval, teacher_pred.reshape(n, -1)[eval_idx])
        key_metric, key_label = "r2", "R^2"
    baseline = {
        "protocol": protocol,
        "n_fit": int(len(Xt_fit)),
        "n_scored": int(len(eval_idx)),
        "teacher": teacher_same,
    }
    t_val, b_val = teacher_same[key_metric], quality["baseline"][key_metric]
    if t_val <= b_val:
        report_warnings.append(
            f"The teacher is not worth distilling here: its {key_label} "
            f"({t_val:.4f}) is no better than that of the same student trained "
            f"directly on the labels ({b_val:.4f}) on the same "
            f"{len(eval_idx)} rows. Ship the plain student, or use a stronger "
            "teacher."
        )
    if not classification:
        flat = _constant_outputs(student.reshape(n, -1), teacher_pred.reshape(n, -1))
        if flat:
            what = (
                "The student's prediction is"
                if student.ndim == 1 or student.shape[1] == 1
                else f"The student's outputs {flat} are"
            )
            report_warnings.append(
                f"{what} (nearly) constant where the teacher's vary: it learnt "
                "nothing from the teacher. DistilledRegressor fits the student "
                "on standardised targets (mean 0, sd 1), so a penalty set for "
                "the raw scale (e.g. Lasso's alpha) can be far too strong; lower "
                "it, or try another student."
            )
    if classification:
        held_after = (held or {}).get("ece_after")
        here_after = calibration["teacher_calibrated"]
        where = []
        if held_after is not None and held_after > ece_threshold:
            where.append(f"{held_after:.3f} on the rows held out during the fit")
        if here_after > ece_threshold:
            where.append(f"{here_after:.3f} on these rows")
        if where:
            report_warnings.append(
                "The teacher is badly calibrated even after temperature scaling: "
                f"ECE {' and '.join(where)} (threshold {ece_threshold}). The "
                "student learns these probabilities as targets, so its "
                "confidence will be off too; try more calibration rows "
                "(calibration_cv=5) or a better-calibrated teacher."
            )

    # ---- size, ONNX, latency
    row = _rows(X, slice(0, 1))
    row_t = Xt[:1]
    size = {
        "teacher": {
            **_count_nodes(d.teacher_),
        },
        "student": {
            **_count_nodes(d.student_),
        },
    }
    teacher_fn = d.teacher_.predict_proba if classification else d.teacher_.predict

    def teacher_native():
        rows = pre.transform(row) if pre is not None else row_t
        return teacher_fn(np.asarray(rows, dtype=np.float64))

    student_fn = main.predict_proba if hasattr(main, "predict_proba") else main.predict
    with threadpool_limits(1):
        latency = {
            "teacher": _median_seconds(teacher_native, n_repeats),
            "student_sklearn": _median_seconds(lambda: student_fn(row), n_repeats),
            "student_onnx": None,
        }
    onnx_info = {"exported": False}
    if onnx:
        onx, error = _export(main, X)
        if onx is not None:
            stats = _onnx_stats(main, onx, X, n_repeats)
            size["student"]["onnx_bytes"] = stats["bytes"]
            latency["student_onnx"] = stats["latency_s"]
            onnx_info = {
                "exported": True,
                "bytes": stats["bytes"],
                "max_abs_diff": stats.get("max_abs_diff"),
                "label_agreement": stats.get("label_agreement"),
            }
            problem = _onnx_disagreement(main, stats, y)
            if problem:
                report_warnings.append(
                    f"The ONNX export disagrees with scikit-learn: {problem}; "
                    "check verify_onnx before serving it."
                )
        else:
            onnx_info = {"exported": False, "error": error}
            report_warnings.append(f"{error}; latency measured in scikit-learn only.")
    fastest = latency["student_onnx"] or latency["student_sklearn"]
    latency["speedup"] = latency["teacher"] / fastest if fastest else None

    # ---- candidates
    entries = []
    for cand_name, cand in _candidates_from(model, candidates, X_train, y_train, notes):
        entries.append(
            _measure_candidate(cand_name, cand, X, y, max(10, n_repeats // 4))
        )
    if entries:
        fid = [e["fidelity"] for e in entries]
        lat = [e["latency_s"] for e in entries]
        size_cost = [
            e["onnx_bytes"] if e["onnx_bytes"] is not None else np.inf for e in entries
        ]
        for e, a, b in zip(
            entries, pareto_front(fid, lat), pareto_front(fid, size_cost), strict=True
        ):
            e["pareto_latency"], e["pareto_size"] = bool(a), bool(b)
    report_warnings.extend(notes)

    return DistillationReport(
        task=task,
        model_name=name,
        n_rows=n,
        quality=quality,
        baseline=baseline,
        fidelity=fidelity,
        calibration=calibration,
        size=size,
        latency=latency,
        onnx=onnx_info,
        warnings=report_warnings,
        candidates=entries,
        _arrays=arrays,
    )
