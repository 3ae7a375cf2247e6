"""The ``skdistill`` command line: demo, fit, predict, report, and bad input."""

import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from skdistill import cli
from skdistill.cli import main

# Every fit uses the cheap teacher (a documented --teacher choice) on one thread.
FAST = ["--teacher", "hgb", "--n-synthetic", "0.5", "--n-jobs", "1", "-q"]


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    with threadpool_limits(1):
        yield


def make_frame(n=160, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50, 10, n).round(2),
            "city": pd.Series(rng.choice(["paris", "rome", "oslo"], n), dtype=object),
            "plan": pd.Series(rng.choice(["a", "b"], n), dtype=object),
        }
    )
    frame.loc[::11, "income"] = np.nan
    frame.loc[::7, "city"] = None
    noise = rng.random(n) < 0.1
    frame["churn"] = np.where(
        ((frame.age > 50) ^ (frame.city == "oslo")) ^ noise, "yes", "no"
    )
    frame["spend"] = frame.age * 2.0 + frame.income.fillna(50) + rng.normal(0, 5, n)
    return frame


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def churn_csv(workdir):
    path = workdir / "churn.csv"
    make_frame().drop(columns="spend").to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def fitted_with_logs(workdir, churn_csv):
    """One fit shared by the tests, with its progress lines (no -q)."""
    out = workdir / "churn-model"
    argv = ["fit", str(churn_csv), "--target", "churn", "--out", str(out)]
    argv += ["--teacher", "hgb", "--n-synthetic", "0.5", "--n-jobs", "1"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        assert main(argv) == 0
    return out, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def fitted(fitted_with_logs):
    return fitted_with_logs[0]


def run(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------------ help
@pytest.mark.parametrize("command", ["demo", "fit", "predict", "report"])
def test_every_command_has_help_with_examples(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"skdistill {command}" in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_teacher_choices_are_documented():
    help_text = cli.build_parser().format_help()
    assert "skdistill fit" in help_text
    fit_help = cli.build_parser()._subparsers._group_actions[0].choices["fit"]
    text = fit_help.format_help()
    for choice in cli.TEACHERS:
        assert choice in text
    assert "--student auto" in text and "--max-latency-us" in text


# ------------------------------------------------------------------------- fit
def test_fit_writes_every_artefact(fitted):
    names = {p.name for p in fitted.iterdir()}
    assert {
        "model.skops",
        "model.joblib",
        "model.onnx",
        "report.md",
        "report.json",
        "metadata.json",
    } <= names
    assert "reliability.png" in names
    meta = json.loads((fitted / "metadata.json").read_text())
    assert meta["task"] == "classification" and meta["target"] == "churn"
    assert meta["classes"] == ["no", "yes"]
    kinds = {c["name"]: c["kind"] for c in meta["columns"]}
    assert kinds == {
        "age": "numeric",
        "income": "numeric",
        "city": "categorical",
        "plan": "categorical",
    }
    assert meta["skops"] == "full model"
    report = json.loads((fitted / "report.json").read_text())
    assert report["onnx"]["exported"] and report["onnx"]["label_agreement"] == 1.0
    # no temporary directories are left beside the output
    assert not [p for p in fitted.parent.iterdir() if p.name.startswith(".")]


def test_fit_pipeline_encodes_text_and_keeps_observed_levels(fitted):
    from skdistill.persistence import load_model

    model = load_model(fitted / "model.skops")
    distiller = model[-1]
    # ordinal codes of the two text columns follow the two numeric columns
    assert list(distiller.categorical_features) == [2, 3]
    assert distiller.augmenter_.categorical_mask_.tolist() == [False, False, True, True]


def test_predict_onnx_and_saved_models_agree(fitted, churn_csv, workdir, capsys):
    outputs = {}
    for name, model in [
        ("onnx", fitted / "model.onnx"),
        ("skops", fitted / "model.skops"),
        ("joblib", fitted / "model.joblib"),
        ("dir", fitted),
    ]:
        out = workdir / f"pred-{name}.csv"
        code, _, err = run(["predict", model, churn_csv, "--out", out, "-q"], capsys)
        assert code == 0, err
        outputs[name] = pd.read_csv(out)
    first = outputs["onnx"]
    assert list(first.columns) == ["prediction", "proba_no", "proba_yes"]
    assert len(first) == 160
    for other in outputs.values():
        assert (other["prediction"] == first["prediction"]).all()
        np.testing.assert_allclose(other["proba_yes"], first["proba_yes"], atol=1e-9)


def test_predict_parquet_to_stdout_with_unseen_level(fitted, workdir, capsys):
    pytest.importorskip("pyarrow")
    frame = make_frame(20, seed=1).drop(columns=["churn", "spend"])
    frame.loc[0, "city"] = "lima"  # a level never seen at fit time
    path = workdir / "new.parquet"
    frame.to_parquet(path)
    code, out, err = run(["predict", fitted / "model.onnx", path, "-q"], capsys)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "prediction,proba_no,proba_yes" and len(lines) == 21


def test_report_command(fitted, churn_csv, workdir, capsys):
    out_dir = workdir / "report-out"
    code, out, err = run(
        ["report", fitted, churn_csv, "--target", "churn", "--out", out_dir, "-q"],
        capsys,
    )
    assert code == 0, err
    assert "Distillation report: Pipeline(DistilledClassifier)" in out
    assert (out_dir / "report.md").exists() and (out_dir / "report.json").exists()


def test_report_with_the_training_rows(fitted, churn_csv, workdir, capsys):
    """--train: the baseline is fitted on those rows and all of DATA is
    measured (no half split, no Python-only advice)."""
    new_rows = workdir / "report_new_rows.csv"
    make_frame(120, seed=5).drop(columns="spend").to_csv(new_rows, index=False)
    argv = ["report", fitted, new_rows, "--target", "churn", "-q"]
    code, out, err = run([*argv, "--train", churn_csv], capsys)
    assert code == 0, err
    assert "120 rows" in out.splitlines()[0] and "random half" not in out
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert "random half" in out and "--train" in out
    code, out, err = run([*argv, "--train", workdir / "absent.csv"], capsys)
    _assert_clean_error(code, out, err, "no such file")


def test_fit_regression_with_linear_student(workdir, capsys):
    path = workdir / "spend.csv"
    make_frame(120).drop(columns="churn").to_csv(path, index=False)
    out = workdir / "spend-model"
    code, stdout, err = run(
        ["fit", path, "--target", "spend", "--student", "linear", "--out", out, *FAST],
        capsys,
    )
    assert code == 0, err
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["task"] == "regression" and meta["classes"] is None
    assert 0 < meta["n_synthetic_rows"] <= meta["n_train"]  # --n-synthetic 0.5
    assert "R^2" in stdout and "model.onnx" in stdout
    code, pred, err = run(["predict", out / "model.onnx", path, "-q"], capsys)
    assert code == 0, err  # the target column may be present; it is ignored
    assert pred.splitlines()[0] == "prediction"


def test_progress_lines_go_to_stderr(fitted_with_logs):
    out, stdout, err = fitted_with_logs
    assert "[skdistill" in err and "s] reading" in err
    assert "[DistilledClassifier]" in err  # the estimator's own phases
    assert "[skdistill" not in stdout
    assert "Distillation report" in stdout and str(out) in stdout


def test_fit_student_auto_records_the_choice(workdir, churn_csv, capsys):
    out = workdir / "auto-model"
    argv = ["fit", churn_csv, "--target", "churn", "--student", "auto"]
    code, _, err = run(
        [*argv, "--max-onnx-bytes", "100000", "--out", out, *FAST], capsys
    )
    assert code == 0, err
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["student"] == "auto" and meta["student_chosen"]
    assert meta["student_budget"] == {"onnx_bytes": 100000}


# ------------------------------------------------------------------- bad input
def _assert_clean_error(code, out, err, *words):
    assert code == 2
    lines = [line for line in err.strip().splitlines() if not line.startswith("[")]
    assert len(lines) == 1, err
    assert lines[0].startswith("skdistill: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    "case, words",
    [
        ("missing_file", ["no such file"]),
        ("unknown_target", ["'nope'", "columns are"]),
        ("single_value", ["single value"]),
        ("not_csv", ["not a CSV or Parquet file"]),
        ("parquet_named_csv", ["Parquet file named like a CSV"]),
        ("binary_csv", ["not a readable CSV"]),
    ],
)
def test_fit_bad_input(case, words, workdir, churn_csv, capsys):
    target = "churn"
    data = churn_csv
    if case == "missing_file":
        data = workdir / "absent.csv"
    elif case == "unknown_target":
        target = "nope"
    elif case == "single_value":
        data = workdir / "single.csv"
        pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1, 1, 1]}).to_csv(data, index=False)
        target = "y"
    elif case == "not_csv":
        data = workdir / "table.xlsx"
        data.write_bytes(b"PK\x03\x04 not a spreadsheet we read")
    elif case == "parquet_named_csv":
        data = workdir / "really_parquet.csv"
        data.write_bytes(b"PAR1" + b"\x00" * 20)
    elif case == "binary_csv":
        data = workdir / "binary.csv"
        data.write_bytes(b"\xff\xfe\x00\x81" * 50)
    out = workdir / f"never-{case}"
    code, stdout, err = run(
        ["fit", data, "--target", target, "--out", out, "-q"], capsys
    )
    _assert_clean_error(code, stdout, err, *words)
    assert not out.exists()


def test_fit_refuses_to_overwrite_without_force(fitted, churn_csv, capsys):
    code, out, err = run(
        ["fit", churn_csv, "--target", "churn", "--out", fitted], capsys
    )
    _assert_clean_error(code, out, err, "--force")


def test_budget_needs_student_auto(churn_csv, workdir, capsys):
    argv = ["fit", churn_csv, "--target", "churn", "--max-latency-us", "10"]
    code, out, err = run([*argv, "--out", workdir / "never-budget", "-q"], capsys)
    _assert_clean_error(code, out, err, "--student auto")
    assert not (workdir / "never-budget").exists()


@pytest.mark.parametrize("command", ["fit", "demo"])
def test_negative_n_jobs_is_refused(command, churn_csv, capsys):
    """-1 is scikit-learn's 'all cores' (as 0 here); below it, an error."""
    from skdistill.cli import build_parser

    assert build_parser().parse_args(["demo", "--n-jobs", "-1"]).n_jobs == 0
    argv = [command, "--n-jobs", "-2"]
    if command == "fit":
        argv = ["fit", str(churn_csv), "--target", "churn", "--n-jobs", "-2"]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "--n-jobs: must be 0" in capsys.readouterr().err


def test_parquet_without_pyarrow(workdir, monkeypatch, capsys):
    path = workdir / "data.parquet"
    path.write_bytes(b"PAR1" + b"\x00" * 20)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code, out, err = run(["fit", path, "--target", "y", "-q"], capsys)
    _assert_clean_error(code, out, err, "pyarrow", "pip install pyarrow")


@pytest.mark.parametrize("model_name", ["model.onnx", "model.skops"])
def test_predict_columns_differ(fitted, workdir, model_name, capsys):
    frame = make_frame(10).drop(columns=["churn", "spend", "plan"])
    frame["extra"] = 1.0
    path = workdir / "wrong_columns.csv"
    frame.to_csv(path, index=False)
    out = workdir / "never.csv"
    code, stdout, err = run(
        ["predict", fitted / model_name, path, "--out", out, "-q"], capsys
    )
    _assert_clean_error(code, stdout, err, "missing ['plan']", "unexpected ['extra']")
    assert not out.exists()


def test_predict_numeric_column_with_text(fitted, workdir, capsys):
    frame = make_frame(10).drop(columns=["churn", "spend"])
    frame["age"] = frame["age"].astype(object)
    frame.loc[3, "age"] = "old"
    path = workdir / "text_in_numeric.csv"
    frame.to_csv(path, index=False)
    code, out, err = run(["predict", fitted, path, "-q"], capsys)
    _assert_clean_error(code, out, err, "'age'", "numeric")


@pytest.mark.parametrize("value", [np.inf, -np.inf, 1e39])
def test_non_finite_numbers_are_one_line_errors(fitted, workdir, value, capsys):
    """A value no model takes (infinite, beyond float32) is refused by name,
    by every scorer and command alike, before any model sees it."""
    frame = make_frame(10).drop(columns=["spend"])
    frame["income"] = frame["income"].astype(float)
    frame.loc[4, "income"] = value
    path = workdir / "non_finite.csv"
    frame.to_csv(path, index=False)
    for argv in (
        ["predict", fitted / "model.onnx", path],
        ["predict", fitted / "model.skops", path],
        ["report", fitted, path, "--target", "churn"],
        ["fit", path, "--target", "churn", "--out", workdir / "never-inf"],
    ):
        code, out, err = run([*argv, "-q"], capsys)
        _assert_clean_error(code, out, err, "'income'", "data row 5,")


def test_predict_with_a_one_matrix_onnx_file_from_python(tmp_path, capsys):
    """to_onnx of a distiller fitted on a numeric DataFrame (one matrix
    input) records its columns, so the command line can score a table."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from skdistill import DistilledClassifier, to_onnx

    rows = make_frame(200)
    frame, y = rows[["age", "income"]], rows["churn"].to_numpy()
    teacher = HistGradientBoostingClassifier(max_iter=10)
    model = DistilledClassifier(teacher, n_synthetic=0, random_state=0)
    model.fit(frame, y)
    to_onnx(model, frame[:1], path=tmp_path / "python.onnx")
    frame[["income", "age"]].to_csv(tmp_path / "rows.csv", index=False)
    code, out, err = run(
        ["predict", tmp_path / "python.onnx", tmp_path / "rows.csv"], capsys
    )
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out))
    np.testing.assert_array_equal(got["prediction"], model.predict(frame))
    assert list(got.columns) == ["prediction", "proba_no", "proba_yes"]


def test_predict_missing_model(workdir, churn_csv, capsys):
    code, out, err = run(["predict", workdir / "nope.onnx", churn_csv], capsys)
    _assert_clean_error(code, out, err, "no such file")


def test_report_refuses_onnx(fitted, churn_csv, capsys):
    code, out, err = run(
        ["report", fitted / "model.onnx", churn_csv, "--target", "churn", "-q"], capsys
    )
    _assert_clean_error(code, out, err, "teacher")


def test_failed_fit_leaves_no_partial_output(workdir, churn_csv, monkeypatch, capsys):
    import skdistill.report

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure while measuring the report")

    monkeypatch.setattr(skdistill.report, "distillation_report", boom)
    out = workdir / "interrupted"
    with pytest.raises(RuntimeError, match="simulated"):
        main(["fit", str(churn_csv), "--target", "churn", "--out", str(out), *FAST])
    assert not out.exists()
    assert not [p for p in workdir.iterdir() if p.name.startswith(".interrupted")]


# ------------------------------------------------------------------------ demo
def test_demo_prints_report_and_writes_onnx(workdir, capsys):
    out = workdir / "demo"
    argv = ["demo", "--dataset", "wine", "--teacher", "hgb", "--n-jobs", "1"]
    code, stdout, err = run([*argv, "--out", out, "-q"], capsys)
    assert code == 0, err
    assert "Distillation report: DistilledClassifier" in stdout
    assert "ONNX scorer (student only, " in stdout and str(out / "model.onnx") in stdout
    assert (out / "model.onnx").stat().st_size > 0
    # the printed follow-up command works
    code, pred, err = run(
        ["predict", out / "model.onnx", out / "heldout.csv", "-q"], capsys
    )
    assert code == 0, err
    assert len(pred.strip().splitlines()) == 1 + 45


def test_predict_out_must_be_csv_or_parquet(fitted, churn_csv, workdir, capsys):
    out = workdir / "scores.xlsx"
    code, stdout, err = run(["predict", fitted, churn_csv, "--out", out], capsys)
    _assert_clean_error(code, stdout, err, ".csv or .parquet")
    assert not out.exists() and "loading" not in err


def test_fit_on_data_the_model_cannot_fit_is_one_line_exit_2(tmp_path, capsys):
    data = tmp_path / "tiny.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    out = tmp_path / "out"
    argv = ["fit", str(data), "--target", "b", "--out", str(out), "-q"]
    assert main([*argv, "--test-size", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("skdistill: error: cannot fit on the 2 training rows")
    assert "classes with a single row: [2, 4]" in err[-1]
    assert not out.exists()


def test_demo_replaces_its_own_output_but_not_other_directories(workdir, capsys):
    argv = ["demo", "--dataset", "wine", "--teacher", "hgb", "--n-jobs", "1", "-q"]
    out = workdir / "demo-twice"
    assert run([*argv, "--out", out], capsys)[0] == 0
    assert run([*argv, "--out", out], capsys)[0] == 0  # an earlier demo output
    victim = workdir / "precious"
    victim.mkdir()
    (victim / "important.txt").write_text("keep me")
    code, out_text, err = run([*argv, "--out", victim], capsys)
    _assert_clean_error(code, out_text, err, "--force")
    assert (victim / "important.txt").read_text() == "keep me"
    # a file the user added to an earlier demo output makes it theirs
    for name in ("my_analysis.ipynb", "holiday.png"):
        (out / name).write_text("mine")
        code, out_text, err = run([*argv, "--out", out], capsys)
        _assert_clean_error(code, out_text, err, "--force", name)
        assert (out / name).read_text() == "mine"
        (out / name).unlink()


def test_predict_never_writes_over_its_input(fitted, churn_csv, capsys):
    before = churn_csv.read_bytes()
    argv = ["predict", fitted / "model.onnx", churn_csv, "--out", churn_csv, "-q"]
    code, out, err = run(argv, capsys)
    _assert_clean_error(code, out, err, "is the input")
    assert churn_csv.read_bytes() == before


def test_force_never_replaces_a_directory_holding_the_input(workdir, capsys):
    project = workdir / "project"
    project.mkdir()
    data = project / "churn.csv"
    make_frame(60).drop(columns="spend").to_csv(data, index=False)
    (project / "NOTES.txt").write_text("mine")
    argv = ["fit", data, "--target", "churn", "--out", project, "--force", *FAST]
    code, out, err = run(argv, capsys)
    _assert_clean_error(code, out, err, "holds the input", "churn.csv")
    assert data.exists() and (project / "NOTES.txt").read_text() == "mine"


def test_fit_refuses_a_target_without_values(workdir, capsys):
    path = workdir / "no-target.csv"
    frame = make_frame(20).drop(columns="spend")
    frame["churn"] = np.nan
    frame.to_csv(path, index=False)
    argv = ["fit", path, "--target", "churn", "--out", workdir / "never-empty", *FAST]
    code, out, err = run(argv, capsys)
    _assert_clean_error(code, out, err, "'churn'", "no values")


def test_out_cannot_be_the_current_directory(workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    argv = ["demo", "--dataset", "wine", "--teacher", "hgb", "-q", "--force"]
    code, out, err = run([*argv, "--out", "."], capsys)
    _assert_clean_error(code, out, err, "current directory")
    assert not [p for p in workdir.iterdir() if p.name.startswith("..tmp")]


def test_report_refuses_a_one_valued_target(fitted, workdir, capsys):
    path = workdir / "one-valued.csv"
    frame = make_frame().drop(columns="spend")
    frame["churn"] = "yes"
    frame.to_csv(path, index=False)
    code, out, err = run(["report", fitted, path, "--target", "churn", "-q"], capsys)
    _assert_clean_error(code, out, err, "single value")


def test_python_dash_m_runs_the_command_line():
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "skdistill", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "demo" in done.stdout and "fit" in done.stdout


def test_fit_and_predict_with_column_names_onnx_rewrites(workdir, capsys):
    """ONNX input names are C-like ('mean radius' -> 'mean_radius'); the fit's
    report and predict still feed the file's columns."""
    path = workdir / "spaced.csv"
    frame = make_frame(120).drop(columns="spend")
    frame = frame.rename(columns={"income": "mean income", "age": "age-years"})
    frame.to_csv(path, index=False)
    out = workdir / "spaced-model"
    argv = ["fit", path, "--target", "churn", "--out", out, *FAST]
    assert run(argv, capsys)[0] == 0
    code, stdout, _ = run(["predict", out / "model.onnx", path, "-q"], capsys)
    assert code == 0 and len(stdout.strip().splitlines()) == 121


def test_fit_refuses_columns_that_share_an_onnx_name(workdir, capsys):
    path = workdir / "clash.csv"
    frame = make_frame(60).drop(columns="spend")
    frame["age b"], frame["age_b"] = frame.age, frame.age * 2
    frame.to_csv(path, index=False)
    argv = ["fit", path, "--target", "churn", "--out", workdir / "never-clash", *FAST]
    code, out, err = run(argv, capsys)
    _assert_clean_error(code, out, err, "age b", "age_b", "Rename")
    assert not (workdir / "never-clash").exists()


def test_demo_may_fill_an_empty_folder(workdir, capsys):
    empty = workdir / "empty-demo"
    empty.mkdir()
    argv = ["demo", "--dataset", "wine", "--teacher", "hgb", "--n-jobs", "1", "-q"]
    assert run([*argv, "--out", empty], capsys)[0] == 0
    assert (empty / "model.onnx").exists()


def test_predict_with_an_onnx_file_exported_from_python(workdir, capsys):
    """A graph from skdistill.to_onnx has C-like input names ('mean income')
    and no column metadata: predict matches the file's own column names."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline

    from skdistill import DistilledClassifier, to_onnx

    frame = make_frame(150).drop(columns=["spend", "city", "plan"])
    frame = frame.rename(columns={"income": "mean income"})
    X, y = frame.drop(columns="churn"), frame["churn"]
    model = make_pipeline(
        ColumnTransformer([("num", "passthrough", ["age", "mean income"])]),
        DistilledClassifier(
            HistGradientBoostingClassifier(max_iter=20), n_synthetic=0.5, random_state=0
        ),
    ).fit(X, y)
    onx_path = workdir / "from-python.onnx"
    onx_path.write_bytes(to_onnx(model, X[:1]).SerializeToString())
    data = workdir / "from-python.csv"
    X.to_csv(data, index=False)
    code, stdout, err = run(["predict", onx_path, data, "-q"], capsys)
    assert code == 0, err
    labels = [line.split(",")[0] for line in stdout.strip().splitlines()[1:]]
    assert labels == list(model.predict(X))


def test_predict_onnx_feeds_missing_text_as_the_encoder_learnt_it(workdir, capsys):
    """A text column with missing values the encoder learnt as a category
    (NaN): the ONNX scorer gets them as the exported categories hold them
    ('nan'), so predict on the file matches the Python pipeline (an empty
    string would be an unknown category: other probabilities). The sample
    row's own text value is missing too (the input types come from the
    column dtype, not its first value)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    from skdistill import DistilledClassifier, to_onnx

    data = workdir / "missing-text.csv"
    make_frame(150).drop(columns=["spend", "plan", "income"]).to_csv(data, index=False)
    frame = pd.read_csv(data)
    X, y = frame.drop(columns="churn"), frame["churn"]
    assert X.city.isna().iloc[0]
    model = make_pipeline(
        ColumnTransformer(
            [
                ("num", "passthrough", ["age"]),
                ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]),
            ]
        ),
        DistilledClassifier(
            HistGradientBoostingClassifier(max_iter=20), n_synthetic=0.5, random_state=0
        ),
    ).fit(X, y)
    encoder = model[0].named_transformers_["cat"]
    assert pd.isna(encoder.categories_[0][-1])  # missing is a learnt category
    onx_path = workdir / "missing-text.onnx"
    onx_path.write_bytes(to_onnx(model, X[:1]).SerializeToString())
    X.to_csv(data, index=False)
    code, stdout, err = run(["predict", onx_path, data, "-q"], capsys)
    assert code == 0, err
    out = pd.read_csv(io.StringIO(stdout))
    assert list(out.iloc[:, 0]) == list(model.predict(X))
    np.testing.assert_allclose(
        out.iloc[:, 1:].to_numpy(dtype=float), model.predict_proba(X), atol=1e-5
    )


def test_predict_boolean_target_same_labels_from_onnx_and_saved_model(workdir, capsys):
    """ONNX has no boolean labels (the graph gives 0/1): predict writes
    False/True from either file, as the class columns say."""
    frame = make_frame(150).drop(columns=["spend", "city", "plan"])
    frame["churn"] = frame["churn"] == "yes"
    path = workdir / "bool-target.csv"
    frame.to_csv(path, index=False)
    new = workdir / "bool-new.csv"
    frame.drop(columns="churn").to_csv(new, index=False)
    out = workdir / "bool-model"
    assert run(["fit", path, "--target", "churn", "--out", out, *FAST], capsys)[0] == 0
    code, from_onnx, err = run(["predict", out / "model.onnx", new, "-q"], capsys)
    assert code == 0, err
    code, from_saved, err = run(["predict", out, new, "-q"], capsys)
    assert code == 0, err
    assert from_onnx.splitlines()[0] == "prediction,proba_False,proba_True"
    onnx_labels = [line.split(",")[0] for line in from_onnx.splitlines()[1:]]
    saved_labels = [line.split(",")[0] for line in from_saved.splitlines()[1:]]
    assert onnx_labels == saved_labels and set(onnx_labels) == {"False", "True"}


def test_warnings_are_shown_once_each_and_not_with_quiet(capsys):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with cli._warnings_once(quiet=False):
        for _ in range(3):
            warnings.warn(
                "stopped early\nsecond line", ConvergenceWarning, stacklevel=1
            )
        warnings.warn("other", UserWarning, stacklevel=1)
        warnings.warn("\n", UserWarning, stacklevel=1)  # blank: no crash
    assert capsys.readouterr().err.splitlines() == [
        "skdistill: ConvergenceWarning: stopped early (3 times)",
        "skdistill: UserWarning: other",
        "skdistill: UserWarning: ",
    ]
    with cli._warnings_once(quiet=True):
        warnings.warn("stopped early", ConvergenceWarning, stacklevel=1)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--test-size", "0.999"], ["--test-size 0.999", "at least 2 rows"]),
        (["--test-size", "0.0001"], ["holds out 1 of 160", "--test-size 0"]),
        (["--n-synthetic", "10.5"], ["--n-synthetic", "whole"]),
        (["--categorical", "age,churn"], ["--categorical", "target 'churn'"]),
    ],
)
def test_fit_bad_options_are_one_line_before_any_work(
    extra, words, workdir, churn_csv, capsys
):
    out = workdir / "never-options"
    argv = ["fit", churn_csv, "--target", "churn", "--out", out, *FAST, *extra]
    code, stdout, err = run(argv, capsys)
    _assert_clean_error(code, stdout, err, *words)
    assert not out.exists()


@pytest.mark.parametrize("seed", ["-1", "4294967296", "x"])
@pytest.mark.parametrize("command", ["demo", "fit"])
def test_random_state_out_of_range_is_a_usage_error(command, seed, churn_csv, capsys):
    argv = [command, "--random-state", seed]
    if command == "fit":
        argv = [command, str(churn_csv), "--target", "churn", "--random-state", seed]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "argument --random-state" in err and "Traceback" not in err


def test_report_checks_out_before_measuring(fitted, churn_csv, workdir, capsys):
    existing = workdir / "existing-report"
    existing.mkdir(exist_ok=True)
    argv = ["report", fitted, churn_csv, "--target", "churn", "--out", existing, "-q"]
    code, stdout, err = run(argv, capsys)
    _assert_clean_error(code, stdout, err, "--force")
    assert stdout == ""  # no report computed and printed first


def test_report_target_may_be_renamed_but_not_a_feature(
    fitted, churn_csv, workdir, capsys
):
    argv = ["report", fitted, churn_csv, "--target", "age", "-q"]
    code, stdout, err = run(argv, capsys)
    _assert_clean_error(code, stdout, err, "'age' is a feature", "'churn'")
    renamed = workdir / "renamed-target.csv"
    pd.read_csv(churn_csv).rename(columns={"churn": "churn_2024"}).to_csv(
        renamed, index=False
    )
    code, stdout, err = run(
        ["report", fitted, renamed, "--target", "churn_2024", "-q"], capsys
    )
    assert code == 0, err
    assert "Distillation report" in stdout


def test_semicolon_separated_file_gets_a_hint(workdir, capsys):
    path = workdir / "semicolon.csv"
    make_frame(20).to_csv(path, index=False, sep=";")
    argv = ["fit", path, "--target", "churn", "--out", workdir / "never-semi", "-q"]
    code, stdout, err = run(argv, capsys)
    _assert_clean_error(code, stdout, err, "separated by them")
