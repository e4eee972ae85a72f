"""Result dataclasses: frozen, picklable, with no live R object in their fields."""

from pylme.results.fit import GlmerFit, LmerFit, MixedFit
from pylme.results.fixef import FixedEffects
from pylme.results.many import LmerMany
from pylme.results.meta import Convergence, Provenance
from pylme.results.nlmer_fit import NlmerFit
from pylme.results.ranef import ConditionalModes, GroupCoefficients
from pylme.results.refits import RefitReport
from pylme.results.varcorr import Correlation, VarCorr, VarianceComponent

__all__ = [
    "ConditionalModes",
    "Convergence",
    "Correlation",
    "FixedEffects",
    "GlmerFit",
    "GroupCoefficients",
    "LmerFit",
    "LmerMany",
    "MixedFit",
    "NlmerFit",
    "Provenance",
    "RefitReport",
    "VarCorr",
    "VarianceComponent",
]
