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
    # R's anova(fit1, fit2, ...): rows named after the models, as pylme names unnamed fits.
    assert list(ours["model"]) == r["rownames"]
    assert list(ours.columns) == ["model", *COLUMNS]
    assert ours["npar"].dtype.kind == "i"  # R's npar counts parameters


@pytest.mark.parametrize("how", ["keywords", "names"])
def test_named_models_are_r_row_names(how):
    """R's anova(slope, uncorr) names its rows slope and uncorr: so do pylme's names."""
    q = QUERIES["anova_named"]
    fits = [fit(m) for m in q["models"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pylme.PylmeWarning)
        if how == "keywords":
            ours = pylme.anova(**dict(zip(q["names"], fits)))
        else:
            ours = pylme.anova(*fits, names=q["names"])
    r = ref("anova_named")
    assert list(ours["model"]) == r["rownames"]
    check_frame(ours.drop(columns="model"), r, RTOL, rename=DEVIANCE.get)


def test_model_column_sees_wrong_names():
    ours, _ = compare("anova_corr")
    assert list(ours["model"]) != list(reversed(ref("anova_corr")["rownames"]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"names": ["a"]}, "names has 1 entries for 2 fits"),
        ({"names": ["a", "a"]}, "model names must be unique"),
        ({"names": ["a", ""]}, "names must be a list of non-empty strings"),
        ({"names": "ab"}, "names must be a list of non-empty strings"),
    ],
)
def test_bad_names(kwargs, message):
    with pytest.raises(pylme.OptionError, match=message):
        pylme.anova(fit("days_int"), fit("no_days"), **kwargs)


def test_fit_anova_with_another_fit_points_to_pylme_anova():
    """R's habit fm1.anova(fm2) (R's anova(fm1, fm2)) is pylme.anova(fm1, fm2)."""
    with pytest.raises(pylme.OptionError, match=r"call pylme\.anova\(fit, other_fit\)"):
        fit("slope").anova(fit("uncorr"))
    with pytest.raises(pylme.OptionError, match=r"call pylme\.anova\(fit, other_fit\)"):
        fit("cbpp").anova(fit("cbpp"))


def test_correlation_test_figures():
    """(Days|Subject) against (Days||Subject): the issue's Chisq 0.0639 and p 0.8004 are R's."""
    ours, _ = compare("anova_corr")
    row = ours.set_index("model").loc["fit1"]
    assert round(row["Chisq"], 4) == 0.0639
    assert round(row["Pr(>Chisq)"], 4) == 0.8004


def test_three_models_in_r_order():
    ours, _ = compare("anova_three")
    assert list(ours["npar"]) == sorted(ours["npar"])
    assert sorted(ours["model"]) == ["fit1", "fit2", "fit3"]


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
