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
                f"r <- data(package = '{package}')$results; "
                "cat(sub('^.*\\\\((.*)\\\\)$', '\\\\1', r[, 'Item']), sep = '\\n')",
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
