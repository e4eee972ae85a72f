"""lmer_many's numbers route over blocks of responses: in memory, or streamed to Parquet.

With ``out`` the results go to a directory of Parquet parts, one per block of responses,
each written whole (to a temporary name, then renamed), with the design's fingerprint in its
metadata. A run that was stopped is resumed by running it again: the responses of the parts
already there are skipped. ``pandas.read_parquet(out)`` reads all parts as one table.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pylme.errors import DataError
from pylme.parallel import engine
from pylme.parallel.many_numbers import Spec, design_for, fit_block
from pylme.parallel.many_responses import Responses, n_rows_of
from pylme.progress import progress_bar
from pylme.results.many import LmerMany, concat

FINGERPRINT_KEY = b"pylme.lmer_many.fingerprint"


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


class PartStore:
    """The Parquet parts of one run under ``out`` (a directory)."""

    def __init__(self, out: str | os.PathLike[str], spec: Spec) -> None:
        self.dir = Path(out)
        if self.dir.exists() and not self.dir.is_dir():
            raise DataError(
                f"out={str(out)!r} is a file; lmer_many writes a directory of Parquet parts "
                "there: give a new path"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        self.spec = spec
        self.stamp = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.count = 0

    def done(self) -> set[str]:
        """The responses already written by runs of this design; another design's parts
        raise DataError."""
        import pyarrow.parquet as pq

        names: set[str] = set()
        for path in sorted(self.dir.glob("part-*.parquet")):
            meta = pq.read_schema(path).metadata or {}
            if meta.get(FINGERPRINT_KEY, b"").decode() != self.spec.fingerprint:
                raise DataError(
                    f"{self.dir} holds results of another design or other options ({path.name}); "
                    "write to a new path, or remove that directory to start again"
                )
            names.update(pq.read_table(path, columns=["response"]).column(0).to_pylist())
        return names

    def new_path(self) -> str:
        self.count += 1
        return str(self.dir / f"part-{self.stamp}-{self.count:06d}.parquet")


def write_part(path: str, part: LmerMany, fingerprint: str) -> None:
    """One part, written whole: a stopped run leaves no partial part behind."""
    import pyarrow.parquet as pq

    table = part.to_arrow()
    table = table.replace_schema_metadata({FINGERPRINT_KEY: fingerprint.encode()})
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, path)


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
        design = design_for(spec, data) if todo else None
        bar = progress_bar(len(todo), "lmer_many", progress)
        try:
            for i in range(0, len(todo), chunk):
                names = todo[i : i + chunk]
                part = fit_block(design, tuple(names), resp.block(data, names), spec.options["ddf"])  # type: ignore[arg-type]
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
