"""fit_many on Dask: a task that kills its worker fails alone.

When a worker dies, distributed's scheduler counts every task *processing* on it as
suspicious: the one running, and the ones already sent to it and waiting (with the default
``worker-saturation`` of 1.1 a one-thread worker holds two). A task suspicious more than
``distributed.scheduler.allowed-failures`` times fails with ``KilledWorker``, so tasks that
were only queued behind the killer can fail with it. pylme therefore treats every task that
met a dead worker (``KilledWorker``) as in doubt and runs those again one at a time, each
alone on the cluster: only a task that kills its worker again is ``"WorkerDied"``; the
others give their normal results. A task cancelled because its frame was lost with a dead
worker (``scatter`` keeps one copy until a task elsewhere needs it) runs again together with
the others so cancelled, its frame sent anew, and alone only if that fails too.

The LocalCluster pylme starts allows no retries (a killer costs one worker per run); a given
cluster keeps its own ``allowed-failures`` (a killer then kills that many workers more, in
each run). None of this costs time unless a task fails on the scheduler's side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pylme.parallel.engine import DIED, Outcome, call_task, clean_environment, n_workers
from pylme.parallel.frames import share


def run_dask(
    fn: Callable[[Any, Any], Any],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    n_jobs: int,
    client: Any,
    bar: Any,
) -> list[Outcome]:
    """``call_task`` for every payload on ``client`` (or a LocalCluster), in task order."""
    import dask
    from distributed import Client, LocalCluster

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
        results: list[Outcome | None] = [None] * len(payloads)
        run = list(range(len(payloads)))
        killed, lost = _round(client, fn, run, payloads, frames, results, bar)
        # A frame lost with its worker cancels tasks that never ran there: run them again
        # together (their frames sent anew); only tasks that met a dead worker run alone.
        more, lost = _round(client, fn, lost, payloads, frames, results, bar)
        for i in sorted([*killed, *more, *lost]):
            results[i] = run_alone(client, fn, i, payloads[i], frames[i])
            bar.update(1)
        return [r if r is not None else ("err", DIED, "no result") for r in results]
    finally:
        if own:
            client.close()
            if cluster is not None:
                cluster.close()


def _round(
    client: Any,
    fn: Callable[[Any, Any], Any],
    run: list[int],
    payloads: Sequence[Any],
    frames: Sequence[Any],
    results: list[Outcome | None],
    bar: Any,
) -> tuple[list[int], list[int]]:
    """Run tasks ``run`` together; returns those that met a dead worker (``KilledWorker``)
    and those that failed otherwise on the scheduler's side (a lost frame)."""
    from distributed import as_completed

    shipped = share([frames[i] for i in run], None, client)
    futures = {
        client.submit(call_task, fn, i, payloads[i], f, None, True, pure=False): i
        for i, f in zip(run, shipped)
    }
    killed: list[int] = []
    lost: list[int] = []
    for fut in as_completed(futures):
        i = futures[fut]
        try:
            results[i] = fut.result()
        except Exception as exc:  # not the job's own failure: call_task returns those
            (killed if type(exc).__name__ == "KilledWorker" else lost).append(i)
            continue
        bar.update(1)
    return killed, lost


def run_alone(
    client: Any, fn: Callable[[Any, Any], Any], i: int, payload: Any, frame: Any
) -> Outcome:
    """One task with nothing else of ours on the cluster: ``"WorkerDied"`` only if the
    worker running it dies (as often as the cluster's ``allowed-failures`` permits). Its
    frame is sent for it alone (the previous task alone may have killed the worker holding
    the last copy), and once more if the frame is lost while it waits."""
    failure: Exception | None = None
    for _ in range(2):
        [shipped] = share([frame], None, client)
        fut = client.submit(call_task, fn, i, payload, shipped, None, True, pure=False)
        try:
            return fut.result()
        except Exception as exc:
            if type(exc).__name__ == "KilledWorker":
                return ("err", DIED, f"the worker process running this job alone died ({exc})")
            failure = exc
        finally:
            fut.release()
    return ("err", type(failure).__name__, str(failure))
