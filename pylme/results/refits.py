"""What the refits of a bootstrap reported: lme4's ``attr(bootMer(...), "boot.all.msgs")``.

``confint(fit, method = "boot")`` prints these (lme4's ``print.bootWarnings``) and
``bootMer()`` keeps them; pylme puts a :class:`RefitReport` in the result's
``DataFrame.attrs["refits"]`` and raises one warning with R's lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pylme.errors import (
    ConvergenceWarning,
    PylmeWarning,
    SingularFitWarning,
    warn,
)

KINDS = ("message", "warning", "error")


def _boot_category(text: str) -> type[PylmeWarning]:
    """The class of one message bootMer kept. bootMer keeps only each refit's message texts
    (``attr(b, "boot.fail.msgs")`` and the like), not where they were signalled, so these are
    classed by lme4's English wording (pylme's R calls run in English): "boundary (singular)
    fit" from checkConv's boundary check, "failed to converge", "unidentifiable" or
    "Hessian" from its convergence checks."""
    lowered = text.lower()
    if "singular" in lowered:
        return SingularFitWarning
    if "converge" in lowered or "unidentifiable" in lowered or "hessian" in lowered:
        return ConvergenceWarning
    return PylmeWarning


@dataclass(frozen=True, slots=True)
class RefitReport:
    """The refits' messages, warnings and errors, counted as lme4 counts them.

    nsim : int
        Number of refits.
    messages : tuple of (kind, text, count)
        ``kind`` is ``"message"``, ``"warning"`` or ``"error"``; per kind in
        ``print.bootWarnings``' order (fewest first). ``count`` is how many refits said it.
    singular, not_converged, failed : int
        Counts of lme4's singular-fit messages (``boundary (singular) fit``), of its
        convergence warnings, and of refits that failed (errors).
    """

    nsim: int
    messages: tuple[tuple[str, str, int], ...]
    singular: int
    not_converged: int
    failed: int

    @classmethod
    def from_r(cls, nsim: int, parts: Iterable[Mapping[str, Any]]) -> RefitReport:
        """From one or more ``pylme_boot_msgs()`` lists (several from parallel chunks)."""
        totals: dict[tuple[str, str], int] = {}
        for part in parts:
            for kind in KINDS:
                entry = part.get(kind) or {}
                texts, counts = entry.get("text"), entry.get("count")
                texts = () if texts is None else np.atleast_1d(np.asarray(texts, dtype=object))
                counts = () if counts is None else np.atleast_1d(np.asarray(counts))
                for text, count in zip(texts, counts):
                    totals[(kind, str(text))] = totals.get((kind, str(text)), 0) + int(count)
        # table() orders the texts alphabetically, sort() then by count (stable)
        ordered = sorted(sorted(totals.items(), key=lambda kv: kv[0][1]), key=lambda kv: kv[1])
        messages = tuple((kind, text, n) for kind in KINDS for (k, text), n in ordered if k == kind)
        category = {m: _boot_category(m[1]) for m in messages}
        return cls(
            nsim=int(nsim),
            messages=messages,
            singular=sum(m[2] for m in messages if category[m] is SingularFitWarning),
            not_converged=sum(
                m[2] for m in messages if m[0] != "error" and category[m] is ConvergenceWarning
            ),
            failed=sum(m[2] for m in messages if m[0] == "error"),
        )

    def r_lines(self) -> list[str]:
        """The lines lme4's ``print.bootWarnings(b, verbose = FALSE)`` prints."""
        lines = []
        for kind in KINDS:
            of_kind = [m for m in self.messages if m[0] == kind]
            if of_kind:
                line = f"{sum(m[2] for m in of_kind)} {kind}(s): {of_kind[0][1]}"
                lines.append(line + (" (and others)" if len(of_kind) > 1 else ""))
        return lines

    def warn(self, what: str) -> None:
        """One warning with the counts and R's lines (nothing when the refits said nothing)."""
        if not self.messages:
            return
        category: type[PylmeWarning] = PylmeWarning
        if self.not_converged or self.failed:
            category = ConvergenceWarning
        elif self.singular:
            category = SingularFitWarning
        head = (
            f"{what}: of {self.nsim} refits, {self.singular} singular, {self.not_converged} "
            f"not converged, {self.failed} failed. R says:"
        )
        warn("\n".join([head, *self.r_lines()]), category)
