"""Plots of the committed benchmark results (PNG, matplotlib's Agg backend).

Everything is drawn from the result files in ``benchmarks/results/``; no
benchmark is rerun::

    python -m benchmarks.plots

writes ``benchmarks/results/plots/``:

* ``pareto_<dataset>.png`` for every dataset of the quality results: the
  fidelity of each distilled student family to its teacher against the cost of
  the student. Where the quality records carry serving costs (``serving``,
  measured by ``bench_quality.serving_costs`` since session 6), the costs are
  the students' single-row ONNX Runtime latency (p50) and ONNX size, with the
  teacher at fidelity 1 (its native single-row prediction and pickled size);
  else, where ``onnx_speed.json`` measured the dataset (magic), its latencies
  and sizes; the Pareto front (no other model is both cheaper and more
  faithful) is the dashed line. Where neither exists (older result files),
  the plot shows fidelity against the student's fit time, and its caption
  says so.
* ``scaling.png``: wall time and peak memory of distillation against the
  number of synthetic rows and of training rows (log-log, ``scaling.json``),
  with the fitted growth exponent (slope of the log-log line) in the legend.
* ``index.json``: every plot's file name, title, caption and sources, used by
  the documentation page.

Fidelity comes from ``quality_harness.json`` (``benchmarks.run --full``),
``quality_quick.json`` and ``quality_full.json``: per dataset, the file with
the most seeds for it, the first of that list on a tie. The students are
the ``default`` records (library defaults, ``n_synthetic='auto'``); files from
before that variant use MUNGE at the ``reference_default`` record's size.
"""

from __future__ import annotations

import argparse
import json
import math
import os

import numpy as np

from .common import RESULTS_DIR

PLOTS_DIR = os.path.join(RESULTS_DIR, "plots")
QUALITY_FILES = ("quality_harness.json", "quality_quick.json", "quality_full.json")
FAMILY_COLORS = {"tree": "tab:green", "mlp": "tab:blue", "linear": "tab:orange"}


def _read(name: str) -> dict | None:
    path = os.path.join(RESULTS_DIR, name)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _onnx_speed() -> dict | None:
    """The ONNX speed result: the full run's, else a quick run's."""
    return _read("onnx_speed.json") or _read("onnx_speed_quick.json")


def _commit(result: dict | None) -> str:
    env = (result or {}).get("environment") or (result or {}).get("meta", {}).get(
        "environment", {}
    )
    commit = env.get("git_commit") or "unknown"
    return commit[:7] + (" (uncommitted changes)" if env.get("skdistill_dirty") else "")


def quality_fidelity() -> dict[str, dict]:
    """Fidelity and fit time of each default distilled student, per dataset.

    Returns ``{dataset: {"source", "commit", "task", "augment", "seeds",
    "families": {family: {"fidelity", "fit_s", "metric", "metric_name"}}}}``,
    means over the seeds of the chosen file.
    """
    candidates: dict[str, list[tuple[int, int, str, dict]]] = {}
    for order, name in enumerate(QUALITY_FILES):
        result = _read(name)
        if result is None:
            continue
        by_ds: dict[str, list[dict]] = {}
        for rec in result["records"]:
            by_ds.setdefault(rec["dataset"], []).append(rec)
        for ds, recs in by_ds.items():
            seeds = {r["seed"] for r in recs}
            candidates.setdefault(ds, []).append((-len(seeds), order, name, recs))
    out = {}
    for ds, options in candidates.items():
        _, _, name, recs = min(options, key=lambda t: t[:2])
        refs = [r for r in recs if r["variant"] == "reference_default"]
        if not refs:
            continue
        augment, n_syn = refs[0]["augment"], refs[0]["n_synthetic"]
        task = refs[0]["task"]
        metric_name = "r2" if task == "regression" else "accuracy"
        fams: dict[str, dict] = {}
        # the library defaults ('default' records, n_synthetic='auto'); files
        # from before that variant existed: MUNGE at the reference's size
        has_default = any(r["variant"] == "default" for r in recs)
        shared: dict[str, list] = {}
        for fam in FAMILY_COLORS:
            sel = [
                r
                for r in recs
                if r["family"] == fam
                and "fidelity" in r["metrics"]
                and (
                    r["variant"] == "default"
                    if has_default
                    else r["variant"] == "distilled"
                    and r["augment"] == augment
                    and r["n_synthetic"] == n_syn
                )
            ]
            if not sel:
                continue
            fams[fam] = {
                "fidelity": float(np.mean([r["metrics"]["fidelity"] for r in sel])),
                "fit_s": float(np.mean([r["fit_times"]["student"] for r in sel])),
                "metric": float(np.mean([r["metrics"][metric_name] for r in sel])),
                "metric_name": metric_name,
                "n_synthetic": float(np.mean([r["n_synthetic"] for r in sel])),
            }
            serving = [r["serving"] for r in sel if "serving" in r]
            if serving:  # measured by bench_quality's serving_costs
                fams[fam]["latency_us"] = float(
                    np.mean([c["onnx_p50_us"] for c in serving])
                )
                fams[fam]["bytes"] = float(np.mean([c["onnx_bytes"] for c in serving]))
                for r in sel:
                    for key in ("teacher_native_p50_us", "teacher_pickle_bytes"):
                        shared.setdefault(key, []).append(r[key])
        out[ds] = {
            "source": name,
            "commit": _commit(_read(name)),
            "task": task,
            "augment": augment,
            "n_synthetic": n_syn,
            "seeds": sorted({r["seed"] for r in recs}),
            "families": fams,
            "teacher": {k: float(np.mean(v)) for k, v in shared.items()},
        }
    return out


def onnx_costs() -> tuple[str | None, dict[str, dict], dict | None]:
    """``(dataset, {model: {"latency_us", "bytes"}}, result)`` from onnx_speed.json."""
    result = _onnx_speed()
    if result is None:
        return None, {}, None
    dataset = str(result.get("dataset", "")).split(":")[-1] or None
    costs = {}
    for name, m in result["models"].items():
        if not name.endswith("_onnx") or name == "identity_onnx":
            continue
        if "single_row" not in m or "bytes" not in m:
            continue
        costs[name[: -len("_onnx")]] = {
            "latency_us": m["single_row"]["p50_us"],
            "bytes": m["bytes"],
            "fidelity": m.get("fidelity"),
        }
    return dataset, costs, result


def pareto_front(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points no other point beats on both cost (lower) and fidelity (higher).

    Examples
    --------
    >>> pareto_front([(1, 0.8), (2, 0.9), (3, 0.85), (4, 1.0)])
    [(1, 0.8), (2, 0.9), (4, 1.0)]
    """
    front, best = [], -math.inf
    for cost, fid in sorted(points, key=lambda p: (p[0], -p[1])):
        if fid > best:
            front.append((cost, fid))
            best = fid
    return front


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _pareto_panel(ax, pts: dict[str, tuple[float, float]], xlabel: str):
    for name, (x, y) in pts.items():
        color = FAMILY_COLORS.get(name, "black")
        marker = "*" if name == "teacher" else "o"
        ax.scatter(
            [x],
            [y],
            s=90 if name == "teacher" else 50,
            color=color,
            marker=marker,
            zorder=3,
            label=name,
        )
        ax.annotate(
            name, (x, y), textcoords="offset points", xytext=(5, -12), fontsize=8
        )
    front = pareto_front(list(pts.values()))
    if len(front) > 1:
        xs, ys = zip(*front, strict=True)
        ax.step(
            xs,
            ys,
            where="post",
            ls="--",
            color="grey",
            lw=1,
            label="Pareto front",
            zorder=2,
        )
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.grid(True, which="both", alpha=0.3)


def plot_pareto(dataset: str, info: dict, onnx: tuple) -> dict:
    """One dataset's fidelity-vs-cost figure; returns its index entry."""
    plt = _plt()
    onnx_ds, costs, onnx_result = onnx
    fams = info["families"]
    fid_label = (
        "fidelity (R² against the teacher)"
        if info["task"] == "regression"
        else "fidelity (agreement with the teacher)"
    )
    sources = [info["source"]]
    seeds = ",".join(str(s) for s in info["seeds"])
    sizes = sorted({f["n_synthetic"] for f in fams.values()})
    setting = (
        f"default distiller ({info['augment']}, n_synthetic="
        f"{'/'.join(f'{x:g}' for x in sizes)}), test split, seed(s) {seeds};"
        f" fidelity from {info['source']} (commit {info['commit']})"
    )
    served = info.get("teacher") and all("latency_us" in f for f in fams.values())
    measured = (dataset == onnx_ds and costs) or served
    if served:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
        lat = {fam: (f["latency_us"], f["fidelity"]) for fam, f in fams.items()}
        size = {fam: (f["bytes"], f["fidelity"]) for fam, f in fams.items()}
        lat["teacher"] = (info["teacher"]["teacher_native_p50_us"], 1.0)
        size["teacher"] = (info["teacher"]["teacher_pickle_bytes"], 1.0)
        _pareto_panel(axes[0], lat, "single-row latency, p50 (µs)")
        _pareto_panel(axes[1], size, "model size (bytes)")
        axes[0].set_ylabel(fid_label)
        caption = (
            f"{dataset}: fidelity of each distilled student family against its "
            "single-row latency in ONNX Runtime (left) and its ONNX size (right), "
            "means over the seeds; the teacher is drawn at fidelity 1 with its "
            "native scikit-learn single-row prediction and its pickled size. "
            f"{setting}; latency and size measured by the same run "
            "(bench_quality's serving_costs, next to another split running on "
            "the second core)."
        )
    elif measured:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
        lat, size = {}, {}
        for fam, f in fams.items():
            if fam in costs:
                fid = costs[fam]["fidelity"] or f["fidelity"]
                lat[fam] = (costs[fam]["latency_us"], fid)
                size[fam] = (costs[fam]["bytes"], fid)
        if "teacher" in costs:
            lat["teacher"] = (costs["teacher"]["latency_us"], 1.0)
            size["teacher"] = (costs["teacher"]["bytes"], 1.0)
        _pareto_panel(axes[0], lat, "single-row ONNX Runtime latency, p50 (µs)")
        _pareto_panel(axes[1], size, "ONNX model size (bytes)")
        axes[0].set_ylabel(fid_label)
        sources.append("onnx_speed.json")
        caption = (
            f"{dataset}: fidelity of each distilled student family against its "
            "single-row ONNX Runtime latency (left) and ONNX size (right); the "
            "teacher (ONNX export of the default ensemble) is drawn at fidelity 1."
            f" {setting}; latency and size from onnx_speed.json (commit "
            f"{_commit(onnx_result)}). The two files were produced by different "
            "runs (and commits): where the default student changed in between, "
            "the fidelity and the cost of a family describe different models."
        )
    else:
        fig, ax = plt.subplots(1, 1, figsize=(5.5, 4))
        pts = {fam: (f["fit_s"], f["fidelity"]) for fam, f in fams.items()}
        _pareto_panel(ax, pts, "student fit time (s)")
        ax.set_ylabel(fid_label)
        caption = (
            f"{dataset}: fidelity of each distilled student family against its "
            "fit time. No ONNX latency or size was measured on this dataset "
            f"(onnx_speed.json covers {onnx_ds or 'no dataset'}), so the cost "
            f"axis is the student's fit time. {setting}. Fit times are from a "
            "shared, loaded machine."
        )
    fig.suptitle(f"{dataset}: fidelity against cost")
    fig.tight_layout()
    fname = f"pareto_{dataset}.png"
    fig.savefig(os.path.join(PLOTS_DIR, fname), dpi=110)
    plt.close(fig)
    return {
        "file": fname,
        "title": f"{dataset}: fidelity against cost",
        "caption": caption,
        "sources": sources,
        "latency_measured": bool(measured),
    }


def _fit_line(ax, xs, ys, color, label, marker="o", ls="-"):
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if len(xs) >= 2:
        slope = float(np.polyfit(np.log(xs), np.log(ys), 1)[0])
        label = f"{label} (exponent {slope:.2f})"
    ax.plot(xs, ys, marker=marker, ls=ls, color=color, label=label)


def plot_scaling(result: dict, name: str = "scaling.json") -> dict:
    """Wall time and peak memory against synthetic and training rows."""
    plt = _plt()
    from matplotlib.ticker import NullFormatter

    fig, axes = plt.subplots(2, 2, figsize=(10, 8))
    panels = (
        ("vs_synthetic", "n_synthetic", "synthetic rows (20,000 real rows)"),
        ("vs_train", "n_train", "training rows (2x as many synthetic)"),
    )
    for col, (key, xkey, xlabel) in enumerate(panels):
        recs = sorted(result.get(key, []), key=lambda r: r[xkey])
        ax_t, ax_m = axes[0][col], axes[1][col]
        if not recs:
            for ax in (ax_t, ax_m):
                ax.text(
                    0.5,
                    0.5,
                    "not measured in this run",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                )
            continue
        xs = [r[xkey] for r in recs]
        _fit_line(ax_t, xs, [r["wall_s"] for r in recs], "black", "total fit")
        for phase, color in (
            ("augment_and_label", "tab:blue"),
            ("student", "tab:green"),
        ):
            ys = [r["phases_s"].get(phase) for r in recs]
            if all(y for y in ys):
                _fit_line(ax_t, xs, ys, color, phase.replace("_", " "), ls="--")
        _fit_line(
            ax_m,
            xs,
            [r["tracemalloc_peak_mib"] for r in recs],
            "tab:red",
            "tracemalloc peak",
        )
        _fit_line(
            ax_m,
            xs,
            [r["rss_peak_mib"] for r in recs],
            "tab:purple",
            "RSS peak",
            marker="s",
            ls=":",
        )
        ax_m.plot(
            xs,
            [2 * r["transfer_matrix_mib"] for r in recs],
            color="grey",
            ls="--",
            label="2 copies of the transfer matrix",
        )
        for r in recs:
            ax_m.annotate(
                f"{r['copies']:.2f}x",
                (r[xkey], r["tracemalloc_peak_mib"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
        for ax, ylabel in ((ax_t, "wall time (s)"), (ax_m, "peak memory (MiB)")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7)
    fig.suptitle("Distillation scaling (50 float features, frozen teacher)")
    fig.tight_layout()
    fname = "scaling.png"
    fig.savefig(os.path.join(PLOTS_DIR, fname), dpi=110)
    plt.close(fig)
    load = result.get("load_before")
    caption = (
        "Wall time (top) and peak memory (bottom) of DistilledClassifier.fit "
        "with a frozen HistGradientBoosting teacher, default MUNGE augmenter "
        "and default tree student, one fresh process per point, against the "
        "number of synthetic rows (left) and of training rows (right); log-log "
        "axes, the legend gives the slope of each fitted line (growth "
        "exponent). Labels on the tracemalloc points: peak / float64 transfer "
        f"matrix. From {name} (commit {_commit(result)}"
        + (f", load average {load[0]:.1f} at the start" if load else "")
        + "); wall times on a shared machine are noisy."
    )
    return {"file": fname, "title": "Scaling", "caption": caption, "sources": [name]}


def _demote(markdown: str, levels: int = 2) -> str:
    """Push every heading down ``levels`` levels (outside code fences)."""
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and line.startswith("#"):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def _run_table(result: dict) -> str:
    load = result["steps"][0].get("load_before") if result["steps"] else None
    lines = [
        f"`{result['command']}`, started {result['started']}, commit "
        f"{_commit(result)}, {result.get('total_wall_s', 0):.0f} s in all"
        + (f", load average {load[0]:.1f} at the start" if load else "")
        + ".",
        "",
        "| step | command | status | wall time (s) |",
        "|---|---|---|---:|",
    ]
    for s in result["steps"]:
        cmd = s.get("message") if s["status"] == "skipped" else f"`{s['command']}`"
        lines.append(f"| {s['name']} | {cmd} | {s['status']} | {s['wall_s']:.1f} |")
    return "\n".join(lines)


def _onnx_table(result: dict) -> str:
    lines = [
        f"Dataset {result.get('dataset')}, commit {_commit(result)}: single-row "
        "p50/p90 of ONNX Runtime (one thread), 10k-row batch, file size.",
        "",
        "| model | 1 row p50 (µs) | 1 row p90 (µs) | 10k rows (ms) | bytes |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, m in sorted(result["models"].items()):
        row = m.get("single_row", {})
        p50, p90 = row.get("p50_us"), row.get("p90_us")
        batch = m.get("batch_10k_ms")
        size = m.get("bytes")
        lines.append(
            f"| {name} | {'-' if p50 is None else f'{p50:.1f}'} | "
            f"{'-' if p90 is None else f'{p90:.1f}'} | "
            f"{'-' if batch is None else f'{batch:.2f}'} | "
            f"{'-' if size is None else f'{size:,}'} |"
        )
    return "\n".join(lines)


def _scaling_table(result: dict) -> str:
    lines = [
        f"`{result.get('command', 'python -m benchmarks.bench_scaling')}`, commit "
        f"{_commit(result)}. `copies` = tracemalloc peak / float64 transfer "
        "matrix (real + synthetic rows x 50 x 8 bytes).",
        "",
        "| real rows | synthetic rows | wall (s) | augment+label (s) | student (s) "
        "| matrix (MiB) | tracemalloc peak (MiB) | copies | RSS peak (MiB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result.get("vs_synthetic", []) + result.get("vs_train", []):
        ph = r["phases_s"]
        lines.append(
            f"| {r['n_train']:,} | {r['n_synthetic']:,} | {r['wall_s']:.1f} | "
            f"{ph.get('augment_and_label', float('nan')):.1f} | "
            f"{ph.get('student', float('nan')):.1f} | "
            f"{r['transfer_matrix_mib']:.0f} | {r['tracemalloc_peak_mib']:.0f} | "
            f"{r['copies']:.2f} | {r['rss_peak_mib']:.0f} |"
        )
    return "\n".join(lines)


def docs_markdown(image_dir: str) -> str:
    """The documentation's results page, generated from the result files.

    ``image_dir`` is where the documentation build publishes the PNGs of
    ``benchmarks/results/plots/`` (relative to the page). Sections: the last
    umbrella runs, the plots with their captions, the scaling and ONNX tables,
    then every markdown summary a benchmark wrote (``results/*.md``).
    """
    parts = []
    for mode in ("quick", "full"):
        run = _read(f"run_{mode}.json")
        if run is not None:
            parts += [f"### Last `--{mode}` run", "", _run_table(run), ""]
    index_path = os.path.join(PLOTS_DIR, "index.json")
    if os.path.exists(index_path):
        with open(index_path, encoding="utf-8") as fh:
            index = json.load(fh)
        parts += ["### Plots", ""]
        for e in index:
            parts += [
                f"#### {e['title']}",
                "",
                f"![{e['title']}]({image_dir}/{e['file']})",
                "",
                e["caption"],
                "",
            ]
    for name in ("scaling.json", "scaling_quick.json"):
        result = _read(name)
        if result is not None:
            parts += [f"### Scaling (`{name}`)", "", _scaling_table(result), ""]
    onnx = _onnx_speed()
    if onnx is not None:
        parts += [
            "### ONNX speed and size (`onnx_speed.json`)",
            "",
            _onnx_table(onnx),
            "",
        ]
    for name in sorted(os.listdir(RESULTS_DIR)):
        if name.endswith(".md"):
            with open(os.path.join(RESULTS_DIR, name), encoding="utf-8") as fh:
                parts += [f"### `{name}`", "", _demote(fh.read(), 3), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> list[str]:
    """Draw every plot the result files allow; return the files written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    os.makedirs(PLOTS_DIR, exist_ok=True)
    index = []
    onnx = onnx_costs()
    fidelity = quality_fidelity()
    # the dataset with measured latency and size first, then by name
    for dataset in sorted(fidelity, key=lambda d: (d != onnx[0], d)):
        if fidelity[dataset]["families"]:
            index.append(plot_pareto(dataset, fidelity[dataset], onnx))
    for name in ("scaling.json", "scaling_quick.json"):
        result = _read(name)
        if result is not None:
            index.append(plot_scaling(result, name))
            break
    with open(os.path.join(PLOTS_DIR, "index.json"), "w", encoding="utf-8") as fh:
        json.dump(index, fh, indent=1)
        fh.write("\n")
    written = [e["file"] for e in index] + ["index.json"]
    for f in written:
        print(f"written {os.path.join(PLOTS_DIR, f)}")
    return written


if __name__ == "__main__":  # pragma: no cover
    main()
