"""The result of :func:`pylme.nlmer`: :class:`NlmerFit`, lme4's ``nlmerMod``.

lme4 implements fewer methods for nonlinear fits than for lmer and glmer fits (``?nlmer``:
"simulation or prediction with new data [is] unimplemented or very lightly tested"). The
methods it has work as in R; the others raise :class:`~pylme.errors.UnsupportedError`, saying
what lme4 does (checked with lme4 1.1-31) and what works instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from pylme.errors import UnsupportedError
from pylme.literals import BootType, ConfintMethod, PredictType
from pylme.results.fit import MixedFit
from pylme.results.methods import implementation

if TYPE_CHECKING:
    import pandas as pd

#: fit method -> what lme4 1.1-31 does with an nlmerMod (the reason pylme raises).
NOT_FOR_NLMER: dict[str, str] = {
    "simulate": "lme4's simulate() fails on nlmer fits",
    "refit": "lme4's refit() says 'refit.merMod not working for nonlinear mixed models'",
    "bootstrap": "lme4's bootMer() needs simulate(), which fails on nlmer fits",
    "crosscheck": "statsmodels has no nonlinear mixed model to check against",
    "allfit": "lme4's allFit() fails with every optimizer on nlmer fits",
    "check_convergence": "it needs allFit(), which fails on nlmer fits",
    "influence": "lme4's influence() cannot refit an nlmer model (its start values are lost)",
    "hatvalues": "lme4's hatvalues() fails on nlmer fits",
    "plot_influence": "it needs influence(), which lme4 does not have for nlmer fits",
    "performance": "performance's R² and ICC treat the model as linear in its parameters",
    "check": "performance's checks treat the model as linear in its parameters",
    "drop1": "an nlmer model has no fixed-effect terms to drop (R's drop1 lists only <none>)",
    "ranova": "lmerTest's ranova() is for lmer fits",
    "step": "lmerTest's step() is for lmer fits",
    "anova": "lmerTest's F tests are for lmer fits (compare nlmer fits with pylme.anova)",
    "emmeans": "emmeans says 'Can't handle a nonlinear mixed model'",
    "contrasts": "emmeans says 'Can't handle a nonlinear mixed model'",
    "receipt": "receipts record lmer, glmer and glmer.nb calls",
    "save_receipt": "receipts record lmer, glmer and glmer.nb calls",
}

WORKS = (
    "fit.summary(), the fields (fixef, varcorr, ranef, coef, fitted, ...), fit.predict() "
    "(fitted values), fit.update(nAGQ=..., control=...), fit.confint('Wald'), fit.tidy(), "
    "fit.to_rds(), fit.plot_ranef(), fit.plot_residuals(), pylme.anova(fit1, fit2)"
)


def unsupported(method: str) -> UnsupportedError:
    """The error ``fit.<method>()`` raises on an nlmer fit."""
    return UnsupportedError(
        f"fit.{method}() is not available for nlmer fits: {NOT_FOR_NLMER[method]}. What works "
        f"for them: {WORKS}"
    )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class NlmerFit(MixedFit):
    """Result of :func:`pylme.nlmer`: a nonlinear mixed model fitted by maximum likelihood.

    The fixed effects are the nonlinear model's parameters (``fixef.terms``, in the order of
    ``start``). ``deviance`` is -2 * loglik. ``residuals`` are response residuals.

    nAGQ : int
        0 or 1 (Laplace); lme4 has no adaptive quadrature for nlmer.
    start : dict
        The starting values lme4 was given, parameter -> value.
    formula_lines : tuple of str
        R's ``deparse()`` of the formula (60 characters a line), which ``summary()`` prints
        as lme4 does.
    """

    #: summary() prints lme4's "Nonlinear mixed model" title.
    nonlinear: ClassVar[bool] = True

    nAGQ: int = 1
    start: dict[str, float] = field(default_factory=dict)
    formula_lines: tuple[str, ...] = ()

    def predict(
        self,
        newdata: Any = None,
        *,
        re_form: str | None = None,
        allow_new_levels: bool = False,
        type: PredictType = "link",
        interval: Any = None,
        **options: Any,
    ) -> Any:
        """R's ``predict(fit)``: the fitted values, shape (n_rows,), NaN where a row was
        dropped. lme4 1.1-31 has no other prediction for nlmer fits: with ``newdata`` it fails,
        and with ``re.form = NA`` it returns X %*% beta of its stacked design (each parameter
        once per row), not the curve; so ``newdata`` or ``re_form`` raise
        :class:`~pylme.errors.UnsupportedError`."""
        if interval is not None or options:
            raise UnsupportedError(
                "fit.predict() for an nlmer fit has no intervals: it gives the fitted values "
                "only, as lme4's predict() for nlmer fits does"
            )
        if newdata is not None or re_form is not None:
            raise UnsupportedError(
                "fit.predict() for an nlmer fit gives the fitted values only (no newdata, no "
                "re_form): lme4's predict() fails with newdata for nlmer fits, and with "
                "re.form = NA returns each parameter once per row instead of the curve"
            )
        return np.asarray(
            implementation("predict")(
                self, None, re_form=None, allow_new_levels=allow_new_levels, type=type
            )
        )

    def update(self, formula: str | None = None, **options: Any) -> MixedFit:
        """R's ``update(fit, nAGQ = ..., control = ...)`` on the data already in R (as in
        ``?nlmer``: ``update(nm1, nAGQ = 0L)``). A new formula means new parameters and start
        values: fit again with :func:`pylme.nlmer`."""
        if formula is not None:
            raise UnsupportedError(
                "fit.update() of an nlmer fit takes nAGQ= and control= only; for a new formula "
                "call pylme.nlmer again (the parameters and start values change with it)"
            )
        unknown = sorted(set(options) - {"nAGQ", "control"})
        if unknown:
            raise UnsupportedError(
                f"fit.update() of an nlmer fit takes nAGQ= and control= only; got "
                f"{', '.join(unknown)}"
            )
        return implementation("update")(self, None, **options)  # type: ignore[no-any-return]

    def confint(
        self,
        method: ConfintMethod = "Wald",
        *,
        level: float = 0.95,
        parm: Sequence[str] | None = None,
        nsim: int = 500,
        seed: int | None = None,
        boot_type: BootType = "perc",
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """R's ``confint(fit, method = "Wald", level, parm)``: Wald intervals for the
        parameters, NA for the random-effect parameters (as R gives them). lme4's profile
        fails on nlmer fits and its bootstrap needs ``simulate()``, so ``"profile"`` and
        ``"boot"`` raise :class:`~pylme.errors.UnsupportedError`."""
        if method != "Wald":
            raise UnsupportedError(
                f"fit.confint({method!r}) is not available for nlmer fits: lme4's profile() "
                "fails on them and its bootstrap needs simulate(); use fit.confint('Wald')"
            )
        return implementation("confint")(  # type: ignore[no-any-return]
            self,
            "Wald",
            level=level,
            parm=parm,
            nsim=nsim,
            seed=seed,
            boot_type=boot_type,
            progress=progress,
        )


def _refuse(method: str) -> Any:
    def refused(self: NlmerFit, *args: Any, **kwargs: Any) -> Any:
        raise unsupported(method)

    refused.__name__ = method
    refused.__doc__ = f"Not available for nlmer fits ({NOT_FOR_NLMER[method]})."
    return refused


for _method in NOT_FOR_NLMER:
    setattr(NlmerFit, _method, _refuse(_method))
