"""``pylme.lmer_many``: one right-hand side, many responses.

``keep="numbers"`` (the default with ``out``): the design is built once per pattern of
missing responses and only the response changes between fits (``many_numbers``); one row of
numbers per response, in memory (:class:`~pylme.results.many.LmerMany`) or streamed to Parquet
(``many_stream``). ``keep="fits"``: a full fit per response (``many_fits``).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from pylme.errors import (
    ConvergenceWarning,
    FormulaError,
    OptionError,
    PylmeWarning,
    SingularFitWarning,
)
from pylme.literals import Backend, Ddf, KeepMany, NaAction, OnError, check_literal
from pylme.parallel.jobs import Job, JobError


def _check_formula(formula: Any) -> None:
    if not isinstance(formula, str) or not formula.strip().startswith("~"):
        raise FormulaError(
            f"lmer_many takes the right-hand side only, such as '~ Days + (Days | Subject)'; "
            f"got {formula!r}"
        )


def _report(tally: Any, formula: str, options: dict[str, Any], on_error: str) -> None:
    """One warning per kind of trouble (not one per response), then on_error's raise."""
    n = tally.n
    if tally.unconverged:
        first = ", ".join(tally.unconverged[:3])
        warnings.warn(
            f"lme4 reported convergence problems for {len(tally.unconverged)} of {n} responses "
            f"({first}{', ...' if len(tally.unconverged) > 3 else ''}): see their 'warnings' "
            "and 'converged'",
            ConvergenceWarning,
            stacklevel=3,
        )
    if tally.singular:
        warnings.warn(
            f"{len(tally.singular)} of {n} responses gave a boundary (singular) fit: see their "
            "'singular' and R's help('isSingular')",
            SingularFitWarning,
            stacklevel=3,
        )
    if not tally.failed:
        return
    y, kind, message = tally.failed[0]
    if on_error == "raise":
        raise JobError(Job("lmer", f"{y} {formula}", None, **options), kind, message)
    warnings.warn(
        f"{len(tally.failed)} of {n} responses could not be fitted (first: {y}: {kind}: "
        f"{message}); their rows hold NaN and the error",
        PylmeWarning,
        stacklevel=3,
    )


def lmer_many(
    formula: str,
    data: Any,
    responses: Any,
    *,
    REML: bool = True,
    weights: str | None = None,
    offset: str | None = None,
    contrasts: dict[str, str] | None = None,
    control: Any = None,
    na_action: NaAction = "omit",
    ddf: Ddf | None = None,
    trusted: bool = False,
    keep: KeepMany | None = None,
    out: str | os.PathLike[str] | None = None,
    chunk: int = 1000,
    response_names: Any = None,
    backend: Backend = "serial",
    n_jobs: int = -1,
    client: Any = None,
    progress: bool | None = None,
    on_error: OnError = "raise",
    keep_model: bool = True,
) -> Any:
    """``pylme.lmer(f"{y} {formula}", data, ...)`` for every response ``y``, built once.

    Each response's numbers equal the separate ``lmer`` fit's (to lme4's run-to-run noise,
    1e-8), convergence record included: lme4's optimizer runs from lme4's default start, and
    lme4's convergence checks run, exactly as in ``lme4::lmer``. Rows with a missing response
    are dropped per response, as a separate ``lmer`` drops them.

    Parameters
    ----------
    formula : str
        The right-hand side, e.g. ``"~ Days + (Days | Subject)"``.
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        The design columns (and the responses, when they are named).
    responses : list of str, numpy.ndarray, or a frame / Arrow table
        Column names of ``data``; or the responses themselves, n_rows x n_responses: a 2-D
        numpy array (names from ``response_names``, else ``y0``, ``y1``, ...) or a frame or
        Arrow table whose columns are the responses. NaN or null is a missing value.
    REML, weights, offset, contrasts, control, na_action, ddf, trusted
        As in :func:`pylme.lmer` (``weights`` and ``offset`` as column names of ``data``).
    keep : {"numbers", "fits"}, optional
        "numbers": one row of numbers per response (:class:`pylme.LmerMany`); "fits": a
        full :class:`pylme.LmerFit` per response. Default: "fits" for column names without
        ``out``, else "numbers".
    out : path, optional
        Stream the numbers to this directory of Parquet parts (one per block of ``chunk``
        responses; read them with ``pandas.read_parquet(out)``) and return the path. Running
        again with the same ``out`` skips the responses already written.
    chunk : int
        Responses per block (and per Parquet part).
    backend, n_jobs, client, progress, keep_model
        As in :func:`pylme.fit_many`: blocks of responses are the tasks. With ``client`` (Dask)
        and ``out``, the workers write the parts, so ``out`` must be a path they all see.
    on_error : {"raise", "keep"}
        A response that cannot be fitted: "raise" (the default) raises its :class:`JobError`
        (with ``keep="numbers"`` after every other response is done and written); "keep"
        keeps it (a JobError in its slot, or a row with its error).

    Returns
    -------
    list of LmerFit (``keep="fits"``), :class:`pylme.LmerMany` (``keep="numbers"``), or the
    path ``out`` as a string.
    """
    _check_formula(formula)
    if not isinstance(REML, bool):
        raise OptionError(f"REML must be True or False; got {REML!r}")
    for name, value in (("weights", weights), ("offset", offset)):
        if value is not None and not isinstance(value, str):
            raise OptionError(f"lmer_many takes {name} as a column name; got {type(value)}")
    if client is not None:
        backend = "dask"
    check_literal(backend, Backend, "backend")
    check_literal(on_error, OnError, "on_error")
    if ddf is not None:
        check_literal(ddf, Ddf, "ddf")
        if ddf == "Kenward-Roger" and not REML:
            raise OptionError(
                "ddf='Kenward-Roger' is only available for REML fits (lmerTest); use REML=True "
                "or ddf='Satterthwaite'"
            )
    if keep is not None:
        check_literal(keep, KeepMany, "keep")
    if not isinstance(chunk, int) or chunk < 1:
        raise OptionError(f"chunk must be a positive int; got {chunk!r}")
    if trusted is True:
        from pylme.models.pipeline import warn_trusted

        warn_trusted(formula)
    from pylme.models.options import check_control

    options = dict(
        REML=REML,
        weights=weights,
        offset=offset,
        contrasts=contrasts,
        control=check_control(control),  # plain values: part of the design's fingerprint
        na_action=na_action,
        ddf=ddf,
        trusted=trusted,
    )
    from pylme.parallel.many_responses import as_responses

    resp = as_responses(responses, data, response_names)
    keep = keep or ("fits" if out is None and resp.in_data else "numbers")
    if keep == "fits":
        if out is not None:
            raise OptionError("out= streams numbers: use keep='numbers' with it (or drop out=)")
        if not resp.in_data:
            raise OptionError("keep='fits' takes responses as column names of data")
        from pylme.parallel.many_fits import run_fits

        return run_fits(
            formula,
            data,
            list(resp.names),
            options,
            backend=backend,
            n_jobs=n_jobs,
            client=client,
            progress=progress,
            on_error=on_error,
            keep_model=keep_model,
        )
    if ddf is not None:
        from pylme.models.ddf import ddf_packages, require_r_packages

        require_r_packages(ddf_packages(ddf), f"lmer_many(..., ddf={ddf!r})")
    from pylme.parallel.many_numbers import make_spec
    from pylme.parallel.many_stream import run_numbers

    spec = make_spec(formula, data, options)
    result, tally = run_numbers(
        spec,
        data,
        resp,
        out=out,
        chunk=chunk,
        backend=backend,
        n_jobs=n_jobs,
        client=client,
        progress=progress,
    )
    _report(tally, formula, options, on_error)
    return os.fspath(out) if out is not None else result
