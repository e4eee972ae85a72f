"""fit_many on loky: a worker that dies costs only the job that killed it.

loky stops the whole pool when one worker dies, and every unfinished job's future fails with
``BrokenProcessPool``. Each job marks itself as started (a file named by its index, holding
the worker's pid) before its payload is even unpickled, and the pids of the workers already
gone when the pool breaks are noted before loky kills the survivors. After a break:

- a job marked by a dead worker was running alone in it (a loky worker runs one job at a
  time): it is reported ``"WorkerDied"`` and not run again;
- a job marked by a live worker, or never handed to a worker, was only interrupted: it runs
  again on a fresh pool;
- when pylme cannot tell which job killed a worker (no dead pid was seen, or a dead worker
  had no job marked), the jobs that may have been on it are *in doubt*: each runs again
  alone in a fresh one-worker pool, and only a job whose lone worker dies is
  ``"WorkerDied"``; the others give their normal results.

None of this costs time unless a worker dies.
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pylme.parallel.chunks import Finish, call_chunk, chunked
from pylme.parallel.engine import DIED, Outcome, clean_environment
from pylme.parallel.held_ctrl_c import POLL_SECONDS


@dataclass
class Break:
    """What was seen when the pool broke: dead worker pids and the jobs handed to workers."""

    noted: bool = False
    dead: set[int] = field(default_factory=set)
    handed: set[int] = field(default_factory=set)
    reason: str = ""


def dead_workers(executor: Any) -> set[int]:
    """Pids of the executor's workers that have exited (waits up to 0.2 s for one)."""
    # loky's private table of its workers, pid -> process (loky 3.4-3.7); still complete
    # while the futures' callbacks run, before loky kills the surviving workers.
    procs = dict(getattr(executor, "_processes", None) or {})
    for _ in range(10):
        dead = {pid for pid, p in procs.items() if p.exitcode is not None}
        if dead:
            return dead
        time.sleep(0.02)  # a worker's pipe can close just before its exit status is ready
    return set()


def triage(
    interrupted: Sequence[int], marks: dict[int, int], dead: set[int], handed: set[int]
) -> tuple[list[int], list[int], list[int]]:
    """Split the jobs a broken pool interrupted into (blamed, in doubt, run again).

    ``marks``: job -> pid of the worker that started it; ``dead``: pids of the workers found
    dead (empty when unknown); ``handed``: jobs that loky had handed to its workers.
    """
    blamed = [i for i in interrupted if marks.get(i) in dead]
    explained = bool(dead) and dead <= {marks[i] for i in blamed}
    doubt: list[int] = []
    if not explained:
        doubt = [
            i
            for i in interrupted
            if i not in blamed and ((i in handed and i not in marks) or (i in marks and not dead))
        ]
        if not blamed and not doubt:  # a death no job explains: never loop on it
            doubt = [i for i in interrupted if i in handed] or list(interrupted)
    rest = [i for i in interrupted if i not in blamed and i not in doubt]
    return blamed, doubt, rest


def run_loky(
    fn: Callable[[Any, Any], Any],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    workers: int,
    bar: Any,
    check: Callable[[], None],
    finish: Finish | None = None,
    batch: int = 1,
) -> list[Outcome]:
    """``call_task`` for every payload on loky's reusable pool, results in task order.

    ``frames``: each task's frame as shipped (:func:`pylme.parallel.frames.share`, before the
    workers were forked).

    Tasks travel in chunks of at most ``batch`` (:mod:`pylme.parallel.chunks`), ``finish``
    applied to each chunk's values in the worker. ``check`` raises ``KeyboardInterrupt`` once
    Ctrl-C arrived (it is called between submissions and between waits of at most
    ``POLL_SECONDS``).
    """
    results: list[Outcome | None] = [None] * len(payloads)
    with tempfile.TemporaryDirectory(prefix="pylme-") as tmp:
        markers = os.path.join(tmp, "running")
        os.mkdir(markers)

        def task(chunk: list[int]) -> tuple[Any, ...]:
            items = [(i, payloads[i], frames[i]) for i in chunk]
            return (call_chunk, fn, finish, items, markers)

        pending = list(range(len(payloads)))
        while pending:
            chunks = chunked(pending, workers, batch)
            interrupted, brk = _pool_round(task, chunks, workers, results, bar, check)
            marks = _read_marks(interrupted, markers)
            if not brk.noted:  # only submissions refused: nothing was running
                pending = interrupted
                continue
            blamed, doubt, pending = triage(interrupted, marks, brk.dead, brk.handed)
            for i in blamed:
                msg = f"the worker process (pid {marks[i]}) running this job died ({brk.reason})"
                results[i] = ("err", DIED, msg)
                bar.update(1)
            for i in doubt:
                results[i] = run_alone(task([i]), check)
                bar.update(1)
    return [r if r is not None else ("err", DIED, "no result") for r in results]


def _pool_round(
    task: Callable[[list[int]], tuple[Any, ...]],
    chunks: list[list[int]],
    workers: int,
    results: list[Outcome | None],
    bar: Any,
    check: Callable[[], None],
) -> tuple[list[int], Break]:
    """Run ``chunks`` on the pool; returns the jobs a break interrupted, and the break."""
    from loky.process_executor import BrokenProcessPool

    from pylme.parallel import fork_start

    executor = fork_start.executor(workers)
    brk = Break()
    lock = threading.Lock()
    futures: dict[Any, list[int]] = {}

    def note(fut: Any) -> None:
        # Runs in loky's manager thread as the break fails the futures, one by one, before
        # loky kills the surviving workers: the first call sees the pool as it broke.
        exc = fut.exception()
        if brk.noted or not isinstance(exc, BrokenProcessPool):
            return
        brk.noted, brk.reason = True, str(exc).split("\n")[0]
        brk.dead = dead_workers(executor)
        with lock:
            items = list(futures.items())
        brk.handed = {i for f, chunk in items if f is fut or f.running() for i in chunk}

    interrupted: list[int] = []
    done: queue.SimpleQueue[Any] = queue.SimpleQueue()
    try:
        with clean_environment():  # loky starts (or replaces) its workers on submit
            for n, chunk in enumerate(chunks):
                check()
                try:
                    with lock:
                        fut = executor.submit(*task(chunk))
                        futures[fut] = chunk
                except BrokenProcessPool:  # never handed to a worker
                    interrupted.extend(i for rest in chunks[n:] for i in rest)
                    break
                fut.add_done_callback(note)
                fut.add_done_callback(done.put)
        for _ in range(len(futures)):
            fut = _next_done(done, check)
            chunk = futures[fut]
            try:
                outcomes = fut.result()
            except BrokenProcessPool:
                interrupted.extend(chunk)
                continue
            for i, outcome in zip(chunk, outcomes):
                results[i] = outcome
            bar.update(len(chunk))
    except BaseException:  # Ctrl-C: no worker goes on with these jobs (kept pool or loky's)
        fork_start.discard()
        fork_start.stop(executor)
        raise
    if brk.noted or interrupted:
        fork_start.discard()
    return sorted(interrupted), brk


def _next_done(done: queue.SimpleQueue[Any], check: Callable[[], None]) -> Any:
    """The next finished future, looking for Ctrl-C every ``POLL_SECONDS``."""
    while True:
        check()
        try:
            return done.get(timeout=POLL_SECONDS)
        except queue.Empty:
            continue


def _read_marks(jobs: list[int], markers: str) -> dict[int, int]:
    """job -> pid of the worker that started it, for the jobs still marked (markers removed)."""
    marks = {}
    for i in jobs:
        path = os.path.join(markers, str(i))
        if os.path.exists(path):
            with open(path) as fh:
                marks[i] = int(fh.read())
            os.remove(path)
    return marks


def run_alone(call: tuple[Any, ...], check: Callable[[], None]) -> Outcome:
    """A chunk of one task alone in a fresh one-worker pool: ``"WorkerDied"`` only if that
    worker dies."""
    from loky.process_executor import BrokenProcessPool, TerminatedWorkerError

    from pylme.parallel.fork_start import lone_executor, stop

    done: queue.SimpleQueue[Any] = queue.SimpleQueue()
    with clean_environment():
        executor = lone_executor()
        fut = executor.submit(*call)
    fut.add_done_callback(done.put)
    try:
        [outcome] = _next_done(done, check).result()
    except TerminatedWorkerError as exc:
        reason = str(exc).split("\n")[0]
        outcome = ("err", DIED, f"the worker process running this job alone died ({reason})")
    except BrokenProcessPool as exc:  # not a death (a result that could not be unpickled)
        outcome = ("err", type(exc).__name__, str(exc))
    except BaseException:  # Ctrl-C: its worker stops now, not after the job
        stop(executor)
        raise
    executor.shutdown(wait=True)
    return outcome
