"""``fit.predict(newdata, interval=..., method="bootstrap")``: bootMer over predict().

``backend="serial"`` is R's ``bootMer(fit, FUN, nsim, seed = seed)`` with
``FUN = function(m) predict(m, newdata, re.form, allow.new.levels, type)`` (plus
``rnorm(n, 0, sigma(m))`` for a prediction interval): one random stream, as in pure R. The
parallel backends give replicate ``i`` its own seed from ``numpy.random.SeedSequence(seed)``
(:func:`pylme.parallel.bootstrap.replicate_seeds`, as ``fit.bootstrap`` does), so their
replicates do not depend on the number of workers. The intervals are computed in R
(``pylme_pi_boot_summary``: the point prediction and R's ``quantile``, type 7).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.parallel import engine
from pylme.parallel.bootstrap import CHUNK, replicate_seeds
from pylme.results.methods import implements


def _seeds_task(payload: tuple[Any, dict[str, Any], list[int], bool], table: Any) -> Any:
    """Worker side: the replicates for these seeds, newdata read from the shared table."""
    from pylme.postfit.predict import newdata_call

    fit, req, seeds, allow_new_levels = payload
    res, _ = newdata_call(
        fit,
        table,
        "pylme_pi_boot_seeds",
        {**req, "model": fit.r_model(), "seeds": np.asarray(seeds, dtype=np.float64)},
        allow_new_levels=allow_new_levels,
        vars_re_form=req["re_form"],
    )
    return res.value["t"], list(res.value["refits"] or [])


def _serial(fit: Any, newdata: Any, req: dict[str, Any], nsim: int, seed: Any, opts: Any) -> Any:
    from pylme.inference.confint import _ticker
    from pylme.postfit.predict import newdata_call
    from pylme.progress import progress_bar, show_progress

    run = {**req, "nsim": nsim, "seed": seed}
    bar = progress_bar(nsim + 1, "bootstrap refits", opts["progress"])
    try:
        if show_progress(opts["progress"]):
            run["tick"] = _ticker(bar)
        res, _ = newdata_call(fit, newdata, "pylme_pi_boot", run, **opts["call"])
    finally:
        bar.close()
    parts = [] if res.value["refits"] is None else [res.value["refits"]]
    return res.value["t"], parts


def _parallel(
    fit: Any, newdata: Any, req: dict[str, Any], nsim: int, seed: int, opts: dict[str, Any]
) -> Any:
    from pylme.errors import PylmeError
    from pylme.parallel.frames import to_arrow

    table = to_arrow(newdata)
    seeds = replicate_seeds(seed, nsim).tolist()
    chunks = [seeds[i : i + CHUNK] for i in range(0, nsim, CHUNK)]
    light = {k: v for k, v in req.items() if k != "model"}
    anl = opts["call"]["allow_new_levels"]
    outcomes = engine.run(
        _seeds_task,
        [(fit, light, c, anl) for c in chunks],
        [table] * len(chunks),
        backend=opts["backend"],
        n_jobs=opts["n_jobs"],
        progress=opts["progress"],
        desc="bootstrap",
    )
    t_parts, refits = [], []
    for o, chunk in zip(outcomes, chunks):
        if o[0] != "ok":
            raise PylmeError(f"a bootstrap task failed with {o[1]}: {o[2]}")
        t_parts.append(np.asarray(o[1][0], dtype=np.float64).reshape(len(chunk), -1))
        refits.extend(o[1][1])
    return np.vstack(t_parts), refits


@implements("predict_bootstrap")
def predict_bootstrap(
    fit: Any,
    newdata: Any,
    req: dict[str, Any],
    *,
    allow_new_levels: bool,
    nsim: int,
    seed: int | None,
    backend: str,
    n_jobs: int,
    progress: bool | None,
) -> dict[str, Any]:
    """``{"fit", "lower", "upper", "refits"}`` for every row of ``newdata``."""
    from pylme.postfit.predict import newdata_call
    from pylme.results.refits import RefitReport

    call = {"allow_new_levels": allow_new_levels, "vars_re_form": req["re_form"]}
    opts = {"call": call, "backend": backend, "n_jobs": n_jobs, "progress": progress}
    if backend == "serial":
        t, parts = _serial(fit, newdata, req, nsim, seed, opts)
    else:
        engine.n_workers(n_jobs)
        t, parts = _parallel(fit, newdata, req, nsim, int(seed or 0), opts)
    report = RefitReport.from_r(nsim, parts)
    report.warn("fit.predict(method='bootstrap')")
    t = np.asarray(t, dtype=np.float64).reshape(nsim, -1)
    res, _ = newdata_call(
        fit, newdata, "pylme_pi_boot_summary", {**req, "t": t.ravel(order="F")}, **call
    )
    return {**res.value, "refits": report}
