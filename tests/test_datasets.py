"""pylme.datasets: values, dtypes and R's level order against a pure-R export."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest
import rref
from conftest import assert_close

import pylme
import pylme.datasets as datasets


@pytest.mark.parametrize(
    "package, name", [("lme4", "sleepstudy"), ("lme4", "VerbAgg"), ("mlmRev", "Hsb82")]
)
def test_load_matches_r(package, name):
    got = datasets.load(name, package=package)
    expected = rref.r_dataset(package, name)
    assert list(got.columns) == list(expected.columns)
    for col in expected.columns:
        e, g = expected[col], got[col]
        if isinstance(e.dtype, pd.CategoricalDtype):
            assert isinstance(g.dtype, pd.CategoricalDtype), col
            assert list(g.cat.categories) == list(e.cat.categories), col
            assert g.cat.ordered == e.cat.ordered, col
            assert list(g.cat.codes) == list(e.cat.codes), col
        else:
            assert g.dtype.kind in "fi", col
            assert_close(g.to_numpy(dtype=float), e.to_numpy(dtype=float), what=col)


def test_list_matches_r_and_has_packages():
    listing = datasets.list()
    assert list(listing.columns) == ["package", "name", "title"]
    for package in datasets.PACKAGES:
        res = subprocess.run(
            [
                rref.rscript(),
                "-e",
                # "object (file)": the object's name, the one data() puts in the workspace
                f"r <- data(package = '{package}')$results; "
                "cat(sub(' \\\\(.*\\\\)$', '', r[, 'Item']), sep = '\\n')",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        expected = res.stdout.split()
        assert list(listing.loc[listing["package"] == package, "name"]) == expected


def test_builtin_list_not_shadowed():
    assert "list" not in vars(datasets)
    from pylme.datasets import list as list_sets

    assert list_sets is datasets.list_datasets
    assert datasets.load_r_dataset is datasets.load


def test_unknown_data_set():
    with pytest.raises(pylme.DataError, match="nosuch"):
        datasets.load("nosuch")
    with pytest.raises(pylme.DataError, match="nopackage"):
        datasets.load("sleepstudy", package="nopackage")


def test_list_names_each_data_set_once_and_each_loads():
    """lme4's grouseticks file holds grouseticks and grouseticks_agg: both are listed once,
    under the names load() accepts, and each loads as R's data() gives it."""
    listing = datasets.list()
    assert not listing.duplicated(["package", "name"]).any()
    lme4_names = list(listing.loc[listing["package"] == "lme4", "name"])
    assert lme4_names.count("grouseticks") == 1 and lme4_names.count("grouseticks_agg") == 1
    agg = datasets.load("grouseticks_agg")
    res = subprocess.run(
        [
            rref.rscript(),
            "-e",
            "e <- new.env(); data('grouseticks', package = 'lme4', envir = e); "
            "a <- e$grouseticks_agg; cat(nrow(a), names(a), sep = '\\n')",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    n_rows, *columns = res.stdout.split()
    assert list(agg.columns) == columns
    assert len(agg) == int(n_rows) != len(datasets.load("grouseticks"))


def test_wrong_name_names_it_and_suggests_the_nearest():
    with pytest.raises(pylme.DataError) as err:
        datasets.load("sleepStudy")
    msg = str(err.value)
    assert "'sleepStudy'" in msg and "did you mean sleepstudy" in msg
    assert "model" not in msg  # not "the data cannot be used for this model"
    with pytest.raises(pylme.DataError, match=r"Hsb82 \(package='mlmRev'\)"):
        datasets.load("hsb82")  # in mlmRev, not lme4
    with pytest.raises(pylme.DataError, match=r"no data set 'zzzz'.*pylme\.datasets\.list"):
        datasets.load("zzzz")
