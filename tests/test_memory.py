"""The ``memory`` cache: the teacher stage is computed once per training set."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.model_selection import GridSearchCV, cross_validate

from skdistill import DistilledClassifier, DistilledRegressor, make_student

FITS: list[int] = []  # one entry per real teacher fit (the cache skips fits)


class CountingTeacher(HistGradientBoostingClassifier):
    def fit(self, X, y, sample_weight=None):  # noqa: D102
        FITS.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


class CountingRegressor(HistGradientBoostingRegressor):
    def fit(self, X, y, sample_weight=None):  # noqa: D102
        FITS.append(len(X))
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture(autouse=True)
def _reset():
    FITS.clear()


@pytest.fixture
def data():
    return make_classification(300, 6, random_state=0)


def test_grid_search_fits_teacher_once_per_fold(data, tmp_path):
    X, y = data
    tree = make_student("tree", "classification")
    model = DistilledClassifier(
        CountingTeacher(max_iter=20),
        tree,
        calibration_cv=None,
        n_synthetic=0.5,
        memory=str(tmp_path),
        random_state=0,
    )
    grid = [
        {"student": [tree], "student__max_depth": [2, 3, 4, 5]},
        {"student": ["mlp", "linear"]},
    ]
    search = GridSearchCV(model, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 6
    # 3 folds + the final refit on all rows: 4 teacher fits, not 6 * 3 + 1
    assert len(FITS) == 4
    assert sorted(FITS) == [200, 200, 200, 300]


def test_families_with_different_transfer_sets_share_the_teacher(data, tmp_path):
    # n_synthetic='auto' gives linear students no synthetic rows: their
    # transfer set differs, but the teacher part of the stage is cached alone
    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20),
        calibration_cv=None,
        memory=str(tmp_path),
        random_state=0,
    )
    search = GridSearchCV(model, {"student": ["tree", "mlp", "linear"]}, cv=3)
    search.fit(X, y)
    assert sorted(FITS) == [200, 200, 200, 300]
    FITS.clear()
    linear = clone(model).set_params(student="linear").fit(X, y)
    tree = clone(model).set_params(student="tree").fit(X, y)
    assert FITS == []  # both served from the cache
    assert linear.n_synthetic_ == 0 and tree.n_synthetic_ == 2 * len(X)
    uncached = clone(model).set_params(student="linear", memory=None).fit(X, y)
    np.testing.assert_array_equal(linear.predict_proba(X), uncached.predict_proba(X))


def test_calibration_fits_are_cached_too(data, tmp_path):
    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20),
        n_synthetic=0.5,
        calibration_cv=0.2,
        memory=str(tmp_path),
        random_state=0,
    )
    GridSearchCV(model, {"student": ["tree", "linear"]}, cv=2, refit=False).fit(X, y)
    # per fold: one calibration fit on 80% + the final teacher fit
    assert len(FITS) == 4


def test_cached_fit_equals_uncached_fit(data, tmp_path):
    X, y = data
    kwargs = dict(teacher=CountingTeacher(max_iter=20), n_synthetic=0.5, random_state=0)
    plain = DistilledClassifier(**kwargs).fit(X, y)
    cached = DistilledClassifier(memory=str(tmp_path), **kwargs)
    first = cached.fit(X, y).predict_proba(X)
    assert "teacher_stage_from_cache" not in cached.fit_times_  # a miss: computed
    assert "augment_and_label" in cached.fit_times_
    second = cached.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, plain.predict_proba(X))
    np.testing.assert_array_equal(second, first)
    assert "teacher_stage_from_cache" in cached.fit_times_
    first_times = plain.fit_times_  # same phases; the cached ones keep theirs
    assert {k for k in cached.fit_times_ if k.startswith("cached_")} == {
        f"cached_{k}" for k in first_times if k != "student"
    }
    assert cached.temperature_ == plain.temperature_


def test_cache_is_not_stale_when_data_or_teacher_change(data, tmp_path):
    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20), n_synthetic=0.5, memory=str(tmp_path)
    )
    model.set_params(random_state=0).fit(X, y)
    n_first = len(FITS)
    X2 = X.copy()
    X2[0, 0] += 1.0
    model.fit(X2, y)  # different data
    assert len(FITS) == 2 * n_first
    model.set_params(teacher__max_iter=21).fit(X, y)  # different teacher
    assert len(FITS) == 3 * n_first
    # a different transfer set: recomputed, but the teacher part (cached on
    # its own) is reused
    model.set_params(augment="jitter").fit(X, y)
    assert len(FITS) == 3 * n_first
    jittered = model.predict_proba(X)
    model.set_params(student="linear", softening_temperature=2.0).fit(X, y)
    assert len(FITS) == 3 * n_first  # only student-side parameters changed
    fresh = clone(model).set_params(student="tree", softening_temperature=1.0)
    fresh.set_params(memory=None).fit(X, y)
    np.testing.assert_array_equal(jittered, fresh.predict_proba(X))


def test_memory_with_parallel_grid_search_and_regression(tmp_path):
    X, y = make_regression(200, 5, random_state=0)
    model = DistilledRegressor(
        HistGradientBoostingRegressor(max_iter=20),
        n_synthetic=0.5,
        memory=str(tmp_path),
        random_state=0,
    )
    search = GridSearchCV(model, {"student": ["tree", "linear"]}, cv=2, n_jobs=2)
    search.fit(X, y)
    scores = cross_validate(model.set_params(student="linear"), X, y, cv=2)
    np.testing.assert_allclose(
        scores["test_score"],
        [search.cv_results_[f"split{i}_test_score"][1] for i in range(2)],
    )


def test_candidates_share_the_loaded_teacher(data, tmp_path):
    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20), n_synthetic=0.5, memory=str(tmp_path)
    )
    first = clone(model).set_params(random_state=0).fit(X, y)
    first.predict_proba(X)  # predicting does not change the teacher
    first.teacher_predict_proba(X)
    n_fits = len(FITS)
    second = clone(first).set_params(student="linear").fit(X, y)
    third = clone(first).set_params(student=make_student("tree", "classification"))
    third.set_params(student__max_depth=3).fit(X, y)
    assert len(FITS) == n_fits
    # kept loaded: no read from disk, one teacher object
    assert second.teacher_ is first.teacher_ and third.teacher_ is first.teacher_
    assert "teacher_stage_from_cache" in third.fit_times_
    # the stage's own containers are not shared
    assert third.calibration_ == first.calibration_
    assert third.calibration_ is not first.calibration_


def test_cache_stores_the_teacher_once(data, tmp_path):
    import joblib

    from skdistill._teacher_stage import FittedTeacher, TeacherStage

    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20), n_synthetic=0.5, memory=str(tmp_path)
    )
    model.set_params(random_state=0).fit(X, y)
    outputs = [joblib.load(p) for p in tmp_path.rglob("output.pkl")]
    kinds = sorted(type(o).__name__ for o in outputs)
    assert kinds == ["FittedTeacher", "TeacherStage"]
    stage = next(o for o in outputs if isinstance(o, TeacherStage))
    part = next(o for o in outputs if isinstance(o, FittedTeacher))
    assert stage.teacher is None
    assert isinstance(part.teacher, CountingTeacher)
    assert model.teacher_ is not None


def test_released_teachers_are_read_back_from_disk(data, tmp_path):
    from skdistill import keep_loaded_teachers
    from skdistill._loaded_teachers import kept_teachers

    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20), n_synthetic=0.5, memory=str(tmp_path)
    )
    first = clone(model).set_params(random_state=0).fit(X, y)
    assert kept_teachers()[0] >= 1
    previous = keep_loaded_teachers(np.int64(0))
    try:
        assert kept_teachers() == (0, 0)
        n_fits = len(FITS)
        again = clone(first).fit(X, y)
        assert len(FITS) == n_fits  # from the disk cache
        assert again.teacher_ is not first.teacher_
        assert kept_teachers() == (0, 0)  # limit 0: nothing kept
        np.testing.assert_array_equal(again.predict_proba(X), first.predict_proba(X))
        np.testing.assert_array_equal(
            again.teacher_.predict_proba(X), first.teacher_.predict_proba(X)
        )
    finally:
        assert keep_loaded_teachers(previous) == 0
    # another cache location starts afresh
    clone(first).set_params(memory=str(tmp_path / "other")).fit(X, y)
    assert len(FITS) == 2 * n_fits


@pytest.mark.parametrize("bad", [-1, 1.5, "1GB", True])
def test_keep_loaded_teachers_rejects_bad_limits(bad):
    from skdistill import keep_loaded_teachers

    with pytest.raises(ValueError, match="max_bytes must be a non-negative int"):
        keep_loaded_teachers(bad)


def test_least_recently_used_teachers_go_first():
    from skdistill._loaded_teachers import _Kept

    kept = _Kept(limit=10)
    kept.put("a", "A", 4)
    kept.put("b", "B", 4)
    assert kept.get("a") == "A"  # now the most recent
    kept.put("c", "C", 4)  # over the limit: "b" goes
    assert kept.get("b") is None and kept.get("a") == "A" and kept.get("c") == "C"
    kept.put("d", "D", 11)  # larger than the limit: not kept
    assert kept.get("d") is None and kept.nbytes == 8
    kept.set_limit(4)
    assert list(kept.items) == ["c"] and kept.nbytes == 4


def test_a_changed_teacher_is_not_served(data, tmp_path):
    # a user retrains one fitted model's teacher_ in place: later fits of the
    # process must not get that object
    X, y = data
    base = DistilledClassifier(
        CountingTeacher(max_iter=20),
        student="linear",
        n_synthetic=0.5,
        memory=str(tmp_path),
        random_state=0,
    )
    first = clone(base).fit(X, y)
    expected = first.predict_proba(X)
    first.teacher_.fit(X, 1 - y)
    second = clone(base).set_params(n_synthetic=1.0).fit(X, y)
    assert second.teacher_ is not first.teacher_
    np.testing.assert_array_equal(
        second.teacher_.predict_proba(X)[:, 1] > 0.5,
        clone(base).set_params(memory=None).fit(X, y).teacher_.predict_proba(X)[:, 1]
        > 0.5,
    )
    third = clone(base).fit(X, y)  # served again, from disk: the original
    np.testing.assert_array_equal(third.predict_proba(X), expected)
    # set_params on a shared teacher_ drops it as well
    third.teacher_.set_params(max_iter=5)
    fourth = clone(base).fit(X, y)
    assert fourth.teacher_ is not third.teacher_
    assert fourth.teacher_.max_iter == 20


def test_a_cleared_cache_refits_the_teacher(data, tmp_path):
    import joblib

    X, y = data
    memory = joblib.Memory(str(tmp_path), verbose=0)
    model = DistilledClassifier(
        CountingTeacher(max_iter=20),
        calibration_cv=None,
        student="linear",
        memory=memory,
        random_state=0,
    )
    clone(model).fit(X, y)
    assert len(FITS) == 1
    memory.clear(warn=False)
    again = clone(model).fit(X, y)
    assert len(FITS) == 2  # the kept teacher is not served for a cleared cache
    assert "teacher_stage_from_cache" not in again.fit_times_


def test_frozen_teachers_are_the_users_object_and_not_kept(data, tmp_path):
    from sklearn.frozen import FrozenEstimator

    from skdistill._loaded_teachers import kept_teachers

    X, y = data
    frozen = FrozenEstimator(HistGradientBoostingClassifier(max_iter=20).fit(X, y))
    model = DistilledClassifier(frozen, n_synthetic=0.5, memory=str(tmp_path))
    before = kept_teachers()
    first = clone(model).set_params(random_state=0).fit(X, y)
    second = clone(first).fit(X, y)  # the stage from disk
    assert "teacher_stage_from_cache" in second.fit_times_
    assert kept_teachers() == before
    assert first.teacher_ is frozen and second.teacher_ is frozen


def test_own_calibration_dict_per_fit(data, tmp_path):
    X, y = data
    base = DistilledClassifier(
        CountingTeacher(max_iter=20), n_synthetic=0.5, memory=str(tmp_path)
    )
    first = clone(base).set_params(random_state=0).fit(X, y)
    first.calibration_["mine"] = True
    # another transfer set: the stage is computed from the kept teacher part
    other = clone(first).set_params(n_synthetic=1.0).fit(X, y)
    assert "mine" not in other.calibration_


@pytest.mark.parametrize("mmap_mode", [None, "r"])
def test_regression_fits_the_teacher_once_with_any_mmap_mode(mmap_mode, tmp_path):
    import joblib

    X, y = make_regression(200, 5, random_state=0)
    memory = joblib.Memory(str(tmp_path), mmap_mode=mmap_mode, verbose=0)
    model = DistilledRegressor(
        CountingRegressor(max_iter=20),
        n_synthetic=0.5,
        memory=memory,
        random_state=0,
    )
    first = clone(model).fit(X, y)
    second = clone(model).set_params(student="linear").fit(X, y)
    assert FITS == [200]
    assert second.teacher_ is first.teacher_ or mmap_mode is not None
    np.testing.assert_array_equal(
        second.teacher_.predict(X),
        clone(model).set_params(memory=None).fit(X, y).teacher_.predict(X),
    )


def test_a_damaged_cache_entry_is_computed_again(data, tmp_path):
    from skdistill import keep_loaded_teachers

    X, y = data
    model = DistilledClassifier(
        CountingTeacher(max_iter=20),
        calibration_cv=None,
        n_synthetic=0.5,
        memory=str(tmp_path),
        random_state=0,
    )
    expected = clone(model).fit(X, y).predict_proba(X)
    (part,) = [p for p in tmp_path.rglob("output.pkl") if "_teacher/" in str(p)]
    part.write_bytes(part.read_bytes()[:20])
    keep_loaded_teachers(keep_loaded_teachers(0))  # released: the file is read
    again = clone(model).fit(X, y)  # joblib logs the failed load, computes
    assert len(FITS) == 2  # fitted again, not failed
    assert "teacher" in again.fit_times_  # and reported as fitted now
    np.testing.assert_array_equal(again.predict_proba(X), expected)


def test_stacking_teacher_is_served_although_predict_resets_a_counter(tmp_path):
    from sklearn.ensemble import StackingClassifier
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(200, 5, random_state=0)
    teacher = StackingClassifier(
        [("hgb", HistGradientBoostingClassifier(max_iter=10))],
        LogisticRegression(),
        cv=2,
    )
    model = DistilledClassifier(
        teacher, calibration_cv=None, n_synthetic=0.5, memory=str(tmp_path)
    )
    first = clone(model).set_params(random_state=0).fit(X, y)
    second = clone(first).set_params(n_synthetic=1.0).fit(X, y)  # labels again
    third = clone(first).set_params(n_synthetic=1.5).fit(X, y)
    assert second.teacher_ is first.teacher_ and third.teacher_ is first.teacher_


def test_snapshot_of_cyclic_and_shared_structures_terminates():
    from skdistill._loaded_teachers import _snapshot, _unchanged

    teacher = HistGradientBoostingClassifier()
    loop: list = []
    loop.append(loop)
    shared: list = []
    for _ in range(40):
        shared = [shared, shared]
    teacher.loop_, teacher.shared_ = loop, shared
    snapshot = _snapshot(teacher)
    assert _unchanged(snapshot)
    teacher.loop_ = [loop]
    assert not _unchanged(snapshot)


def test_frozen_teacher_on_a_stage_miss_with_its_part_cached(data, tmp_path):
    from sklearn.frozen import FrozenEstimator

    X, y = data
    frozen = FrozenEstimator(HistGradientBoostingClassifier(max_iter=20).fit(X, y))
    model = DistilledClassifier(frozen, n_synthetic=0.5, memory=str(tmp_path))
    clone(model).set_params(random_state=0).fit(X, y)
    other = clone(model).set_params(random_state=0, n_synthetic=1.0).fit(X, y)
    assert other.teacher_ is frozen


def test_parallel_search_fits_each_folds_teacher_once(data, tmp_path):
    # candidates of one fold that start together wait for the first to store
    # the stage (joblib.Memory does not lock): a new-user trial counted 30
    # teacher fits instead of 24 with n_jobs=2
    from joblib import parallel_config

    X, y = data
    search = GridSearchCV(
        DistilledClassifier(
            CountingTeacher(max_iter=20),
            n_synthetic=0.5,
            calibration_cv=None,
            memory=str(tmp_path),
            random_state=0,
        ),
        {"student__max_depth": [2, 3, 4, 5]},
        cv=3,
        n_jobs=2,
    )
    search.estimator.set_params(student=make_student("tree", "classification"))
    with parallel_config(backend="threading"):  # FITS is seen by every worker
        search.fit(X, y)
    assert len(FITS) == 3 + 1  # one per fold, one for the refit on all rows
    assert not list((tmp_path / "skdistill_locks").iterdir())  # all released


def test_a_dead_holders_lock_is_taken_over(tmp_path):
    import socket

    from skdistill._stage_lock import stage_lock

    locks = tmp_path / "skdistill_locks"
    locks.mkdir()
    # a process id that cannot be alive (above the kernel's limit)
    (locks / "k.lock").write_text(f"{socket.gethostname()} 99999999\n")
    with stage_lock(str(tmp_path), "k"):
        assert (locks / "k.lock").exists()
    assert not (locks / "k.lock").exists()


def test_a_long_wait_names_the_holder_and_the_lock_file(tmp_path, monkeypatch):
    import os
    import socket
    import threading

    from skdistill import _stage_lock

    monkeypatch.setattr(_stage_lock, "WARN_AFTER_S", 0.1)
    locks = tmp_path / "skdistill_locks"
    locks.mkdir()
    lock = locks / "k.lock"
    lock.write_text(f"{socket.gethostname()} {os.getpid()}\n")  # alive: waits
    release = threading.Timer(1.0, lock.unlink)
    release.start()
    try:
        with pytest.warns(UserWarning, match=f"process {os.getpid()} on .*k.lock"):
            with _stage_lock.stage_lock(str(tmp_path), "k"):
                assert lock.exists()  # now ours
    finally:
        release.cancel()
    assert not lock.exists()


def test_parallel_search_over_families_fits_each_folds_teacher_once(data, tmp_path):
    # tree and linear students have other transfer sets (other stages) but
    # share the fold's teacher part, which is locked on its own
    from joblib import parallel_config

    X, y = data
    search = GridSearchCV(
        DistilledClassifier(
            CountingTeacher(max_iter=20),
            calibration_cv=None,
            memory=str(tmp_path),
            random_state=0,
        ),
        {"student": ["tree", "linear"]},
        cv=3,
        n_jobs=2,
    )
    with parallel_config(backend="threading"):
        search.fit(X, y)
    assert len(FITS) == 3 + 1
