"""Build the ninth session's ``quality_full.jsonl`` from two runs (session 9).

Session 9 (commits 0df60f7, ce9cc70, fb5b27f) grows the ``'tree'`` classification
student as a regression tree on the probability vectors: the same splits and
leaves as the entropy classifier on rows repeated once per class, each row
once. ``min_samples_leaf`` of a tree grown that way counts rows, and the
classification tree's default is 5 rows (its distilled trees had 10 (row,
class) pairs of the repeated rows, 5 rows of a binary task; its label-trained
trees had 10 rows). So the tree students of the five classification
datasets, distilled and fitted on the labels, are refitted; regression
trees, MLPs, linear students and the teachers are untouched:

* ``quality_full_s6.jsonl``: the session-6 run (``bench_quality --full
  --fresh --jobs 2`` at e098598, the ``quality_full.jsonl`` of sessions 6-8),
  every record except the tree family's on adult, magic, letter, telco churn
  and fars;
* ``quality_full_tree_s9.jsonl``: ``bench_quality --full --families tree
  --datasets letter adult magic telco_churn fars --tag full_tree_s9 --jobs 2``
  at fb5b27f, the teacher stages loaded from the benchmark's stage cache
  (``SKDISTILL_BENCH_CACHE``, written by the earlier full runs): its tree
  records. Its teacher records must equal session 6's (the same teachers);
  the script checks it and keeps session 6's, whose ``fit_times`` come from
  an uncached fit (target 4's timing; that fit's student was the slower
  repeated-rows tree).

Run from the repository root, then summarise::

    python benchmarks/results/merge_full_s9.py
    python -m benchmarks.bench_quality --summarize --tag full
"""

from merge_full_s5 import records, write  # the same folder

CLASSIFICATION = {"adult", "magic", "letter", "telco_churn", "fars"}


def _is_new_tree(r: dict) -> bool:
    return r["dataset"] in CLASSIFICATION and r["family"] == "tree"


def check_same_teachers(old: list[dict], new: list[dict]) -> None:
    """Fail unless every teacher record of ``new`` has the test metrics of
    ``old``'s for the same (dataset, seed): the runs share their teachers."""
    teachers = {
        (r["dataset"], r["seed"]): r["metrics"]
        for r in old
        if r["variant"] == "teacher"
    }
    for r in new:
        if r["variant"] == "teacher":
            key = (r["dataset"], r["seed"])
            assert teachers[key] == r["metrics"], f"teacher {key} differs"


def merged() -> list[dict]:
    """Session 6's records with session 9's classification trees."""
    old, new = records("quality_full_s6"), records("quality_full_tree_s9")
    check_same_teachers(old, new)
    return [r for r in old if not _is_new_tree(r)] + [r for r in new if _is_new_tree(r)]


def main() -> None:
    write(merged())


if __name__ == "__main__":
    main()
