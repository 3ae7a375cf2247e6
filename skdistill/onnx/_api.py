"""User-facing helpers: export a distiller, check the export, export a teacher."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import onnx
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_array, check_is_fitted

from .._cascade import DistilledCascade
from .._distill import DistilledClassifier, DistilledRegressor
from .._teacher import split_final, unfrozen
from ._converters import register
from ._graph import OnnxExportError
from ._teacher import (
    conversion_problem,
    convert_teacher,
    convert_with_fixes,
    embedding_problem,
    teacher_opsets,
    trial_conversions,
)


def _distillers(model) -> list:
    """The distillers (and cascades) inside ``model``: itself, or Pipeline
    steps, recursively (through ``FrozenEstimator``)."""
    model = unfrozen(model)
    if isinstance(model, (DistilledClassifier, DistilledRegressor, DistilledCascade)):
        return [model]
    if isinstance(model, Pipeline):
        return [d for _, step in model.steps for d in _distillers(step)]
    return []


def _steps_within(est):
    """``est`` and every step inside it (pipelines, column transformers,
    feature unions; a ``FrozenEstimator`` as what it wraps)."""
    est = unfrozen(est)
    yield est
    if isinstance(est, Pipeline):
        for _, step in est.steps:
            yield from _steps_within(step)
    parts = [*getattr(est, "transformers_", []), *getattr(est, "transformer_list", [])]
    for _, transformer, *_ in parts:
        if not isinstance(transformer, str):  # 'drop', 'passthrough'
            yield from _steps_within(transformer)


def _check_ordinal_encoders(model) -> None:
    """skl2onnx codes a missing value an ``OrdinalEncoder`` learnt as one more
    category (its index) where scikit-learn gives ``encoded_missing_value``
    NaN: the scorer would silently disagree on those rows."""
    from sklearn.preprocessing import OrdinalEncoder

    for step in _steps_within(model):
        if not isinstance(step, OrdinalEncoder) or not hasattr(step, "categories_"):
            continue
        if not _is_nan(step.encoded_missing_value):
            continue
        names = getattr(step, "feature_names_in_", range(len(step.categories_)))
        missing = [
            str(name)
            for name, cats in zip(names, step.categories_, strict=True)
            if len(cats) and _is_nan(cats[-1])
        ]
        if missing:
            raise OnnxExportError(
                f"OrdinalEncoder learnt missing values in column(s) {missing} and "
                "encodes them as NaN (encoded_missing_value=nan); skl2onnx's "
                "converter would give them a category code instead, so the ONNX "
                "scorer would disagree on those rows. Set encoded_missing_value "
                "to a number (e.g. -2) and fit again."
            )


def _is_nan(value) -> bool:
    """A float NaN (scikit-learn's own test is private API)."""
    return isinstance(value, float) and np.isnan(value)


def _check_sample(model, X_sample) -> None:
    """``X_sample`` is 2-D and shaped like the rows ``model`` was fitted on."""
    if np.ndim(X_sample) != 2:
        raise ValueError(
            "X_sample must be 2-D, rows shaped like the training data (e.g. "
            f"X[:1]); got an array of shape {np.shape(X_sample)}."
        )
    names = getattr(model, "feature_names_in_", None)
    if names is not None and hasattr(X_sample, "columns"):
        given = set(X_sample.columns)
        missing = [c for c in names if c not in given]
        if missing:
            raise ValueError(
                f"X_sample lacks the column(s) {missing} that "
                f"{type(model).__name__} was fitted with."
            )
        return
    expected = getattr(model, "n_features_in_", None)
    if expected is not None and np.shape(X_sample)[1] != expected:
        raise ValueError(
            f"X_sample has {np.shape(X_sample)[1]} columns but "
            f"{type(model).__name__} was fitted on {expected}; the exported "
            "graph's input is shaped after X_sample."
        )


def _sample(model, X_sample):
    """A bare distiller takes one numeric matrix: DataFrames become arrays."""
    bare = (DistilledClassifier, DistilledRegressor, DistilledCascade)
    if isinstance(model, bare) and hasattr(X_sample, "columns"):
        float32 = all(
            isinstance(d, np.dtype) and d == np.float32 for d in X_sample.dtypes
        )
        return _matrix(X_sample, np.float32 if float32 else np.float64)
    if isinstance(X_sample, np.ndarray) and X_sample.dtype.kind in "iub":
        return X_sample.astype(np.float32)
    return X_sample


def prune(onx):
    """Drop nodes no output depends on, and Identity nodes in front of outputs.

    skl2onnx converts a sub-estimator with all its outputs (a classifier's
    labels too) even where the distiller only reads its probabilities; those
    nodes would still run in onnxruntime. Works in place; returns ``onx``.
    """
    graph = onx.graph
    subgraph = (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
    if any(attr.type in subgraph for node in graph.node for attr in node.attribute):
        return onx  # GRAPH(S) attributes: subgraphs may read any outer name
    outputs = {o.name for o in graph.output}
    inputs = {i.name for i in graph.input}
    producers = {}
    for node in graph.node:
        for name in node.output:
            producers[name] = node
    # Identity(x) -> output: let x's producer write the output directly
    for node in list(graph.node):
        if node.op_type != "Identity" or node.output[0] not in outputs:
            continue
        source = node.input[0]
        if source in inputs or source in outputs or source not in producers:
            continue
        producer = producers[source]
        new = node.output[0]
        for other in graph.node:
            for i, name in enumerate(other.input):
                if name == source:
                    other.input[i] = new
        for i, name in enumerate(producer.output):
            if name == source:
                producer.output[i] = new
        graph.node.remove(node)
        producers[new] = producer
    # dead nodes, then unused initializers
    needed = set(outputs)
    kept = []
    for node in reversed(graph.node):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    kept.reverse()
    if len(kept) != len(graph.node):
        del graph.node[:]
        graph.node.extend(kept)
    unused = [init for init in graph.initializer if init.name not in needed]
    for init in unused:
        graph.initializer.remove(init)
    return onx


def _save(onx, path):
    if path is not None:
        with open(os.fspath(path), "wb") as f:
            f.write(onx.SerializeToString())
    return onx


def to_onnx(model, X_sample, path=None, *, zipmap=False, target_opset=None):
    """Export a fitted distiller (or a Pipeline ending in one) to ONNX.

    The teacher is not part of the graph: only the preprocessing, the student
    and the distiller's post-processing (class-column scatter, probability
    clipping or softmax, the softening temperature, label lookup, target
    de-standardisation).

    Parameters
    ----------
    model : DistilledClassifier, DistilledRegressor, DistilledCascade or Pipeline
        A fitted model; a Pipeline may hold a ColumnTransformer (e.g. with
        OneHotEncoder/OrdinalEncoder) in front of the distiller. A cascade
        exports its student with the routing outputs (see Returns).
    X_sample : array-like or DataFrame
        A few rows that fix the input types: float32 rows give a float32
        graph, float64 rows a float64 graph (an integer or boolean array a
        float32 one). A DataFrame given to a Pipeline becomes one input per
        column (as in skl2onnx). A model fitted on a DataFrame whose graph
        takes one numeric matrix keeps the column names in the file's
        metadata (``skdistill.columns``, with ``skdistill.task`` and
        ``skdistill.classes``; not for ``zipmap`` outputs or a cascade), so
        ``skdistill predict`` can score a table with it.
    path : str or path-like, default=None
        Where to write the model (``.onnx``); nothing is written if ``None``.
    zipmap : bool or 'columns', default=False
        skl2onnx's ZipMap on the probabilities: ``False`` keeps a plain
        (N, n_classes) tensor (fastest), ``True`` a list of dicts,
        ``'columns'`` one output per class. Cascades support ``False`` only.
    target_opset : int or None, default=None
        Main ONNX opset (``None``: skl2onnx's latest tested one; at least 13).

    Returns
    -------
    onx : onnx.ModelProto
        Outputs ``label`` and ``probabilities`` for a classifier, ``variable``
        of shape (N, n_outputs) for a regressor. A cascade adds
        ``confidence`` (N,) and the boolean ``use_student`` (N,):
        ``confidence >= threshold_``; rows where it is False should be sent to
        the teacher (its label is then the cascade's answer; see
        :func:`teacher_to_onnx`). The teacher is never in the graph.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from skdistill import DistilledClassifier, to_onnx, verify_onnx
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> model = DistilledClassifier(
    ...     HistGradientBoostingClassifier(max_iter=20), n_synthetic=500,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> onx = to_onnx(model, X[:1].astype("float32"))
    >>> [o.name for o in onx.graph.output]
    ['label', 'probabilities']
    >>> verify_onnx(model, onx, X.astype("float32")).label_agreement
    1.0
    """
    onx = _convert(model, X_sample, zipmap=zipmap, target_opset=target_opset)
    if zipmap is False and not _distillers_of(model, DistilledCascade):
        _record_columns(onx, model)  # label and probabilities (or variable)
    _check_loads(onx)  # the final bytes: verify_onnx reuses the session
    return _save(onx, path)


def _distillers_of(model, kind) -> list:
    return [d for d in _distillers(model) if isinstance(d, kind)]


def _convert(model, X_sample, *, zipmap=False, target_opset=None):
    """The pruned graph :func:`to_onnx` writes, before its checks and
    metadata (the student search costs candidates with it)."""
    register()
    distillers = _distillers(model)
    if not distillers:
        raise TypeError(
            "to_onnx exports a DistilledClassifier, a DistilledRegressor, a "
            "DistilledCascade or a Pipeline that contains one; got "
            f"{type(model).__name__}. Use "
            "skl2onnx.to_onnx for other models."
        )
    for distiller in distillers:
        check_is_fitted(distiller)  # a NotFittedError naming the model
    if not hasattr(X_sample, "shape"):  # a list of rows: the graph types a matrix
        X_sample = np.asarray(X_sample)
    _check_sample(model, X_sample)
    _check_ordinal_encoders(model)
    if hasattr(X_sample, "columns"):
        try:
            check_column_names(X_sample.columns)
        except ValueError as exc:
            raise OnnxExportError(str(exc)) from None
    cascades = [d for d in distillers if isinstance(d, DistilledCascade)]
    if cascades and zipmap is not False:
        raise ValueError(
            f"zipmap={zipmap!r} is not supported for a DistilledCascade, whose "
            "graph has four outputs (label, probabilities, confidence, "
            "use_student); use zipmap=False."
        )
    options = {
        id(d): {"zipmap": zipmap}
        for d in distillers
        if isinstance(d, DistilledClassifier)
    }
    kwargs = dict(options=options or None, target_opset=target_opset)
    try:
        # failures are explained below, after the fact: no trial conversions
        with trial_conversions(False):
            onx = convert_with_fixes(model, _sample(model, X_sample), **kwargs)
    except OnnxExportError:
        raise
    except Exception as exc:
        for distiller in distillers:
            if isinstance(distiller, DistilledCascade):
                distiller = distiller.distiller_
            problem = _student_problem(distiller, kwargs) or embedding_problem(
                distiller
            )
            if problem is not None:
                student = distiller.student_
                raise OnnxExportError(
                    f"skl2onnx cannot convert the student {type(student).__name__} "
                    f"of {type(distiller).__name__}: {problem}"
                ) from exc
        if any(model is d for d in distillers):
            raise
        raise OnnxExportError(
            f"skl2onnx cannot convert this {type(model).__name__}; the "
            "distiller's student converts on its own, so a step around it "
            f"failed: {type(exc).__name__}: {str(exc)[:400]}"
        ) from exc
    return prune(onx)


def _record_columns(onx, model) -> None:
    """Write the column names of a model fitted on a DataFrame into the
    metadata of a graph that takes them as one matrix (``skdistill.columns``,
    ``skdistill.task``, ``skdistill.classes``: what ``skdistill predict``
    reads to build that matrix from a table). A graph with one input per
    column is named by its inputs already."""
    names = getattr(model, "feature_names_in_", None)
    if names is None or len(onx.graph.input) != 1:
        return
    tensor = onx.graph.input[0].type.tensor_type
    numeric = (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE)
    width = tensor.shape.dim[-1].dim_value if tensor.shape.dim else 0
    if tensor.elem_type not in numeric or width != len(names):
        return  # one column of another kind: named by the input already
    props = {p.key: p.value for p in onx.metadata_props}
    props["skdistill.columns"] = json.dumps(
        [{"name": str(name), "kind": "numeric"} for name in names]
    )
    props["skdistill.task"] = "classification" if is_classifier(model) else "regression"
    classes = getattr(model, "classes_", None)
    if classes is not None:
        props["skdistill.classes"] = json.dumps(np.asarray(classes).tolist())
    onnx.helper.set_model_props(onx, props)


def _check_loads(onx) -> None:
    """Raise :class:`OnnxExportError` unless ONNX Runtime can load ``onx``.

    skl2onnx can write a node that ONNX Runtime has no kernel for at the
    input's type (its ``Imputer``, a ``SimpleImputer``, takes float32 only):
    such a file would fail only where it is served. The session is cached
    (:func:`session`), so :func:`verify_onnx` reuses it.
    """
    try:
        session(onx)
    except Exception as exc:  # onnxruntime raises its own exception types
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        hint = ""
        if "Imputer" in text:
            hint = (
                " ONNX Runtime's Imputer node (a SimpleImputer's) takes float32 "
                "only: export from float32 rows (X_sample's numeric columns as "
                "float32)."
            )
        raise OnnxExportError(
            "skl2onnx wrote a graph that ONNX Runtime cannot load: "
            f"{text[:400] or type(exc).__name__}.{hint}"
        ) from exc


def _student_problem(distiller, kwargs) -> str | None:
    """Convert the student alone: the error message if that fails too."""
    return conversion_problem(
        distiller.student_,
        distiller.n_features_in_,
        target_opset=kwargs.get("target_opset"),
    )


def teacher_to_onnx(model, X_sample, path=None, *, zipmap=False, target_opset=None):
    """Export the teacher of a fitted distiller (or any teacher) to ONNX.

    The default teacher converts member by member: XGBoost and LightGBM through
    onnxmltools (installed separately), HistGradientBoosting and extra-trees
    through skl2onnx. The graph is float32 (the boosters' converters are).
    The teacher's calibration temperature (``temperature_``) is *not* applied:
    outputs match ``model.teacher_.predict_proba``.

    Parameters
    ----------
    model : DistilledClassifier, DistilledRegressor or estimator
        A fitted distiller (its ``teacher_`` is exported) or a fitted teacher.
        A FrozenEstimator is unwrapped.
    X_sample : array-like
        Rows fixing the input width; cast to float32.
    path : str or path-like, default=None
        Where to write the model.
    zipmap : bool or 'columns', default=False
        As in :func:`to_onnx` (classifiers only).
    target_opset : int, dict or None, default=None
        Main opset (``None``: skl2onnx's latest tested). The ``ai.onnx.ml``
        opset is pinned to 3, the highest onnxmltools converts XGBoost 3 and
        LightGBM 4 with.

    Raises
    ------
    OnnxExportError
        Naming the member of the ensemble that failed to convert.
    """
    register()
    teacher = model.teacher_ if hasattr(model, "teacher_") else model
    teacher = unfrozen(teacher)
    _check_sample(model, X_sample)
    X_sample = np.asarray(X_sample, dtype=np.float32)
    onx = convert_teacher(
        teacher,
        X_sample,
        zipmap=zipmap,
        target_opset=teacher_opsets(target_opset),
    )
    return _save(onx, path)


# ------------------------------------------------------------- verification
_SESSIONS: OrderedDict = OrderedDict()
_MAX_SESSIONS = 8


def timing_session(onx):
    """An onnxruntime session on one intra-op and one inter-op thread.

    How single-row latencies are measured (``student='auto'``, the report): a
    single row gains nothing from thread pools, and on a busy machine their
    threads only wait. Not cached.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    payload = onx if isinstance(onx, bytes) else onx.SerializeToString()
    return ort.InferenceSession(payload, options, providers=["CPUExecutionProvider"])


def session(onx):
    """An onnxruntime session for ``onx`` (ModelProto, bytes or path), cached.

    Sessions are keyed by the SHA-1 of the serialized model; the eight most
    recently used are kept.
    """
    import onnxruntime as ort

    if isinstance(onx, ort.InferenceSession):
        return onx
    if isinstance(onx, (str, os.PathLike)):
        with open(os.fspath(onx), "rb") as f:
            data = f.read()
    elif isinstance(onx, bytes):
        data = onx
    else:
        data = onx.SerializeToString()
    key = hashlib.sha1(data).hexdigest()
    if key in _SESSIONS:
        _SESSIONS.move_to_end(key)
        return _SESSIONS[key]
    options = ort.SessionOptions()
    options.log_severity_level = 3
    sess = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    _SESSIONS[key] = sess
    if len(_SESSIONS) > _MAX_SESSIONS:
        _SESSIONS.popitem(last=False)
    return sess


_ORT_DTYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(bool)": np.bool_,
    "tensor(string)": object,
}


def _matrix(X, dtype) -> np.ndarray:
    """``X`` (an array or a DataFrame, pandas extension dtypes included: a
    numeric ``category``, ``Int64`` with missing values) as a ``dtype`` matrix,
    converted as the distillers' ``fit`` converts it."""
    return check_array(X, dtype=dtype, ensure_all_finite=False)


def _skl2onnx_name(column) -> str:
    """The name skl2onnx gives the graph input of a DataFrame column: any
    character other than a letter, digit, ``_`` or ``+`` becomes ``_``, and a
    leading digit gets a ``_`` in front (``'mean radius'`` -> ``'mean_radius'``)."""
    name = re.sub(r"[^\w+]", "_", str(column))
    return "_" + name if re.match("^[0-9]", name) else name


def _by_input_name(columns) -> dict:
    """The columns grouped by the input name skl2onnx gives them."""
    groups: dict = {}
    for c in columns:
        groups.setdefault(_skl2onnx_name(c), []).append(c)
    return groups


def name_collisions(columns) -> list:
    """Groups of columns that skl2onnx would give the same input name
    (``'a b'`` and ``'a_b'`` both become ``'a_b'``; it then numbers the
    second ``'a_b1'``, which depends on the column order): such inputs cannot
    be fed by column name safely."""
    return [g for g in _by_input_name(columns).values() if len(g) > 1]


def check_column_names(columns) -> None:
    """Raise a ``ValueError`` naming columns whose ONNX input names collide."""
    collisions = name_collisions(columns)
    if collisions:
        shown = "; ".join(
            f"{[str(c) for c in g]} -> {_skl2onnx_name(g[0])!r}" for g in collisions
        )
        raise ValueError(
            "Some columns would share one ONNX input name (skl2onnx keeps "
            f"letters, digits, '_' and '+' only): {shown}. Rename them."
        )


def input_columns(inputs, columns) -> dict:
    """Which DataFrame column feeds each per-column graph input.

    An input named like a column takes it; otherwise the column whose name
    skl2onnx turned into the input's (it makes names C-like: ``'mean radius'``
    becomes ``'mean_radius'``). Raises a ``ValueError`` naming the inputs no
    column (or more than one) matches.
    """
    exact = {str(c): c for c in columns}
    cleaned = _by_input_name(columns)
    mapping, missing, ambiguous = {}, [], []
    for inp in inputs:
        name = inp.name
        candidates = cleaned.get(name, [])
        if name in exact and all(c == exact[name] for c in candidates):
            mapping[name] = exact[name]
        elif name not in exact and len(candidates) == 1:
            mapping[name] = candidates[0]
        elif candidates:
            ambiguous.extend(candidates)
        else:
            missing.append(name)
    if ambiguous or (missing and name_collisions(columns)):
        check_column_names(ambiguous or columns)
    if missing:
        raise ValueError(
            f"The ONNX model expects the input column(s) {missing}, which X "
            "does not have; was it exported from another model?"
        )
    return mapping


def onnx_feeds(sess, X) -> dict:
    """Inputs for ``sess`` from a matrix or a DataFrame (one input per column)."""
    inputs = sess.get_inputs()
    if len(inputs) == 1:
        dtype = _ORT_DTYPES[inputs[0].type]
        return {inputs[0].name: _matrix(X, dtype)}
    if not hasattr(X, "columns"):
        raise ValueError(
            f"The ONNX model has {len(inputs)} inputs (one per column); pass a "
            "DataFrame with those columns."
        )
    columns = input_columns(inputs, X.columns)
    feeds = {}
    for inp in inputs:
        dtype = _ORT_DTYPES[inp.type]
        column = X[columns[inp.name]]
        if dtype is not object and not isinstance(column.dtype, np.dtype):
            column = column.astype(np.float64)  # Int64, boolean: NA -> NaN
        column = column.to_numpy()
        if np.dtype(dtype).kind in "iu" and column.dtype.kind == "f":
            if np.isnan(column).any():
                raise ValueError(
                    f"Column {columns[inp.name]!r} has missing values, but the "
                    f"ONNX input {inp.name!r} is {inp.type} (the export's "
                    "sample had integers there): export with that column as "
                    "float to score rows with missing values."
                )
        if dtype is object:
            # skl2onnx writes an encoder's categories with str(): a missing
            # value the encoder learnt as a category (NaN -> 'nan', None ->
            # 'None') then matches it, and one it never saw stays unknown,
            # as in scikit-learn
            column = np.array([str(v) for v in column], dtype=object)
        else:
            column = column.astype(dtype)
        feeds[inp.name] = column.reshape(-1, 1)
    return feeds


def _onnx_proba(outputs, classes) -> np.ndarray:
    """Probabilities as an (N, n_classes) array whatever the zipmap option."""
    if len(outputs) > 2:  # zipmap='columns': label, then one output per class
        return np.column_stack([np.asarray(o, dtype=np.float64) for o in outputs[1:]])
    proba = outputs[1]
    if isinstance(proba, list):  # zipmap=True: one {label: probability} per row
        if not proba:
            return np.empty((0, 0 if classes is None else len(classes)))
        keys = list(proba[0])
        wanted = [] if classes is None else np.asarray(classes).tolist()
        order = wanted if set(wanted) == set(keys) else sorted(keys)
        return np.array([[row[k] for k in order] for row in proba], dtype=np.float64)
    return np.asarray(proba, dtype=np.float64)


@dataclass(frozen=True)
class OnnxParity:
    """How closely an ONNX export reproduces its scikit-learn model.

    Attributes
    ----------
    max_abs_diff : float or None
        Largest absolute difference of the probabilities (classifiers) or
        predictions (regressors); ``None`` for a classifier without
        ``predict_proba``.
    label_agreement : float or None
        Share of rows with the same predicted label (classifiers only).
    n_rows : int
        Rows compared.
    output : str
        ``'probabilities'`` or ``'predictions'``.
    input_type : str
        The ONNX input type, e.g. ``'tensor(float)'``.
    route_agreement : float or None
        Cascades only: share of rows routed the same way (``use_student``
        against :meth:`DistilledCascade.route`). The label and probabilities
        of a cascade are compared with its student's
        (``cascade.distiller_``).
    """

    max_abs_diff: float | None
    label_agreement: float | None
    n_rows: int
    output: str
    input_type: str
    route_agreement: float | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _cascade_at_end(model, X):
    """``(cascade, rows it sees)`` for a cascade alone or ending a Pipeline
    (nested ones too), else ``(None, X)``."""
    pre, last = split_final(model)
    if not isinstance(last, DistilledCascade):
        return None, X
    return last, (pre.transform(X) if pre is not None else X)


def verify_onnx(model, onx, X) -> OnnxParity:
    """Run ``onx`` in onnxruntime on ``X`` and compare with ``model``.

    The scikit-learn reference is computed on ``X`` as given; the ONNX graph
    receives ``X`` cast to its input type (so a float32 graph checked with
    float64 rows includes the effect of rounding the inputs).

    Parameters
    ----------
    model : estimator
        The fitted model that was exported (distiller or Pipeline).
    onx : onnx.ModelProto, bytes, path or onnxruntime.InferenceSession
        The exported model. Sessions are cached (see :func:`session`).
    X : array-like or DataFrame

    Returns
    -------
    OnnxParity
    """
    n_features = getattr(model, "n_features_in_", None)
    if n_features is not None and not hasattr(X, "columns"):
        if np.ndim(X) != 2 or np.shape(X)[1] != n_features:
            raise ValueError(
                f"X must have {n_features} columns, as {type(model).__name__} "
                f"was fitted with; got an array of shape {np.shape(X)}."
            )
    sess = session(onx)
    outputs = sess.run(None, onnx_feeds(sess, X))
    n_rows = len(X)
    input_type = sess.get_inputs()[0].type
    route = None
    cascade, rows = _cascade_at_end(model, X)
    if cascade is not None:
        # the graph's label and probabilities are the student's; its route
        # output says which rows the student keeps
        use_student = np.asarray(outputs[3], dtype=bool).reshape(-1)
        route = float(np.mean(use_student == cascade.route(rows))) if n_rows else 1.0
        model, X, outputs = cascade.distiller_, rows, outputs[:2]
    if not is_classifier(model):
        expected = np.asarray(model.predict(X), dtype=np.float64).reshape(n_rows, -1)
        got = np.asarray(outputs[0], dtype=np.float64).reshape(n_rows, -1)
        return OnnxParity(
            _max_abs_diff(got, expected),
            None,
            n_rows,
            "predictions",
            input_type,
        )
    labels = np.asarray(outputs[0]).reshape(-1)
    expected_labels = np.asarray(model.predict(X))
    if expected_labels.dtype.kind in "biu":
        expected_labels = expected_labels.astype(np.int64)
    elif expected_labels.dtype.kind in "OUS":
        expected_labels = expected_labels.astype(str)
        labels = labels.astype(str)
    agreement = float(np.mean(labels == expected_labels)) if n_rows else 1.0
    diff = None
    if hasattr(model, "predict_proba"):
        expected = np.asarray(model.predict_proba(X), dtype=np.float64)
        got = _onnx_proba(outputs, getattr(model, "classes_", None))
        diff = _max_abs_diff(got, expected)
    return OnnxParity(diff, agreement, n_rows, "probabilities", input_type, route)


def _max_abs_diff(got: np.ndarray, expected: np.ndarray) -> float:
    """The largest ``|got - expected|``; a NaN on one side only counts as
    ``inf`` (a NaN difference would pass any ``max_abs_diff <= tol`` check
    unnoticed), NaN on both sides as equal."""
    if got.size == 0:
        return 0.0
    with np.errstate(invalid="ignore"):  # inf - inf
        diff = np.abs(got - expected)
    diff[got == expected] = 0.0  # infinities alike
    got_nan, expected_nan = np.isnan(got), np.isnan(expected)
    diff[got_nan & expected_nan] = 0.0
    diff[got_nan ^ expected_nan] = np.inf
    return float(np.max(diff))


__all__ = [
    "OnnxExportError",
    "OnnxParity",
    "teacher_to_onnx",
    "to_onnx",
    "verify_onnx",
]
