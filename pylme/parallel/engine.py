"""Run one function over many tasks: in this process, on loky processes, or on Dask.

Every task returns ``("ok", value)`` or ``("err", error_type, message)``; an error inside a
task never stops the others. A loky worker that dies (an R crash, the OOM killer) fails only
the job it was running: loky then stops the whole pool, so the jobs that were merely
interrupted run again on a fresh pool, and the dead worker's own job is reported as
``"WorkerDied"`` (never retried). On Dask a task whose worker died is reported the same way
(the LocalCluster pylme starts allows no retries; a given cluster keeps its own
``distributed.scheduler.allowed-failures``).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pylme.parallel.frames import resolve, share
from pylme.progress import progress_bar

Outcome = tuple[Any, ...]
DIED = "WorkerDied"

#: ``LD_LIBRARY_PATH`` as it was before R started (pylme is imported before R starts): R's
#: startup prepends its own library folders, and a worker process spawned with them can load
#: the wrong system libraries (Python's ``_ssl``, pyarrow.parquet).
_LD_BEFORE_R = os.environ.get("LD_LIBRARY_PATH")


@contextmanager
def clean_environment() -> Iterator[None]:
    """While spawning worker processes: ``LD_LIBRARY_PATH`` as it was before R started."""
    now = os.environ.get("LD_LIBRARY_PATH")
    if now == _LD_BEFORE_R:
        yield
        return
    if _LD_BEFORE_R is None:
        os.environ.pop("LD_LIBRARY_PATH", None)
    else:
        os.environ["LD_LIBRARY_PATH"] = _LD_BEFORE_R
    try:
        yield
    finally:
        if now is not None:
            os.environ["LD_LIBRARY_PATH"] = now


def n_workers(n_jobs: int) -> int:
    if not isinstance(n_jobs, int) or n_jobs == 0:
        from pylme.errors import OptionError

        raise OptionError(f"n_jobs must be a positive int or -1 (all cores); got {n_jobs!r}")
    cores = os.cpu_count() or 1
    return cores if n_jobs < 0 else n_jobs


def call_task(
    fn: Callable[[Any, Any], Any],
    index: int,
    payload: Any,
    frame: Any,
    markers: str | None,
    copy_frame: bool = False,
) -> Outcome:
    """The worker side: mark the job as running, run it, report what happened."""
    mark = None if markers is None else os.path.join(markers, str(index))
    if mark is not None:
        with open(mark, "w") as fh:
            fh.write(str(os.getpid()))
    try:
        if mark is None and not copy_frame:  # in this process: warnings as pylme.lmer gives them
            return ("ok", fn(payload, resolve(frame, copy_frame)))
        with warnings.catch_warnings():  # in a worker: the parent re-emits them from the fits
            warnings.simplefilter("ignore")
            return ("ok", fn(payload, resolve(frame, copy_frame)))
    except Exception as exc:  # every failure is the job's own result
        return ("err", type(exc).__name__, str(getattr(exc, "r_message", "") or exc))
    finally:
        if mark is not None:
            os.remove(mark)


def run(
    fn: Callable[[Any, Any], Any],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    *,
    backend: str,
    n_jobs: int,
    client: Any = None,
    progress: bool | None = None,
    desc: str = "fits",
) -> list[Outcome]:
    """``fn(payload, frame)`` for every task, results in task order."""
    bar = progress_bar(len(payloads), desc, progress)
    try:
        if backend == "serial":
            out = []
            for i, (p, f) in enumerate(zip(payloads, frames)):
                out.append(call_task(fn, i, p, f, None))
                bar.update(1)
            return out
        if backend == "loky":
            return _run_loky(fn, payloads, frames, n_workers(n_jobs), bar)
        return _run_dask(fn, payloads, frames, n_jobs, client, bar)
    finally:
        bar.close()


def emit_warnings(values: Sequence[Any]) -> None:
    """Warn in the parent, as a fit in this process would, for fits made in workers."""
    from pylme.models.pipeline import _emit_warnings

    for v in values:
        if hasattr(v, "convergence"):
            _emit_warnings(v)


def _run_loky(
    fn: Callable[[Any, Any], Any],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    workers: int,
    bar: Any,
) -> list[Outcome]:
    from concurrent.futures import as_completed

    from joblib.externals.loky import get_reusable_executor
    from joblib.externals.loky.process_executor import BrokenProcessPool

    results: list[Outcome | None] = [None] * len(payloads)
    with tempfile.TemporaryDirectory(prefix="pylme-") as tmp:
        markers = os.path.join(tmp, "running")
        os.mkdir(markers)
        shipped = share(list(frames), tmp, None)
        pending = list(range(len(payloads)))
        while pending:
            executor = get_reusable_executor(max_workers=workers, reuse=True)
            dead: set[int] = set()

            def note_dead(fut: Any, executor: Any = executor, dead: set[int] = dead) -> None:
                # Runs in loky's manager thread when the pool breaks, before it kills the
                # surviving workers: the processes already gone are the ones that died.
                if fut.exception() is not None and not dead:
                    procs = dict(getattr(executor, "_processes", {}) or {})
                    dead.update(pid for pid, p in procs.items() if p.exitcode is not None)
                    dead.add(-1)

            futures = {}
            with clean_environment():  # loky starts (or replaces) its workers on submit
                for i in pending:
                    fut = executor.submit(call_task, fn, i, payloads[i], shipped[i], markers)
                    fut.add_done_callback(note_dead)
                    futures[fut] = i
            again = []
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except BrokenProcessPool as exc:
                    again.append((i, exc))
                    continue
                bar.update(1)
            pending = _after_break(again, markers, dead, results, bar)
    return [r if r is not None else ("err", DIED, "no result") for r in results]


def _after_break(
    again: list[tuple[int, BaseException]],
    markers: str,
    dead: set[int],
    results: list[Outcome | None],
    bar: Any,
) -> list[int]:
    """Which interrupted jobs were on the dead worker (reported) and which run again."""
    running = {}
    for i, _ in again:
        path = os.path.join(markers, str(i))
        if os.path.exists(path):
            with open(path) as fh:
                running[i] = int(fh.read() or -1)
            os.remove(path)
    culprits = {i for i, pid in running.items() if pid in dead}
    if again and not culprits:
        # The dead worker could not be told apart: report every job that was running.
        culprits = set(running) or {i for i, _ in again}
    retry = []
    for i, exc in again:
        if i in culprits:
            msg = f"the worker process running this job died ({exc})"
            results[i] = ("err", DIED, msg)
            bar.update(1)
        else:
            retry.append(i)
    return sorted(retry)


def _run_dask(
    fn: Callable[[Any, Any], Any],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    n_jobs: int,
    client: Any,
    bar: Any,
) -> list[Outcome]:
    import dask
    from distributed import Client, LocalCluster, as_completed

    own = client is None
    cluster = None
    if own:
        with clean_environment(), dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            cluster = LocalCluster(
                n_workers=n_workers(n_jobs),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    try:
        shipped = share(list(frames), None, client)
        futures = {
            client.submit(call_task, fn, i, p, f, None, True, pure=False): i
            for i, (p, f) in enumerate(zip(payloads, shipped))
        }
        results: list[Outcome | None] = [None] * len(payloads)
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                results[i] = fut.result()
            except Exception as exc:  # KilledWorker and other scheduler-side failures
                name = DIED if type(exc).__name__ == "KilledWorker" else type(exc).__name__
                results[i] = ("err", name, str(exc))
            bar.update(1)
        return [r if r is not None else ("err", DIED, "no result") for r in results]
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
