"""Run the whole benchmark suite in one command, then draw the plots.

Each benchmark runs as its own ``python -m benchmarks.<name> <flags>``
subprocess (a fresh interpreter: peak memory and thread pools of one script do
not leak into the next), in the order below. Its wall time, exit status and,
when it fails, the last lines of its output are written to
``benchmarks/results/run_{quick,full}.json`` after every step, so an
interrupted run still leaves a record. A benchmark whose script does not exist
(yet) is skipped with a message, not failed. After the steps,
:mod:`benchmarks.plots` redraws every plot from the result files.

The exit status is 1 when any step (or the plots) failed, 0 otherwise.

Usage (from the repository root; run it under ``nice`` on a shared machine)::

    python -m benchmarks.run --quick            # target: under ~10 minutes on 2 cores
    python -m benchmarks.run --full             # target: under ~60 minutes
    python -m benchmarks.run --quick --dry-run  # print the commands only
    python -m benchmarks.run --quick --only scaling cascade
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .common import RESULTS_DIR, THREAD_VARS, environment, write_json

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Step:
    """One benchmark of the suite and its flags in each mode."""

    name: str
    module: str
    quick: tuple[str, ...]
    full: tuple[str, ...]
    #: runs its (dataset, seed) splits side by side with ``--jobs``
    splits_in_parallel: bool = False


#: The full quality step measures the library defaults (and the same students
#: without synthetic rows) on all 8 datasets x 3 seeds, tag ``harness``; the
#: comparison of all five augmenters (issue 4's evidence, twice the time) is
#: ``python -m benchmarks.bench_quality --full --fresh --jobs 2`` (tag ``full``).
#: On the splits both run, the two give the same models (same seeds, same code).
FULL_QUALITY = (
    "--full",
    "--fresh",
    "--augmenters",
    "none",
    "munge",
    "--tag",
    "harness",
)

STEPS = (
    Step("quality", "bench_quality", ("--quick", "--fresh"), FULL_QUALITY, True),
    Step("onnx", "bench_onnx", ("--quick",), ("--full",)),
    Step("scaling", "bench_scaling", ("--quick",), ("--full",)),
    Step("grid_search", "bench_grid_search", ("--quick",), ("--full",)),
    Step("cascade", "bench_cascade", ("--quick",), ("--full",)),
    Step("finetune", "bench_finetune", ("--quick",), ("--full",)),
    # no --fresh: peers keeps the latest record of each (split, teacher, method)
    Step("peers", "bench_peers", ("--quick",), ("--full",), True),
)
STEP_NAMES = tuple(s.name for s in STEPS)


def _script(step: Step) -> Path:
    return ROOT / "benchmarks" / f"{step.module}.py"


def command(step: Step, mode: str, jobs: int = 1) -> list[str]:
    """The command line of ``step`` in ``mode`` ('quick' or 'full')."""
    flags = step.full if mode == "full" else step.quick
    if step.splits_in_parallel and jobs > 1:
        flags = (*flags, "--jobs", str(jobs))
    return [sys.executable, "-m", f"benchmarks.{step.module}", *flags]


def _child_env() -> dict:
    env = dict(os.environ)
    for var in THREAD_VARS:
        env.setdefault(var, "1")
    return env


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - platforms without getloadavg
        return None


def run_step(step: Step, mode: str, tail_lines: int = 30, jobs: int = 1) -> dict:
    """Run one benchmark; echo its output; return its record."""
    cmd = command(step, mode, jobs)
    shown = " ".join(["python", *cmd[1:]])
    rec = {"name": step.name, "command": shown, "load_before": _load()}
    if importlib.util.find_spec(f"benchmarks.{step.module}") is None:
        rec.update(
            status="skipped",
            returncode=None,
            wall_s=0.0,
            message=f"benchmarks/{step.module}.py does not exist yet: skipped",
        )
        print(f"[run] {step.name}: {rec['message']}", flush=True)
        return rec
    print(f"[run] {step.name}: {shown}", flush=True)
    tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
    t0 = time.perf_counter()
    with subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            tail.append(line.rstrip("\n"))
        returncode = proc.wait()
    wall = time.perf_counter() - t0
    rec.update(
        status="ok" if returncode == 0 else "failed",
        returncode=returncode,
        wall_s=round(wall, 1),
        load_after=_load(),
    )
    if returncode != 0:
        rec["output_tail"] = list(tail)
    print(
        f"[run] {step.name}: {rec['status']} (exit {returncode}) in {wall:.1f} s",
        flush=True,
    )
    return rec


def _run_plots() -> dict:
    from . import plots

    t0 = time.perf_counter()
    try:
        written = plots.main([])
        return {
            "status": "ok",
            "wall_s": round(time.perf_counter() - t0, 1),
            "files": written,
        }
    except Exception as exc:  # noqa: BLE001 - recorded, then the run fails
        print(f"[run] plots failed: {exc!r}", flush=True)
        return {
            "status": "failed",
            "wall_s": round(time.perf_counter() - t0, 1),
            "error": repr(exc),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--quick", action="store_true", help="target < ~10 min")
    mode.add_argument("--full", action="store_true", help="target < ~60 min")
    parser.add_argument("--only", nargs="+", choices=STEP_NAMES, metavar="STEP")
    parser.add_argument("--skip", nargs="+", choices=STEP_NAMES, default=[])
    parser.add_argument("--no-plots", action="store_true")
    parser.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="processes for the steps that run their splits side by side "
        "(quality, peers; default 2, the cores of the reference machine); the "
        "timing benchmarks always run alone",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the commands, run nothing"
    )
    args = parser.parse_args(argv)
    mode_name = "full" if args.full else "quick"
    steps = [
        s
        for s in STEPS
        if (args.only is None or s.name in args.only) and s.name not in args.skip
    ]
    if args.dry_run:
        for s in steps:
            present = _script(s).exists()
            cmd = " ".join(["python", *command(s, mode_name, args.jobs)[1:]])
            print(cmd if present else f"# skipped (no {_script(s).name}): {cmd}")
        return 0

    out = os.path.join(RESULTS_DIR, f"run_{mode_name}.json")
    record = {
        "mode": mode_name,
        "command": "python -m benchmarks.run "
        + " ".join(sys.argv[1:] if argv is None else argv),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "jobs": args.jobs,
        "environment": environment(),
        "steps": [],
    }
    t0 = time.perf_counter()
    for step in steps:
        record["steps"].append(run_step(step, mode_name, jobs=args.jobs))
        record["total_wall_s"] = round(time.perf_counter() - t0, 1)
        write_json(out, record)
    if not args.no_plots:
        record["plots"] = _run_plots()
    record["total_wall_s"] = round(time.perf_counter() - t0, 1)
    failed = [s["name"] for s in record["steps"] if s["status"] == "failed"]
    if record.get("plots", {}).get("status") == "failed":
        failed.append("plots")
    record["failed"] = failed
    write_json(out, record)

    print(f"\n[run] {mode_name} mode, {record['total_wall_s']:.0f} s in all:")
    for s in record["steps"]:
        print(f"  {s['name']:<12} {s['status']:<8} {s['wall_s']:>8.1f} s")
    print(f"[run] written {out}")
    if failed:
        print(f"[run] FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
