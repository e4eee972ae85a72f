"""Jobs travel to loky workers in chunks: fewer round trips, one trip-back call per chunk.

A small fit (sleepstudy's size) takes about 20 ms. Sent one job per task, each job also paid
about 1 ms of loky's round trip (the call pickled, the worker's loop, the result sent back),
and about 1 ms of R-call overhead to prepare its fit for the trip back (``finish``: compact
model bytes, :mod:`pylme.parallel.travel`), which costs far less per model when a chunk's fits
go in one call. Chunk sizes follow OpenMP's "guided" schedule: large while many jobs remain,
down to single jobs at the end, so the workers finish together.

Inside a chunk each job is marked as running while it runs (:func:`call_task`), so a worker
that dies is still blamed on the job it was running (:mod:`pylme.parallel.loky_backend`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from pylme.parallel.engine import Outcome, call_task

#: What ``finish`` does: worker-side values of a chunk -> the values sent back, in order.
Finish = Callable[[list[Any]], list[Any]]


def chunk_sizes(n: int, workers: int, cap: int) -> list[int]:
    """Guided sizes: each chunk at most ``cap`` jobs and a ``2 * workers``-th of what is left."""
    sizes: list[int] = []
    left = n
    while left > 0:
        size = max(1, min(cap, -(-left // (2 * workers))))
        sizes.append(size)
        left -= size
    return sizes


def chunked(jobs: Sequence[int], workers: int, cap: int) -> list[list[int]]:
    """``jobs`` (task indices) cut into guided chunks, in order."""
    out: list[list[int]] = []
    at = 0
    for size in chunk_sizes(len(jobs), workers, cap):
        out.append(list(jobs[at : at + size]))
        at += size
    return out


def call_chunk(
    fn: Callable[[Any, Any], Any],
    finish: Finish | None,
    items: Sequence[tuple[int, Any, Any]],
    markers: str | None,
) -> list[Outcome]:
    """The worker side of a chunk: :func:`call_task` for each (index, payload, frame), then
    ``finish`` over the values of the jobs that succeeded."""
    outcomes = [call_task(fn, i, payload, frame, markers) for i, payload, frame in items]
    return outcomes if finish is None else finished(outcomes, finish)


def finished(outcomes: list[Outcome], finish: Finish) -> list[Outcome]:
    """``outcomes`` with ``finish`` applied to the successful values: in one call, or job by
    job when that call fails (so a value ``finish`` cannot take fails its own job only)."""
    ok = [k for k, o in enumerate(outcomes) if o[0] == "ok"]
    if not ok:
        return outcomes
    out = list(outcomes)
    with warnings.catch_warnings():  # in a worker: the parent re-emits warnings from the fits
        warnings.simplefilter("ignore")
        try:
            values = finish([outcomes[k][1] for k in ok])
            for k, value in zip(ok, values):
                out[k] = ("ok", value)
            return out
        except Exception:  # noqa: S110  (each job below gets its own error)
            pass
        for k in ok:
            try:
                out[k] = ("ok", finish([outcomes[k][1]])[0])
            except Exception as exc:
                out[k] = ("err", type(exc).__name__, str(getattr(exc, "r_message", "") or exc))
    return out


def finish_one(fn: Callable[[Any, Any], Any], finish: Finish, payload: Any, frame: Any) -> Any:
    """``fn`` then ``finish`` for one job (Dask's tasks: one job each)."""
    value = fn(payload, frame)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return finish([value])[0]
