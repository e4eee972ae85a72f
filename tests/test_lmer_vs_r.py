"""pylme.lmer against pure R (Rscript r_scripts/reference.R), quantity by quantity."""

from __future__ import annotations

import warnings

import pytest
import rref
from cases import LMER_CASES, dataset
from compare import QUANTITIES, check, r_summary_lines

import pylme


@pytest.fixture(scope="module")
def references():
    cases = [
        {"id": cid, "function": "lmer", "formula": formula, "data": dataset(ds), "options": ropts}
        for cid, (ds, formula, _, ropts) in LMER_CASES.items()
    ]
    return rref.reference_fits(cases)


@pytest.fixture(scope="module")
def fits():
    out = {}
    for cid, (ds, formula, opts, _) in LMER_CASES.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pylme.PylmeWarning)
            out[cid] = pylme.lmer(formula, dataset(ds), **opts)
    return out


@pytest.mark.parametrize("quantity", QUANTITIES)
@pytest.mark.parametrize("case", list(LMER_CASES))
def test_matches_pure_r(case, quantity, fits, references):
    ref = references[case]
    assert "error" not in ref, ref.get("error")
    check(quantity, fits[case], ref)


@pytest.mark.parametrize("case", list(LMER_CASES))
def test_summary_reads_like_lme4(case, fits, references):
    """summary() matches R's print(summary(fit)) line for line, but for the Data/Control lines."""
    ours = fits[case].summary().splitlines()
    assert ours == r_summary_lines(references[case]["summary"])
