"""Ctrl-C during a loky run: held until the run is at a point where it can stop cleanly.

Python raises ``KeyboardInterrupt`` in the main thread between any two bytecodes. Raised inside
loky's or ``concurrent.futures``' bookkeeping (a fork's at-fork hooks, a first import, the loop
in ``as_completed`` that takes every future's lock), it can leave a lock held or a module half
imported: loky's manager thread then blocks forever, and so does the interpreter's exit. While
a loky run is in progress pylme's handler only notes Ctrl-C; the run looks at the note at its
own check points (between packed jobs, submissions and waits of at most
:data:`POLL_SECONDS`), stops its workers, and raises ``KeyboardInterrupt`` there.

Outside the main thread, or when the user installed their own SIGINT handler, nothing changes.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: How long the run waits for a result before it looks for a held Ctrl-C again.
POLL_SECONDS = 0.05


class HeldCtrlC:
    """Whether Ctrl-C arrived; :meth:`check` raises ``KeyboardInterrupt`` once it has."""

    def __init__(self) -> None:
        self.hit = False

    def note(self, signum: int, frame: Any) -> None:
        """The SIGINT handler: note, never raise (see the module's text)."""
        self.hit = True

    def check(self) -> None:
        """Raise ``KeyboardInterrupt`` if Ctrl-C arrived since the run began."""
        if self.hit:
            raise KeyboardInterrupt("fit_many was interrupted (Ctrl-C)")


@contextmanager
def held_ctrl_c() -> Iterator[HeldCtrlC]:
    """Hold Ctrl-C for the block; a Ctrl-C not yet acted on is raised as the block ends."""
    from pylme.runtime.process import sigint_is_ours

    held = HeldCtrlC()
    if not sigint_is_ours():
        yield held
        return
    previous = signal.signal(signal.SIGINT, held.note)
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, previous)
    held.check()


def ignore_in_worker() -> None:
    """In a forked worker: Ctrl-C is its parent's to act on (the parent stops the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
