"""lmer_many's numbers route over blocks of responses: in memory, or streamed to Parquet
parts (:mod:`pylme.parallel.many_parts`), in this process or as tasks on loky or Dask."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from pylme.parallel import engine
from pylme.parallel.many_numbers import Spec, design_for, fit_block
from pylme.parallel.many_parts import PartStore, write_part
from pylme.parallel.many_responses import Responses, n_rows_of
from pylme.progress import progress_bar
from pylme.results.many import LmerMany, concat


@dataclass
class Tally:
    """What the parent reports once a run is over (the rows themselves stay in the parts)."""

    n: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    unconverged: list[str] = field(default_factory=list)
    singular: list[str] = field(default_factory=list)

    def add(self, part: LmerMany) -> Tally:
        self.n += len(part)
        for i, y in enumerate(part.responses):
            if part.error[i] is not None:
                self.failed.append((y, part.error_type[i] or "RError", part.error[i] or ""))
            elif not part.converged[i]:
                self.unconverged.append(y)
            if part.singular[i]:
                self.singular.append(y)
        return self


def _task(payload: tuple[Spec, list[str], Any, str | None], data: Any) -> Any:
    """Worker side: one block of responses; its part written here, or returned."""
    spec, names, Y, path = payload
    design = design_for(spec, data)
    if Y is None:
        Y = Responses(tuple(names), n_rows_of(data)).block(data, names)
    part = fit_block(design, tuple(names), Y, spec.options["ddf"])
    if path is None:
        return part
    write_part(path, part, spec.fingerprint)
    return Tally().add(part)


def run_numbers(
    spec: Spec,
    data: Any,
    resp: Responses,
    *,
    out: str | os.PathLike[str] | None,
    chunk: int,
    backend: str,
    n_jobs: int,
    client: Any,
    progress: bool | None,
) -> tuple[LmerMany | None, Tally]:
    """Fit every response (those not yet in ``out``): the numbers in memory, or written."""
    store = None if out is None else PartStore(out, spec)
    skip = set() if store is None else store.done()
    todo = [y for y in resp.names if y not in skip]
    tally = Tally()
    parts: list[LmerMany] = []
    if backend == "serial":
        design = None
        bar = progress_bar(len(todo), "lmer_many", progress)
        try:
            for i in range(0, len(todo), chunk):
                names = todo[i : i + chunk]
                design = design or design_for(spec, data)
                Y = resp.block(data, names)
                part = fit_block(design, tuple(names), Y, spec.options["ddf"])
                tally.add(part)
                if store is None:
                    parts.append(part)
                else:
                    write_part(store.new_path(), part, spec.fingerprint)
                bar.update(len(names))
        finally:
            bar.close()
    elif todo:
        workers = engine.n_workers(n_jobs) if client is None else 8
        size = max(1, min(chunk, -(-len(todo) // (4 * workers))))
        blocks = [todo[i : i + size] for i in range(0, len(todo), size)]
        shipped = data if resp.in_data else _design_only(data, spec)
        payloads = [
            (spec, b, None if resp.in_data else resp.block(data, b), store and store.new_path())
            for b in blocks
        ]
        outcomes = engine.run(
            _task,
            payloads,
            [shipped] * len(blocks),
            backend=backend,
            n_jobs=n_jobs,
            client=client,
            progress=progress,
            desc="lmer_many",
        )
        like = next((o[1] for o in outcomes if o[0] == "ok" and store is None), None)
        for b, outcome in zip(blocks, outcomes):
            if outcome[0] != "ok":  # the whole block failed (its worker died): no part
                if store is None:
                    parts.append(failed_part(b, like, outcome[1], outcome[2]))
                tally.n += len(b)
                tally.failed.extend((y, outcome[1], outcome[2]) for y in b)
            elif store is None:
                parts.append(outcome[1])
                tally.add(outcome[1])
            else:
                _merge(tally, outcome[1])
    if store is not None:
        return None, tally
    return (concat(parts) if parts else None), tally


def failed_part(names: list[str], like: LmerMany | None, kind: str, message: str) -> LmerMany:
    """Rows for responses whose block failed as a whole: NaN, with the block's error."""
    import numpy as np

    k = len(names)
    terms = like.terms if like is not None else ()
    vc = (like.vc_grp, like.vc_var1, like.vc_var2) if like is not None else ((), (), ())
    has_ddf = like is not None and like.df is not None

    def nan(m: int) -> np.ndarray:
        return np.full((k, m), np.nan)

    return LmerMany(
        responses=tuple(names),
        terms=terms,
        estimate=nan(len(terms)),
        std_error=nan(len(terms)),
        statistic=nan(len(terms)),
        df=nan(len(terms)) if has_ddf else None,
        p_value=nan(len(terms)) if has_ddf else None,
        vc_grp=vc[0],
        vc_var1=vc[1],
        vc_var2=vc[2],
        vcov=nan(len(vc[0])),
        sdcor=nan(len(vc[0])),
        sigma=np.full(k, np.nan),
        loglik=np.full(k, np.nan),
        aic=np.full(k, np.nan),
        bic=np.full(k, np.nan),
        deviance=np.full(k, np.nan),
        nobs=np.full(k, -1),
        code=np.full(k, -1),
        converged=np.zeros(k, bool),
        singular=np.zeros(k, bool),
        warnings=((),) * k,
        messages=((),) * k,
        error=(message,) * k,
        error_type=(kind,) * k,
        ddf=like.ddf if like is not None else None,
    )


def _merge(into: Tally, other: Tally) -> None:
    into.n += other.n
    into.failed.extend(other.failed)
    into.unconverged.extend(other.unconverged)
    into.singular.extend(other.singular)


def _design_only(data: Any, spec: Spec) -> Any:
    """The design columns alone, as Arrow: what workers need when responses travel apart."""
    from pylme.conversion.frames import as_arrow_table

    return as_arrow_table(data, list(spec.columns))
