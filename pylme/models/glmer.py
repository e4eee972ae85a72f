"""``pylme.glmer`` and ``pylme.glmer_nb``: generalized linear mixed models with lme4."""

from __future__ import annotations

from typing import Any

from pylme.errors import OptionError
from pylme.literals import NaAction
from pylme.models.family import resolve_family
from pylme.models.pipeline import run_fit
from pylme.results.fit import GlmerFit

#: R's glmer() without a family warns "calling glmer() with family=gaussian (identity link)
#: as a shortcut to lmer() is deprecated" and fits an LMM; pylme asks for the family instead.
MISSING_FAMILY = (
    "glmer() needs family= (e.g. family='binomial' or 'poisson'); R's glmer without a family "
    "fits a Gaussian LMM (deprecated in lme4): use pylme.lmer for that"
)


def _check_nagq(nAGQ: Any) -> int:
    if isinstance(nAGQ, bool) or not isinstance(nAGQ, int) or nAGQ < 0:
        raise OptionError(
            "nAGQ must be a whole number >= 0 (0, 1 = Laplace, or > 1 for Gauss-Hermite); got "
            f"{nAGQ!r}"
        )
    return nAGQ


def _fit(
    function: str,
    formula: str,
    data: Any,
    *,
    family: str | None,
    link: str | None,
    weights: Any,
    offset: Any,
    nAGQ: int,
    contrasts: Any,
    control: Any,
    na_action: str,
    trusted: bool,
) -> GlmerFit:
    fit = run_fit(
        function,
        formula,
        data,
        weights=weights,
        offset=offset,
        contrasts=contrasts,
        control=control,
        na_action=na_action,
        specific={"family": family, "link": link, "nAGQ": nAGQ},
        trusted=trusted,
    )
    if not isinstance(fit, GlmerFit):
        raise TypeError(f"lme4 returned a {type(fit).__name__} for a {function} call")
    return fit


def glmer(
    formula: str,
    data: Any,
    *,
    family: Any = None,
    link: str | None = None,
    weights: Any = None,
    offset: Any = None,
    nAGQ: int = 1,
    contrasts: dict[str, str] | None = None,
    control: Any = None,
    na_action: NaAction = "omit",
    trusted: bool = False,
) -> GlmerFit:
    """Fit a generalized linear mixed model with lme4's ``glmer``.

    Parameters
    ----------
    formula : str
        An lme4 formula; binomial responses may be 0/1, logical, a two-level factor or string
        (the first level is failure, as in R), ``cbind(successes, failures)``, or a
        proportion with ``weights=`` the number of trials.
    family : str or pylme.Family
        Required. ``"binomial"``, ``"poisson"``, ``"Gamma"``, ``"inverse.gaussian"``, or
        ``"gaussian"`` with a non-identity link; or ``pylme.Binomial(link="probit")`` and the
        like. R's ``glmer`` without a family fits a Gaussian LMM (deprecated in lme4); pylme
        raises :class:`~pylme.errors.OptionError` instead: use :func:`pylme.lmer` for that.
    link : str, optional
        R's link name; None means the family's default.
    nAGQ : int
        0, 1 (Laplace, the default), or > 1 for adaptive Gauss-Hermite quadrature (lme4
        allows that only with a single scalar random-effect term).
    control : dict or pylme.Control, optional
        ``glmerControl`` arguments by their R names, e.g. ``{"optimizer": "bobyqa"}``.

    trusted : bool
        False (the default) refuses a formula calling a function outside pylme's allow-list
        before R evaluates it; True turns the check off, so the formula can run any R code:
        pass True only for formulas you wrote yourself.

    Other parameters are as in :func:`pylme.lmer`.

    Raises
    ------
    OptionError
        No ``family`` (see above), or an unknown family, link or nAGQ.

    See Also
    --------
    lme4::glmer
    """
    if family is None:
        raise OptionError(MISSING_FAMILY)
    name, link = resolve_family(family, link)
    return _fit(
        "glmer",
        formula,
        data,
        family=name,
        link=link,
        weights=weights,
        offset=offset,
        nAGQ=_check_nagq(nAGQ),
        contrasts=contrasts,
        control=control,
        na_action=na_action,
        trusted=trusted,
    )


def glmer_nb(
    formula: str,
    data: Any,
    *,
    weights: Any = None,
    offset: Any = None,
    nAGQ: int = 1,
    contrasts: dict[str, str] | None = None,
    control: Any = None,
    na_action: NaAction = "omit",
    trusted: bool = False,
) -> GlmerFit:
    """Negative-binomial GLMM with lme4's ``glmer.nb``; the estimated theta is ``fit.theta``."""
    return _fit(
        "glmer.nb",
        formula,
        data,
        family=None,
        link=None,
        weights=weights,
        offset=offset,
        nAGQ=_check_nagq(nAGQ),
        contrasts=contrasts,
        control=control,
        na_action=na_action,
        trusted=trusted,
    )
