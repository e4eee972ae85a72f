"""The result of ``fit.check_convergence()``: a verdict, the evidence behind it, tolerances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from pylme.diagnostics.allfit_result import AllFit, OptimizerFit
from pylme.literals import ConvergenceVerdict, Status
from pylme.results._arrays import pandas
from pylme.results.methods import implementation

if TYPE_CHECKING:
    import pandas as pd


class Evidence(NamedTuple):
    """One step of ``?convergence``'s procedure: the number, its tolerance, and a status."""

    check: str
    value: float
    tolerance: float
    status: Status
    note: str


@dataclass(frozen=True, slots=True)
class ConvergenceCheck:
    """Result of :meth:`pylme.LmerFit.check_convergence`.

    verdict : {"ok", "false positive", "problem"}
        ``"problem"``: an optimizer or the restart reaches a -2 log-likelihood lower than the
        fit's by more than ``deviance_tol``, or the fit's estimates differ from the best
        optimizer's (or the restart's) by more than ``rtol``, or no optimizer converged.
        Otherwise ``"false positive"`` if lme4 warned about this fit, else ``"ok"``.
    reason : str
        The verdict in one sentence.
    lme4_warned : bool
        ``not fit.convergence.converged``: the optimizer's code was not 0, or lme4's checks
        gave a message other than a singular fit.
    max_grad, grad_tol : float
        lme4's scaled gradient of the fit (NaN if lme4 does not check it: see ``grad_status``)
        and lme4's tolerance for it.
    restart : OptimizerFit
        ``update(fit, start = <the estimates>)``, as ``?convergence`` restarts.
    allfit : AllFit
        Every optimizer's refit (:meth:`pylme.LmerFit.allfit`).
    best : str or None
        The converged optimizer with the lowest -2 log-likelihood.
    use_optimizer : str or None
        Set when an optimizer reaches a -2 log-likelihood lower than the fit's by more than
        ``deviance_tol``: the first, in allFit's order, within ``deviance_tol`` of the lowest.
    deviance_gain, restart_gain : float
        The fit's -2 log-likelihood minus the best optimizer's (minus the restart's); positive
        means they found a lower one.
    max_rel_diff, restart_rel_diff : float
        Largest ``|a - b| / max(|a|, |b|)`` between the fit's fixef, theta and sigma and the
        best optimizer's (the restart's).
    rows : tuple of Evidence
        The evidence, one row per check (``to_frame()``).
    """

    verdict: ConvergenceVerdict
    reason: str
    lme4_warned: bool
    lme4_messages: tuple[str, ...]
    max_grad: float
    grad_tol: float
    grad_status: str
    restart: OptimizerFit
    allfit: AllFit
    best: str | None
    use_optimizer: str | None
    deviance_gain: float
    max_rel_diff: float
    restart_gain: float
    restart_rel_diff: float
    rtol: float
    deviance_tol: float
    rows: tuple[Evidence, ...]

    @property
    def ok(self) -> bool:
        """The estimates can be trusted: the verdict is ``"ok"`` or ``"false positive"``."""
        return self.verdict != "problem"

    def to_frame(self) -> pd.DataFrame:
        """The evidence: ``check, value, tolerance, status, note``, one row per check."""
        return pandas().DataFrame(list(self.rows), columns=list(Evidence._fields))

    def __str__(self) -> str:
        lines = [f"Convergence: {self.verdict}. {self.reason}"]
        lines.append(f"tolerances: rtol {self.rtol:g}, -2 log-likelihood {self.deviance_tol:g}")
        for r in self.rows:
            lines.append(
                f"  {r.status:<8} {r.check:<46} {r.value:>11.4g} (tol {r.tolerance:g})"
                + (f"  {r.note}" if r.note else "")
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The verdict as the caption of the evidence table (rendered by pylme.display)."""
        return str(implementation("html")(self))
