"""pylme: lme4's own results, in Python.

Importing pylme does not start R; R starts on the first fit (or :func:`to_r`).
"""

from __future__ import annotations

from typing import Any

from pylme._version import __version__
from pylme.errors import (
    ConvergenceWarning,
    DataError,
    FormulaError,
    OptionError,
    PylmeError,
    PylmeWarning,
    RError,
    RNotFoundError,
    SingularFitWarning,
)
from pylme.models.options import Control
from pylme.results import (
    ConditionalModes,
    Convergence,
    Correlation,
    FixedEffects,
    GlmerFit,
    GroupCoefficients,
    LmerFit,
    Provenance,
    VarCorr,
    VarianceComponent,
)

_LAZY = {
    "lmer": ("pylme.models.lmer", "lmer"),
    "glmer": ("pylme.models.glmer", "glmer"),
    "glmer_nb": ("pylme.models.glmer", "glmer_nb"),
    "to_r": ("pylme.conversion.to_r", "to_r"),
    "Binomial": ("pylme.models.family", "Binomial"),
    "Poisson": ("pylme.models.family", "Poisson"),
    "Gamma": ("pylme.models.family", "Gamma"),
    "InverseGaussian": ("pylme.models.family", "InverseGaussian"),
    "Gaussian": ("pylme.models.family", "Gaussian"),
    "Family": ("pylme.models.family", "Family"),
    "CrossCheck": ("pylme.crosscheck", "CrossCheck"),
}


def __getattr__(name: str) -> Any:
    """Load the fitting functions (and pyarrow with them) on first use, keeping import light."""
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pylme' has no attribute {name!r}")


__all__ = [
    "Binomial",
    "ConditionalModes",
    "Control",
    "Convergence",
    "ConvergenceWarning",
    "Correlation",
    "CrossCheck",
    "DataError",
    "Family",
    "FixedEffects",
    "FormulaError",
    "Gamma",
    "Gaussian",
    "GlmerFit",
    "GroupCoefficients",
    "InverseGaussian",
    "LmerFit",
    "OptionError",
    "Poisson",
    "Provenance",
    "PylmeError",
    "PylmeWarning",
    "RError",
    "RNotFoundError",
    "SingularFitWarning",
    "VarCorr",
    "VarianceComponent",
    "__version__",
    "glmer",
    "glmer_nb",
    "lmer",
    "to_r",
]
