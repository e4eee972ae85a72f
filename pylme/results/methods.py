"""The fit methods that need R, statsmodels or matplotlib, looked up by name.

:mod:`pylme.results` sits below the layers that implement these methods (models, crosscheck,
postfit, inference, receipts, plots, parallel), so the fit classes cannot import them. Each
implementing module registers its function here with :func:`implements`; ``import pylme``
imports every implementing package (see ``pylme/__init__.py``), so the table is complete
before any fit exists, in any process, including one that only unpickles a fit. The fit's
method keeps the real signature and docstring and calls :func:`implementation`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pylme.errors import PylmeError

MethodName = Literal[
    "crosscheck",
    "predict",
    "simulate",
    "refit",
    "update",
    "to_rds",
    "confint",
    "anova",
    "emmeans",
    "contrasts",
    "tidy",
    "receipt",
    "plot_ranef",
    "plot_residuals",
    "bootstrap",
    "html",
    "influence",
    "hatvalues",
    "plot_influence",
    "performance",
    "check",
    "check_convergence",
    "drop1",
    "ranova",
    "step",
    "allfit",
    "predict_bootstrap",
]

F = TypeVar("F", bound=Callable[..., Any])
_IMPLEMENTATIONS: dict[str, Callable[..., Any]] = {}


def implements(name: MethodName) -> Callable[[F], F]:
    """Register ``function(fit, ...)`` as the implementation of ``fit.<name>(...)``."""

    def register(function: F) -> F:
        _IMPLEMENTATIONS[name] = function
        return function

    return register


def implementation(name: MethodName) -> Callable[..., Any]:
    """The registered function behind ``fit.<name>()``."""
    try:
        return _IMPLEMENTATIONS[name]
    except KeyError:
        raise PylmeError(
            f"fit.{name}() has no implementation registered: import pylme (the package) before "
            "using fits; it loads every method's module"
        ) from None


def registered(name: MethodName) -> bool:
    """Whether a package has registered ``fit.<name>()`` (for optional parts of a report, such
    as ``fit.check()``'s convergence verdict, which another package may provide)."""
    return name in _IMPLEMENTATIONS
