"""``pylme.cross_validate``: K-fold cross-validation of an lmer or glmer model.

The folds come from R (``pylme_cv_folds`` in ``r_scripts/crossval.R``), so pure R reproduces
them from the seed::

    set.seed(seed); g <- factor(data[[groups]])
    scheme "group": f <- sample(rep_len(seq_len(K), nlevels(g))); folds <- f[as.integer(g)]
    scheme "row":   folds <- sample(rep_len(seq_len(K), nrow(data)))

Fold ``k`` fits the model to the rows with ``folds != k`` and predicts the others with
``predict(fit, newdata, allow.new.levels = TRUE, type = "response")``. One task per fold on
:mod:`pylme.parallel.engine` (serial, loky or Dask): each fold's numbers do not depend on
where it ran.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pylme.errors import OptionError, PylmeError, PylmeWarning, warn
from pylme.literals import Backend, CvMetric, CvScheme, check_literal
from pylme.parallel import engine
from pylme.parallel.cv_result import CrossValidation

#: Families whose log density pylme scores (``pylme_cv_logdens``); lmer is Gaussian.
LOGLIK_FAMILIES = ("binomial", "poisson")


def _fold_task(payload: tuple[str, str, dict[str, Any], Any, Any], table: Any) -> Any:
    """Worker side: fit without the fold, predict the fold (R's numbers)."""
    from pylme.models.glmer import glmer
    from pylme.models.lmer import lmer
    from pylme.postfit.predict import newdata_call

    kind, formula, options, train, test = payload
    fitter: Any = lmer if kind == "lmer" else glmer
    fit = fitter(formula, table.take(train), **options)
    res, _ = newdata_call(
        fit,
        table.take(test),
        "pylme_cv_fold",
        {"model": fit.r_model()},
        allow_new_levels=True,
        vars_re_form=None,
        vars_function="pylme_cv_vars",
    )
    v = res.value
    n_train = int(np.asarray(v["n_train"]).reshape(-1)[0])
    return v["pred"], v["y"], v["ll"], n_train, tuple(fit.convergence.warnings)


def _folds(table: Any, k: int, scheme: str, groups: str | None, seed: int | None) -> np.ndarray:
    from pylme.conversion.plan import plan_frame
    from pylme.runtime.rframe import build_r_frame
    from pylme.runtime.session import R_LOCK, get_session

    session = get_session()
    req: dict[str, Any] = {"folds": k, "scheme": scheme, "seed": seed, "n": table.num_rows}
    if scheme == "row":
        return np.asarray(session.call("pylme_cv_folds", req).value, dtype=np.int64)
    planned = plan_frame(table, [groups])  # type: ignore[list-item]
    with R_LOCK:
        frame, _ = build_r_frame(planned.columns, planned.n_rows)
        out = session.call("pylme_cv_folds", {**req, "data": frame}).value
        del frame
    return np.asarray(out, dtype=np.int64).reshape(-1)


def _check(
    k: Any, scheme: str, groups: Any, seed: Any, metrics: Any, family: Any, options: Any
) -> tuple[str, ...]:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 2:
        raise OptionError(f"folds must be an int >= 2; got {k!r}")
    if scheme == "group" and not isinstance(groups, str):
        raise OptionError(f"scheme='group' needs groups, a column name; got {groups!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise OptionError(f"seed must be an int or None; got {seed!r}")
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    if not names:
        raise OptionError("metrics must name at least one of 'rmse', 'mae', 'loglik'")
    for m in names:
        check_literal(m, CvMetric, "metrics")
    if "loglik" in names and family is not None:
        fam = family if isinstance(family, str) else getattr(family, "name", None)
        if fam not in LOGLIK_FAMILIES:
            raise OptionError(
                f"metrics 'loglik' is defined for lmer and the families {LOGLIK_FAMILIES}; "
                f"got family {fam!r}: drop 'loglik' from metrics"
            )
    for opt in ("weights", "offset"):
        if options.get(opt) is not None and (opt == "weights" or not isinstance(options[opt], str)):
            raise OptionError(
                f"cross_validate does not take {opt}="
                + ("(weights are not scored)" if opt == "weights" else "an array; name a column")
            )
    return names


def cross_validate(
    formula: str,
    data: Any,
    *,
    groups: str | None = None,
    folds: int = 5,
    scheme: CvScheme = "group",
    seed: int | None = None,
    metrics: Sequence[CvMetric] = ("rmse", "mae", "loglik"),
    family: Any = None,
    backend: Backend = "serial",
    n_jobs: int = -1,
    progress: bool | None = None,
    **options: Any,
) -> CrossValidation:
    """K-fold cross-validation: held-out groups (``scheme="group"``) or rows (``"row"``).

    Parameters
    ----------
    formula : str
        An lme4 formula.
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
    groups : str
        The column whose levels are held out whole (``scheme="group"``).
    folds : int
        Number of folds K (at most the number of levels, or of rows).
    scheme : {"group", "row"}
        "group": each fold holds out whole levels of ``groups``, predicted as new levels
        (from the fixed effects, and any other grouping factor they share); "row": single
        rows, whose groups stay in training.
    seed : int, optional
        R's ``set.seed(seed)`` before the folds are drawn (see the module docstring for
        the two lines of R that reproduce them).
    metrics : sequence of {"rmse", "mae", "loglik"}
        With ``e = y - prediction`` over the scored held-out rows: ``rmse = sqrt(mean(e^2))``,
        ``mae = mean(|e|)``, and ``loglik``, the sum of the held-out rows' log densities given
        the prediction and the training fit: ``dnorm(y, mu, sigma(fit), log = TRUE)`` for
        lmer, ``dbinom(successes, trials, mu, log = TRUE)`` for binomial (``y`` is the
        proportion of successes) and ``dpois(y, mu, log = TRUE)`` for poisson glmer.
    family : str or pylme family, optional
        None fits with ``pylme.lmer``; otherwise ``pylme.glmer(..., family=family)``.
    backend, n_jobs, progress :
        As in :func:`pylme.fit_many`: one task per fold, on "serial" (default), "loky" or
        "dask"; the numbers are the same on every backend.
    **options :
        Passed to ``pylme.lmer`` / ``pylme.glmer`` (``REML``, ``control``, ``nAGQ``, ...).

    Returns
    -------
    CrossValidation
        ``folds`` and ``predictions`` aligned with the data's rows, ``to_frame()`` one row
        per fold, ``overall`` the metrics over all scored rows.
    """
    from pylme.parallel.frames import to_arrow
    from pylme.runtime.session import get_session

    check_literal(scheme, CvScheme, "scheme")
    check_literal(backend, Backend, "backend")
    engine.n_workers(n_jobs)
    names = _check(folds, scheme, groups, seed, metrics, family, options)
    kind = "lmer" if family is None else "glmer"
    if family is not None:
        options = {**options, "family": family}
    table = to_arrow(data)
    assignment = _folds(table, int(folds), scheme, groups, seed)
    payloads = [
        (
            kind,
            formula,
            dict(options),
            np.flatnonzero(assignment != k),
            np.flatnonzero(assignment == k),
        )
        for k in range(1, int(folds) + 1)
    ]
    outcomes = engine.run(
        _fold_task,
        payloads,
        [table] * len(payloads),
        backend=backend,
        n_jobs=n_jobs,
        progress=progress,
        desc="cross-validation folds",
    )
    n = table.num_rows
    pred, obs, ll = (np.full(n, np.nan) for _ in range(3))
    n_train, fold_warnings = [], []
    for k, (o, p) in enumerate(zip(outcomes, payloads), start=1):
        if o[0] != "ok":
            raise PylmeError(f"cross-validation fold {k} failed with {o[1]}: {o[2]}")
        test = p[4]
        pred[test], obs[test], ll[test] = (np.asarray(x, dtype=np.float64) for x in o[1][:3])
        n_train.append(o[1][3])
        fold_warnings.append(o[1][4])
        if backend != "serial" and o[1][4]:  # serial fits warned as they ran
            warn(f"cross-validation fold {k}: R: " + "; ".join(o[1][4]), PylmeWarning)
    req = {
        "folds": assignment.astype(np.float64),
        "y": obs,
        "pred": pred,
        "ll": ll,
        "k": int(folds),
    }
    m = get_session().call("pylme_cv_metrics", req).value
    pred.flags.writeable = obs.flags.writeable = assignment.flags.writeable = False
    return CrossValidation(
        formula=formula,
        scheme=scheme,
        groups=groups if scheme == "group" else None,
        k=int(folds),
        seed=None if seed is None else int(seed),
        folds=assignment,
        predictions=pred,
        observed=obs,
        n_train=np.asarray(n_train, dtype=np.int64),
        n_test=np.asarray(m["n"], dtype=np.int64).reshape(-1),
        fold_metrics={x: np.asarray(m[x], dtype=np.float64).reshape(-1) for x in names},
        overall={x: float(np.asarray(m["overall"][x]).reshape(-1)[0]) for x in names},
        warnings=tuple(fold_warnings),
    )
