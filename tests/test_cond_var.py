"""Conditional variances: pylme's Schur-complement and dense routes (r_scripts/condvar.R)
against lme4's own ``ranef(fit, condVar = TRUE)``, on the same live R model, for every
reference case.

test_lmer_vs_r / test_glmer_vs_r already compare the cases that take the Schur route by
default (the ``large_*`` ones) with pure R; here every case is forced through both routes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from cases import GLMER_CASES, LMER_CASES, dataset, glmm_dataset
from test_glmer_vs_r import AVAILABLE

import pylme
from pylme.runtime import R_LOCK, get_session
from pylme.runtime.from_r import from_r

#: Two exact methods in one process: only rounding separates them (measured: below 1e-13).
RTOL = 1e-10

CASES = {f"lmer:{c}": c for c in LMER_CASES} | {f"glmer:{c}": c for c in AVAILABLE}


def _fit(key: str):
    kind, cid = key.split(":")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        if kind == "lmer":
            ds, formula, opts, _ = LMER_CASES[cid]
            return pylme.lmer(formula, dataset(ds), **opts)
        fn, ds, formula, opts = GLMER_CASES[cid]
        opts = dict(opts)
        if fn == "glmer.nb":
            return pylme.glmer_nb(formula, glmm_dataset(ds), **opts)
        return pylme.glmer(formula, glmm_dataset(ds), **opts)


@pytest.fixture(scope="module")
def fits():
    return {key: _fit(key) for key in CASES}


def _r(function: str, *args):
    with R_LOCK:
        return from_r(get_session().env[function](*args))


@pytest.mark.parametrize("route", ["schur", "dense"])
@pytest.mark.parametrize("key", list(CASES))
def test_route_matches_lme4_condvar(key, route, fits):
    model = fits[key].r_model()
    if route == "dense" and key.split(":")[1].startswith("large_"):
        pytest.skip("the dense route is for small models (a dense q x q inverse)")
    ours = _r("pylme_ranef", model, route)
    theirs = _r("pylme_ranef", model, "lme4")
    assert [g["group"] for g in ours] == [g["group"] for g in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a["levels"] == b["levels"] and a["terms"] == b["terms"]
        np.testing.assert_array_equal(a["modes"], b["modes"])
        cv_a, cv_b = np.asarray(a["cond_var"]), np.asarray(b["cond_var"])
        assert cv_a.shape == cv_b.shape
        np.testing.assert_array_equal(np.isnan(cv_a), np.isnan(cv_b))
        ok = ~np.isnan(cv_b)
        scale = np.abs(cv_b[ok]).max()
        np.testing.assert_allclose(cv_a[ok], cv_b[ok], rtol=RTOL, atol=RTOL * scale)


@pytest.mark.parametrize("key", list(CASES))
def test_auto_route(key, fits):
    """Large models take the Schur route; small ones (q <= 200) the dense one; between, lme4's."""
    model = fits[key].r_model()
    q = int(_r("pylme_n_re_columns", model)[0])
    if key.split(":")[1].startswith("large_"):
        expected = "schur"
    else:
        expected = "dense" if q <= 200 else "lme4"
    assert _r("pylme_cond_var_method", model, "auto") == (expected,)
