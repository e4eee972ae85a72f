"""How fits show themselves in notebooks (``_repr_html_``)."""

from __future__ import annotations

import html

from pylme.results.fit import MixedFit
from pylme.results.methods import implements


@implements("html")
def fit_html(fit: MixedFit) -> str:
    """The summary text in a ``<pre>`` block."""
    return f"<pre>{html.escape(fit.summary())}</pre>"
