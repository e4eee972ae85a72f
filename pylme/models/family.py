"""GLMM families and links, validated before anything reaches R."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pylme.errors import OptionError

#: family -> allowed links (R's names); the first is the family's default.
LINKS: dict[str, tuple[str, ...]] = {
    "binomial": ("logit", "probit", "cauchit", "log", "cloglog"),
    "poisson": ("log", "identity", "sqrt"),
    "Gamma": ("inverse", "identity", "log"),
    "inverse.gaussian": ("1/mu^2", "inverse", "identity", "log"),
    "gaussian": ("identity", "log", "inverse"),
}
ALL_LINKS = (
    "logit",
    "probit",
    "cauchit",
    "cloglog",
    "log",
    "identity",
    "inverse",
    "sqrt",
    "1/mu^2",
)


@dataclass(frozen=True)
class Family:
    """A GLM family by R's name, with an optional link (None: the family's default)."""

    name: str
    link: str | None = None


@dataclass(frozen=True)
class Binomial(Family):
    name: str = field(default="binomial", init=False)


@dataclass(frozen=True)
class Poisson(Family):
    name: str = field(default="poisson", init=False)


@dataclass(frozen=True)
class Gamma(Family):
    name: str = field(default="Gamma", init=False)


@dataclass(frozen=True)
class InverseGaussian(Family):
    name: str = field(default="inverse.gaussian", init=False)


@dataclass(frozen=True)
class Gaussian(Family):
    name: str = field(default="gaussian", init=False)


def resolve_family(family: Any, link: str | None) -> tuple[str, str]:
    """(R family name, R link name), or OptionError listing the allowed values."""
    if isinstance(family, Family):
        if link is not None and family.link is not None and link != family.link:
            raise OptionError(
                f"link given twice: {family.link!r} in the family and {link!r} as link="
            )
        name, link = family.name, link or family.link
    elif isinstance(family, str):
        name = family
    else:
        raise OptionError(
            "family must be a family name or a pylme family such as pylme.Binomial(); got "
            f"{family!r}"
        )
    if name.startswith("quasi"):
        raise OptionError(
            f"lme4 does not fit quasi families ({name!r}): glmer rejects them. Use 'binomial' "
            "or 'poisson', "
            "with an observation-level random effect such as (1 | obs) for overdispersion, or "
            "pylme.glmer_nb for counts."
        )
    if name not in LINKS:
        raise OptionError(f"unknown family {name!r}; allowed: {', '.join(LINKS)}")
    if link is None:
        link = LINKS[name][0]
    if link not in ALL_LINKS:
        raise OptionError(f"unknown link {link!r}; allowed: {', '.join(ALL_LINKS)}")
    if link not in LINKS[name]:
        raise OptionError(
            f"link {link!r} is not available for the {name} family; allowed: "
            f"{', '.join(LINKS[name])}"
        )
    if name == "gaussian" and link == "identity":
        raise OptionError(
            "a gaussian family with the identity link is a linear mixed model: use pylme.lmer"
        )
    return name, link
