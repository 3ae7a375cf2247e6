import collections
import glob
import json
import os

import numpy as np

rows = []
for f in glob.glob(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "records.jsonl")
):
    for line in open(f):
        rows.append(json.loads(line))


def key(r):
    return "accuracy" if "accuracy" in r["metrics"] else "r2"


agg = collections.defaultdict(list)
for r in rows:
    if r["variant"] != "distilled":
        continue
    cfg = (
        r["dataset"],
        r["family"],
        r.get("augment"),
        r.get("n_synthetic"),
        json.dumps(r.get("params") or {}),
        r.get("label_weight", 0),
        r.get("softening_temperature", 1),
    )
    agg[cfg].append(
        (r["seed"], r["metrics"][key(r)], r["hard"], r["teacher"], r.get("student_s"))
    )
for cfg in sorted(agg):
    v = sorted(set(agg[cfg]))
    d = np.mean([x[1] for x in v])
    h = np.mean([x[2] for x in v])
    t = np.mean([x[3] for x in v])
    gap = (d - h) / (t - h) if t > h else float("nan")
    print(
        f"{cfg[0]:11s} {cfg[1]:6s} {cfg[2]:5s} {cfg[3]:4} {cfg[4]:28s} "
        f"lw{cfg[5]} T{cfg[6]} seeds {[x[0] for x in v]} dist {d:.4f} "
        f"hard {h:.4f} teach {t:.4f} diff {d - h:+.4f} gap {gap:.3f} "
        f"st {np.mean([x[4] or 0 for x in v]):.0f}s"
    )
