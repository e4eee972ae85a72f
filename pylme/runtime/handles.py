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

    __slots__ = ("_sexp", "__weakref__")

    def __init__(self, sexp: Any) -> None:
        self._sexp = sexp

    @property
    def sexp(self) -> Any:
        return self._sexp

    def __del__(self) -> None:
        with R_LOCK:
            self._sexp = None


_handles: weakref.WeakKeyDictionary[Any, ModelHandle] = weakref.WeakKeyDictionary()
# The same handles by the fit's provenance.fit_id, so that a copy made with dataclasses.replace
# (for example a deliberately tampered fit) finds the model while the original fit is alive.
_by_id: weakref.WeakValueDictionary[str, ModelHandle] = weakref.WeakValueDictionary()


def attach(fit: Any, sexp: Any) -> None:
    with R_LOCK:
        handle = ModelHandle(sexp)
        _handles[fit] = handle
        _by_id[fit.provenance.fit_id] = handle


def r_model(fit: Any) -> Any:
    """The live R model behind ``fit`` (or behind the fit it was copied from, while that lives)."""
    handle = _handles.get(fit) or _by_id.get(getattr(fit.provenance, "fit_id", ""))
    if handle is None:
        raise PylmeError(
            "this fit has no live R model (it was unpickled, or copied from a fit that no longer exists); "
            "fit the model again in this process"
        )
    return handle.sexp
