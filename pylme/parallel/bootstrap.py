"""``fit.bootstrap``: a parametric bootstrap with lme4's ``bootMer``.

``backend="serial"`` is R's ``bootMer(fit, FUN, nsim, seed = seed)$t``: one random stream for
the whole run. The parallel backends give replicate ``i`` its own seed, drawn from
``numpy.random.SeedSequence(seed)``, and run ``bootMer(fit, FUN, nsim = 1, seed = seed_i)``
for it: the replicates are the same whatever the number of workers, but they are a different
random stream from the serial run.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from pylme.literals import Backend, check_literal
from pylme.parallel import engine
from pylme.results.methods import implements

Statistic = Literal["default", "fixef"]
#: Replicates per task on the parallel backends (any split gives the same replicates).
CHUNK = 25


def replicate_seeds(seed: int, nsim: int) -> np.ndarray:
    """One R seed (a positive int32) per replicate, from ``SeedSequence(seed)``."""
    state = np.random.SeedSequence(seed).generate_state(nsim, dtype=np.uint32)
    return (state % np.uint32(2**31 - 1)).astype(np.int64)


def _frame(t: Any, names: Any) -> Any:
    import pandas as pd

    arr = np.asarray(t, dtype=np.float64).reshape(-1, len(names))
    return pd.DataFrame(arr, columns=list(names))


def _seeds_task(payload: tuple[Any, list[int], str], _data: Any) -> tuple[Any, Any, Any]:
    """Worker side: the replicates for these seeds (the model is restored once per task)."""
    from pylme.runtime.session import get_session

    fit, seeds, statistic = payload
    res = (
        get_session()
        .call(
            "pylme_bootstrap_seeds",
            {
                "model": fit.r_model(),
                "seeds": np.asarray(seeds, dtype=np.float64),
                "statistic": statistic,
            },
        )
        .value
    )
    return res["t"], res["names"], res["refits"]


@implements("bootstrap")
def bootstrap(
    fit: Any,
    nsim: int,
    *,
    seed: int,
    statistic: str = "default",
    backend: str = "serial",
    n_jobs: int = -1,
    progress: bool | None = None,
) -> Any:
    from pylme.errors import OptionError, PylmeError
    from pylme.runtime.session import get_session

    if not isinstance(nsim, int) or nsim < 1:
        raise OptionError(f"nsim must be a positive int; got {nsim!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise OptionError(f"seed must be an int; got {seed!r}")
    check_literal(statistic, Statistic, "statistic")
    check_literal(backend, Backend, "backend")
    if backend == "serial":
        res = (
            get_session()
            .call(
                "pylme_bootstrap",
                {"model": fit.r_model(), "nsim": nsim, "seed": int(seed), "statistic": statistic},
            )
            .value
        )
        return _reported(_frame(res["t"], res["names"]), nsim, [res["refits"]])
    seeds = replicate_seeds(int(seed), nsim).tolist()
    chunks = [seeds[i : i + CHUNK] for i in range(0, nsim, CHUNK)]
    fit.r_model()  # a fit without its model fails here, before any worker starts
    outcomes = engine.run(
        _seeds_task,
        [(fit, c, statistic) for c in chunks],
        [None] * len(chunks),
        backend=backend,
        n_jobs=n_jobs,
        progress=progress,
        desc="bootstrap",
    )
    parts = []
    names: Any = None
    refits: list[Any] = []
    for o in outcomes:
        if o[0] != "ok":
            raise PylmeError(f"a bootstrap task failed with {o[1]}: {o[2]}")
        parts.append(np.asarray(o[1][0], dtype=np.float64).reshape(-1, len(o[1][1])))
        names = o[1][1]
        refits.extend(o[1][2])
    return _reported(_frame(np.vstack(parts), names), nsim, refits)


def _reported(df: Any, nsim: int, refits: list[Any]) -> Any:
    """``df`` with what the refits reported in ``df.attrs["refits"]``, and one warning."""
    from pylme.results.refits import RefitReport

    report = RefitReport.from_r(nsim, refits)
    report.warn("fit.bootstrap()")
    df.attrs["refits"] = report
    return df
