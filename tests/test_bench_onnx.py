"""The ONNX speed benchmark's file naming and summary (benchmarks/bench_onnx.py)."""

import numpy as np
import pytest

bench_onnx = pytest.importorskip("benchmarks.bench_onnx")


def test_result_path_keeps_magic_at_the_issue_file_name():
    assert bench_onnx.result_path("magic").endswith("/onnx_speed.json")
    assert bench_onnx.result_path("fars").endswith("/onnx_speed_fars.json")
    assert bench_onnx.result_path("magic", quick=True).endswith(
        "/onnx_speed_quick.json"
    )


def fake_results(p50: dict, n_categorical: int) -> dict:
    models = {f"{k}_onnx": {"single_row": {"p50_us": v}} for k, v in p50.items()}
    models["teacher_native"] = {"single_row": {"p50_us": 9000.0}}
    floor = p50["identity"]
    targets = {
        fam: {"p50_over_floor": p50[fam] / floor, "onnx_kernels": 3}
        for fam in ("tree", "mlp", "linear")
    }
    return {"models": models, "targets": targets, "n_categorical": n_categorical}


def test_summary_has_a_row_per_dataset_with_ratios():
    everything = {
        "adult": fake_results(
            {"identity": 3.0, "tree": 4.5, "mlp": 4.2, "linear": 6.0}, 8
        ),
        "magic": fake_results(
            {"identity": 4.0, "tree": 5.0, "mlp": 6.0, "linear": 4.4}, 0
        ),
    }
    lines = bench_onnx.summary(everything).splitlines()
    assert len(lines) == 4  # header, rule, two datasets
    assert lines[2].startswith("| adult | 8 | 3.0 |")
    assert "6.0 µs (2.00x, 3 nodes)" in lines[2]
    assert "1.10x" in lines[3] and lines[3].endswith("| 9.0 |")


def test_load_data_splits_as_the_quality_benchmark(monkeypatch):
    """A missing carrier package falls back to breast cancer, split 75/25."""

    def missing(name):
        raise ImportError(f"{name} is not installed")

    monkeypatch.setattr(bench_onnx, "load", missing)
    with pytest.warns(UserWarning, match="breast cancer"):
        sp = bench_onnx.load_data("adult")
    assert sp.name == "breast_cancer" and sp.task == "binary"
    assert len(sp.X_test) == pytest.approx(0.25 * 569, abs=1)
    assert not sp.categorical_mask.any()
    assert np.unique(sp.y_train).tolist() == ["0", "1"]
