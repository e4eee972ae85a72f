"""lmer_many's fits route (``keep="fits"``): one right-hand side, many response columns.

R builds the model structure (``lFormula``: model frame, X, Z, reTrms) once per pattern of
missing values among the responses, then for each response swaps the response in and runs
what ``lme4::lmer`` runs after ``lFormula`` (``mkLmerDevfun``, ``optimizeLmer``, ``checkConv``,
``mkMerMod``) from fresh copies of the start values, and extracts everything in the same R
call. See ``r_scripts/many.R``.
"""

from __future__ import annotations

from typing import Any

from pylme.errors import DataError
from pylme.literals import Backend, OnError
from pylme.parallel import engine
from pylme.parallel.fit_many import collect
from pylme.parallel.jobs import Job

PLACEHOLDER = ".pylme_response"


def _fit_here(
    formula: str, data: Any, responses: list[str], options: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Fit every response in this process: one R call; outcomes in response order."""
    from pylme.conversion.plan import plan_frame
    from pylme.models import pipeline as pl
    from pylme.models.options import check_contrasts, check_control, check_na_action
    from pylme.results.parse import parse_fit
    from pylme.runtime.conditions import raise_for_error
    from pylme.runtime.handles import ModelHandle
    from pylme.runtime.rframe import build_r_frame
    from pylme.runtime.session import R_LOCK, get_session

    REML, weights, offset = options["REML"], options["weights"], options["offset"]
    na_action, ddf = options["na_action"], options["ddf"]
    na = check_na_action(na_action)
    ctrl = check_control(options["control"])
    rhs_vars = pl.formula_variables(f"{PLACEHOLDER} {formula}")[1:]
    contr = check_contrasts(options["contrasts"], rhs_vars) if options["contrasts"] else None
    others = list(rhs_vars)
    for aux in (weights, offset):
        if aux is not None and aux not in others:
            others.append(aux)
    wanted = list(dict.fromkeys(others + responses))
    planned = plan_frame(data, wanted)
    if planned.n_rows <= 0:
        raise DataError("the data has no rows")
    prov_options = {
        "REML": REML,
        "weights": weights,
        "offset": offset,
        "contrasts": contr,
        "control": ctrl,
        "na_action": na_action,
    }
    session = get_session()
    with R_LOCK:
        frame, sent = build_r_frame(planned.columns, planned.n_rows)
        result = session.call(
            "pylme_lmer_many",
            {
                "rhs": formula,
                "data": frame,
                "responses": responses,
                "others": others,
                "REML": REML,
                "control": ctrl,
                "contrasts": contr,
                "na_action": na,
                "weights": weights,
                "offset": offset,
                "trusted": options["trusted"],
            },
            keep=("models",),
        )
        del frame
        models = result.value["models"]
        handles = [
            ModelHandle(models[i]) if r.get("error_class") is None else None
            for i, r in enumerate(result.value["results"])
        ]
        del models
    by_name = {p.name: p for p in sent}
    out: list[tuple[Any, ...]] = []
    for y, raw, handle in zip(responses, result.value["results"], handles):
        if raw.get("error_class") is not None:
            try:
                raise_for_error(raw, "lmer")
            except Exception as exc:
                out.append(("err", type(exc).__name__, getattr(exc, "r_message", "") or str(exc)))
            continue
        full = f"{y} {formula}"
        # R's all.vars(y ~ rhs): the response, then the right-hand side's variables.
        cols = list(dict.fromkeys([y, *rhs_vars] + [a for a in (weights, offset) if a]))
        plans = [by_name[c] for c in cols]
        provenance = pl.provenance_of(full, "lmer", dict(prov_options), plans, planned.n_rows)
        warns = tuple(raw.pop("warnings") or ())
        msgs = tuple(raw.pop("messages") or ())
        fit = parse_fit(
            raw,
            provenance=provenance,
            warnings=warns,
            messages=msgs,
            output="",
            handle=handle,
            warning_origins=tuple(raw.pop("warning_origins", None) or ()),
            message_origins=tuple(raw.pop("message_origins", None) or ()),
        )
        pl._emit_warnings(fit)
        if ddf is not None:
            from pylme.models.ddf import with_ddf

            fit = with_ddf(fit, ddf)  # type: ignore[arg-type]
        out.append(("ok", fit))
    return out


def _chunk_task(payload: tuple[str, list[str], dict[str, Any], bool], data: Any) -> list[Any]:
    """Worker side: a chunk of responses; fits travel back with or without their R model."""
    formula, responses, options, keep_model = payload
    from pylme.parallel.travel import for_travel

    outcomes = _fit_here(formula, data, responses, options)
    fits = for_travel([o[1] if o[0] == "ok" else None for o in outcomes], keep_model)
    return [("ok", f) if o[0] == "ok" else o for o, f in zip(outcomes, fits)]


def run_fits(
    formula: str,
    data: Any,
    responses: list[str],
    options: dict[str, Any],
    *,
    backend: Backend,
    n_jobs: int,
    client: Any,
    progress: bool | None,
    on_error: OnError,
    keep_model: bool,
) -> list[Any]:
    """Fits for ``lmer_many(..., keep="fits")``: serial, or chunks of responses as tasks."""
    if backend == "serial":
        flat = _fit_here(formula, data, responses, options)
    else:
        workers = engine.n_workers(n_jobs) if client is None else 8
        size = max(1, -(-len(responses) // (4 * workers)))
        chunks = [responses[i : i + size] for i in range(0, len(responses), size)]
        outcomes = engine.run(
            _chunk_task,
            [(formula, c, options, keep_model) for c in chunks],
            [data] * len(chunks),
            backend=backend,
            n_jobs=n_jobs,
            client=client,
            progress=progress,
            desc="lmer_many",
        )
        flat = []
        for chunk, outcome in zip(chunks, outcomes):
            flat.extend(outcome[1] if outcome[0] == "ok" else [outcome] * len(chunk))
    jobs = [Job("lmer", f"{y} {formula}", None, **options) for y in responses]
    results = collect(flat, jobs, on_error)
    if backend != "serial":
        engine.emit_warnings(results)
    return results
