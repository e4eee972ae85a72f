"""A fit as HTML tables: fit statistics, random effects, fixed effects, convergence."""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from pylme.display.tables import table
from pylme.results.fit import MixedFit
from pylme.results.summary import _header


def _title(fit: MixedFit) -> str:
    if getattr(fit, "nonlinear", False):
        nagq = getattr(fit, "nAGQ", 1)
        return f"Nonlinear mixed model fit by maximum likelihood (nAGQ = {nagq})"
    family = getattr(fit, "family", None)
    if family is not None:
        nagq = getattr(fit, "nAGQ", 1)
        how = "Laplace" if nagq == 1 else f"adaptive Gauss-Hermite, nAGQ = {nagq}"
        return (
            "Generalized linear mixed model fit by maximum likelihood "
            f"({how}): {family}({getattr(fit, 'link', '')})"
        )
    return "Linear mixed model fit by " + ("REML" if getattr(fit, "reml", False) else "ML")


def summary_minus2_label(fit: MixedFit) -> str:
    """The label ``summary()`` prints over -2 * logLik for an ML or GLMM fit (``deviance``,
    or ``-2*log(L)`` where the installed lme4 prints that), read from summary()'s own header
    so that the two always agree."""
    for block in _header(fit):
        names = block.splitlines()[0].split() if "\n" in block else []
        if "logLik" in names and len(names) > names.index("logLik") + 1:
            return names[names.index("logLik") + 1]
    return "deviance"


def statistics_rows(fit: MixedFit) -> list[list[Any]]:
    """(label, value) rows of the fit statistics table: the numbers of summary()'s header under
    its labels, then R's ``deviance()`` under its own name (for a GLMM it is not -2 * logLik;
    for a REML fit lme4 gives the ML deviance at the REML estimates)."""
    rows: list[list[Any]] = [["Observations", fit.nobs]]
    rows += [[f"Groups: {g}", n] for g, n in fit.ngrps.items()]
    reml_criterion = getattr(fit, "reml_criterion", None)
    if reml_criterion is not None:
        rows.append(["REML criterion", float(reml_criterion)])
    rows += [["AIC", fit.aic], ["BIC", fit.bic], ["logLik", fit.loglik]]
    if reml_criterion is None:
        rows.append([summary_minus2_label(fit), -2.0 * fit.loglik])
    rows.append(["df.resid", fit.df_residual])
    r_deviance = "deviance(fit)" if reml_criterion is None else "deviance(fit, REML = FALSE)"
    rows.append([r_deviance, fit.deviance])
    if fit.varcorr.sigma is not None:
        rows.append(["sigma", fit.varcorr.sigma])
    return rows


def random_rows(fit: MixedFit) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the random-effects table: lme4's layout, with each term's
    correlations with the group's earlier terms in the ``Corr`` columns."""
    vc = fit.varcorr
    blocks = []
    for g in vc.groups:
        at = [i for i, gg in enumerate(vc.grp) if gg == g]
        terms = [vc.var1[i] or "" for i in at if vc.var2[i] is None]
        corr = np.full((len(terms), len(terms)), np.nan)
        for i in at:
            v2 = vc.var2[i]
            if v2 is not None:
                a, b = terms.index(vc.var1[i] or ""), terms.index(v2)
                corr[a, b] = corr[b, a] = float(vc.sdcor[i])
        sds = [float(vc.sdcor[i]) for i in at if vc.var2[i] is None]
        blocks.append((g, terms, sds, corr))
    n_corr = max((len(t) for _, t, _, _ in blocks), default=1) - 1
    rows: list[list[Any]] = []
    for g, terms, sds, corr in blocks:
        for a, (term, sd) in enumerate(zip(terms, sds)):
            corrs: list[Any] = [float(corr[a, b]) if b < a else None for b in range(n_corr)]
            rows.append([g if a == 0 else "", term, sd * sd, sd, *corrs])
    sigma = vc.sigma
    if sigma is not None:
        rows.append(["Residual", "", sigma * sigma, sigma, *([None] * n_corr)])
    header = ["Groups", "Name", "Variance", "Std.Dev."] + (["Corr"] + [""] * (n_corr - 1))[:n_corr]
    return header, rows


def fixed_rows(fit: MixedFit) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the fixed-effects table (df and p only where the fit has them)."""
    fe = fit.fixef
    header = ["", "Estimate", "Std. Error"]
    columns: list[Any] = [fe.estimate, fe.std_error]
    if fe.df is not None:
        header.append("df")
        columns.append(fe.df)
    header.append(fe.statistic_name)
    columns.append(fe.statistic)
    if fe.p_value is not None:
        header.append("Pr(>|z|)" if fe.statistic_name == "z value" else "Pr(>|t|)")
        columns.append(fe.p_value)
    rows = [[t, *(float(c[i]) for c in columns)] for i, t in enumerate(fe.terms)]
    return header, rows


def _convergence(fit: MixedFit) -> str:
    c = fit.convergence
    status = "converged" if c.converged else "did not converge"
    head = f"Optimizer {c.optimizer}: {status} (code {c.code})"
    if c.singular:
        head += "; singular fit (see R's help('isSingular'))"
    notes = [*c.lme4_messages, *c.optimizer_warnings, *c.warnings, *c.messages]
    notes = list(dict.fromkeys(notes))
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"<p>{html.escape(head)}</p>" + (f"<ul>{items}</ul>" if notes else "")


def fit_html(fit: MixedFit) -> str:
    """The HTML shown for a fit in a notebook."""
    re_header, re_rows = random_rows(fit)
    fe_header, fe_rows = fixed_rows(fit)
    ddf = f" (degrees of freedom: {fit.fixef.ddf})" if fit.fixef.ddf else ""
    return "".join(
        [
            '<div class="pylme-fit">',
            f"<p><b>{html.escape(_title(fit))}</b><br>",
            f"Formula: <code>{html.escape(fit.formula)}</code></p>",
            table(["", "value"], statistics_rows(fit), caption="Fit statistics", css="stats"),
            table(re_header, re_rows, caption="Random effects", css="ranef"),
            table(fe_header, fe_rows, caption="Fixed effects" + ddf, css="fixef"),
            _convergence(fit),
            "</div>",
        ]
    )
