"""The benchmark umbrella (benchmarks/run.py) and plots (benchmarks/plots.py)."""

import json
import sys

import pytest

run = pytest.importorskip("benchmarks.run")
plots = pytest.importorskip("benchmarks.plots")
pytest.importorskip("matplotlib")


def _steps(monkeypatch, tmp_path, programs):
    """Steps that run tiny python programs instead of benchmarks."""
    steps = tuple(run.Step(name, module, (), ()) for name, module, _ in programs)
    code = {name: prog for name, _, prog in programs}
    monkeypatch.setattr(run, "STEPS", steps)
    monkeypatch.setattr(
        run,
        "command",
        lambda step, mode, jobs=1: [sys.executable, "-c", code[step.name]],
    )
    monkeypatch.setattr(run, "RESULTS_DIR", str(tmp_path))


def test_run_records_every_step_and_fails_when_one_fails(monkeypatch, tmp_path):
    _steps(
        monkeypatch,
        tmp_path,
        [
            ("good", "common", "print('hello')"),
            ("bad", "common", "import sys; print('boom'); sys.exit(3)"),
            ("missing", "bench_does_not_exist", "print('never run')"),
        ],
    )
    assert run.main(["--quick", "--no-plots"]) == 1
    record = json.loads((tmp_path / "run_quick.json").read_text())
    by_name = {s["name"]: s for s in record["steps"]}
    assert by_name["good"]["status"] == "ok"
    assert by_name["good"]["returncode"] == 0
    assert by_name["bad"]["status"] == "failed"
    assert by_name["bad"]["returncode"] == 3
    assert by_name["bad"]["output_tail"] == ["boom"]
    assert by_name["missing"]["status"] == "skipped"
    assert "does not exist" in by_name["missing"]["message"]
    assert record["failed"] == ["bad"]
    assert record["mode"] == "quick"


def test_run_exits_zero_when_nothing_failed(monkeypatch, tmp_path):
    _steps(monkeypatch, tmp_path, [("good", "common", "pass")])
    assert run.main(["--full", "--no-plots"]) == 0
    record = json.loads((tmp_path / "run_full.json").read_text())
    assert record["failed"] == []


def test_dry_run_lists_the_real_commands(capsys):
    assert run.main(["--quick", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "benchmarks.bench_scaling --quick" in out
    assert "benchmarks.bench_quality --quick --fresh --jobs 2" in out
    assert "benchmarks.bench_onnx --quick\n" in out  # timing steps run alone


def test_jobs_reach_only_the_steps_that_split_their_work(capsys):
    assert run.main(["--full", "--dry-run", "--jobs", "3"]) == 0
    out = capsys.readouterr().out
    assert "bench_peers --full --jobs 3" in out
    assert "bench_grid_search --full\n" in out


def test_pareto_front_keeps_only_undominated_points():
    pts = [(10, 0.9), (5, 0.8), (20, 0.85), (30, 1.0), (5, 0.7)]
    assert plots.pareto_front(pts) == [(5, 0.8), (10, 0.9), (30, 1.0)]


def _scaling_record(n_train, n_syn, wall, peak):
    matrix = (n_train + n_syn) * 50 * 8 / 2**20
    return {
        "n_train": n_train,
        "n_synthetic": n_syn,
        "wall_s": wall,
        "phases_s": {"augment_and_label": wall / 3, "student": 2 * wall / 3},
        "transfer_matrix_mib": matrix,
        "tracemalloc_peak_mib": peak,
        "copies": peak / matrix,
        "rss_peak_mib": peak + 200,
    }


def _quality_records(dataset):
    recs = [
        {
            "dataset": dataset,
            "task": "binary",
            "seed": 0,
            "variant": "reference_default",
            "family": "tree",
            "augment": "munge",
            "n_synthetic": 2.0,
            "metrics": {"accuracy": 0.8, "fidelity": 0.9},
            "fit_times": {"student": 1.0},
        }
    ]
    for fam, fid in (("tree", 0.9), ("mlp", 0.95), ("linear", 0.85)):
        recs.append(
            {
                **recs[0],
                "variant": "distilled",
                "family": fam,
                "metrics": {"accuracy": 0.8, "fidelity": fid},
                "fit_times": {"student": 1.0 + fid},
            }
        )
    return recs


def test_plots_are_drawn_from_result_files(monkeypatch, tmp_path):
    monkeypatch.setattr(plots, "RESULTS_DIR", str(tmp_path))
    monkeypatch.setattr(plots, "PLOTS_DIR", str(tmp_path / "plots"))
    (tmp_path / "scaling.json").write_text(
        json.dumps(
            {
                "vs_synthetic": [
                    _scaling_record(20_000, n, n / 1000, n / 5000)
                    for n in (10_000, 100_000)
                ],
                "vs_train": [],
            }
        )
    )
    (tmp_path / "quality_quick.json").write_text(
        json.dumps({"records": _quality_records("magic") + _quality_records("adult")})
    )
    (tmp_path / "onnx_speed.json").write_text(
        json.dumps(
            {
                "dataset": "benchmarks.datasets:magic",
                "models": {
                    f"{m}_onnx": {"single_row": {"p50_us": us}, "bytes": b}
                    for m, us, b in (
                        ("tree", 7.0, 20_000),
                        ("mlp", 10.0, 7_000),
                        ("linear", 8.0, 900),
                        ("teacher", 95.0, 45_000_000),
                    )
                },
            }
        )
    )
    written = plots.main([])
    assert written == [
        "pareto_magic.png",
        "pareto_adult.png",
        "scaling.png",
        "index.json",
    ]
    for name in written:
        assert (tmp_path / "plots" / name).stat().st_size > 0
    index = json.loads((tmp_path / "plots" / "index.json").read_text())
    assert index[0]["latency_measured"] is True
    assert index[1]["latency_measured"] is False
    assert "No ONNX latency or size was measured" in index[1]["caption"]
    page = plots.docs_markdown("img")
    assert "![magic: fidelity against cost](img/pareto_magic.png)" in page
    assert "| 20,000 | 100,000 |" in page
