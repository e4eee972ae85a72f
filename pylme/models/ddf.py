"""lmerTest's denominator degrees of freedom for an lmer fit (``lmer(..., ddf=...)``), and the
check that the optional R packages a method needs are installed."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pylme.errors import MissingRPackageError, OptionError
from pylme.literals import Ddf, check_literal
from pylme.results._arrays import frozen_array
from pylme.results.fit import LmerFit
from pylme.runtime.session import get_session

#: R package -> the Debian package that installs it.
DEBIAN_PACKAGES = {
    "lmerTest": "r-cran-lmertest",
    "pbkrtest": "r-cran-pbkrtest",
    "emmeans": "r-cran-emmeans",
    "broom.mixed": "r-cran-broom.mixed",
}


def installed_r_packages(packages: Sequence[str]) -> dict[str, bool]:
    """Whether each R package is installed (asked of the running R session)."""
    res = get_session().call("pylme_packages_installed", {"packages": list(packages)})
    return {p: bool(v) for p, v in zip(packages, res.value)}


def require_r_packages(packages: Sequence[str], purpose: str) -> None:
    """Raise :class:`MissingRPackageError` for the first of ``packages`` that is missing."""
    for package, ok in installed_r_packages(packages).items():
        if not ok:
            debian = DEBIAN_PACKAGES.get(package, f"r-cran-{package.lower()}")
            raise MissingRPackageError(package, debian, purpose)


def ddf_packages(ddf: str) -> tuple[str, ...]:
    """The R packages lmerTest needs for this ddf method."""
    return ("lmerTest", "pbkrtest") if ddf == "Kenward-Roger" else ("lmerTest",)


def check_ddf_fit(fit: LmerFit, ddf: str) -> None:
    """Kenward-Roger needs a REML fit (lmerTest refuses ML fits)."""
    if ddf == "Kenward-Roger" and not fit.reml:
        raise OptionError(
            "ddf='Kenward-Roger' is only available for REML fits (lmerTest); fit with "
            "REML=True or use ddf='Satterthwaite'"
        )


def with_ddf(fit: LmerFit, ddf: Ddf) -> LmerFit:
    """``fit`` with ``fixef.df`` and ``fixef.p_value`` from lmerTest's ``summary(fit, ddf)``.

    Kenward-Roger also adjusts the standard errors (and so the t statistics); the estimates
    and ``fixef.vcov`` stay lme4's.
    """
    check_literal(ddf, Ddf, "ddf")
    check_ddf_fit(fit, ddf)
    require_r_packages(ddf_packages(ddf), f"lmer(..., ddf={ddf!r})")
    res = get_session().call("pylme_lmertest_coefs", {"model": fit.r_model(), "ddf": ddf})
    cs = res.value
    if tuple(cs["terms"]) != tuple(fit.fixef.terms):
        raise OptionError(
            f"lmerTest's terms {cs['terms']} differ from lme4's {fit.fixef.terms}; cannot align"
        )
    fixef = dataclasses.replace(
        fit.fixef,
        std_error=frozen_array(cs["std_error"]),
        statistic=frozen_array(cs["statistic"]),
        df=frozen_array(cs["df"]),
        p_value=frozen_array(cs["p_value"]),
        ddf=ddf,
    )
    provenance = dataclasses.replace(fit.provenance, options={**fit.provenance.options, "ddf": ddf})
    return dataclasses.replace(fit, fixef=fixef, provenance=provenance)
