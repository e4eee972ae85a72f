"""How the fit went (:class:`Convergence`) and where it came from (:class:`Provenance`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Convergence:
    """The optimizer's report and everything R said during the fit.

    converged : bool
        The optimizer returned code 0 and lme4's convergence checks raised nothing.
    singular : bool
        lme4's ``isSingular()``: some variance is (near) zero or a correlation is ±1.
    messages, warnings : tuple of str
        R messages and warnings signalled during the fit, word for word (also raised as
        Python warnings: :class:`~pylme.errors.ConvergenceWarning`, ...).
    warning_origins, message_origins : tuple of str
        Where each warning and message came from, one per entry of ``warnings`` and
        ``messages``: "checkConv" (lme4's convergence checker), "checkConv:singular" (its
        boundary check), "optwrap" (lme4's report of the optimizer's return code), or "".
        Python warnings are classified by it (:func:`pylme.errors.warning_category`).
    lme4_messages : tuple of str
        lme4's convergence-check messages (``fit@optinfo$conv$lme4$messages``).
    optimizer_warnings, optimizer_message :
        The optimizer's own warnings and message (``fit@optinfo$warnings``, ``$message``).
    output : str
        Anything R printed during the fit (kept here, never sent to the console).
    """

    converged: bool
    singular: bool
    optimizer: str
    code: int
    messages: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    lme4_messages: tuple[str, ...] = ()
    optimizer_warnings: tuple[str, ...] = ()
    optimizer_message: str | None = None
    output: str = ""
    warning_origins: tuple[str, ...] = ()
    message_origins: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Provenance:
    """Versions, inputs and time of a fit: enough to say how a number was made.

    options : dict
        Every option passed (REML, weights, offset, contrasts, control, family, ...).
    data_sha256 : str
        SHA-256 of the data as sent to R (column names, types, values, NA positions, levels).
    columns : tuple of str
        The columns sent to R (only those the model needs).
    column_types : dict
        Column -> the R type it was sent as: "double", "integer", "logical", "factor" or
        "ordered".
    levels : dict
        Column -> its levels in R's order, for the factor and ordered columns.
    column_sha256 : dict
        Column -> SHA-256 of that column as sent (name, kind, values, NA positions, levels),
        so that two fits can be checked to have used the same values for a shared column.
    """

    formula: str
    function: str
    options: dict[str, Any]
    data_sha256: str
    columns: tuple[str, ...]
    n_rows: int
    fitted_at: str
    versions: dict[str, str | None] = field(default_factory=dict)
    fit_id: str = ""
    column_types: dict[str, str] = field(default_factory=dict)
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    column_sha256: dict[str, str] = field(default_factory=dict)
