"""Is the model OK? lme4's ``allFit()`` and ``?convergence``'s procedure as a verdict.

Importing registers ``fit.allfit()`` and ``fit.check_convergence()``.
"""

from pylme.diagnostics import allfit, convergence
from pylme.diagnostics.allfit_result import AllFit, OptimizerFit, control_for
from pylme.diagnostics.verdict import ConvergenceCheck, Evidence

__all__ = [
    "AllFit",
    "ConvergenceCheck",
    "Evidence",
    "OptimizerFit",
    "allfit",
    "control_for",
    "convergence",
]
