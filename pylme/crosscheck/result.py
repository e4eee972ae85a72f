"""The cross-check result: one row per compared quantity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pylme.results.methods import implementation


@dataclass(frozen=True, slots=True)
class CheckRow:
    """One compared quantity. ``rel_diff`` is ``abs_diff`` over the row's scale (see ``note``)."""

    quantity: str
    lme4: float
    statsmodels: float
    abs_diff: float
    rel_diff: float
    tol: float
    ok: bool
    note: str = ""


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """Result of :meth:`pylme.LmerFit.crosscheck` / :meth:`pylme.GlmerFit.crosscheck`.

    ok : bool
        Every row is within its tolerance, and at least one row was compared.
    loglik_at_lme4 : float or None
        statsmodels' log-likelihood evaluated at lme4's own estimates (lmer only).
    skipped : tuple of (part, reason)
        What statsmodels cannot express, and why.
    """

    ok: bool
    rows: tuple[CheckRow, ...]
    loglik_at_lme4: float | None
    skipped: tuple[tuple[str, str], ...]
    method: str

    @property
    def failed(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    def to_frame(self) -> Any:
        import pandas as pd

        cols = ["quantity", "lme4", "statsmodels", "abs_diff", "rel_diff", "tol", "ok", "note"]
        return pd.DataFrame([[getattr(r, c) for c in cols] for r in self.rows], columns=cols)

    def _repr_html_(self) -> str:
        """One HTML table of the rows (rendered by pylme.display, registered as ``html``)."""
        return str(implementation("html")(self))

    def __str__(self) -> str:
        head = f"Cross-check against statsmodels ({self.method}): {'OK' if self.ok else 'FAILED'}"
        lines = [
            head,
            f"{'quantity':<34} {'lme4':>14} {'statsmodels':>14} {'rel_diff':>10} {'tol':>8}  ok",
        ]
        for r in self.rows:
            lines.append(
                f"{r.quantity[:34]:<34} {r.lme4:>14.6g} {r.statsmodels:>14.6g} {r.rel_diff:>10.2e} "
                f"{r.tol:>8.0e}  {'yes' if r.ok else 'NO'}" + (f"  ({r.note})" if r.note else "")
            )
        for part, why in self.skipped:
            lines.append(f"skipped {part}: {why}")
        return "\n".join(lines)


def row(
    quantity: str,
    ours: float,
    theirs: float,
    tol: float,
    scale: float | None = None,
    note: str = "",
) -> CheckRow:
    """A row; ``scale`` is the denominator of rel_diff (default: |lme4 value|)."""
    ours, theirs = float(ours), float(theirs)
    diff = abs(ours - theirs)
    denom = abs(ours) if scale is None else abs(scale)
    rel = diff / denom if denom > 0 else (0.0 if diff == 0 else float("inf"))
    return CheckRow(quantity, ours, theirs, diff, rel, tol, bool(rel <= tol), note)
