"""``pylme.fit_many``: many independent fits on loky processes, a Dask cluster, or here."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from pylme.literals import Backend, OnError, check_literal
from pylme.parallel import engine
from pylme.parallel.jobs import Job, JobError
from pylme.parallel.travel import arrived, with_models

#: A job option for the tests only: the worker running the job kills itself (SIGKILL).
TEST_KILL_OPTION = "_pylme_test_kill"


#: At most this many jobs per loky task (guided chunks: :mod:`pylme.parallel.chunks`).
BATCH = 8


def _fit_job(payload: tuple[str, str, dict[str, Any], bool], data: Any) -> Any:
    """Worker side: one fit, with or without its R model (prepared for the trip back by
    :func:`pylme.parallel.travel.with_models`, once per chunk)."""
    kind, formula, options, keep_model = payload
    if options.pop(TEST_KILL_OPTION, False):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
    fit = _fitter(kind)(formula, data, **options)
    return fit if keep_model else fit.without_model()


def _fitter(kind: str) -> Any:
    """The fit function of a job's kind; only lmer's module for lmer jobs (a worker importing
    glmer's modules costs 6 ms of its first job)."""
    if kind == "lmer":
        from pylme.models.lmer import lmer

        return lmer
    from pylme.models.glmer import glmer, glmer_nb

    return {"glmer": glmer, "glmer_nb": glmer_nb}[kind]


def fit_many(
    jobs: Iterable[Job],
    *,
    backend: Backend = "loky",
    n_jobs: int = -1,
    client: Any = None,
    progress: bool | None = None,
    on_error: OnError = "keep",
    keep_model: bool = True,
) -> list[Any]:
    """Fit many models; the results come back in job order.

    Parameters
    ----------
    jobs : iterable of :class:`Job`
    backend : {"loky", "dask", "serial"}
        "loky": loky's processes on this machine; on Linux forked from this process
        once its R is running (no R start-up per worker), and kept for the next call
        (``PYLME_WORKER_START=fresh``: fresh processes that each start R);
        "dask": a ``distributed.Client`` (``client``, or a LocalCluster of ``n_jobs`` worker
        processes on 127.0.0.1 started for this call); "serial": in this process.
    n_jobs : int
        Worker processes (-1: one per core). Ignored with a given ``client``.
    client : distributed.Client, optional
        Run on this cluster (implies ``backend="dask"``).
    progress : bool, optional
        A progress bar; None shows one on a terminal or in a notebook.
    on_error : {"keep", "raise"}
        "keep": a failed job becomes a :class:`JobError` in its slot; "raise": the first
        failure (in job order) is raised once all jobs are done.
    keep_model : bool
        True: every fit carries its R model (R ``serialize()`` bytes on the way back from a
        worker). False: light fits, as ``fit.without_model()`` gives.

    Returns
    -------
    list of LmerFit / GlmerFit / JobError, one per job.
    """
    jobs = list(jobs)
    for j in jobs:
        if not isinstance(j, Job):
            raise TypeError(f"fit_many takes pylme.Job objects; got {type(j).__name__}")
    if client is not None:
        backend = "dask"
    check_literal(backend, Backend, "backend")
    check_literal(on_error, OnError, "on_error")
    engine.n_workers(n_jobs)
    payloads = [(j.kind, j.formula, dict(j.options), bool(keep_model)) for j in jobs]
    outcomes = engine.run(
        _fit_job,
        payloads,
        [j.data for j in jobs],
        backend=backend,
        n_jobs=n_jobs,
        client=client,
        progress=progress,
        desc="fit_many",
        finish=with_models,
        batch=BATCH,
    )
    results = collect(outcomes, jobs, on_error)
    if backend != "serial":
        engine.emit_warnings(results)
    return results


def collect(outcomes: list[Any], jobs: list[Job], on_error: str) -> list[Any]:
    """Values in order; failures as JobError (raised with on_error="raise")."""
    out: list[Any] = []
    for outcome, job in zip(outcomes, jobs):
        if outcome[0] == "ok":
            out.append(arrived(outcome[1]))
            continue
        err = JobError(job, outcome[1], outcome[2])
        if on_error == "raise":
            raise err
        out.append(err)
    return out
