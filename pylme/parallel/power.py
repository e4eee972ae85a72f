"""``pylme.power`` and ``pylme.power_curve``: power by simulation, as simr's ``powerSim`` and
``powerCurve`` compute it (the algorithm, in simr's order, is in ``r_scripts/power.R``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.literals import Backend, OnError, PowerTest, check_literal
from pylme.parallel import engine, power_args, power_run
from pylme.parallel.power_assemble import assemble, report
from pylme.parallel.power_result import PowerResult
from pylme.results._arrays import pandas


def power(
    fit: Any,
    term: str,
    *,
    seed: int,
    effect: float | dict[str, float] | None = None,
    test: PowerTest = "lrt",
    nsim: int = 1000,
    alpha: float = 0.05,
    extend: dict[str, int] | None = None,
    backend: Backend = "serial",
    n_jobs: int = -1,
    client: Any = None,
    progress: bool | None = None,
    on_error: OnError = "keep",
) -> PowerResult:
    """Power to detect the fixed effect ``term``, by simulation (simr's ``powerSim``).

    Each of ``nsim`` simulations draws a new response from the model (lme4's ``simulate``
    with the fit's parameters, ``term``'s coefficient set to ``effect``), fits the model's
    own call to it again, and tests ``term``; the power is the share with ``p < alpha``.

    Parameters
    ----------
    fit : LmerFit or GlmerFit
        The model to simulate from and refit (on complete rows).
    term : str
        For ``test="lrt"`` a fixed-effect term (``"Days"``, a factor's name, ``"a:b"``);
        for ``"satterthwaite"`` and ``"z"`` a coefficient name.
    seed : int
        0 to 2^31 - 1. See *Seeds* below.
    effect : float or dict, optional
        The value of ``term``'s coefficient in the simulations (simr's
        ``fixef(fit)[term] <- effect``), or {coefficient: value} for several (a factor's).
        Without it the fit's own estimate is used: an "observed power" calculation, which
        simr and pylme warn about.
    test : {"lrt", "satterthwaite", "z"}
        simr's ``fixed(term, "lr")``: ``drop1(refit, term, test = "Chisq")``, the
        likelihood-ratio test of the model without the term against the model with it (both
        refitted by ML); ``fixed(term, "sa")``: lmerTest's Satterthwaite t-test (lmer
        only); ``fixed(term, "z")``: the Wald z of ``summary()`` (for lmer, the t value
        taken as z).
    nsim, alpha : int, float
        Simulations, and the significance level.
    extend : dict, optional
        ``{"Subject": 40}`` grows the design along one column before simulating, as
        ``simr::extend(fit, along = "Subject", n = 40)``: level *i* copies the rows of the
        *i*-th existing level (recycled); a factor's new levels are named ``a``, ``b``, ...,
        ``z``, ``a.1``, ..., anything else is numbered 1..n.
    backend : {"serial", "loky", "dask"}
        Where the simulations run; ``client`` (a ``distributed.Client``) implies "dask".
    n_jobs : int
        Worker processes for loky, or for the LocalCluster started without a ``client``.
    progress : bool, optional
        A progress bar (None: on a terminal or in a notebook).
    on_error : {"keep", "raise"}
        "keep": a simulation that fails (simulating, fitting or testing) has p-value NaN
        and counts as not significant, as in simr; "raise": the first failure is raised as
        an :class:`~pylme.RError` once all simulations are done.

    Returns
    -------
    PowerResult
        ``power``, its 95% Clopper-Pearson ``ci``, ``p_values`` (shape (nsim,)), and the
        failed, singular and non-converged refits with their warnings.

    Notes
    -----
    *Seeds.* ``backend="serial"`` runs one R random stream: ``set.seed(seed)``, then
    simulate, fit and test ``nsim`` times, which is what ``simr::powerSim(fit,
    fixed(term, ...), nsim = nsim, seed = seed)`` does, p-value for p-value. The parallel
    backends give simulation *i* its own seed ``s_i`` (the i-th value of
    ``numpy.random.SeedSequence(seed).generate_state(nsim)`` modulo 2^31 - 1, as
    ``fit.bootstrap`` does) and draw its response after ``set.seed(s_i)``: the p-values are
    the same for any number of loky or Dask workers, but they are another random stream
    than the serial run's, so serial and parallel results for one seed differ.

    See Also
    --------
    simr::powerSim, simr::extend, power_curve
    """
    results, _ = simulate_power(fit, term, locals(), along=None, breaks=None, what="power")
    return results[0]


def power_curve(
    fit: Any,
    term: str,
    *,
    along: str,
    seed: int,
    breaks: list[int] | None = None,
    effect: float | dict[str, float] | None = None,
    test: PowerTest = "lrt",
    nsim: int = 1000,
    alpha: float = 0.05,
    extend: dict[str, int] | None = None,
    backend: Backend = "serial",
    n_jobs: int = -1,
    client: Any = None,
    progress: bool | None = None,
    on_error: OnError = "keep",
) -> Any:
    """Power at several sample sizes along one column (simr's ``powerCurve``).

    The ``nsim`` responses are simulated once, on the whole design; for each break *b* the
    model is refitted to the rows of the first *b* values of ``along`` (a factor's first
    *b* levels, or the *b* smallest values) and ``term`` is tested, as simr does. When the
    largest break exceeds the values of ``along`` (and ``extend`` is not given), the design
    is first extended along it to ``max(breaks)``: ``powerCurve(extend(fit, along = along,
    n = max(breaks)), along = along, breaks = breaks)``. ``breaks=None`` is simr's default
    (3 up to the number of levels, at most 10 points).

    The other parameters, the seeds and the tests are :func:`power`'s.

    Returns
    -------
    pandas.DataFrame
        One row per break: ``breaks, nrow, successes, nsim, power, lower, upper, failed,
        singular, not_converged`` (simr's ``summary()`` names them ``nlevels``, ``nrow``,
        ``successes``, ``trials``, ``mean``, ``lower``, ``upper``). ``attrs["results"]``
        holds each break's :class:`PowerResult` (with its p-values); ``attrs`` also has
        ``along``, ``term``, ``test``, ``alpha`` and ``extended``.

    See Also
    --------
    simr::powerCurve, pylme.plots.plot_power_curve
    """
    results, info = simulate_power(
        fit, term, locals(), along=along, breaks=breaks, what="power_curve"
    )
    frame = pandas().DataFrame(
        [{"breaks": b, **r.as_row()} for b, r in zip(info["breaks"], results)]
    )
    frame = frame.drop(columns=["term", "test"])
    frame = frame[["breaks", "nrow", *[c for c in frame.columns if c not in ("breaks", "nrow")]]]
    frame.attrs.update(
        results=tuple(results),
        along=along,
        term=term,
        test=results[0].test,
        alpha=results[0].alpha,
        extended=bool(info["extended"]),
    )
    return frame


def simulate_power(
    fit: Any, term: str, args: dict[str, Any], *, along: str | None, breaks: Any, what: str
) -> tuple[list[PowerResult], dict[str, Any]]:
    """The shared run: check, start the R run, simulate, and one PowerResult per subset."""
    test, nsim, seed = args["test"], args["nsim"], args["seed"]
    power_args.check(fit, term, test, nsim, args["alpha"], seed, what)
    backend = "dask" if args["client"] is not None else args["backend"]
    check_literal(backend, Backend, "backend")
    check_literal(args["on_error"], OnError, "on_error")
    engine.n_workers(args["n_jobs"])
    effect = power_args.effect_values(term, args["effect"])
    ext = power_args.extension(args["extend"])
    req = power_args.request(term, test, effect, ext)
    if along is not None:
        if not isinstance(along, str) or not along:
            raise OptionError(f"along must be a column name; got {along!r}")
        req.update(
            curve_along=along, breaks=power_args.curve_breaks(breaks), auto_extend=ext is None
        )
    run, info = power_run.start(fit, req, int(seed))
    n_sub = 1
    if along is not None:
        info["breaks"] = np.atleast_1d(np.asarray(info["breaks"])).astype(int).tolist()
        req["breaks"] = info["breaks"]
        n_sub = len(info["breaks"])
    steps = power_run.simulate(
        fit,
        req,
        run,
        n_subsets=n_sub,
        nsim=int(nsim),
        seed=int(seed),
        backend=backend,
        n_jobs=args["n_jobs"],
        client=args["client"],
        progress=args["progress"],
        desc=what,
    )
    del run
    extended = (along, max(info["breaks"])) if along and info["extended"] else ext
    common = {
        "term": term,
        "test": test,
        "alpha": float(args["alpha"]),
        "nsim": int(nsim),
        "fixef": dict(zip(info["beta_names"], map(float, np.atleast_1d(info["beta"])))),
        "observed": not effect,
        "seed": int(seed),
        "backend": backend,
        "extend": extended,
    }
    results = assemble(steps, np.atleast_1d(info["nrow"]), common, power_run.clopper_pearson)
    report(results, what, args["on_error"])
    return results, info
