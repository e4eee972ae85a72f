"""``fit.drop1()``, and lmerTest's ``fit.ranova()`` and ``fit.step()``: which terms to keep."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pylme.errors import OptionError
from pylme.literals import Drop1Test, check_literal
from pylme.results.fit import MixedFit
from pylme.results.methods import implements

LMERTEST = ("lmerTest",)


@implements("drop1")
def drop1(fit: MixedFit, test: Drop1Test = "none") -> Any:
    """R's ``drop1(fit, test)``: rows ``<none>`` and each term, R's columns (``npar``, ``AIC``,
    ``LRT``, ``Pr(Chi)``)."""
    from pylme.diagnostics._rcall import call_r, check_fit, frame

    check_fit(fit, "fit.drop1()")
    check_literal(test, Drop1Test, "test")
    return frame(call_r("pylme_drop1", {"model": fit.r_model(), "test": test}))


@implements("ranova")
def ranova(fit: MixedFit, *, reduce_terms: bool = True) -> Any:
    """lmerTest's ``ranova(fit, reduce.terms)``: rows ``<none>`` and each reduced random-effect
    term, R's columns (``npar``, ``logLik``, ``AIC``, ``LRT``, ``Df``, ``Pr(>Chisq)``)."""
    from pylme.diagnostics._rcall import call_r, frame, require_lmer

    require_lmer(fit, "fit.ranova()")
    if not isinstance(reduce_terms, bool):
        raise OptionError(f"reduce_terms must be True or False; got {reduce_terms!r}")
    req = {"model": fit.r_model(), "reduce_terms": reduce_terms}
    return frame(call_r("pylme_ranova", req, packages=LMERTEST, purpose="fit.ranova()"))


@dataclass(frozen=True, slots=True, eq=False)
class StepResult:
    """lmerTest's ``step(fit)``.

    random : pandas.DataFrame or None
        ``step(fit)$random``: the random-effect elimination table (``Eliminated``, then
        ranova's columns); None when random terms were not reduced.
    fixed : pandas.DataFrame or None
        ``step(fit)$fixed``: the fixed-effect elimination table (``Eliminated``, then the
        F-test columns); None when fixed terms were not reduced.
    final_formula : str
        ``formula(get_model(step(fit)))``, deparsed.
    final : LmerFit or None
        ``get_model(step(fit))`` as a pylme fit; None when every random effect was removed
        (lmerTest then returns an ``lm``).
    """

    random: Any
    fixed: Any
    final_formula: str
    final: MixedFit | None

    def __str__(self) -> str:
        parts = []
        for name in ("random", "fixed"):
            table = getattr(self, name)
            if table is not None:
                parts.append(f"Backward reduced {name}-effect table:\n{table.to_string()}")
        parts.append(f"Model found:\n{self.final_formula}")
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        import html

        parts = []
        for name in ("random", "fixed"):
            table = getattr(self, name)
            if table is not None:
                parts.append(f"<p>Backward reduced {name}-effect table</p>{table.to_html()}")
        parts.append(f"<p>Model found: <code>{html.escape(self.final_formula)}</code></p>")
        return "<div>" + "".join(parts) + "</div>"


def _alpha(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise OptionError(f"{name} must be a number in (0, 1]; got {value!r}")
    return float(value)


@implements("step")
def step(
    fit: MixedFit,
    *,
    reduce_fixed: bool = True,
    reduce_random: bool = True,
    alpha_fixed: float = 0.05,
    alpha_random: float = 0.1,
) -> StepResult:
    from pylme.diagnostics._rcall import frame, require_lmer
    from pylme.models.ddf import require_r_packages
    from pylme.models.pipeline import fit_from_result
    from pylme.runtime.session import RCallResult, get_session

    require_lmer(fit, "fit.step()")
    for name, flag in (("reduce_fixed", reduce_fixed), ("reduce_random", reduce_random)):
        if not isinstance(flag, bool):
            raise OptionError(f"{name} must be True or False; got {flag!r}")
    req = {
        "model": fit.r_model(),
        "reduce_fixed": reduce_fixed,
        "reduce_random": reduce_random,
        "alpha_fixed": _alpha(alpha_fixed, "alpha_fixed"),
        "alpha_random": _alpha(alpha_random, "alpha_random"),
    }
    require_r_packages(LMERTEST, "fit.step()")
    res = get_session().call("pylme_step", req, keep=("final",))
    out = res.value
    formula = str(out["final_formula"][0])
    final = None
    if out.get("final") is not None:
        from pylme.runtime.from_r import from_r, r_names

        sexp = out["final"]
        parts = {n: sexp[i] for i, n in enumerate(r_names(sexp))}
        value = {n: (v if n == "model" else from_r(v)) for n, v in parts.items()}
        prov = dataclasses.replace(
            fit.provenance,
            formula=formula,
            fit_id=uuid.uuid4().hex,
            fitted_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        )
        final = fit_from_result(RCallResult(value, res.warnings, res.messages, ""), prov)
    random = frame(out["random"]) if out.get("random") else None
    fixed = frame(out["fixed"]) if out.get("fixed") else None
    return StepResult(random, fixed, formula, final)
