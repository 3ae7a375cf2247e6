"""Build the fourteenth session's ``quality_full.jsonl`` (session 14).

Session 14 makes the ``'linear'`` student's bins thermometer-encoded (one
column ``x >= edge`` per bin edge, so the L2 penalty smooths each column's
step function), with at most 128 bins a column and ``C=3``
(:class:`skdistill._binning.BinnedColumns`, ``make_student``). Its records,
fitted on the labels and distilled, are re-run on every dataset; the
teachers, trees and MLPs are untouched:

* session 13's merge (``merge_full_s13.py``), every record except the linear
  family's;
* ``quality_full_linear_s14.jsonl``: ``SKDISTILL_BENCH_RESULTS=<dir>
  OMP_NUM_THREADS=1 python -m benchmarks.bench_quality --full --families
  linear --datasets magic adult telco_churn fars bikeshare diamonds casp
  --seeds 0 1 2 --tag lin_s14 --jobs 2`` and the same with ``--datasets
  letter --augmenters none munge --tag lin_s14_letter`` (logs
  ``quality_full_linear_s14.log``), the two files concatenated, the teacher
  stages loaded from the benchmark's stage cache: its linear records. Its
  teacher records must equal session 6's (the same teachers); the script
  checks it;
* ``quality_full_linear_s14_aug.jsonl``: the linear student distilled with
  the other augmenters, ``--augmenters jitter interpolation marginal``, the
  same command otherwise, ``--datasets magic adult telco_churn bikeshare
  diamonds casp --tag lin_s14_aug`` (log ``quality_full_linear_s14_aug.log``;
  fars' run, ``--tag lin_s14_aug_fars``, was stopped after two of its nine
  fits, 600-650 s each beside the CI run, to end the session; letter's were
  not run, as in session 13: its teacher labels each augmenter's rows for
  about 25 minutes a seed here): its ``distilled`` linear records (its
  label-trained and default records repeat the first file's).

Run from the repository root, then summarise::

    python benchmarks/results/merge_full_s14.py
    python -m benchmarks.bench_quality --summarize --tag full
"""

from merge_full_s5 import records, write  # the same folder
from merge_full_s9 import check_same_teachers
from merge_full_s13 import merged as merged_s13


def main() -> None:
    old, new = merged_s13(), records("quality_full_linear_s14")
    extra = records("quality_full_linear_s14_aug")
    check_same_teachers(old, new)
    check_same_teachers(old, extra)
    merged = [r for r in old if r["family"] != "linear"]
    merged += [r for r in new if r["family"] == "linear"]
    merged += [
        r for r in extra if r["family"] == "linear" and r["variant"] == "distilled"
    ]
    write(merged)


if __name__ == "__main__":
    main()
