"""``summary()`` text laid out like lme4's ``print(summary(fit))``, built from the fields.

Differences from lme4: there is no ``Data:`` line (pylme does not know the frame's
name) and no ``Control:`` line; ``Weights:``/``Offset:`` name the column (or ``<array>``).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from pylme.results.rformat import (
    abbreviate,
    char_matrix,
    format_pval,
    format_real,
    named_vector,
    signif_stars,
    zapsmall,
)

if TYPE_CHECKING:
    from pylme.results.fit import MixedFit

DIGITS = 4  # lme4: max(3, getOption("digits") - 3)
COR_MAX = 12  # lme4.summary.cor.max
WIDTH = 80


def _is_glmm(fit: MixedFit) -> bool:
    return getattr(fit, "family", None) is not None


def one_line(fit: MixedFit) -> str:
    """``repr(fit)``: kind, formula, observations, groups and logLik on one line."""
    if _is_glmm(fit):
        kind = f"{fit.family}({fit.link})"  # type: ignore[attr-defined]
    else:
        kind = "REML" if getattr(fit, "reml", False) else "ML"
    groups = ", ".join(f"{n} {g}" for g, n in fit.ngrps.items())
    loglik = format_real([fit.loglik], digits=7)[0]
    return (
        f"<{type(fit).__name__} {kind}: {fit.formula}; {fit.nobs} obs, {groups}; logLik {loglik}>"
    )


def _cat_fill(items: list[str], width: int) -> str:
    """R's ``cat(..., sep = "", fill = width)``: a new line before an item that would pass
    ``width``."""
    lines, current = [], ""
    for item in items:
        if current and len(current) + len(item) > width:
            lines.append(current)
            current = ""
        current += item
    return "\n".join([*lines, current])


def _lmertest_title(fit: MixedFit, ddf: str) -> str:
    """lmerTest's title through lme4's ``.prt.methTit`` (which wraps with ``cat(fill=)``)."""
    how = "REML" if getattr(fit, "reml", False) else "maximum likelihood "
    title = f"Linear mixed model fit by {how}. t-tests use {ddf}'s method"
    cls = "lmerModLmerTest"
    if len(title) + 5 + len(cls) > WIDTH:
        wrapped = textwrap.wrap(
            title, width=WIDTH - 3, subsequent_indent="  ", break_on_hyphens=False
        )
        return _cat_fill([*wrapped, " [", cls, "]"], WIDTH)
    return f"{title} ['{cls}']"


def _title(fit: MixedFit) -> str:
    if fit.fixef.ddf is not None:
        return _lmertest_title(fit, fit.fixef.ddf)
    if getattr(fit, "nonlinear", False):
        # lme4's methTitle: "Nonlinear", and "maximum likelihood" pasted with nothing after it.
        title, cls = "Nonlinear mixed model fit by maximum likelihood ", "nlmerMod"
    elif _is_glmm(fit):
        nagq = fit.nAGQ  # type: ignore[attr-defined]
        how = (
            "(Laplace Approximation)"
            if nagq == 1
            else f"(Adaptive Gauss-Hermite Quadrature, nAGQ = {nagq})"
        )
        title, cls = f"Generalized linear mixed model fit by maximum likelihood {how}", "glmerMod"
    else:
        cls = "lmerMod"
        title = "Linear mixed model fit by " + (
            "REML" if getattr(fit, "reml", False) else "maximum likelihood "
        )
    if len(title) + 5 + len(cls) > WIDTH:
        wrapped = textwrap.wrap(
            title, width=WIDTH - 3, subsequent_indent="  ", break_on_hyphens=False
        )
        return "\n".join(wrapped) + f" [{cls}]"
    return f"{title} ['{cls}']"


def _cat_fill_sep(items: list[str], width: int = WIDTH) -> list[str]:
    """R's ``cat(..., fill = TRUE)`` (separator " "): the separator is written, then a new
    line starts before an item that would pass ``width``."""
    lines, current, used = [], "", 0
    for i, item in enumerate(items):
        if i:
            current += " "
            if used + len(item) + 1 > width:
                lines.append(current)
                current, used = "", 0
        current += item
        used += len(item) + 1
    return [*lines, current]


def _formula(fit: MixedFit) -> list[str]:
    """lme4's ``cat("Formula:", deparse(formula), fill = TRUE)``, where the fit kept R's
    ``deparse()`` lines (nlmer fits); else the formula on one line."""
    deparsed = getattr(fit, "formula_lines", ())
    if deparsed:
        return _cat_fill_sep(["Formula:", *deparsed])
    return [f"Formula: {fit.formula}"]


def _header(fit: MixedFit) -> list[str]:
    lines = [_title(fit)]
    if _is_glmm(fit):
        lines.append(f" Family: {fit.family}  ( {fit.link} )")  # type: ignore[attr-defined]
    lines += _formula(fit)
    opts = fit.provenance.options
    if opts.get("weights") is not None:
        lines.append(f"Weights: {opts['weights']}")
    if opts.get("offset") is not None:
        lines.append(f" Offset: {opts['offset']}")
    lines.append("")
    reml_criterion = getattr(fit, "reml_criterion", None)
    if reml_criterion is not None:
        value = format_real([round(float(reml_criterion), 1)], digits=7)[0]
        lines.append(f"REML criterion at convergence: {value}")
    else:
        names = ["AIC", "BIC", "logLik", deviance_label(fit), "df.resid"]
        vals = np.round([fit.aic, fit.bic, fit.loglik, -2 * fit.loglik], 1)
        cells = format_real(list(vals) + [float(fit.df_residual)], digits=7)[:4] + [
            str(fit.df_residual)
        ]
        lines.append(named_vector(names, cells))
    lines.append("")
    return lines


def _version(fit: MixedFit, package: str, default: str) -> tuple[int, ...]:
    """The fitting session's version of ``package`` (R, lme4, ...), as numbers."""
    text = fit.provenance.versions.get(package) or default
    return tuple(int(p) for p in text.replace("-", ".").split(".") if p.isdigit())


def deviance_label(fit: MixedFit) -> str:
    """The header lme4 prints over -2 logLik: ``-2*log(L)`` from lme4 1.1-36 on (its NEWS:
    "deviance" was misleading for GLMMs), ``deviance`` before."""
    return "-2*log(L)" if _version(fit, "lme4", "1.1.31") >= (1, 1, 36) else "deviance"


def _residuals(fit: MixedFit) -> list[str]:
    r = np.asarray(fit.scaled_residuals, dtype=float)
    kept = r[~np.isnan(r)]
    # A degenerate fit (a constant response: sigma 0) has no finite scaled residuals.
    q = np.percentile(kept, [0, 25, 50, 75, 100]) if kept.size else np.full(5, np.nan)
    cells = format_real(zapsmall(q, DIGITS + 1, _version(fit, "R", "4.2")), digits=DIGITS)
    return ["Scaled residuals: ", named_vector(["Min", "1Q", "Median", "3Q", "Max"], cells), ""]


def _random_effects(fit: MixedFit) -> list[str]:
    vc = fit.varcorr
    groups = []  # (group, terms, sds, corr matrix)
    for g in vc.groups:
        at = [i for i, gg in enumerate(vc.grp) if gg == g]
        terms = [vc.var1[i] or "" for i in at if vc.var2[i] is None]
        sds = [float(vc.sdcor[i]) for i in at if vc.var2[i] is None]
        corr = np.eye(len(terms))
        for i in at:
            v2 = vc.var2[i]
            if v2 is not None:
                a, b = terms.index(vc.var1[i] or ""), terms.index(v2)
                corr[a, b] = corr[b, a] = float(vc.sdcor[i])
        groups.append((g, terms, sds, corr))
    all_sd = [s for _, _, sds, _ in groups for s in sds]
    if vc.sigma is not None:
        all_sd.append(vc.sigma)
    variances = format_real(np.square(all_sd), digits=DIGITS)
    stddevs = format_real(all_sd, digits=DIGITS)
    rows: list[list[str]] = []
    for g, terms, _, _ in groups:
        for j, t in enumerate(terms):
            rows.append([g if j == 0 else "", t])
    if vc.sigma is not None:
        rows.append(["Residual", ""])
    for row, v, s in zip(rows, variances, stddevs):
        row += [v, s]
    colnames = ["Groups", "Name", "Variance", "Std.Dev."]
    maxlen = max((len(t) for _, t, _, _ in groups), default=1)
    if maxlen > 1:
        corr_rows: list[list[str]] = []
        for _, terms, _, corr in groups:
            k = len(terms)
            cells = np.array(
                format_real(np.round(corr.reshape(-1, order="F"), 2), nsmall=2)
            ).reshape((k, k), order="F")
            for a in range(k):
                corr_rows.append(
                    [cells[a, b] if b < a else "" for b in range(k)] + [""] * (maxlen - k)
                )
        corr_rows = [r[: maxlen - 1] for r in corr_rows]
        corr_rows += [[""] * (maxlen - 1)] * (len(rows) - len(corr_rows))
        rows = [r + c for r, c in zip(rows, corr_rows)]
        colnames += ["Corr"] + [""] * (maxlen - 2)
    grps = "; ".join(f"{k}, {v}" for k, v in fit.ngrps.items())
    return [
        "Random effects:",
        char_matrix(rows, colnames),
        f"Number of obs: {fit.nobs}, groups:  {grps}",
    ]


def _coef_table(fit: MixedFit) -> list[str]:
    fe = fit.fixef
    est, se, stat = (np.asarray(a, dtype=float) for a in (fe.estimate, fe.std_error, fe.statistic))
    # printCoefmat formats Estimate, Std. Error (and lmerTest's df) together.
    cs = np.column_stack([est, se] if fe.df is None else [est, se, np.asarray(fe.df, float)])
    ncs = cs.shape[1]
    acs = np.abs(cs[np.isfinite(cs) & (cs != 0)])
    digmin = 1 + np.floor(np.log10([acs.min(), acs.max()])) if acs.size else np.array([1.0, 1.0])
    rnd = int(max(1, *(DIGITS - digmin)))
    cs_txt = np.array(format_real(np.round(cs, rnd).reshape(-1, order="F"), digits=DIGITS)).reshape(
        cs.shape, order="F"
    )
    dig_tst = max(1, min(5, DIGITS - 1))
    t_txt = format_real(np.round(stat, dig_tst), digits=DIGITS)
    for j in range(ncs):
        for i in range(len(est)):
            shown = cs_txt[i, j]
            if shown not in ("NA", "NaN") and (cs[i, j] == 0) != (float(shown) == 0):
                cs_txt[i, j] = format_real([cs[i, j]], digits=DIGITS - 1)[0]
    names = ["Estimate", "Std. Error"] + (["df"] if fe.df is not None else [])
    names.append(fe.statistic_name)
    cells = [[*cs_txt[i, :], t_txt[i]] for i in range(len(est))]
    legend: list[str] = []
    if fe.p_value is not None:
        pv = np.asarray(fe.p_value, dtype=float)
        ptxt = format_pval(pv, digits=dig_tst)
        names.append(fe.p_value_name)
        for row, p in zip(cells, ptxt):
            row.append(p)
        if (pv < 0.1).any():
            stars = [signif_stars(p) for p in pv]
            w = max(len(s) for s in stars)
            for row, s in zip(cells, stars):
                row.append(s.ljust(w))
            names.append("")
            legend = [
                "---",
                "Signif. codes:  0 \u2018***\u2019 0.001 \u2018**\u2019 0.01 \u2018*\u2019 "
                "0.05 \u2018.\u2019 0.1 \u2018 \u2019 1",
            ]
    return ["", "Fixed effects:", char_matrix(cells, names, list(fe.terms), right=True), *legend]


def _fixef_correlation(fit: MixedFit) -> list[str]:
    fe = fit.fixef
    p = len(fe.terms)
    if p > COR_MAX:  # lme4 says so in a message(), printed where the matrix would be
        return [
            "",
            f"Correlation matrix not shown by default, as p = {p} > {COR_MAX}.",
            "Use print(x, correlation=TRUE)  or",
            "    vcov(x)        if you need it",
            "",
            "",
        ]
    if p <= 1:
        return []
    corr = fe.correlation
    txt = np.array(format_real(np.round(corr.reshape(-1, order="F"), 3), nsmall=3)).reshape(
        (p, p), order="F"
    )
    rns = abbreviate(fe.terms, 11)
    cns = abbreviate(fe.terms, 6)
    cells = [[txt[i, j] if j < i else "" for j in range(p - 1)] for i in range(1, p)]
    return ["", "Correlation of Fixed Effects:", char_matrix(cells, cns[:-1], rns[1:])]


def _convergence(fit: MixedFit) -> list[str]:
    c = fit.convergence
    if c.code == 0 and not c.lme4_messages and not c.optimizer_warnings:
        return []
    tag = "(OK)" if c.code == 0 else (f"({c.optimizer_message})" if c.optimizer_message else "")
    return [
        f"optimizer ({c.optimizer}) convergence code: {c.code} {tag}",
        *c.lme4_messages,
        *c.optimizer_warnings,
        "",
        "",
    ]


def format_summary(fit: MixedFit) -> str:
    lines = _header(fit) + _residuals(fit) + _random_effects(fit) + _coef_table(fit)
    lines += _fixef_correlation(fit) + _convergence(fit)
    return "\n".join(lines)
