"""Build the fifth session's ``quality_full.jsonl`` from its runs (session 5).

The library's defaults changed in session 5 for linear students only (they
one-hot encode the categorical columns the distiller knows, commit 5c0829f);
trees, MLPs and the teachers give the same results as in session 4 (checked:
the teachers' test metrics of the re-run splits are identical). So:

* adult, telco churn, bikeshare, diamonds (``quality_full_s5_cat.jsonl``) and
  fars (``quality_full_s5_fars01.jsonl``, ``quality_full_s5_fars2.jsonl``), the
  datasets with categorical columns: every record of the session-5 runs except
  the MLP's (those runs, at commit 629e030, gave the MLP indicators too, which
  is no longer the default), plus session 4's MLP records of those datasets;
* magic, casp, letter (no categorical columns): session 4's records.

Run from the repository root, then summarise::

    python benchmarks/results/merge_full_s5.py
    python -m benchmarks.bench_quality --summarize --tag full
"""

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent
CATEGORICAL = {"adult", "telco_churn", "bikeshare", "diamonds", "fars"}
SESSION5 = ["quality_full_s5_cat", "quality_full_s5_fars01", "quality_full_s5_fars2"]
SESSION4 = ["quality_full_B", "quality_full_fars", "quality_full_letter"]
SESSION4 += ["quality_full_letter12"]


def records(name: str) -> list[dict]:
    with open(RESULTS / f"{name}.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write(merged: list[dict]) -> None:
    """Write ``quality_full.jsonl``."""
    with open(RESULTS / "quality_full.jsonl", "w", encoding="utf-8") as fh:
        for r in merged:
            fh.write(json.dumps(r) + "\n")
    print(f"{len(merged)} records -> {RESULTS / 'quality_full.jsonl'}")


def main() -> None:
    merged = []
    for name in SESSION4:
        for r in records(name):
            if r["dataset"] not in CATEGORICAL or r["family"] == "mlp":
                merged.append(r)
    for name in SESSION5:
        for r in records(name):
            if r["dataset"] in CATEGORICAL and r["family"] != "mlp":
                merged.append(r)
    write(merged)


if __name__ == "__main__":
    main()
