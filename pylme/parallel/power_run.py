"""Running the simulations of :func:`pylme.power` and :func:`pylme.power_curve`.

``backend="serial"``: one R random stream, ``set.seed(seed)`` once, then simulation after
simulation (simr's ``powerSim(..., seed = seed)``). Each simulation is one R call, so the
progress bar moves and Ctrl-C stops between simulations; the stream's state lives in the R
run between calls, and the session's own ``.Random.seed`` is put back around each draw.

``backend="loky"`` or ``"dask"``: simulation ``i`` draws its data after ``set.seed(s_i)``,
with ``s_i`` from :func:`pylme.parallel.bootstrap.replicate_seeds` (``SeedSequence(seed)``),
whichever worker runs it: the p-values are the same for any number of workers, but they are
another random stream than the serial run's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.parallel import engine
from pylme.parallel.bootstrap import replicate_seeds
from pylme.progress import progress_bar

#: Simulations per task on the parallel backends (any split gives the same p-values).
CHUNK = 10


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return ["" if v is None else str(v) for v in value]


def step_from_r(raw: dict[str, Any], n_subsets: int) -> dict[str, Any]:
    """One simulation's R list as plain Python: p-values per subset, and its conditions."""
    p = np.atleast_1d(np.asarray(raw["p"], dtype=np.float64))
    subset = np.atleast_1d(np.asarray(raw["subset"] if raw["subset"] is not None else [], int))
    conds = list(
        zip(
            subset.tolist(),
            _strings(raw["stage"]),
            _strings(raw["kind"]),
            _strings(raw["origin"]),
            _strings(raw["text"]),
        )
    )
    if p.shape != (n_subsets,):
        raise ValueError(f"R gave {p.shape[0]} p-values for {n_subsets} subsets")
    return {"p": p, "conditions": conds}


def failed_step(n_subsets: int, error_type: str, message: str) -> dict[str, Any]:
    """A simulation lost with its task (a worker that died, a payload that failed)."""
    text = f"{error_type}: {message}"
    return {"p": np.full(n_subsets, np.nan), "conditions": [(0, "Worker", "error", "", text)]}


def _seeds_task(payload: tuple[Any, dict[str, Any], list[int]], _data: Any) -> list[Any]:
    """Worker side: the simulations of these seeds (the model is restored once per task)."""
    from pylme.runtime.session import get_session

    fit, req, seeds = payload
    full = {**req, "model": fit.r_model(), "seeds": np.asarray(seeds, dtype=np.float64)}
    return list(get_session().call("pylme_power_seeds", full).value)


def start(fit: Any, req: dict[str, Any], seed: int) -> tuple[Any, dict[str, Any]]:
    """The R run (serial state and extended design) and what it says about the design."""
    from pylme.runtime.session import get_session

    full = {**req, "model": fit.r_model(), "seed": seed}
    value = get_session().call("pylme_power_start", full, keep=("run",)).value
    run = value.pop("run")
    return run, value


def simulate(
    fit: Any,
    req: dict[str, Any],
    run: Any,
    *,
    n_subsets: int,
    nsim: int,
    seed: int,
    backend: str,
    n_jobs: int,
    client: Any,
    progress: bool | None,
    desc: str,
) -> list[dict[str, Any]]:
    """``nsim`` simulations, each with p-values for every subset, in simulation order."""
    from pylme.runtime.session import get_session

    if backend == "serial":
        session = get_session()
        steps = []
        bar = progress_bar(nsim, desc, progress)
        try:
            for _ in range(nsim):
                raw = session.call("pylme_power_step", {"run": run}).value
                steps.append(step_from_r(raw, n_subsets))
                bar.update(1)
        finally:
            bar.close()
        return steps
    seeds = replicate_seeds(seed, nsim).tolist()
    chunks = [seeds[i : i + CHUNK] for i in range(0, nsim, CHUNK)]
    outcomes = engine.run(
        _seeds_task,
        [(fit, req, c) for c in chunks],
        [None] * len(chunks),
        backend=backend,
        n_jobs=n_jobs,
        client=client,
        progress=progress,
        desc=desc,
    )
    steps = []
    for outcome, chunk in zip(outcomes, chunks):
        if outcome[0] == "ok":
            steps.extend(step_from_r(raw, n_subsets) for raw in outcome[1])
        else:
            steps.extend(failed_step(n_subsets, outcome[1], outcome[2]) for _ in chunk)
    return steps


def clopper_pearson(successes: list[int], nsim: int) -> list[tuple[float, float]]:
    """R's ``binom.test(x, nsim)$conf.int`` for each x."""
    from pylme.runtime.session import get_session

    req = {"x": [int(x) for x in successes], "n": [nsim] * len(successes), "level": 0.95}
    res = get_session().call("pylme_power_ci", req).value
    lower = np.atleast_1d(np.asarray(res["lower"], dtype=np.float64))
    upper = np.atleast_1d(np.asarray(res["upper"], dtype=np.float64))
    return [(float(lo), float(hi)) for lo, hi in zip(lower, upper)]
