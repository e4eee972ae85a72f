"""``pylme fit FORMULA DATA``: fit a model to a data file and print lme4's summary."""

from __future__ import annotations

import json
from typing import Any

import click
import numpy as np

from pylme.cli._common import BadInput, read_data, reported


def _floats(values: Any) -> Any:
    if values is None:
        return None
    return [None if np.isnan(v) else float(v) for v in np.asarray(values, dtype=float)]


def fit_numbers(fit: Any) -> dict[str, Any]:
    """The fit's numbers as plain JSON values (what ``--json`` writes)."""
    fe, vc = fit.fixef, fit.varcorr
    return {
        "formula": fit.formula,
        "class": type(fit).__name__,
        "reml": getattr(fit, "reml", None),
        "family": getattr(fit, "family", None),
        "link": getattr(fit, "link", None),
        "nobs": fit.nobs,
        "ngrps": dict(fit.ngrps),
        "loglik": fit.loglik,
        "df": fit.df,
        "aic": fit.aic,
        "bic": fit.bic,
        "deviance": fit.deviance,
        "reml_criterion": getattr(fit, "reml_criterion", None),
        "sigma": fit.sigma,
        "df_residual": fit.df_residual,
        "fixef": {
            "term": list(fe.terms),
            "estimate": _floats(fe.estimate),
            "std_error": _floats(fe.std_error),
            "statistic": _floats(fe.statistic),
            "statistic_name": fe.statistic_name,
            "df": _floats(fe.df),
            "p_value": _floats(fe.p_value),
        },
        "varcorr": {
            "grp": list(vc.grp),
            "var1": list(vc.var1),
            "var2": list(vc.var2),
            "vcov": _floats(vc.vcov),
            "sdcor": _floats(vc.sdcor),
        },
        "converged": fit.convergence.converged,
        "singular": fit.convergence.singular,
        "versions": dict(fit.provenance.versions),
    }


def as_factors(frame: Any, columns: tuple[str, ...]) -> Any:
    """``frame`` with each of ``columns`` as a categorical whose levels are what R's
    ``factor()`` gives for the column read from a CSV (numbers in numeric order, written as
    R writes them: 1, not 1.0); missing values stay missing."""
    import pandas as pd

    for col in columns:
        if col not in frame.columns:
            raise BadInput(f"--factor {col}: no column {col!r} in the data ({', '.join(frame)})")
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue  # strings (and logicals) reach R as factors with R's own level order
        present = values.dropna()
        integral = bool((present == present.round()).all())
        uniques = sorted(present.unique())
        text = {v: str(int(v)) if integral else repr(float(v)) for v in uniques}
        frame[col] = pd.Categorical(
            values.map(text), categories=[text[v] for v in uniques], ordered=False
        )
    return frame


@click.command("fit")
@click.argument("formula")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--family", help="GLMM family (binomial, poisson, Gamma, ...): fits with glmer.")
@click.option("--link", help="Link function of the family (default: the family's canonical).")
@click.option("--ml", is_flag=True, help="Fit a linear model by maximum likelihood, not REML.")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="Write numbers here.")
@click.option("--receipt", type=click.Path(dir_okay=False), help="Write a receipt (JSON) here.")
@click.option(
    "--trusted",
    is_flag=True,
    help="Turn pylme's formula check off (as trusted=True): the formula can then run any R "
    "code. Only for a formula you wrote yourself.",
)
@click.option(
    "--factor",
    "factors",
    multiple=True,
    metavar="COL",
    help="Treat column COL as a factor (repeatable): a CSV keeps no factor types.",
)
@reported
def fit_command(
    formula: str,
    data: str,
    family: str | None,
    link: str | None,
    ml: bool,
    json_out: str | None,
    receipt: str | None,
    trusted: bool,
    factors: tuple[str, ...] = (),
) -> None:
    """Fit FORMULA (lme4 syntax) to DATA (.csv, .parquet or .feather); print the summary.

    FORMULA passes pylme's allow-list of functions before R evaluates anything (exit 2 when
    it calls anything else), unless --trusted."""
    frame = as_factors(read_data(data), factors)
    if family is None and link is not None:
        raise BadInput("--link needs --family")
    if family is not None and ml:
        raise BadInput("--ml is for linear models; glmer always fits by maximum likelihood")
    if family is None:
        from pylme.models.lmer import lmer

        fit: Any = lmer(formula, frame, REML=not ml, trusted=trusted)
    else:
        from pylme.models.glmer import glmer

        fit = glmer(formula, frame, family=family, link=link, trusted=trusted)
    click.echo(fit.summary())
    if json_out is not None:
        with open(json_out, "w", encoding="utf-8") as out:
            json.dump(fit_numbers(fit), out, indent=2)
    if receipt is not None:
        fit.save_receipt(receipt)
