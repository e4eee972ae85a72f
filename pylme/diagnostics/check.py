"""``fit.check()``: performance's checks, and the convergence verdict when a package provides
``fit.check_convergence()``, each with a plain-language status."""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.diagnostics.report import (
    CheckLine,
    CheckReport,
    Collinearity,
    Overdispersion,
    ZeroInflation,
)
from pylme.literals import CheckStatus
from pylme.results._arrays import frozen_array
from pylme.results.fit import MixedFit
from pylme.results.methods import implementation, implements, registered

NAN = float("nan")
#: performance's print methods: p > 0.05 is "No overdispersion detected."; VIF < 5 is "Low",
#: 5 to 10 "Moderate" and from 10 "High Correlation".
OVERDISPERSION_P = 0.05
VIF_MODERATE, VIF_HIGH = 5.0, 10.0
#: check_convergence()'s verdicts as statuses.
VERDICT_STATUS: dict[str, CheckStatus] = {
    "ok": "ok",
    "false positive": "note",
    "problem": "problem",
}


def _singular(singular: bool) -> CheckLine:
    if singular:
        msg = (
            "singular fit: a variance is (near) zero or a correlation is ±1; consider simpler "
            "random effects"
        )
        return CheckLine("singularity", "note", 1.0, "check_singularity", msg)
    return CheckLine("singularity", "ok", 0.0, "check_singularity", "not singular")


def _overdispersion(o: Overdispersion | None) -> CheckLine:
    src = "check_overdispersion"
    if o is None:
        return CheckLine(
            "overdispersion", "not checked", NAN, src, "applies to Poisson and binomial GLMMs"
        )
    text = f"dispersion ratio {o.ratio:.3f}, Pearson chi2 {o.chisq:.3f}, p = {o.p:.3g}"
    if o.p > OVERDISPERSION_P:
        return CheckLine(
            "overdispersion", "ok", o.ratio, src, f"No overdispersion detected ({text})."
        )
    return CheckLine(
        "overdispersion", "problem", o.ratio, src, f"Overdispersion detected ({text})."
    )


def _zeroinflation(z: ZeroInflation | None) -> CheckLine:
    src = "check_zeroinflation"
    if z is None:
        return CheckLine("zero-inflation", "not checked", NAN, src, "applies to count GLMMs")
    text = f"observed zeros {z.observed:g}, predicted {z.predicted:.1f}, ratio {z.ratio:.2f}"
    if z.ratio < 1 - z.tolerance:
        return CheckLine(
            "zero-inflation",
            "problem",
            z.ratio,
            src,
            f"Model is underfitting zeros (probable zero-inflation): {text}.",
        )
    if z.ratio > 1 + z.tolerance:
        return CheckLine(
            "zero-inflation", "note", z.ratio, src, f"Model is overfitting zeros: {text}."
        )
    return CheckLine(
        "zero-inflation",
        "ok",
        z.ratio,
        src,
        f"ratio of observed and predicted zeros within the tolerance: {text}.",
    )


def _collinearity(c: Collinearity | None) -> CheckLine:
    src = "check_collinearity"
    if c is None:
        return CheckLine(
            "collinearity", "not checked", NAN, src, "needs two or more fixed-effect terms"
        )
    top = float(np.nanmax(c.vif))
    worst = c.terms[int(np.nanargmax(c.vif))]
    if top < VIF_MODERATE:
        return CheckLine(
            "collinearity", "ok", top, src, f"Low correlation (largest VIF {top:.2f}, {worst})"
        )
    status: CheckStatus = "note" if top < VIF_HIGH else "problem"
    level = "Moderate" if status == "note" else "High"
    return CheckLine(
        "collinearity", status, top, src, f"{level} correlation: VIF {top:.2f} for {worst}"
    )


def _convergence(fit: MixedFit, run: bool) -> tuple[CheckLine, Any]:
    src = "check_convergence"
    if not run:
        return CheckLine(
            "convergence", "not checked", NAN, src, "not asked for (convergence=False)"
        ), None
    if not registered("check_convergence"):
        said = (
            "lme4 warned about convergence" if fit.convergence.warnings else "lme4 gave no warning"
        )
        return CheckLine(
            "convergence",
            "not checked",
            NAN,
            src,
            f"fit.check_convergence() is not available; {said}",
        ), None
    verdict = implementation("check_convergence")(fit)
    word = str(getattr(verdict, "verdict", "problem"))
    status = VERDICT_STATUS.get(word, "problem")
    return CheckLine("convergence", status, NAN, src, f"verdict: {word}"), verdict  # type: ignore[arg-type]


def _parts(out: dict[str, Any]) -> tuple[Any, Any, Any]:
    from pylme.diagnostics._rcall import number

    od = out.get("overdispersion")
    zi = out.get("zeroinflation")
    cl = out.get("collinearity")
    over = Overdispersion(*(number(od[k]) for k in ("chisq", "ratio", "df", "p"))) if od else None
    zero = (
        ZeroInflation(*(number(zi[k]) for k in ("observed", "predicted", "ratio", "tolerance")))
        if zi
        else None
    )
    coll = None
    if cl:
        col = dict(zip(cl["names"], cl["columns"]))
        coll = Collinearity(
            tuple(col["Term"]),
            *(
                frozen_array(col[k])
                for k in ("VIF", "VIF_CI_low", "VIF_CI_high", "SE_factor", "Tolerance")
            ),
        )
    return over, zero, coll


@implements("check")
def check(fit: MixedFit, *, convergence: bool = True) -> CheckReport:
    from pylme.diagnostics._rcall import call_r, check_fit
    from pylme.diagnostics.performance import PACKAGES

    check_fit(fit, "fit.check()")
    if not isinstance(convergence, bool):
        from pylme.errors import OptionError

        raise OptionError(f"convergence must be True or False; got {convergence!r}")
    out = call_r("pylme_check", {"model": fit.r_model()}, packages=PACKAGES, purpose="fit.check()")
    singular = bool(np.asarray(out["singular"]).ravel()[0])
    over, zero, coll = _parts(out)
    conv_line, verdict = _convergence(fit, convergence)
    rows = (
        _singular(singular),
        _overdispersion(over),
        _zeroinflation(zero),
        _collinearity(coll),
        conv_line,
    )
    return CheckReport(rows, singular, over, zero, coll, verdict)
