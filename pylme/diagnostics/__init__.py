"""Model checking and building: influence, performance's R², ICC and checks, drop1, lmerTest's
ranova and step, and model tables.

Importing registers ``fit.influence``, ``fit.hatvalues``, ``fit.performance``, ``fit.check``,
``fit.drop1``, ``fit.ranova`` and ``fit.step``; :func:`model_table` is
``pylme.model_table(*fits)``. R starts only when one of them is called.
"""

from pylme.diagnostics import check, influence, performance, selection
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

__all__ = [
    "CheckLine",
    "CheckReport",
    "Collinearity",
    "Influence",
    "Overdispersion",
    "Performance",
    "StepResult",
    "ZeroInflation",
    "check",
    "influence",
    "model_table",
    "performance",
    "selection",
]
