"""From the simulations to :class:`PowerResult`: counts, intervals, and what to tell the user."""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.parallel.power_result import CONVERGENCE_ORIGINS, PowerResult


def assemble(
    steps: list[dict[str, Any]], nrow: Any, common: dict[str, Any], intervals: Any
) -> list[PowerResult]:
    """One :class:`PowerResult` per subset (one for ``power``, one per break for a curve)
    from the simulations' p-values and conditions; ``intervals(successes, nsim)`` gives the
    Clopper-Pearson intervals (R's ``binom.test``)."""
    p = np.vstack([s["p"] for s in steps])  # (nsim, subsets)
    alpha, nsim = common["alpha"], common["nsim"]
    successes = [int(np.sum(p[:, j] < alpha)) for j in range(p.shape[1])]
    cis = intervals(successes, nsim)
    out = []
    for j in range(p.shape[1]):
        conds = tuple(
            (i + 1, stage, kind, origin, text)
            for i, s in enumerate(steps)
            for (sub, stage, kind, origin, text) in s["conditions"]
            if sub in (0, j + 1)
        )
        fitting = [c for c in conds if c[1] == "Fitting"]
        p_j = p[:, j].copy()
        p_j.flags.writeable = False
        out.append(
            PowerResult(
                p_values=p_j,
                successes=successes[j],
                power=successes[j] / nsim,
                ci=cis[j],
                failed=int(np.isnan(p_j).sum()),
                singular=len({c[0] for c in fitting if c[3] == "checkConv:singular"}),
                not_converged=len({c[0] for c in fitting if c[3] in CONVERGENCE_ORIGINS}),
                conditions=conds,
                nrow=int(nrow[j]),
                **common,
            )
        )
    return out


def report(results: list[PowerResult], what: str, on_error: str) -> None:
    """Raise the first failure (``on_error="raise"``), else warn once about failed, singular
    or non-converged refits, and about an "observed power" calculation (simr's warning)."""
    from pylme.errors import ConvergenceWarning, PylmeWarning, RError, SingularFitWarning, warn

    first = results[0]
    if on_error == "raise":
        for r in results:
            errors = [c for c in r.conditions if c[2] == "error"]
            if errors:
                i, stage, _, _, text = errors[0]
                raise RError(
                    f"pylme.{what}(): simulation {i} failed while {stage.lower()}: {text}",
                    r_message=text,
                )
    failed = sum(r.failed for r in results)
    singular = sum(r.singular for r in results)
    not_converged = sum(r.not_converged for r in results)
    if failed or singular or not_converged:
        category: type[PylmeWarning] = SingularFitWarning
        if failed or not_converged:
            category = ConvergenceWarning
        where = "" if len(results) == 1 else f" (over {len(results)} breaks)"
        warn(
            f"pylme.{what}(): of {first.nsim} simulations{where}, {failed} failed, {singular} "
            f"refits were singular and {not_converged} did not converge; see "
            "conditions_frame() of the result",
            category,
        )
    if first.observed:
        warn(
            f'pylme.{what}(): this appears to be an "observed power" calculation (simr\'s '
            f"warning): the simulations use the fit's own estimate of {first.term}. Give "
            "effect= the smallest effect worth detecting.",
            PylmeWarning,
        )
