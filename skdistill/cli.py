"""The ``skdistill`` command: demo, fit, predict, report.

``skdistill demo``
    The main job on a dataset that ships with scikit-learn: fit the default
    teacher and a distilled student on a training split, print the distillation
    report on the held-out split, and write the ONNX scorer.
``skdistill fit DATA --target COLUMN``
    Distil a CSV or Parquet file. Text columns are encoded and missing values
    handled inside the saved model (a Pipeline with a ColumnTransformer in
    front of the distiller). Writes the model (skops and joblib), the ONNX
    scorer and the report into a directory.
``skdistill predict MODEL DATA``
    Score a file with an ONNX scorer or a saved model.
``skdistill report MODEL DATA --target COLUMN``
    The distillation report of a saved model on labelled rows.

Input problems (a missing file, an unknown column, ...) are reported as one line
on stderr with exit status 2; outputs are written to a temporary location and
moved into place only when complete.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

EXIT_USAGE = 2

_DATASETS = {
    "digits": ("load_digits", "classification"),
    "breast_cancer": ("load_breast_cancer", "classification"),
    "wine": ("load_wine", "classification"),
    "diabetes": ("load_diabetes", "regression"),
}

#: ``--teacher`` choices: the default ensemble or one of its members alone.
TEACHERS = {
    "default": "the default soft-voting ensemble of XGBoost, LightGBM, "
    "HistGradientBoosting and extra-trees (skdistill.default_teacher)",
    "hgb": "the ensemble's early-stopped HistGradientBoosting alone (fast)",
    "xgboost": "the ensemble's early-stopped XGBoost alone",
    "lightgbm": "the ensemble's early-stopped LightGBM alone",
    "extra-trees": "the ensemble's 200 extra-trees alone",
}
_MEMBER = {
    "hgb": "hist_gradient_boosting",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "extra-trees": "extra_trees",
}
STUDENTS = ("tree", "mlp", "linear", "auto")
AUGMENTERS = ("munge", "jitter", "interpolation", "marginal", "none")
#: A numeric target with at most this many distinct integer values is taken as
#: class labels by ``--task auto``.
MAX_CLASSES_AUTO = 20
#: mlp students: text columns with at most this many levels are one-hot
#: encoded, the others ordinal-encoded (the linear student bins the ordinal
#: codes as categories itself: one indicator per level).
MAX_ONEHOT_LEVELS = 30

_CSV = {".csv", ".txt", ".tsv"}
_PARQUET = {".parquet", ".pq"}


class CLIError(Exception):
    """An input problem reported as one line and exit status 2."""


# ------------------------------------------------------------------ progress
class Progress:
    """Step lines with elapsed time on stderr; silent when ``quiet``."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.t0 = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[skdistill {self.elapsed():7.1f}s] {message}", file=sys.stderr)

    @contextmanager
    def step(self, message: str):
        self(f"{message} ...")
        t0 = time.perf_counter()
        yield
        self(f"{message} done in {time.perf_counter() - t0:.1f}s")


@contextmanager
def _thread_limit(n_jobs):
    """Cap OpenMP/BLAS threads at ``n_jobs`` (HistGradientBoosting uses OpenMP)."""
    if n_jobs is None or n_jobs < 1:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_jobs):
        yield


def _seed(text: str) -> int:
    """``--random-state``: an int numpy can seed with, in [0, 2**32 - 1]."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**32 - 1]; got {value}")
    return value


def _n_jobs(text: str) -> int:
    """``--n-jobs``: a count of threads, 0 (or -1, as in scikit-learn) for the
    libraries' defaults."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < -1:
        raise argparse.ArgumentTypeError(
            f"must be 0 or -1 (the libraries' defaults, all cores) or a number "
            f"of threads; got {value}"
        )
    return max(value, 0)


def _jobs(n_jobs):
    """``--n-jobs`` as the estimators' ``n_jobs``: 0 means None."""
    return n_jobs if n_jobs and n_jobs > 0 else None


def _say(message: str = "") -> None:
    print(message, flush=True)


_QUIET_HELP = "no progress lines and no warnings (errors still show)"


@contextmanager
def _warnings_once(quiet: bool):
    """Warnings raised while a command runs, printed on stderr when it ends as
    one line each, a repeated one once with its count (``-q``: none), instead
    of Python's file-and-source form for every fit (an MLP candidate's
    ``ConvergenceWarning`` came once per candidate and fold)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", category=UserWarning)
        try:
            yield
        finally:
            if not quiet:
                counts: dict = {}
                for w in caught:
                    first = (str(w.message).strip().splitlines() or [""])[0]
                    key = (w.category.__name__, first)
                    counts[key] = counts.get(key, 0) + 1
                for (category, message), n in counts.items():
                    times = f" ({n} times)" if n > 1 else ""
                    print(f"skdistill: {category}: {message}{times}", file=sys.stderr)


# ------------------------------------------------------------- atomic outputs
def _check_out(out: Path, force: bool, inputs=()) -> None:
    """Refuse an ``--out`` that may not be replaced (checked before any work)."""
    here, target = Path.cwd().resolve(), out.resolve()
    if target == here or target in here.parents:
        raise CLIError(
            f"--out {out} is the current directory or contains it; name a new "
            "directory (it is replaced as a whole)."
        )
    for path in inputs:
        resolved = Path(path).resolve()
        if resolved == target or target in resolved.parents:
            raise CLIError(
                f"--out {out} holds the input {path}; replacing --out would "
                "delete it. Name a new directory."
            )
    if out.exists() and not force:
        raise CLIError(f"{out} already exists; pass --force to replace it.")
    if out.exists() and not out.is_dir():
        raise CLIError(f"{out} exists and is not a directory.")


@contextmanager
def _staging_dir(out: Path, force: bool, inputs=()):
    """A temporary directory beside ``out``, moved to ``out`` on success.

    ``out`` is replaced as a whole, so it may neither be nor contain the
    current directory or any of ``inputs`` (the files the command reads).
    """
    out = Path(out)
    _check_out(out, force, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private (0700)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_file_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then move the temporary file to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private (0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------ reading
def read_table(path):
    """Read a CSV (``.csv``, ``.txt``, ``.tsv``) or Parquet file into a DataFrame.

    Raises :class:`CLIError` with a one-line message for a missing file, a file
    that is neither CSV nor Parquet, Parquet without pyarrow, or no rows.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise CLIError(f"{path}: no such file.")
    if path.is_dir():
        raise CLIError(f"{path} is a directory, not a CSV or Parquet file.")
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        magic = f.read(4)
    if suffix in _PARQUET or (suffix not in _CSV and magic == b"PAR1"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise CLIError(
                f"reading the Parquet file {path} needs pyarrow: "
                "pip install pyarrow (the 'parquet' extra)."
            ) from None
        try:
            # its rows numbered from 0, as a CSV's (a stored index is dropped)
            frame = pd.read_parquet(path).reset_index(drop=True)
        except Exception as exc:
            raise CLIError(
                f"{path} is not a readable Parquet file ({_first_line(exc)})."
            ) from None
    elif suffix in _CSV:
        if magic == b"PAR1":
            raise CLIError(
                f"{path} is a Parquet file named like a CSV; rename it .parquet."
            )
        try:
            frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
        except (
            UnicodeDecodeError,
            pd.errors.ParserError,
            pd.errors.EmptyDataError,
        ) as exc:
            raise CLIError(
                f"{path} is not a readable CSV file ({_first_line(exc)})."
            ) from None
    else:
        raise CLIError(
            f"{path} is not a CSV or Parquet file (extension {suffix or 'none'!r}); "
            "use .csv, .tsv or .parquet."
        )
    if frame.shape[0] == 0:
        raise CLIError(f"{path} has no rows.")
    if frame.shape[1] == 0:
        raise CLIError(f"{path} has no columns.")
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _refused(what: str, error: Exception) -> CLIError:
    """``what`` failed on data the model cannot take: the model's own first
    line (its type when it has none), whole."""
    first = str(error).strip().splitlines()[0] if str(error) else ""
    return CLIError(f"{what}: {first or type(error).__name__}")


def _is_numeric(series) -> bool:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return bool(is_numeric_dtype(series.dtype) or is_bool_dtype(series.dtype))


def normalise_columns(frame, schema, missing_text=""):
    """Cast ``frame``'s columns as the model expects (in place of the raw read).

    Numeric columns become float64 (missing values NaN); text columns become
    Python strings with missing values as ``missing_text``: ``""`` for the
    models ``skdistill fit`` makes (their encoders learn ``""`` as one more
    level), NaN for an ONNX file exported from a Python pipeline, whose
    encoders saw pandas' NaN. ``schema`` is a list of ``{"name", "kind"}`` in
    model order.
    """
    import pandas as pd

    out = {}
    for col in schema:
        name = col["name"]
        series = frame[name]
        if col["kind"] == "numeric":
            if not _is_numeric(series):
                converted = pd.to_numeric(series, errors="coerce")
                bad = series[converted.isna() & series.notna()]
                if len(bad):
                    raise CLIError(
                        f"column {name!r} must be numeric but holds "
                        f"{str(bad.iloc[0])!r}."
                    )
                series = converted
            values = series.astype(np.float64).to_numpy()
            _check_finite(values, name, frame.index)
            out[name] = values
        else:
            missing = series.isna().to_numpy()
            values = np.array([str(v) for v in series.tolist()], dtype=object)
            values[missing] = missing_text
            out[name] = values
    return pd.DataFrame(out, index=frame.index)


def _check_finite(values: np.ndarray, name: str, index) -> None:
    """Refuse infinite values and values beyond float32's range in a numeric
    column (missing values are fine): the models compute in float32 where
    they compare values (trees, bins, XGBoost), so the scikit-learn model
    would refuse them and the ONNX scorer would answer as if they were the
    largest value seen (or NaN)."""
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.abs(values) > np.finfo(np.float32).max)
    if bad.size:
        first, more = bad[0], "s" * (bad.size > 1)
        row = index[first]  # the file's rows count from 1
        row = row + 1 if isinstance(row, (int, np.integer)) else row
        raise CLIError(
            f"column {name!r} holds {float(values[first])!r} (data row "
            f"{row}, {bad.size} such value{more}): numeric columns "
            "take finite numbers within float32's range (about +-3.4e38), or an "
            "empty cell for a missing value."
        )


def _infer_schema(frame, target: str, categorical: Sequence[str]) -> list[dict]:
    schema = []
    for name in frame.columns:
        if name == target:
            continue
        kind = "numeric"
        if name in categorical or not _is_numeric(frame[name]):
            kind = "categorical"
        schema.append({"name": name, "kind": kind})
    if not schema:
        raise CLIError(
            f"no feature columns: the file holds only the target {target!r}."
        )
    return schema


def _infer_task(y, task: str) -> str:
    if task != "auto":
        return task
    if not _is_numeric(y):
        return "classification"
    values = y.dropna().to_numpy()
    if values.dtype.kind == "b":
        return "classification"
    with np.errstate(invalid="ignore"):  # inf: reported when fitting
        integral = np.all(np.mod(values.astype(np.float64), 1) == 0)
    if integral and len(np.unique(values)) <= MAX_CLASSES_AUTO:
        return "classification"
    return "regression"


def _split_target(frame, target: str, path):
    if target not in frame.columns:
        shown = list(frame.columns)[:12]
        more = " ..." if frame.shape[1] > 12 else ""
        hint = ""
        if frame.shape[1] == 1 and any(sep in str(frame.columns[0]) for sep in ";|"):
            hint = " (one column holding ';' or '|': is the file separated by them?)"
        raise CLIError(
            f"target column {target!r} is not in {path}; its columns are "
            f"{shown}{more}{hint}."
        )
    y = frame[target]
    keep = y.notna()
    return frame.loc[keep], y[keep], int((~keep).sum())


def _check_target_varies(y, target: str, path, why: str) -> int:
    """The number of distinct target values; one is bad input (``why`` says why)."""
    if len(y) == 0:
        raise CLIError(f"target column {target!r} in {path} has no values.")
    n_values = int(y.nunique())
    if n_values < 2:
        raise CLIError(
            f"target column {target!r} in {path} has a single value "
            f"({str(y.iloc[0])!r}); {why}."
        )
    return n_values


def _check_columns(frame, schema, target, path) -> None:
    expected = [c["name"] for c in schema]
    present = [c for c in frame.columns if c != target]
    missing = [c for c in expected if c not in frame.columns]
    unexpected = [c for c in present if c not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if unexpected:
            parts.append(f"unexpected {unexpected}")
        raise CLIError(
            f"the columns of {path} differ from those the model was fitted on: "
            + "; ".join(parts)
            + "."
        )


# ------------------------------------------------------------- model building
def _teacher(choice: str, task: str, seed: int, n_jobs):
    if choice == "default":
        return None
    from . import default_teacher

    ensemble = default_teacher(task, random_state=seed, n_jobs=n_jobs)
    return dict(ensemble.estimators)[_MEMBER[choice]]


def _preprocessor(schema, frame, student: str):
    """ColumnTransformer and the indices of its categorical output columns."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

    numeric = [c["name"] for c in schema if c["kind"] == "numeric"]
    text = [c["name"] for c in schema if c["kind"] == "categorical"]
    onehot, ordinal = [], []
    for name in text:
        levels = frame[name].nunique(dropna=False)
        small = levels <= MAX_ONEHOT_LEVELS
        (onehot if student == "mlp" and small else ordinal).append(name)
    transformers, categorical, width = [], [], 0
    if numeric:
        transformers.append(("num", "passthrough", numeric))
        width += len(numeric)
    if ordinal:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, dtype=np.float64
        )
        transformers.append(("ordinal", encoder, ordinal))
        categorical += list(range(width, width + len(ordinal)))
        width += len(ordinal)
    if onehot:
        encoder = OneHotEncoder(
            handle_unknown="ignore", sparse_output=False, dtype=np.float64
        )
        transformers.append(("onehot", encoder, onehot))
        n = sum(int(frame[name].nunique(dropna=False)) for name in onehot)
        categorical += list(range(width, width + n))
        width += n
    return ColumnTransformer(transformers, remainder="drop"), categorical


def _schema_of(model) -> list[dict] | None:
    """Columns and kinds from a fitted Pipeline/ColumnTransformer, if it has names."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return None
    text: set[str] = set()
    steps = model.steps if isinstance(model, Pipeline) else [("", model)]
    for _, step in steps:
        if isinstance(step, ColumnTransformer):
            for _, trans, cols in step.transformers_:
                if trans not in ("passthrough", "drop") and hasattr(
                    trans, "categories_"
                ):
                    text.update(str(c) for c in cols)
    return [
        {"name": str(n), "kind": "categorical" if str(n) in text else "numeric"}
        for n in names
    ]


def _onnx_metadata(onx, meta: dict):
    from onnx.helper import set_model_props

    props = {
        "skdistill.columns": json.dumps(meta["columns"]),
        "skdistill.task": meta["task"],
        "skdistill.target": meta.get("target") or "",
    }
    if meta.get("classes") is not None:
        props["skdistill.classes"] = json.dumps(meta["classes"])
    set_model_props(onx, props)
    return onx


def _json_classes(classes) -> list:
    return [c.item() if hasattr(c, "item") else c for c in np.asarray(classes).tolist()]


def _export_onnx(model, sample, path: Path, meta: dict, progress) -> str:
    """Write the ONNX scorer; returns a one-line status."""
    from . import to_onnx

    with progress.step("exporting the student to ONNX"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            onx = to_onnx(model, sample)
        _onnx_metadata(onx, meta)
        path.write_bytes(onx.SerializeToString())
    return f"{path.stat().st_size / 1024:,.1f} KiB"


# ---------------------------------------------------------------------- demo
def _load_demo(name: str):
    import sklearn.datasets

    loader, task = _DATASETS[name]
    X, y = getattr(sklearn.datasets, loader)(return_X_y=True, as_frame=True)
    return X, y, task


#: What ``skdistill demo`` writes; a directory holding these (and the
#: report's other files) and nothing else is an earlier demo output, which the
#: demo replaces without --force.
_DEMO_FILES = ("model.onnx", "heldout.csv", "report.json")
_DEMO_OUTPUTS = (
    *_DEMO_FILES,
    "report.md",
    "reliability.png",
    "fidelity.png",
    "pareto.png",
)


def _is_demo_output(out: Path) -> bool:
    if not (out.is_dir() and all((out / name).is_file() for name in _DEMO_FILES)):
        return False
    return all(
        entry.is_file() and entry.name in _DEMO_OUTPUTS for entry in out.iterdir()
    )


def _cmd_demo(args) -> int:
    from sklearn.model_selection import train_test_split

    from . import DistilledClassifier, DistilledRegressor
    from .report import distillation_report

    progress = Progress(args.quiet)
    out = Path(args.out)
    frame, target, task = _load_demo(args.dataset)
    columns = [str(c) for c in frame.columns]
    X = frame.to_numpy(dtype=np.float64)
    y = target.to_numpy()
    X_tr, X_te, y_tr, y_te = train_test_split(
        X,
        y,
        test_size=0.25,
        random_state=args.random_state,
        stratify=y if task == "classification" else None,
    )
    _say(
        f"skdistill demo: {args.dataset} ({task}), {len(X_tr)} training rows, "
        f"{len(X_te)} held-out rows, {X.shape[1]} features; teacher={args.teacher!r}, "
        f"student={args.student!r}"
    )
    Distiller = DistilledClassifier if task == "classification" else DistilledRegressor
    model = Distiller(
        teacher=_teacher(args.teacher, task, args.random_state, _jobs(args.n_jobs)),
        student=args.student,
        n_jobs=_jobs(args.n_jobs),
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
    )
    force = args.force or _is_demo_output(out)
    force = force or (out.is_dir() and not any(out.iterdir()))  # empty: nothing lost
    if out.is_dir() and not force:
        foreign = sorted(
            e.name
            for e in out.iterdir()
            if e.name not in _DEMO_OUTPUTS or not e.is_file()
        )
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        what = f"it holds {shown}" if foreign else "an incomplete demo output"
        raise CLIError(
            f"{out} already exists and is not just an earlier demo output "
            f"({what}); pass --force to replace it, deleting what it holds, or "
            "choose another --out."
        )
    with _staging_dir(out, force=force) as tmp, _thread_limit(args.n_jobs):
        with progress.step("fitting teacher and student"):
            model.fit(X_tr, y_tr)
        with progress.step("measuring the report on the held-out rows"):
            report = distillation_report(model, X_te, y_te, X_train=X_tr, y_train=y_tr)
        _say()
        _say(report.to_text())
        meta = {
            "columns": [{"name": c, "kind": "numeric"} for c in columns],
            "task": task,
            "target": "target",
            "classes": _json_classes(model.classes_)
            if task == "classification"
            else None,
        }
        size = _export_onnx(model, X_te[:1], tmp / "model.onnx", meta, progress)
        held = type(frame)(X_te, columns=columns)
        held["target"] = y_te
        held.to_csv(tmp / "heldout.csv", index=False)
        report.save(tmp)
    times = ", ".join(f"{k} {v:.1f}s" for k, v in model.fit_times_.items())
    _say(f"\nfit phases: {times}")
    _say(f"ONNX scorer (student only, {size}): {out / 'model.onnx'}")
    _say(f"report: {out / 'report.md'}, {out / 'report.json'}")
    _say(
        f"try it: skdistill predict {out / 'model.onnx'} {out / 'heldout.csv'} "
        "--out predictions.csv"
    )
    _say(f"total wall time: {progress.elapsed():.1f}s")
    return 0


# ----------------------------------------------------------------------- fit
def _cmd_fit(args) -> int:
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline

    from . import DistilledClassifier, DistilledRegressor
    from .persistence import save_model
    from .report import distillation_report

    progress = Progress(args.quiet)
    data = Path(args.data)
    out = Path(args.out) if args.out else Path(f"{data.stem}-skdistill")
    _check_out(out, args.force, [data])
    if not 0 <= args.test_size < 1:
        raise CLIError(f"--test-size must be in [0, 1); got {args.test_size}.")
    with progress.step(f"reading {data}"):
        frame = read_table(data)
    frame, y, dropped = _split_target(frame, args.target, data)
    if dropped:
        progress(f"dropped {dropped} rows whose target is missing")
    categorical = [c.strip() for c in (args.categorical or "").split(",") if c.strip()]
    unknown = [c for c in categorical if c not in frame.columns]
    if unknown:
        raise CLIError(f"--categorical names columns not in {data}: {unknown}.")
    if args.target in categorical:
        raise CLIError(
            f"--categorical names the target {args.target!r}; it lists feature "
            "columns (a classification target is taken as classes already)."
        )
    task = _infer_task(y, args.task)
    n_values = _check_target_varies(y, args.target, data, "there is nothing to learn")
    from .onnx._api import check_column_names

    try:  # the ONNX scorer has one input per column, named from the column
        check_column_names([c for c in frame.columns if c != args.target])
    except ValueError as exc:
        raise CLIError(f"{data}: {exc}") from None
    if task == "regression" and not _is_numeric(y):
        raise CLIError(
            f"--task regression needs a numeric target; {args.target!r} is not."
        )
    schema = _infer_schema(frame, args.target, categorical)
    X = normalise_columns(frame, schema)
    y_values = y.to_numpy()
    if task == "classification" and not _is_numeric(y):
        y_values = np.array([str(v) for v in y_values], dtype=object)
    n_text = sum(c["kind"] == "categorical" for c in schema)
    progress(
        f"{len(X)} rows, {len(schema)} feature columns ({n_text} text), task {task}"
        + (f", {n_values} classes" if task == "classification" else "")
    )
    if args.test_size > 0:
        n_test = int(np.ceil(args.test_size * len(X)))  # as train_test_split
        if n_test < 2 or len(X) - n_test < 2:
            raise CLIError(
                f"--test-size {args.test_size} holds out {n_test} of {len(X)} rows; "
                "the report and the fit need at least 2 rows each (--test-size 0 "
                "reports on the training rows)."
            )
        stratify = y_values if task == "classification" else None
        try:
            split = train_test_split(
                X,
                y_values,
                test_size=args.test_size,
                random_state=args.random_state,
                stratify=stratify,
            )
        except ValueError:  # a class too rare to stratify
            split = train_test_split(
                X, y_values, test_size=args.test_size, random_state=args.random_state
            )
        X_tr, X_te, y_tr, y_te = split
    else:
        X_tr, X_te, y_tr, y_te = X, X, y_values, y_values

    pre, cat_idx = _preprocessor(schema, X_tr, args.student)
    Distiller = DistilledClassifier if task == "classification" else DistilledRegressor
    params = dict(
        teacher=_teacher(args.teacher, task, args.random_state, _jobs(args.n_jobs)),
        student=args.student,
        augment=args.augment,
        categorical_features=cat_idx or None,
        n_jobs=_jobs(args.n_jobs),
        random_state=args.random_state,
        verbose=0 if args.quiet else 1,
    )
    budget = {}
    if args.max_latency_us is not None:
        budget["latency_us"] = args.max_latency_us
    if args.max_onnx_bytes is not None:
        budget["onnx_bytes"] = args.max_onnx_bytes
    if budget and args.student != "auto":
        raise CLIError("--max-latency-us and --max-onnx-bytes need --student auto.")
    if any(v <= 0 for v in budget.values()):
        raise CLIError("--max-latency-us and --max-onnx-bytes must be > 0.")
    if budget:
        params["student_budget"] = budget
    if args.n_synthetic is not None:
        if args.n_synthetic < 0:
            raise CLIError(f"--n-synthetic must be >= 0; got {args.n_synthetic}.")
        n_syn = args.n_synthetic
        if n_syn > 10 and n_syn != int(n_syn):
            raise CLIError(
                "--n-synthetic above 10 is a number of rows and must be whole; "
                f"got {n_syn:g}."
            )
        params["n_synthetic"] = int(n_syn) if n_syn > 10 else float(n_syn)
    model = Pipeline([("preprocess", pre), ("distill", Distiller(**params))])

    with (
        _staging_dir(out, force=args.force, inputs=[data]) as tmp,
        _thread_limit(args.n_jobs),
    ):
        with progress.step(
            f"fitting teacher ({args.teacher}) and student ({args.student}) on "
            f"{len(X_tr)} rows"
        ):
            try:
                model.fit(X_tr, y_tr)
            except (ValueError, TypeError) as error:  # data the model cannot fit
                raise _refused(
                    f"cannot fit on the {len(X_tr)} training rows of {data}", error
                ) from error
        distiller = model[-1]
        chosen = _chosen_student(distiller)
        if chosen:
            progress(f"student='auto' chose {chosen}")
        meta = {
            "skdistill_version": _version(),
            "data": str(data),
            "target": args.target,
            "task": task,
            "columns": schema,
            "classes": _json_classes(distiller.classes_)
            if task == "classification"
            else None,
            "teacher": args.teacher,
            "student": args.student,
            "student_chosen": chosen,
            "student_budget": budget or None,
            "augment": args.augment,
            # 0 for linear students under --n-synthetic auto: the augmenter
            # was not used
            "n_synthetic_rows": int(distiller.n_synthetic_),
            "n_train": int(len(X_tr)),
            "n_test": int(len(X_te)) if args.test_size > 0 else 0,
            "fit_times": distiller.fit_times_,
        }
        saved = []
        with progress.step("saving the model (skops, joblib)"):
            save_model(model, tmp / "model.joblib")
            saved.append("model.joblib")
            try:
                save_model(model, tmp / "model.skops")
                meta["skops"] = "full model"
            except ImportError:
                meta["skops"] = "not written: skops is not installed"
                progress(
                    "model.skops skipped: skops is not installed "
                    "(pip install skops: the 'persist' extra)"
                )
            except TypeError as exc:
                save_model(model, tmp / "model.skops", student_only=True)
                meta["skops"] = (
                    "student only: the teacher is not skops-serialisable "
                    f"({_first_line(exc)})"
                )
                progress(
                    "the teacher cannot be saved by skops; model.skops holds the "
                    "student only"
                )
            if (tmp / "model.skops").exists():
                saved.append("model.skops")
        size = _export_onnx(model, X_te.iloc[:1], tmp / "model.onnx", meta, progress)
        rows = (
            "held-out"
            if args.test_size > 0
            else "training (no held-out rows: in-sample!)"
        )
        with progress.step(
            f"measuring the report on the {len(X_te)} {rows.split(' ')[0]} rows"
        ):
            report = distillation_report(
                model,
                X_te,
                y_te,
                X_train=X_tr if args.test_size > 0 else None,
                y_train=y_tr if args.test_size > 0 else None,
                random_state=args.random_state,
            )
        if args.test_size == 0:
            report.warnings.append(
                "--test-size 0: the report is measured on the training rows, which "
                "flatters every model."
            )
        written = report.save(tmp)
        if not any(p.suffix == ".png" for p in written):
            progress(
                "plots skipped: matplotlib is not installed "
                "(pip install matplotlib: the 'plots' extra)"
            )
        (tmp / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    _say(report.to_text())
    _say()
    _say(f"wrote {out}/:")
    if "model.skops" in saved:
        what = "fitted Pipeline" if meta["skops"] == "full model" else "student only"
        _say(f"  model.skops    {what} (secure; skdistill.persistence.load_model)")
    _say("  model.joblib   the fitted Pipeline, pickled (joblib.load)")
    _say(f"  model.onnx     ONNX scorer, student and preprocessing only ({size})")
    _say("  report.md, report.json" + (", plots" if len(written) > 2 else ""))
    _say("  metadata.json  target, columns, classes, settings")
    _say(f"total wall time: {progress.elapsed():.1f}s")
    return 0


def _chosen_student(distiller) -> str | None:
    """Name of the candidate ``student='auto'`` chose, if it searched."""
    search = getattr(distiller, "student_search_", None)
    if not search:
        return None
    return next((r["name"] for r in search if r.get("chosen")), None)


def _version() -> str:
    from . import __version__

    return __version__


# ------------------------------------------------------------ loading models
def _load_any(path: Path, progress):
    """(kind, model_or_session, meta) for a directory, .onnx, .skops or .joblib."""
    path = Path(path)
    if not path.exists():
        raise CLIError(f"{path}: no such file or directory.")
    meta_path = (path if path.is_dir() else path.parent) / "metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    if path.is_dir():
        candidate = path / "model.skops"
        if not candidate.is_file():
            raise CLIError(f"{path} holds no model.skops (made by 'skdistill fit').")
        path = candidate
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return "onnx", _load_onnx(path, meta), meta
    if suffix in (".skops", ".joblib", ".pkl", ".pickle"):
        from .persistence import UntrustedTypesError, load_model

        with progress.step(f"loading {path}"):
            try:
                model = load_model(path)
            except UntrustedTypesError as exc:
                raise CLIError(str(exc)) from None
            except Exception as exc:
                raise CLIError(f"cannot load {path}: {_first_line(exc)}") from None
        if not meta.get("columns"):
            schema = _schema_of(model)
            if schema is None:
                raise CLIError(
                    f"{path} was fitted without column names; the command line "
                    "needs a model fitted on a DataFrame (e.g. by 'skdistill fit')."
                )
            meta = {**meta, "columns": schema}
        return "sklearn", model, meta
    raise CLIError(
        f"{path} is not a model file: use a .onnx scorer, a .skops or .joblib model, "
        "or the directory written by 'skdistill fit'."
    )


def _load_onnx(path: Path, meta: dict):
    import onnx

    from .onnx import session

    try:
        proto = onnx.load(str(path))
    except Exception as exc:
        raise CLIError(
            f"{path} is not a readable ONNX model ({_first_line(exc)})."
        ) from None
    props = {p.key: p.value for p in proto.metadata_props}
    sess = session(proto)
    if "skdistill.columns" in props:
        meta = {
            **meta,
            "columns": json.loads(props["skdistill.columns"]),
            "task": props.get("skdistill.task", meta.get("task")),
            "target": props.get("skdistill.target") or meta.get("target"),
            "classes": json.loads(props["skdistill.classes"])
            if "skdistill.classes" in props
            else meta.get("classes"),
        }
    elif len(sess.get_inputs()) > 1:
        meta = {
            **meta,
            "columns": [
                {
                    "name": i.name,
                    "kind": "categorical" if i.type == "tensor(string)" else "numeric",
                }
                for i in sess.get_inputs()
            ],
            # C-like names skl2onnx made from the columns ('mean radius' ->
            # 'mean_radius'): a file's own column names are matched to them
            "columns_from_inputs": True,
        }
    else:
        raise CLIError(
            f"{path} has one matrix input and no column list: export it with "
            "'skdistill fit', or with skdistill.to_onnx from a model fitted on a "
            "DataFrame (the file then keeps the column names)."
        )
    return {"session": sess, "meta": meta}


def _predict(kind, model, X, meta):
    """(labels or values, probabilities or None, class names or None)."""
    if kind == "onnx":
        from .onnx._api import onnx_feeds

        sess = model["session"]
        outputs = sess.run(None, onnx_feeds(sess, X))
        names = [o.name for o in sess.get_outputs()]
        if "probabilities" in names:
            labels = np.asarray(outputs[names.index("label")]).reshape(-1)
            proba = np.asarray(outputs[names.index("probabilities")], dtype=np.float64)
            classes = meta.get("classes") or list(range(proba.shape[1]))
            boolean = classes and all(isinstance(c, bool) for c in classes)
            if boolean and labels.dtype.kind in "iub":
                # ONNX has no boolean labels: the graph gives 0/1
                labels = labels.astype(bool)
            return labels, proba, classes
        values = np.asarray(outputs[0], dtype=np.float64)
        return (values[:, 0] if values.shape[1] == 1 else values), None, None
    pred = np.asarray(model.predict(X))
    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        return pred, np.asarray(model.predict_proba(X)), _json_classes(model.classes_)
    return pred, None, None


def _prediction_frame(pred, proba, classes, index):
    import pandas as pd

    out = pd.DataFrame(index=index)
    pred = np.asarray(pred)
    if pred.ndim == 2:
        for j in range(pred.shape[1]):
            out[f"prediction_{j}"] = pred[:, j]
    else:
        out["prediction"] = pred
    if proba is not None:
        for j, c in enumerate(classes):
            out[f"proba_{c}"] = proba[:, j]
    return out.reset_index(drop=True)


def _read_for_model(data: Path, meta: dict, progress, *, need_target: str | None):
    with progress.step(f"reading {data}"):
        frame = read_table(data)
    target = need_target or meta.get("target")
    y = None
    features = {c["name"] for c in meta["columns"]}
    if need_target is not None and need_target in features:
        fitted = meta.get("target")
        raise CLIError(
            f"--target {need_target!r} is a feature column the model reads"
            + (f"; it was fitted to predict {fitted!r}" if fitted else "")
            + " (the target column may have another name in this file)."
        )
    if need_target is not None:
        frame, y, dropped = _split_target(frame, need_target, data)
        if dropped:
            progress(f"dropped {dropped} rows whose target is missing")
    if meta.get("columns_from_inputs"):
        from .onnx._api import _skl2onnx_name, name_collisions

        names = {c["name"] for c in meta["columns"]}
        renames = {
            c: _skl2onnx_name(c)
            for c in frame.columns
            if c not in names and _skl2onnx_name(c) in names
        }
        if renames and not name_collisions(frame.columns):
            frame = frame.rename(columns=renames)
    _check_columns(frame, meta["columns"], target, data)
    # a Python pipeline's encoders saw missing text as pandas' NaN
    missing_text = np.nan if meta.get("columns_from_inputs") else ""
    return normalise_columns(frame, meta["columns"], missing_text), y


# ------------------------------------------------------------------- predict
def _cmd_predict(args) -> int:
    progress = Progress(args.quiet)
    if args.out is not None and Path(args.out).suffix.lower() not in _CSV | _PARQUET:
        raise CLIError(
            f"--out must end in .csv or .parquet; got {Path(args.out).name!r}."
        )
    if args.out is not None:
        out_path = Path(args.out).resolve()
        for name in (args.data, args.model):
            if Path(name).resolve() == out_path:
                raise CLIError(
                    f"--out {args.out} is the input {name}; writing the "
                    "predictions there would replace it. Name another file."
                )
    kind, model, meta = _load_any(Path(args.model), progress)
    if kind == "onnx":
        meta = model["meta"]
    X, _ = _read_for_model(Path(args.data), meta, progress, need_target=None)
    engine = "ONNX Runtime" if kind == "onnx" else "scikit-learn"
    with progress.step(f"predicting {len(X)} rows ({engine})"):
        try:
            pred, proba, classes = _predict(kind, model, X, meta)
        except (ValueError, TypeError) as error:  # data the model cannot take
            raise _refused(
                f"cannot predict the {len(X)} rows of {args.data}", error
            ) from error
    frame = _prediction_frame(pred, proba, classes, X.index)
    if args.out is None:
        frame.to_csv(sys.stdout, index=False)
        return 0
    out = Path(args.out)
    suffix = out.suffix.lower()

    def write(tmp):
        if suffix in _PARQUET:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, sep="\t" if suffix == ".tsv" else ",")

    _write_file_atomic(out, write)
    progress(f"wrote {len(frame)} predictions to {out}")
    return 0


# -------------------------------------------------------------------- report
def _cmd_report(args) -> int:
    from .persistence import TeacherNotSaved
    from .report import _split_model, distillation_report

    progress = Progress(args.quiet)
    inputs = [args.data, args.model] + ([args.train] if args.train else [])
    if args.out:  # before the work, not after it
        _check_out(Path(args.out), args.force, inputs)
    kind, model, meta = _load_any(Path(args.model), progress)
    if kind == "onnx":
        raise CLIError(
            "the report needs the saved model with its teacher (.skops, .joblib or "
            "the 'skdistill fit' directory), not the ONNX scorer."
        )
    try:
        _, distiller = _split_model(model)
    except TypeError as exc:
        raise CLIError(str(exc)) from None
    if isinstance(distiller.teacher_, TeacherNotSaved):
        raise CLIError(
            f"{args.model} was saved without its teacher; the report compares "
            "student and teacher. Use model.joblib or a full .skops file."
        )
    X, y = _read_for_model(Path(args.data), meta, progress, need_target=args.target)
    _check_target_varies(
        y, args.target, args.data, "the report's scores need at least two"
    )
    y_values = y.to_numpy()
    classes = meta.get("classes")
    if classes is not None and classes and isinstance(classes[0], str):
        y_values = np.array([str(v) for v in y_values], dtype=object)
    if len(X) < 4:
        raise CLIError(
            f"{args.data} has {len(X)} labelled rows; the report needs at least 4."
        )
    train = {}
    if args.train is not None:
        X_train, y_train = _read_for_model(
            Path(args.train), meta, progress, need_target=args.target
        )
        _check_target_varies(
            y_train, args.target, args.train, "the baseline needs at least two"
        )
        y_train = y_train.to_numpy()
        if y_values.dtype == object:
            y_train = np.array([str(v) for v in y_train], dtype=object)
        train = {"X_train": X_train, "y_train": y_train}
    with progress.step(f"measuring the report on {len(X)} rows"):
        try:
            report = distillation_report(
                model, X, y_values, random_state=args.random_state, **train
            )
        except ValueError as exc:
            raise CLIError(_first_line(exc)) from None
    _say(report.to_text())
    if args.out:
        out = Path(args.out)
        with _staging_dir(out, force=args.force, inputs=inputs) as tmp:
            report.save(tmp)
        _say(f"\nwrote {out}/report.md, report.json and plots")
    return 0


# -------------------------------------------------------------------- parser
class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Wraps prose paragraphs to the terminal; keeps multi-line blocks as written."""

    def _fill_text(self, text, width, indent):
        paragraphs = []
        for block in text.split("\n\n"):
            if "\n" in block:  # examples, lists: as written
                paragraphs.append(block)
            else:
                paragraphs.append(
                    textwrap.fill(
                        block, width, initial_indent=indent, subsequent_indent=indent
                    )
                )
        return "\n\n".join(paragraphs)


def build_parser() -> argparse.ArgumentParser:
    """The ``skdistill`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="skdistill",
        description="Distil heavy tabular models into compact students.",
        epilog=(
            "commands:\n"
            "  skdistill demo                     the main job on a built-in dataset\n"
            "  skdistill fit data.csv --target y  distil a file: model, ONNX, report\n"
            "  skdistill predict MODEL data.csv   score a file\n"
            "  skdistill report MODEL data.csv --target y\n"
            "run 'skdistill COMMAND --help' for each command's options."
        ),
        formatter_class=_Formatter,
    )
    from . import __version__

    parser.add_argument(
        "--version", action="version", version=f"skdistill {__version__}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    teacher_help = "the teacher: " + "; ".join(f"{k}: {v}" for k, v in TEACHERS.items())

    # demo
    demo = sub.add_parser(
        "demo",
        help="distil the default teacher on a built-in dataset and print the report",
        description=(
            "Fit the teacher and a distilled student on 75% of a dataset that ships "
            "with scikit-learn, print the distillation report (teacher vs student "
            "vs the same student trained on the labels: quality, fidelity, "
            "calibration, size, latency) on the other 25%, and write the ONNX "
            "scorer, the report and the held-out rows into --out."
        ),
        epilog=(
            "examples:\n"
            "  skdistill demo\n"
            "  skdistill demo --dataset wine --student mlp\n"
            "  skdistill demo --dataset diabetes --teacher hgb --out /tmp/demo"
        ),
        formatter_class=_Formatter,
    )
    demo.add_argument(
        "--dataset",
        choices=sorted(_DATASETS),
        default="digits",
        help="built-in dataset (default: digits)",
    )
    demo.add_argument(
        "--student",
        choices=STUDENTS,
        default="tree",
        help="student family (default: tree)",
    )
    demo.add_argument(
        "--teacher", choices=list(TEACHERS), default="default", help=teacher_help
    )
    demo.add_argument(
        "--out",
        metavar="DIR",
        default="skdistill-demo",
        help="output directory (default: skdistill-demo); an earlier demo "
        "output there (holding nothing but the demo's files) is replaced, any "
        "other existing path needs --force",
    )
    demo.add_argument(
        "--force", action="store_true", help="replace --out whatever it holds"
    )
    demo.add_argument(
        "--n-jobs",
        type=_n_jobs,
        metavar="N",
        default=1,
        help="threads of the teacher, OpenMP and BLAS; 0: the libraries' "
        "defaults, all cores (default: 1, which keeps the demo's time steady on "
        "a busy machine, where threads spinning against other processes can "
        "make it ten times slower)",
    )
    demo.add_argument("--random-state", type=_seed, default=0, metavar="SEED")
    demo.add_argument("-q", "--quiet", action="store_true", help=_QUIET_HELP)
    demo.set_defaults(handler=_cmd_demo)

    # fit
    fit = sub.add_parser(
        "fit",
        help="distil a CSV/Parquet file: model, ONNX scorer and report",
        description=(
            "Read DATA (CSV, or Parquet with pyarrow), hold out --test-size of the "
            "rows, fit the teacher and a distilled student on the rest, and write into "
            "--out: model.skops and model.joblib (a Pipeline: a ColumnTransformer "
            "that encodes text columns, then the distiller), model.onnx (student "
            "and preprocessing only), report.md/report.json/plots measured on the "
            "held-out rows, and metadata.json.\n\n"
            "Columns: numeric columns are used as they are (missing values are "
            "handled by the teacher and students); any other column is text: "
            "missing values become the empty string, tree and linear students "
            "get an ordinal code per level (unknown levels at predict time: -1; "
            "the linear student gives each level its own weight), mlp students "
            f"one-hot columns for text columns of at most {MAX_ONEHOT_LEVELS} "
            "levels. The augmenter only generates observed levels of text "
            "columns.\n\n"
            "--task auto: a text or boolean target, or a numeric one with at most "
            f"{MAX_CLASSES_AUTO} distinct integer values, is classification; any "
            "other numeric target is regression.\n\n"
            "--student auto searches tree, MLP and linear candidates (fidelity "
            "to the teacher on 20% of the training rows, cost in ONNX Runtime) and "
            "keeps the most faithful one within the budget; text columns are then "
            "ordinal-encoded."
        ),
        epilog=(
            "examples:\n"
            "  skdistill fit churn.csv --target churned\n"
            "  skdistill fit houses.parquet --target price --student mlp "
            "--out price-model\n"
            "  skdistill fit data.csv --target y --teacher hgb --n-synthetic 1.0 -q\n"
            "  skdistill fit data.csv --target y --student auto --max-latency-us 20"
        ),
        formatter_class=_Formatter,
    )
    fit.add_argument("data", metavar="DATA", help="CSV (.csv, .tsv) or Parquet file")
    fit.add_argument(
        "--target", required=True, metavar="COLUMN", help="column to predict"
    )
    fit.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="default: auto (see above)",
    )
    fit.add_argument(
        "--student",
        choices=STUDENTS,
        default="tree",
        help="student family: tree (1,024-leaf tree), mlp (32x32), linear "
        "(logistic/ridge on per-column bins), or auto: the most faithful of "
        "trees of depth 3-10, MLPs and a linear model within "
        "--max-latency-us/--max-onnx-bytes "
        "(default: tree)",
    )
    fit.add_argument(
        "--max-latency-us",
        type=float,
        default=None,
        metavar="US",
        help="with --student auto: single-row ONNX Runtime latency budget in µs "
        "of the student's graph (the table's encoding runs on top)",
    )
    fit.add_argument(
        "--max-onnx-bytes",
        type=int,
        default=None,
        metavar="BYTES",
        help="with --student auto: size budget in bytes of the student's ONNX "
        "graph; model.onnx adds the table's encoding and metadata",
    )
    fit.add_argument(
        "--teacher", choices=list(TEACHERS), default="default", help=teacher_help
    )
    fit.add_argument(
        "--augment",
        choices=AUGMENTERS,
        default="munge",
        help="synthetic rows for the transfer set (default: munge)",
    )
    fit.add_argument(
        "--n-synthetic",
        type=float,
        default=None,
        metavar="N",
        help="synthetic rows: a multiple of the training rows if <= 10, "
        "else a count (default: 2x for tree and mlp classifiers, 5x for tree and "
        "mlp regressors, none for linear)",
    )
    fit.add_argument(
        "--categorical",
        metavar="COLS",
        default=None,
        help="comma-separated numeric columns to treat as text (codes, ids)",
    )
    fit.add_argument(
        "--test-size",
        type=float,
        default=0.2,
        metavar="FRACTION",
        help="held-out share for the report (default: 0.2; 0: fit on all "
        "rows, report in-sample)",
    )
    fit.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="output directory (default: DATA's name + '-skdistill')",
    )
    fit.add_argument("--force", action="store_true", help="replace --out if it exists")
    fit.add_argument(
        "--n-jobs",
        type=_n_jobs,
        metavar="N",
        default=0,
        help="threads of the teacher, OpenMP and BLAS; 0: the libraries' "
        "defaults, all cores (default: 0; on a busy shared machine 1 is often "
        "much faster)",
    )
    fit.add_argument("--random-state", type=_seed, default=0, metavar="SEED")
    fit.add_argument("-q", "--quiet", action="store_true", help=_QUIET_HELP)
    fit.set_defaults(handler=_cmd_fit)

    # predict
    predict = sub.add_parser(
        "predict",
        help="score a CSV/Parquet file with an ONNX scorer or a saved model",
        description=(
            "Predict every row of DATA. MODEL is an ONNX scorer (model.onnx, run in "
            "ONNX Runtime), a saved model (model.skops, model.joblib) or the "
            "directory written by 'skdistill fit'. DATA must hold the columns the "
            "model was fitted on (the target column may be present; it is "
            "ignored). Writes 'prediction' and, for classifiers, one 'proba_CLASS' "
            "column per class, to --out or to stdout as CSV."
        ),
        epilog=(
            "examples:\n"
            "  skdistill predict churn-skdistill/model.onnx new.csv --out scores.csv\n"
            "  skdistill predict churn-skdistill new.parquet > scores.csv"
        ),
        formatter_class=_Formatter,
    )
    predict.add_argument(
        "model", metavar="MODEL", help=".onnx, .skops, .joblib or a fit directory"
    )
    predict.add_argument("data", metavar="DATA", help="CSV or Parquet file")
    predict.add_argument(
        "--out",
        metavar="FILE",
        default=None,
        help=".csv or .parquet (default: CSV on stdout)",
    )
    predict.add_argument("-q", "--quiet", action="store_true", help=_QUIET_HELP)
    predict.set_defaults(handler=_cmd_predict)

    # report
    report = sub.add_parser(
        "report",
        help="distillation report of a saved model on labelled rows",
        description=(
            "Measure a saved model (with its teacher: .skops, .joblib or the "
            "'skdistill fit' directory) on the labelled rows of DATA and print "
            "the distillation report. The baseline (the same student trained "
            "on the labels) is fitted on the rows of --train, or without it on "
            "a random half of DATA and compared with the teacher on the other "
            "half."
        ),
        epilog=(
            "examples:\n"
            "  skdistill report churn-skdistill new_labelled.csv --target churned\n"
            "  skdistill report churn-skdistill test.csv --target churned "
            "--train train.csv\n"
            "  skdistill report model.skops test.parquet --target y --out report-dir"
        ),
        formatter_class=_Formatter,
    )
    report.add_argument(
        "model", metavar="MODEL", help=".skops, .joblib or a fit directory"
    )
    report.add_argument(
        "data", metavar="DATA", help="CSV or Parquet file with the target"
    )
    report.add_argument("--target", required=True, metavar="COLUMN")
    report.add_argument(
        "--train",
        metavar="FILE",
        default=None,
        help="the labelled rows the model was fitted on (same columns): the "
        "baseline is fitted on them and all of DATA is measured",
    )
    report.add_argument(
        "--out",
        metavar="DIR",
        default=None,
        help="also write report.md, report.json and plots here",
    )
    report.add_argument(
        "--force", action="store_true", help="replace --out if it exists"
    )
    report.add_argument(
        "--random-state", type=_seed, default=0, metavar="SEED", help="baseline split"
    )
    report.add_argument("-q", "--quiet", action="store_true", help=_QUIET_HELP)
    report.set_defaults(handler=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with _warnings_once(getattr(args, "quiet", False)):
            return args.handler(args)
    except CLIError as error:
        print(f"skdistill: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `skdistill predict ... | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:  # pragma: no cover - interactive
        print("skdistill: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
