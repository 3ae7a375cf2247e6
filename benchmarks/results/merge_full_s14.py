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
  diamonds casp --tag lin_s14_aug`` (log ``quality_full_linear_s14_aug.log``),
  then in session 15 ``--datasets fars --tag lin_s14_aug_fars`` and
  ``--datasets letter --tag lin_s14_aug_letter`` (letter's seed 2 as a run of
  its own, ``--seeds 2 --jobs 1`` with the thread variables at 1, so that it
  ran beside seeds 0 and 1), their records appended to the same file: its
  ``distilled`` linear records (its label-trained and default records repeat
  the first file's, up to the refitted teachers: see
  :func:`check_close_teachers`).

Run from the repository root, then summarise::

    python benchmarks/results/merge_full_s14.py
    python -m benchmarks.bench_quality --summarize --tag full
"""

from merge_full_s5 import records, write  # the same folder
from merge_full_s9 import check_same_teachers
from merge_full_s13 import merged as merged_s13


def check_close_teachers(old: list[dict], new: list[dict], rtol: float = 1e-9):
    """Fail unless every teacher record of ``new`` has ``old``'s test metrics
    for the same (dataset, seed) to ``rtol``; print those not equal exactly.

    Session 15's records were made on a new machine, where the stage cache
    was gone: their teachers were fitted again. Fars seed 2's differs from
    the one the cache held (fitted in session 5 by a run of that seed alone,
    ``quality_full_s5_fars2``) in the fourteenth digit of its temperature;
    every other teacher is equal to the bit.
    """
    teachers = {
        (r["dataset"], r["seed"]): r["metrics"]
        for r in old
        if r["variant"] == "teacher"
    }
    for r in new:
        if r["variant"] != "teacher":
            continue
        key, theirs = (r["dataset"], r["seed"]), r["metrics"]
        ours = teachers[key]
        assert ours.keys() == theirs.keys(), f"teacher {key}: other metrics"
        gaps = {name: _gap(theirs[name], ours[name]) for name in ours}
        assert all(
            gap == 0 or gap <= rtol * abs(ours[name]) for name, gap in gaps.items()
        ), key
        if max(gaps.values()):
            print(f"teacher {key}: test metrics equal to {max(gaps.values()):.1e}")


def _gap(a, b) -> float:
    """``|a - b|``; 0 for equal values, NaN and None included."""
    if a == b or (a is None and b is None) or (a != a and b != b):
        return 0.0
    return abs(a - b)


def main() -> None:
    old, new = merged_s13(), records("quality_full_linear_s14")
    extra = records("quality_full_linear_s14_aug")
    check_same_teachers(old, new)
    check_close_teachers(old, extra)
    merged = [r for r in old if r["family"] != "linear"]
    merged += [r for r in new if r["family"] == "linear"]
    merged += [
        r for r in extra if r["family"] == "linear" and r["variant"] == "distilled"
    ]
    write(merged)


if __name__ == "__main__":
    main()
