"""What embedded R does to the Python process, undone or made safe.

- Start-up: R and rpy2 write into the process environment (``R_HOME``, ``LD_LIBRARY_PATH``,
  ``R_LIBS_USER``, ...), which every child process would inherit; :func:`environment_kept`
  puts it back as it was. R's start-up messages (a locale the machine lacks) are captured
  at the file-descriptor level instead of reaching the console (:func:`console_captured`).
- Ctrl-C: rpy2's event callback swallows ``KeyboardInterrupt`` while R runs;
  :func:`interruptible` tells R itself that an interrupt is pending, so R unwinds cleanly
  at its next check, and the caller raises ``KeyboardInterrupt``.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any


def c_environment() -> dict[str, str]:
    """The C-level environment (what ``exec`` hands a child), which ``os.environ`` may not show."""
    libc = ctypes.CDLL(None)
    env = ctypes.POINTER(ctypes.c_char_p).in_dll(libc, "environ")
    out: dict[str, str] = {}
    i = 0
    while env[i]:
        key, _, value = os.fsdecode(env[i]).partition("=")
        out.setdefault(key, value)
        i += 1
    return out


def restore_environment(before: dict[str, str]) -> dict[str, str | None]:
    """Put the process environment back to ``before``; returns what it undid (name -> the
    value found, None where the variable had been removed)."""
    after = c_environment()
    undone: dict[str, str | None] = {}
    for key in sorted(set(before) | set(after)):
        if before.get(key) == after.get(key):
            continue
        undone[key] = after.get(key)
        if key in before:
            os.environ[key] = before[key]  # putenv too
        elif key in os.environ:
            del os.environ[key]  # unsetenv too
        else:
            os.unsetenv(key)
    return undone


@contextmanager
def environment_kept() -> Iterator[dict[str, str | None]]:
    """Whatever runs inside leaves the process environment as it found it; the yielded dict
    receives what was undone."""
    before = c_environment()
    undone: dict[str, str | None] = {}
    try:
        yield undone
    finally:
        undone.update(restore_environment(before))


@contextmanager
def environment_for_r(values: dict[str, str]) -> Iterator[None]:
    """Set C-level variables R reads while it runs (``R_HOME``: R's ``R.home()`` is
    ``getenv("R_HOME")``), and take them away again; ``os.environ`` never shows them."""
    saved = {key: os.environ.get(key) for key in values}
    for key, value in values.items():
        os.putenv(key, value)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.unsetenv(key)
            else:
                os.putenv(key, old)


@contextmanager
def console_captured(sink: list[str]) -> Iterator[None]:
    """Redirect file descriptors 1 and 2, and rpy2's console callbacks, into ``sink``."""
    from pylme.runtime import rpy2_compat

    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a closed or odd stream: nothing to flush
            stream.flush()
    saved_print, saved_warn = rpy2_compat.console_writers()
    rpy2_compat.set_console_writers(sink.append, sink.append)
    with tempfile.TemporaryFile() as tmp:
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(tmp.fileno(), 1)
            os.dup2(tmp.fileno(), 2)
            yield
        finally:
            ctypes.CDLL(None).fflush(None)
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            rpy2_compat.set_console_writers(saved_print, saved_warn)
            tmp.seek(0)
            sink.append(tmp.read().decode("utf-8", "replace"))


def sigint_is_ours() -> bool:
    """Whether pylme may take SIGINT over here: in the main thread, and only from Python's
    default handler (a handler the user installed is left alone)."""
    return (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    )


@contextmanager
def interruptible() -> Iterator[list[int]]:
    """While R runs in the main thread, Ctrl-C interrupts R (not rpy2's callback).

    Yields a list that holds the signal number once SIGINT arrived. Outside the main thread,
    or when the user installed their own SIGINT handler, nothing changes.
    """
    hit: list[int] = []
    if not sigint_is_ours():
        yield hit
        return
    from pylme.runtime import rpy2_compat

    def on_sigint(signum: int, frame: Any) -> None:
        # Runs at R's next event check (rpy2's process-events callback); R sees the flag
        # right after it and unwinds to the top of the call, running on.exit handlers.
        hit.append(signum)
        rpy2_compat.set_interrupt_pending(True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield hit
    finally:
        signal.signal(signal.SIGINT, previous)
        rpy2_compat.set_interrupt_pending(False)
