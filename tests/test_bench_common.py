"""Helpers shared by the benchmarks (benchmarks/common.py)."""

import json

import pytest

common = pytest.importorskip("benchmarks.common")


def test_run_tasks_in_order_with_one_job(tmp_path):
    path = str(tmp_path / "records.jsonl")
    tasks = [(path, {"i": i}) for i in range(5)]
    common.run_tasks(common.append_jsonl, tasks, jobs=1, cost=lambda t: -t[1]["i"])
    assert [r["i"] for r in common.read_jsonl(path)] == [0, 1, 2, 3, 4]


def test_run_tasks_side_by_side_write_whole_lines(tmp_path):
    """Worker processes append to one file; every line stays a whole record."""
    path = str(tmp_path / "records.jsonl")
    payload = "x" * 20_000  # longer than a pipe buffer: one locked write each
    tasks = [(path, {"i": i, "payload": payload}) for i in range(12)]
    common.run_tasks(common.append_jsonl, tasks, jobs=2, cost=lambda t: t[1]["i"])
    lines = (tmp_path / "records.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["i"] for r in records) == list(range(12))
    assert all(r["payload"] == payload for r in records)
