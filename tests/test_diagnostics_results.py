"""Every public accessor of every diagnostics result type works, and the results are frozen
(the numbers themselves are compared with R in the other test_diagnostics_* modules)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
import rref
from rref_diagnostics import fit

import pylme
from pylme.diagnostics import CheckReport, Influence, Performance, StepResult

pytestmark = pytest.mark.skipif(
    not (rref.r_has_package("performance") and rref.r_has_package("lmerTest")),
    reason="the R packages performance and lmerTest are needed",
)


@pytest.fixture(scope="module")
def results():
    return {
        "influence": fit("slope").influence("Subject"),
        "performance": fit("slope").performance(),
        "check": fit("ticks").check(convergence=False),
        "step": fit("slope_step").step(),
    }


def _public(obj):
    return [n for n in dir(obj) if not n.startswith("_")]


@pytest.mark.parametrize("name", ["influence", "performance", "check", "step"])
def test_every_accessor_works(results, name):
    result = results[name]
    for f in dataclasses.fields(result):
        getattr(result, f.name)
    for attr in _public(result):
        value = getattr(result, attr)
        if callable(value) and attr in ("to_frame",):
            assert len(value()) > 0
    assert "<" in result._repr_html_()
    assert str(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, dataclasses.fields(result)[0].name, None)


def test_types_and_nested_results(results):
    assert isinstance(results["influence"], Influence)
    assert isinstance(results["performance"], Performance)
    rep = results["check"]
    assert isinstance(rep, CheckReport)
    for part in (rep.overdispersion, rep.zeroinflation, rep.collinearity, *rep.rows):
        assert part is not None
        for f in dataclasses.fields(part):
            getattr(part, f.name)
    assert list(rep.collinearity.to_frame().columns) == [
        "Term",
        "VIF",
        "VIF_CI_low",
        "VIF_CI_high",
        "SE_factor",
        "Tolerance",
    ]
    assert isinstance(results["step"], StepResult)
    assert isinstance(results["step"].final, pylme.LmerFit)


def test_plain_results_pickle(results):
    for name in ("influence", "performance", "check"):
        back = pickle.loads(pickle.dumps(results[name]))
        assert type(back) is type(results[name])
    inf = pickle.loads(pickle.dumps(results["influence"]))
    np.testing.assert_array_equal(inf.cooks_distance, results["influence"].cooks_distance)
