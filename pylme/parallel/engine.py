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
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pylme.parallel.frames import resolve
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
    try:  # what loky itself pickles with: cloudpickle (a dependency of joblib 1.5+,
        import cloudpickle  # vendored as joblib.externals.cloudpickle before)
    except ImportError:  # pragma: no cover
        from joblib.externals import cloudpickle  # type: ignore[no-redef]
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
        results: list[Outcome] = [("err", DIED, "no result")] * len(payloads)
        if backend == "loky" and payloads:  # workers start (fork) while the jobs are packed
            from pylme.parallel.fork_start import executor

            executor(n_workers(n_jobs))
        todo = []
        for i, p in enumerate(payloads):
            packed = pack(p)
            if isinstance(packed, Packed):
                todo.append((i, packed))
            else:
                results[i] = packed
                bar.update(1)
        sent = [p for _, p in todo]
        where = [frames[i] for i, _ in todo]
        if backend == "loky":
            from pylme.parallel.loky_backend import run_loky

            got = run_loky(fn, sent, where, n_workers(n_jobs), bar)
        else:
            from pylme.parallel.dask_backend import run_dask

            got = run_dask(fn, sent, where, n_jobs, client, bar)
        for (i, _), outcome in zip(todo, got):
            results[i] = outcome
        return results
    finally:
        bar.close()


def emit_warnings(values: Sequence[Any]) -> None:
    """Warn in the parent, as a fit in this process would, for fits made in workers."""
    from pylme.models.pipeline import _emit_warnings

    for v in values:
        if hasattr(v, "convergence"):
            _emit_warnings(v)
