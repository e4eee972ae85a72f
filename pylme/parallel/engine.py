"""Run one function over many tasks: in this process, on loky processes, or on Dask.

Every task returns ``("ok", value)`` or ``("err", error_type, message)``; an error inside a
task never stops the others. A worker that dies (an R crash, the OOM killer) costs only the
job that killed it, reported as ``"WorkerDied"``: see :mod:`pylme.parallel.loky_backend` and
:mod:`pylme.parallel.dask_backend` for how that job is told apart from the jobs that were
merely interrupted. Payloads travel as bytes pickled here (:class:`Packed`) and are unpickled
inside the task, after the worker has marked the job as its own, so a payload that kills
its worker while being unpickled is blamed like any other crash.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Packed:
    """A task's payload as pickled in the parent (opened by :func:`call_task` in the worker)."""

    data: bytes


def pack(payload: Any) -> Packed | Outcome:
    """The payload as bytes, or the job's error outcome when it cannot be pickled."""
    import cloudpickle  # what loky itself pickles with (a dependency of loky)

    try:
        return Packed(cloudpickle.dumps(payload))
    except Exception as exc:  # an unpicklable option fails its own job only
        return ("err", type(exc).__name__, f"the job cannot be sent to a worker: {exc}")


def call_task(
    fn: Callable[[Any, Any], Any],
    index: int,
    payload: Any,
    frame: Any,
    markers: str | None,
    copy_frame: bool = False,
) -> Outcome:
    """The worker side: mark the job as running, open it, run it, report what happened."""
    mark = None if markers is None else os.path.join(markers, str(index))
    if mark is not None:  # written whole (renamed into place): a marker always holds a pid
        with open(mark + ".new", "w") as fh:
            fh.write(str(os.getpid()))
        os.replace(mark + ".new", mark)
    try:
        if isinstance(payload, Packed):
            import pickle

            payload = pickle.loads(payload.data)  # noqa: S301  (pickled by this parent)
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
    finish: Callable[[list[Any]], list[Any]] | None = None,
    batch: int = 1,
) -> list[Outcome]:
    """``fn(payload, frame)`` for every task, results in task order.

    ``finish``: applied in the worker to the values before they travel back (not in this
    process: nothing travels); on loky, once per chunk of at most ``batch`` tasks
    (:mod:`pylme.parallel.chunks`).
    """
    bar = progress_bar(len(payloads), desc, progress)
    try:
        if backend == "serial":
            out = []
            for i, (p, f) in enumerate(zip(payloads, frames)):
                out.append(call_task(fn, i, p, f, None))
                bar.update(1)
            return out
        if backend == "loky":
            return _run_loky(fn, payloads, frames, n_workers(n_jobs), bar, finish, batch)
        if finish is not None:  # one job per Dask task
            import functools

            from pylme.parallel.chunks import finish_one

            fn = functools.partial(finish_one, fn, finish)
        results: list[Outcome] = [("err", DIED, "no result")] * len(payloads)
        todo = _pack_all(payloads, results, bar, lambda: None)
        from pylme.parallel.dask_backend import run_dask

        got = run_dask(fn, [p for _, p in todo], [frames[i] for i, _ in todo], n_jobs, client, bar)
        for (i, _), outcome in zip(todo, got):
            results[i] = outcome
        return results
    finally:
        bar.close()


def _pack_all(
    payloads: Sequence[Any], results: list[Outcome], bar: Any, check: Callable[[], None]
) -> list[tuple[int, Packed]]:
    """(index, packed payload) for the payloads that pack; the others' results filled in."""
    todo = []
    for i, p in enumerate(payloads):
        check()
        packed = pack(p)
        if isinstance(packed, Packed):
            todo.append((i, packed))
        else:
            results[i] = packed
            bar.update(1)
    return todo


def _run_loky(
    fn: Callable[[Any, Any], Any],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    workers: int,
    bar: Any,
    finish: Callable[[list[Any]], list[Any]] | None,
    batch: int,
) -> list[Outcome]:
    """The loky part of :func:`run`, with Ctrl-C held (:mod:`pylme.parallel.held_ctrl_c`)."""
    from pylme.parallel import fork_start
    from pylme.parallel.held_ctrl_c import held_ctrl_c
    from pylme.parallel.loky_backend import run_loky

    results: list[Outcome] = [("err", DIED, "no result")] * len(payloads)
    with held_ctrl_c() as held, tempfile.TemporaryDirectory(prefix="pylme-frames-") as tmp:
        try:
            # The frames are written before the workers are forked: after, this process would
            # write them while the new workers start, two cores for three processes, and the
            # workers would wait for them.
            frames = share(list(frames), tmp, None)
            if payloads:  # workers start (fork) while the jobs are packed
                fork_start.executor(workers)
            todo = _pack_all(payloads, results, bar, held.check)
            sent = [p for _, p in todo]
            where = [frames[i] for i, _ in todo]
            got = run_loky(fn, sent, where, workers, bar, held.check, finish, batch)
        except BaseException:  # Ctrl-C (or a bug): no kept worker goes on with these jobs
            fork_start.discard()
            raise
    for (i, _), outcome in zip(todo, got):
        results[i] = outcome
    return results


def emit_warnings(values: Sequence[Any]) -> None:
    """Warn in the parent, as a fit in this process would, for fits made in workers."""
    from pylme.models.pipeline import _emit_warnings

    for v in values:
        if hasattr(v, "convergence"):
            _emit_warnings(v)
