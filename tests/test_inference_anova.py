"""pylme.anova(*fits) against R's anova(m0, m1, ..., refit), run in pure R."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import RTOL
from rref_inference import QUERIES, check_frame, fit, ref

import pylme

COLUMNS = ["npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]
DEVIANCE = {"-2*log(L)": "deviance", **{c: c for c in COLUMNS}}


def compare(query, **kwargs):
    fits = [fit(m) for m in QUERIES[query]["models"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = pylme.anova(*fits, refit=QUERIES[query]["refit"], **kwargs)
    return ours, [w for w in caught if issubclass(w.category, pylme.PylmeWarning)]


@pytest.mark.parametrize("query", ["anova_corr", "anova_days", "anova_three", "anova_norefit"])
def test_anova_matches_r(query):
    ours, _ = compare(query)
    r = ref(query)
    # lme4 >= 1.1-36 names -2 logLik "-2*log(L)"; pylme's column is "deviance" on every lme4.
    check_frame(ours.drop(columns="model"), r, RTOL, rename=DEVIANCE.get)
    # R's rows are named after the models m0, m1, ... in the call's order.
    assert list(ours["model"]) == [int(n[1:]) for n in r["rownames"]]
    assert list(ours.columns) == ["model", *COLUMNS]


def test_correlation_test_figures():
    """(Days|Subject) against (Days||Subject): the issue's Chisq 0.0639 and p 0.8004 are R's."""
    ours, _ = compare("anova_corr")
    row = ours.set_index("model").loc[0]
    assert round(row["Chisq"], 4) == 0.0639
    assert round(row["Pr(>Chisq)"], 4) == 0.8004


def test_three_models_in_r_order():
    ours, _ = compare("anova_three")
    assert list(ours["npar"]) == sorted(ours["npar"])
    assert sorted(ours["model"]) == [0, 1, 2]


def test_refit_warns_once():
    _, caught = compare("anova_three")
    assert len(caught) == 1
    assert "ML" in str(caught[0].message)
    _, caught = compare("anova_norefit")
    assert caught == []


def test_tampered_result_is_caught():
    ours, _ = compare("anova_days")
    bad = ours.drop(columns="model").copy()
    bad.loc[1, "Chisq"] = bad.loc[1, "Chisq"] * (1 + 1e-6)
    with pytest.raises(AssertionError):
        check_frame(bad, ref("anova_days"), RTOL)


def test_different_values_raise():
    """Same size, one Reaction value changed: pylme sees the column's fingerprint differ."""
    with pytest.raises(pylme.DataError, match="Reaction"):
        pylme.anova(fit("days_int"), fit("other"))


def test_different_sizes_raise():
    with pytest.raises(pylme.DataError, match="same size"):
        pylme.anova(fit("days_int"), fit("short"))


def test_different_variables_same_frame_compare():
    """Models using different columns of one frame share only some columns: that is fine."""
    ours = pylme.anova(fit("days_int"), fit("no_days"), refit=False)
    assert isinstance(ours, pd.DataFrame) and len(ours) == 2


def test_needs_two_fits():
    with pytest.raises(pylme.OptionError):
        pylme.anova(fit("slope"))
