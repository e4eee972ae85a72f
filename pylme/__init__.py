"""pylme: lme4's own results, in Python.

Importing pylme does not start R, nor load pandas, pyarrow or rpy2: R starts on the first fit
(or :func:`to_r`). The fitting functions are loaded on first use (module ``__getattr__``);
type checkers and IDEs see their real signatures through the ``TYPE_CHECKING`` imports below.

Every package that implements a fit method (``fit.crosscheck()``, ``fit.predict()``, ...) is
imported here, so that :mod:`pylme.results.methods` knows them all in any process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Packages that register fit methods (see pylme.results.methods). Each keeps its heavy
# imports (rpy2, pandas, pyarrow, statsmodels, matplotlib) inside its functions.
from pylme import crosscheck as _crosscheck  # noqa: F401
from pylme import diagnostics as _diagnostics  # noqa: F401
from pylme import display as _display  # noqa: F401
from pylme import inference as _inference  # noqa: F401
from pylme import parallel as _parallel  # noqa: F401
from pylme import plots as _plots  # noqa: F401
from pylme import postfit as _postfit  # noqa: F401
from pylme import receipts as _receipts  # noqa: F401
from pylme._version import __version__
from pylme.errors import (
    ConvergenceWarning,
    DataError,
    FormulaError,
    MissingRPackageError,
    ModelMissingError,
    OptionError,
    PylmeError,
    PylmeWarning,
    ReceiptError,
    RError,
    RNotFoundError,
    RStartError,
    SingularFitWarning,
    TrustedFormulaWarning,
    UnsupportedError,
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
    LmerMany,
    NlmerFit,
    Provenance,
    VarCorr,
    VarianceComponent,
)

if TYPE_CHECKING:
    from pylme.crosscheck import CrossCheck
    from pylme.diagnostics import model_table
    from pylme.inference import anova
    from pylme.models.family import Binomial, Family, Gamma, Gaussian, InverseGaussian, Poisson
    from pylme.models.glmer import glmer, glmer_nb
    from pylme.models.lmer import lmer
    from pylme.models.nlmer import nlmer
    from pylme.parallel import (
        CrossValidation,
        Job,
        JobError,
        PowerResult,
        cross_validate,
        fit_many,
        lmer_many,
        power,
        power_curve,
    )
    from pylme.plots import plot_power_curve
    from pylme.postfit import read_rds
    from pylme.receipts import Receipt, VerifyReport, verify
    from pylme.runtime.rframe import to_r

_LAZY = {
    "lmer": "pylme.models.lmer",
    "glmer": "pylme.models.glmer",
    "glmer_nb": "pylme.models.glmer",
    "nlmer": "pylme.models.nlmer",
    "to_r": "pylme.runtime.rframe",
    "Binomial": "pylme.models.family",
    "Poisson": "pylme.models.family",
    "Gamma": "pylme.models.family",
    "InverseGaussian": "pylme.models.family",
    "Gaussian": "pylme.models.family",
    "Family": "pylme.models.family",
    "CrossCheck": "pylme.crosscheck",
    # Filled in by their packages (each adds its TYPE_CHECKING import above):
    "read_rds": "pylme.postfit",
    "anova": "pylme.inference",
    "model_table": "pylme.diagnostics",
    "Receipt": "pylme.receipts",
    "VerifyReport": "pylme.receipts",
    "verify": "pylme.receipts",
    "Job": "pylme.parallel",
    "JobError": "pylme.parallel",
    "fit_many": "pylme.parallel",
    "lmer_many": "pylme.parallel",
    "cross_validate": "pylme.parallel",
    "CrossValidation": "pylme.parallel",
    "power": "pylme.parallel",
    "power_curve": "pylme.parallel",
    "PowerResult": "pylme.parallel",
    "plot_power_curve": "pylme.plots",
}


def __getattr__(name: str) -> Any:
    """Load the fitting functions (and pyarrow with them) on first use, keeping import light."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pylme' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Binomial",
    "ConditionalModes",
    "Control",
    "Convergence",
    "ConvergenceWarning",
    "Correlation",
    "CrossCheck",
    "CrossValidation",
    "DataError",
    "Family",
    "FixedEffects",
    "FormulaError",
    "Gamma",
    "Gaussian",
    "GlmerFit",
    "GroupCoefficients",
    "InverseGaussian",
    "Job",
    "JobError",
    "LmerFit",
    "LmerMany",
    "MissingRPackageError",
    "ModelMissingError",
    "NlmerFit",
    "OptionError",
    "Poisson",
    "PowerResult",
    "Provenance",
    "PylmeError",
    "PylmeWarning",
    "RError",
    "RNotFoundError",
    "RStartError",
    "ReceiptError",
    "Receipt",
    "SingularFitWarning",
    "TrustedFormulaWarning",
    "UnsupportedError",
    "VarCorr",
    "VarianceComponent",
    "VerifyReport",
    "anova",
    "cross_validate",
    "fit_many",
    "glmer",
    "glmer_nb",
    "lmer",
    "lmer_many",
    "model_table",
    "nlmer",
    "plot_power_curve",
    "power",
    "power_curve",
    "read_rds",
    "to_r",
    "verify",
    "__version__",
]
