"""Live R models, kept outside the result dataclasses.

A fit holds only Python values, so it pickles. The R model that made it is kept here,
keyed weakly by the fit, for later methods that need R (predict, simulate, confint, ...).
"""

from __future__ import annotations

import weakref
from typing import Any

from pylme.errors import PylmeError
from pylme.runtime.session import R_LOCK


class ModelHandle:
    """Owns one R object; lets go of it under the R lock (R is not thread-safe)."""

    __slots__ = ("_sexp",)

    def __init__(self, sexp: Any) -> None:
        self._sexp = sexp

    @property
    def sexp(self) -> Any:
        return self._sexp

    def __del__(self) -> None:
        with R_LOCK:
            self._sexp = None


_handles: weakref.WeakKeyDictionary[Any, ModelHandle] = weakref.WeakKeyDictionary()


def attach(fit: Any, sexp: Any) -> None:
    with R_LOCK:
        _handles[fit] = ModelHandle(sexp)


def r_model(fit: Any) -> Any:
    """The live R model behind ``fit``; raises if the fit was unpickled or rebuilt."""
    handle = _handles.get(fit)
    if handle is None:
        raise PylmeError(
            "this fit has no live R model (it was unpickled, copied or made with dataclasses.replace); "
            "fit the model again in this process"
        )
    return handle.sexp
