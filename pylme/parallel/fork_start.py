"""Loky workers forked from this process's running R: no R start-up per worker.

A fresh worker process spends about 2 s (on this project's 2-core machines) importing pylme,
starting R, loading lme4 and sourcing pylme's R files before its first fit: more than 100
small fits take on one core. On Linux, pylme's loky pool is instead a loky
``ProcessPoolExecutor`` with the ``fork`` start method, created from this process once its R
is running: each worker is a copy of this process, R, lme4 and all, ready in milliseconds. As R's
own ``parallel::mclapply`` does, and with the same care:

- the workers are forked from the calling thread while it holds :data:`R_LOCK`, so no other
  thread of this process is inside R; loky forks all workers at the first submission, before
  it starts any thread of its own;
- Python's garbage collector is frozen around the fork (``gc.freeze``), so the workers'
  collections do not write to, and copy, the pages of the objects they inherit;
- each worker forgets R's random-number state (``.Random.seed``) when it starts, so its
  draws are seeded from the time and its pid as a fresh R's are, not a copy of this
  process's stream (pylme's parallel routes that promise reproducible numbers seed every
  task themselves);
- the pool is kept for the next call (warm), and replaced after a worker dies or when the
  number of workers changes.

``PYLME_WORKER_START=fresh`` (or a platform other than Linux, or a pool started inside a
worker) gives loky's own reusable executor of fresh processes instead.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import signal
import sys
import warnings
from typing import Any

from pylme.literals import WorkerStart, check_literal

#: The environment variable that chooses how workers start (see :data:`WorkerStart`).
START_VARIABLE = "PYLME_WORKER_START"

#: Seconds :func:`stop` waits for a worker to finish writing a result, and then to exit.
STOP_WAIT = 2.0

_POOL: dict[str, Any] = {}


def start_method() -> str:
    """``"fork"`` or ``"fresh"``: what ``PYLME_WORKER_START`` asks for, where it can be had."""
    choice = os.environ.get(START_VARIABLE, "fork")
    check_literal(choice, WorkerStart, START_VARIABLE)
    if choice == "fork" and not sys.platform.startswith("linux"):
        return "fresh"
    return choice


def executor(workers: int) -> Any:
    """The pool for ``workers`` workers: forked (kept warm) or loky's reusable one."""
    if start_method() == "fork":
        pool = _POOL.get("pool")
        if pool is not None and _POOL.get("workers") == workers:
            return pool
        discard()
        pool = _forked_pool(workers)
        if pool is not None:
            _POOL.update(pool=pool, workers=workers)
            return pool
    from loky import get_reusable_executor

    return get_reusable_executor(max_workers=workers, reuse=True)


def lone_executor() -> Any:
    """A one-worker pool of its own (for a job that must run alone), started the same way."""
    from loky import ProcessPoolExecutor

    if start_method() == "fork":
        pool = _forked_pool(1)
        if pool is not None:
            return pool
    return ProcessPoolExecutor(max_workers=1)


def discard() -> None:
    """Stop and forget the kept forked pool (after a break, Ctrl-C, a new worker count)."""
    pool = _POOL.pop("pool", None)
    _POOL.pop("workers", None)
    if pool is not None:
        stop(pool)


def stop(pool: Any) -> None:
    """Kill ``pool``'s workers now (their jobs are abandoned) and let loky wind it down."""
    # Killed the way a crash kills them: loky's manager thread then ends on its "broken pool"
    # path. (``shutdown(kill_workers=True)`` with jobs still queued makes that thread fail
    # with a KeyError on its way out, loky 3.5-3.7.) A worker killed half-way through
    # writing a result would leave loky's manager thread waiting forever for the rest of the
    # message (and the interpreter's exit waiting for that thread): the workers are killed
    # while this process holds the lock each of them takes to write a result. ``_processes``
    # (loky's table of its workers, as in loky_backend.dead_workers) and
    # ``_result_queue._wlock``: loky 3.4-3.7.
    procs = list((getattr(pool, "_processes", None) or {}).values())
    wlock = getattr(getattr(pool, "_result_queue", None), "_wlock", None)
    held = wlock is not None and wlock.acquire(timeout=STOP_WAIT)  # a writer is done in ms
    try:
        for proc in procs:
            if proc.exitcode is None:
                with contextlib.suppress(ProcessLookupError):  # loky's Popen has no kill()
                    os.kill(proc.pid, signal.SIGKILL)
        for proc in procs:
            proc.join(timeout=STOP_WAIT)
    finally:
        if held and wlock is not None:
            wlock.release()
    pool.shutdown(wait=False)


atexit.register(discard)  # a kept pool stops while the interpreter is still whole


def _child_start() -> None:
    """In each forked worker, before its first job."""
    from pylme.parallel.held_ctrl_c import ignore_in_worker
    from pylme.runtime.session import R_LOCK, get_session

    ignore_in_worker()  # Ctrl-C at a terminal reaches the workers too; the parent acts on it
    get_session().call("pylme_fork_child", {})
    while True:  # the parent's thread held R_LOCK at the fork; this worker's copy is ours
        try:
            R_LOCK.release()
        except RuntimeError:  # released as often as it was held
            return


def _forked_pool(workers: int) -> Any:
    """A loky pool whose workers are forked now from this process, or None (nested pool)."""
    import multiprocessing

    from loky import ProcessPoolExecutor
    from loky.process_executor import LokyRecursionError

    from pylme.runtime.session import R_LOCK, get_session

    session = get_session()  # R starts here, once, instead of in every worker
    with R_LOCK:
        session.call("pylme_fork_prepare", {})
        try:
            pool = ProcessPoolExecutor(
                max_workers=workers,
                context=multiprocessing.get_context("fork"),
                initializer=_child_start,
            )
        except LokyRecursionError:  # inside a worker: loky forks only at depth 0
            return None
        gc.freeze()
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns when a process with threads forks (the user's, a
                # notebook's): a lock another thread held at the fork stays held in the
                # worker. The workers run loky's worker loop, pylme's code and R, which take
                # no lock of another thread's (R_LOCK, held by this thread, is released in
                # each worker by _child_start).
                warnings.simplefilter("ignore", DeprecationWarning)
                pool.submit(int)  # loky forks every worker here, in this thread
        finally:
            gc.unfreeze()
    return pool
