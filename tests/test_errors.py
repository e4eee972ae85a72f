"""Bad input: each error is typed, names the problem, and leaves the R session usable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pylme

F = "Reaction ~ Days + (Days | Subject)"


def test_missing_column_is_named(sleepstudy):
    with pytest.raises(
        pylme.DataError, match="column 'Dayz' not found.*Available columns: Reaction, Days, Subject"
    ):
        pylme.lmer("Reaction ~ Dayz + (1 | Subject)", sleepstudy)


@pytest.mark.parametrize("function", ["lmer", "glmer", "glmer_nb"])
@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_swapped_formula_and_data(sleepstudy, function, kind):
    """pylme.lmer(frame, "y ~ ..."): one sentence, without the frame's repr."""
    import polars as pl
    import pyarrow as pa

    frame = {
        "pandas": sleepstudy,
        "polars": pl.from_pandas(sleepstudy),
        "pyarrow": pa.Table.from_pandas(sleepstudy),
    }[kind]
    opts = {"family": "poisson"} if function == "glmer" else {}
    with pytest.raises(pylme.FormulaError) as info:
        getattr(pylme, function)(frame, F, **opts)
    text = str(info.value)
    name = "Table" if kind == "pyarrow" else "DataFrame"
    assert text.startswith(f"got a {name} where the formula goes (did you swap formula and data?)")
    assert "Reaction" not in text and "308" not in text and len(text) < 200


def test_a_non_string_formula_is_named_by_type(sleepstudy):
    with pytest.raises(pylme.FormulaError) as info:
        pylme.lmer(np.arange(1000), sleepstudy)
    assert str(info.value).endswith("got ndarray") and "999" not in str(info.value)


def test_data_that_is_not_a_frame():
    with pytest.raises(
        pylme.DataError,
        match="pandas DataFrame, a polars DataFrame or a pyarrow Table; got builtins.dict",
    ):
        pylme.lmer(F, {"Reaction": [1.0]})


def test_unsupported_dtype_in_model_column(sleepstudy):
    d = sleepstudy.assign(when=pd.Timestamp("2020-01-01"))
    with pytest.raises(pylme.DataError, match="column 'when' has type timestamp"):
        pylme.lmer("Reaction ~ when + (1 | Subject)", d)


def test_unsupported_dtype_in_unused_column_is_fine(sleepstudy):
    d = sleepstudy.assign(when=pd.Timestamp("2020-01-01"))
    assert pylme.lmer(F, d).nobs == 180


def test_no_rows_left_after_na(sleepstudy):
    d = sleepstudy.assign(Reaction=np.nan)
    with pytest.raises(pylme.DataError, match="0 \\(non-NA\\) cases"):
        pylme.lmer(F, d)


def test_empty_frame(sleepstudy):
    with pytest.raises(pylme.DataError, match="no rows"):
        pylme.lmer(F, sleepstudy.iloc[:0])


def test_na_action_fail(sleepstudy):
    d = sleepstudy.copy()
    d.loc[0, "Reaction"] = np.nan
    with pytest.raises(pylme.DataError, match="missing values"):
        pylme.lmer(F, d, na_action="fail")


@pytest.mark.parametrize(
    "formula, message",
    [
        ("Reaction ~ Days + (Days | Subject", "could not parse the formula"),
        ("Reaction ~ Days", "No random effects terms"),
        ("~ Days + (1 | Subject)", "has no response"),
        ("Reaction + Days", "must have the form 'response ~ terms'"),
        (
            "Reaction ~ Days + (Days | Subject) + notafunction(Days)",
            'could not find function "notafunction"',
        ),
    ],
)
def test_malformed_formulas(sleepstudy, formula, message):
    with pytest.raises(pylme.FormulaError, match=message):
        pylme.lmer(formula, sleepstudy)


def test_formula_must_be_a_string(sleepstudy):
    with pytest.raises(pylme.FormulaError, match="non-empty string"):
        pylme.lmer(None, sleepstudy)


def test_r_failure_is_rerror_with_r_message(sleepstudy):
    # An lmerControl value lme4 itself rejects (pylme checks only that it is a plain value).
    with pytest.raises(pylme.RError) as info:
        pylme.lmer(F, sleepstudy, control={"check.nobs.vs.nlev": "bogus"})
    assert "bogus" in info.value.r_message
    assert str(info.value).startswith(info.value.r_message)  # R's own message leads


def test_unknown_control_argument_lists_allowed(sleepstudy):
    with pytest.raises(
        pylme.OptionError,
        match="unknown lmerControl argument\\(s\\): optimiser.*Allowed: optimizer",
    ):
        pylme.lmer(F, sleepstudy, control={"optimiser": "bobyqa"})


def test_bad_na_action(sleepstudy):
    with pytest.raises(
        pylme.OptionError, match="na_action must be one of 'omit', 'exclude', 'fail'"
    ):
        pylme.lmer(F, sleepstudy, na_action="drop")


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_reml_must_be_a_bool(sleepstudy, value):
    with pytest.raises(pylme.OptionError, match=f"REML must be True or False; got {value!r}"):
        pylme.lmer(F, sleepstudy, REML=value)


def test_bad_contrast(sleepstudy):
    with pytest.raises(pylme.OptionError, match="unknown contrast 'contr.bogus'.*contr.sum"):
        pylme.lmer(F, sleepstudy, contrasts={"Subject": "contr.bogus"})


def test_weights_of_wrong_length(sleepstudy):
    with pytest.raises(
        pylme.DataError,
        match="weights has shape \\(3,\\); it must be one value per row \\(180 rows\\)",
    ):
        pylme.lmer(F, sleepstudy, weights=np.ones(3))


def test_every_error_is_a_pylme_error():
    for exc in (
        pylme.DataError,
        pylme.FormulaError,
        pylme.RError,
        pylme.RNotFoundError,
        pylme.OptionError,
    ):
        assert issubclass(exc, pylme.PylmeError)


def test_session_usable_after_errors(sleepstudy):
    for bad in ("Reaction ~ Days + (Days | Subject", "Reaction ~ Days"):
        with pytest.raises(pylme.FormulaError):
            pylme.lmer(bad, sleepstudy)
    with pytest.raises(pylme.RError):
        pylme.lmer(F, sleepstudy, control={"check.nobs.vs.nlev": "bogus"})
    with pytest.raises(pylme.OptionError, match="no_such_optimizer"):
        pylme.lmer(F, sleepstudy, control={"optimizer": "no_such_optimizer"})
    fit = pylme.lmer(F, sleepstudy)
    assert fit.convergence.converged and abs(fit.fixef["Days"] - 10.467) < 1e-3
