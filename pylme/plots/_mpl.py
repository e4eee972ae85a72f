"""matplotlib, imported on first use, with a typed error naming the install command."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pylme.errors import PylmeError

INSTALL = "pip install 'pylme[plot]'"


class MatplotlibMissingError(PylmeError, ImportError):
    """A plot was asked for and matplotlib is not installed. The message gives the command."""


def pyplot() -> Any:
    """``matplotlib.pyplot``, or :class:`MatplotlibMissingError`."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MatplotlibMissingError(
            f"pylme's plots need matplotlib, which is not installed. Install it with: {INSTALL}"
        ) from exc
    return plt


def axes_for(n: int, given: Any, *, what: str, width: float = 3.2, height: float = 4.0) -> Any:
    """``n`` Axes: the ones given (one Axes when n == 1, or a sequence of n), or a new figure
    with n panels side by side. Returns (figure, list of Axes)."""
    plt = pyplot()
    if given is None:
        fig, axes = plt.subplots(1, n, figsize=(width * n, height), squeeze=False)
        return fig, list(axes[0])
    axes = [given] if hasattr(given, "plot") else [a for a in _flat(given)]
    if len(axes) != n:
        from pylme.errors import OptionError

        raise OptionError(f"{what} needs {n} Axes, one per panel; got {len(axes)}")
    return axes[0].figure, axes


def _flat(given: Iterable[Any]) -> list[Any]:
    """Axes from a sequence or a numpy array of Axes (as ``plt.subplots`` returns)."""
    out: list[Any] = []
    for a in given:
        out.extend([a] if hasattr(a, "plot") else _flat(a))
    return out
