"""How results show themselves in notebooks (``_repr_html_``): HTML tables.

A fit shows its fit statistics, random effects, fixed effects and convergence notes; any
result with dataclass ``rows`` (``CrossCheck``, ``VerifyReport``) shows them as one table.
The text fallback stays ``summary()`` / ``str()``.
"""

from __future__ import annotations

from typing import Any

from pylme.display.fit_html import fit_html
from pylme.display.tables import rows_html
from pylme.results.fit import MixedFit
from pylme.results.methods import implements


@implements("html")
def result_html(result: Any) -> str:
    """HTML for a fit, or for any result with dataclass ``rows``."""
    if isinstance(result, MixedFit):
        return fit_html(result)
    return rows_html(result)


__all__ = ["fit_html", "result_html", "rows_html"]
