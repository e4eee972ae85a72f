"""``pylme.nlmer``: nonlinear mixed models with lme4's ``nlmer``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pylme.errors import OptionError
from pylme.literals import NaAction
from pylme.models.pipeline import run_fit
from pylme.results.nlmer_fit import NlmerFit

#: How start= looks, for the error messages.
START_EXAMPLE = "start={'Asym': 200, 'xmid': 725, 'scal': 350}"


def check_start(start: Any) -> dict[str, float]:
    """``start`` as a dict of parameter name -> finite float (R's named numeric vector);
    R checks the names against the model's parameters."""
    if start is None:
        raise OptionError(
            "nlmer needs start=, a starting value for each parameter of the nonlinear model, "
            f"e.g. {START_EXAMPLE} (lme4's nlmer does not use the models' self-starting)"
        )
    if not hasattr(start, "items") or isinstance(start, (str, bytes)):
        raise OptionError(
            f"start must be a dict of parameter name -> number, e.g. {START_EXAMPLE}; got "
            f"{type(start).__name__}"
        )
    out: dict[str, float] = {}
    for name, value in start.items():
        if not isinstance(name, str) or not name:
            raise OptionError(f"start's keys must be parameter names (strings); got {name!r}")
        real = isinstance(value, (int, float, np.integer, np.floating))
        if not real or isinstance(value, (bool, np.bool_)):
            raise OptionError(
                f"start[{name!r}] must be a number; got {type(value).__name__} {value!r}"
            )
        if not math.isfinite(float(value)):
            raise OptionError(f"start[{name!r}] must be a finite number; got {value!r}")
        out[name] = float(value)
    if not out:
        raise OptionError(f"start is empty; give a value for each parameter, e.g. {START_EXAMPLE}")
    return out


def _check_nagq(nAGQ: Any) -> int:
    if isinstance(nAGQ, bool) or not isinstance(nAGQ, (int, np.integer)) or nAGQ < 0:
        raise OptionError(f"nAGQ must be 0 or 1 (Laplace, the default); got {nAGQ!r}")
    return int(nAGQ)


def nlmer(
    formula: str,
    data: Any,
    *,
    start: dict[str, float],
    nAGQ: int = 1,
    control: Any = None,
    na_action: NaAction = "omit",
    trusted: bool = False,
) -> NlmerFit:
    """Fit a nonlinear mixed model with lme4's ``nlmer``, by maximum likelihood.

    Parameters
    ----------
    formula : str
        lme4's three-part formula ``"response ~ Model(input, p1, p2, ...) ~ fixed + random"``,
        e.g. ``"circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree"``. The model
        is one of R's self-starting models ``SSlogis``, ``SSasymp``, ``SSmicmen``, ``SSfpl``,
        ``SSgompertz``, ``SSbiexp`` (stats' own); the third part says which parameters vary
        by group. Those functions are allowed only there.
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Only the columns the formula needs are sent to R (not the parameters).
    start : dict
        A starting value for each parameter of the model, parameter name -> number (R's
        named numeric vector ``start = c(Asym = 200, xmid = 725, scal = 350)``).
    nAGQ : int
        1 (Laplace, the default) or 0 (lme4's quicker PIRLS step); lme4 has no adaptive
        quadrature for nlmer, and R's error for nAGQ > 1 comes back as OptionError.
    control : dict or pylme.Control, optional
        ``nlmerControl`` arguments by their R names: ``optimizer`` (one name, or two: for the
        two stages), ``tolPwrss``, ``optCtrl``.
    na_action : {"omit", "exclude", "fail"}
        As in :func:`pylme.lmer`.
    trusted : bool
        False (the default) refuses, before R evaluates anything, a formula that calls a
        function outside pylme's allow-list; True turns that check off (then the middle part
        may be any function with a gradient, such as one made by R's ``deriv()``): pass True
        only for formulas you wrote yourself.

    Returns
    -------
    NlmerFit
        The fixed effects are the model's parameters; ``summary()`` prints as lme4's.

    Raises
    ------
    FormulaError
        Not a three-part formula, a model outside the list, a function outside pylme's
        allow-list, or a name that is not a syntactic R name.
    OptionError
        ``start`` missing, not numbers, or not naming exactly the model's parameters; a bad
        nAGQ or control.

    See Also
    --------
    lme4::nlmer, stats::selfStart

    Examples
    --------
    >>> from pylme.datasets import load
    >>> orange = load("Orange", "datasets")
    >>> fit = nlmer(  # doctest: +SKIP
    ...     "circumference ~ SSlogis(age, Asym, xmid, scal) ~ Asym | Tree",
    ...     orange,
    ...     start={"Asym": 200, "xmid": 725, "scal": 350},
    ... )
    """
    fit = run_fit(
        "nlmer",
        formula,
        data,
        weights=None,
        offset=None,
        contrasts=None,
        control=control,
        na_action=na_action,
        specific={"start": check_start(start), "nAGQ": _check_nagq(nAGQ)},
        trusted=trusted,
    )
    if not isinstance(fit, NlmerFit):
        raise TypeError(f"lme4 returned a {type(fit).__name__} for an nlmer call")
    return fit
