"""Build the thirteenth session's ``quality_full.jsonl`` (session 13).

Session 13 (commit afd89c9) makes the ``'linear'`` student a logistic or
ridge regression on per-column bins and categories
(:class:`skdistill._binning.BinnedColumns`). Its records, fitted on the
labels and distilled, are re-run on every dataset; the teachers, trees and
MLPs are untouched:

* session 9's merge (``merge_full_s9.py``: ``quality_full_s6.jsonl`` with the
  tree records of ``quality_full_tree_s9.jsonl``), every record except the
  linear family's;
* ``quality_full_linear_s13.jsonl``: ``SKDISTILL_BENCH_RESULTS=<dir>
  OMP_NUM_THREADS=1 python -m benchmarks.bench_quality --full --families
  linear --datasets magic adult telco_churn fars bikeshare diamonds casp
  --seeds 0 1 2 --tag lin_s13 --jobs 2`` and the same with ``--datasets
  letter --augmenters none munge --tag lin_s13_letter`` at 86e3a8e (logs
  ``quality_full_linear_s13.log``), the two files concatenated, the teacher
  stages loaded from the benchmark's stage cache
  (written by the earlier full runs): its linear records. Its teacher
  records must equal session 6's (the same teachers); the script checks it
  and keeps session 6's, whose ``fit_times`` come from an uncached fit.

Run from the repository root, then summarise::

    python benchmarks/results/merge_full_s13.py
    python -m benchmarks.bench_quality --summarize --tag full
"""

from merge_full_s5 import records, write  # the same folder
from merge_full_s9 import check_same_teachers
from merge_full_s9 import merged as merged_s9


def merged() -> list[dict]:
    """Session 9's merge with the linear records of
    ``quality_full_linear_s13.jsonl``."""
    old, new = merged_s9(), records("quality_full_linear_s13")
    check_same_teachers(old, new)
    return [r for r in old if r["family"] != "linear"] + [
        r for r in new if r["family"] == "linear"
    ]


def main() -> None:
    write(merged())


if __name__ == "__main__":
    main()
