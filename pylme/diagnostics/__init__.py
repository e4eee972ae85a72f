"""Model checking and building: influence, performance's R², ICC and checks, drop1, lmerTest's
ranova and step, model tables; and is the model OK? lme4's ``allFit()`` and
``?convergence``'s procedure as a verdict.

Importing registers ``fit.influence``, ``fit.hatvalues``, ``fit.performance``, ``fit.check``,
``fit.drop1``, ``fit.ranova``, ``fit.step``, ``fit.allfit`` and ``fit.check_convergence``;
:func:`model_table` is ``pylme.model_table(*fits)``. R starts only when one of them is called.
"""

from pylme.diagnostics import allfit, check, convergence, influence, performance, selection
from pylme.diagnostics.allfit_result import AllFit, OptimizerFit, control_for
from pylme.diagnostics.influence import Influence
from pylme.diagnostics.performance import Performance
from pylme.diagnostics.report import (
    CheckLine,
    CheckReport,
    Collinearity,
    Overdispersion,
    ZeroInflation,
)
from pylme.diagnostics.selection import StepResult
from pylme.diagnostics.table import model_table
from pylme.diagnostics.verdict import ConvergenceCheck, Evidence

__all__ = [
    "AllFit",
    "CheckLine",
    "CheckReport",
    "Collinearity",
    "ConvergenceCheck",
    "Evidence",
    "Influence",
    "OptimizerFit",
    "Overdispersion",
    "Performance",
    "StepResult",
    "ZeroInflation",
    "allfit",
    "check",
    "control_for",
    "convergence",
    "influence",
    "model_table",
    "performance",
    "selection",
]
