"""Option vocabularies, as ``Literal`` types: the allowed values live here, mypy sees them,
and :func:`check_literal` names them in the error."""

from __future__ import annotations

from typing import Any, Literal, TypeVar, get_args

from pylme.errors import OptionError

NaAction = Literal["omit", "exclude", "fail"]
Contrast = Literal["contr.treatment", "contr.sum", "contr.helmert", "contr.poly", "contr.SAS"]
PredictType = Literal["link", "response"]
ConfintMethod = Literal["profile", "Wald", "boot"]
BootType = Literal["perc", "basic", "norm"]
Ddf = Literal["Satterthwaite", "Kenward-Roger"]
#: emmeans' ``lmer.df`` for lmer fits (emmeans' own spelling).
LmerDf = Literal["kenward-roger", "satterthwaite", "asymptotic"]
#: drop1.merMod's test: R's default "none" gives AIC only; "Chisq" adds the likelihood-ratio test.
Drop1Test = Literal["none", "Chisq"]
CheckStatus = Literal["ok", "note", "problem", "not checked"]
Backend = Literal["serial", "loky", "dask"]
OnError = Literal["keep", "raise"]
#: How loky workers start (``PYLME_WORKER_START``): forked from this process's running R, or as
#: fresh Python processes that start their own R.
WorkerStart = Literal["fork", "fresh"]
KeepMany = Literal["numbers", "fits"]
JobKind = Literal["lmer", "glmer", "glmer_nb"]
#: lme4's allFit() optimizers, by allFit's names (optimizer, then method after a dot).
AllFitOptimizer = Literal[
    "bobyqa",
    "Nelder_Mead",
    "nlminbwrap",
    "nmkbw",
    "optimx.L-BFGS-B",
    "nloptwrap.NLOPT_LN_NELDERMEAD",
    "nloptwrap.NLOPT_LN_BOBYQA",
]
ConvergenceVerdict = Literal["ok", "false positive", "problem"]
Status = Literal["ok", "note", "problem"]
IntervalKind = Literal["confidence", "prediction"]
IntervalMethod = Literal["delta", "simulate", "bootstrap"]
CvScheme = Literal["group", "row"]
CvMetric = Literal["rmse", "mae", "loglik"]
#: pylme.power()'s tests of a fixed effect (simr's fixed(term, "lr" | "sa" | "z")).
PowerTest = Literal["lrt", "satterthwaite", "z"]

T = TypeVar("T")


def check_literal(value: Any, vocabulary: Any, what: str) -> Any:
    """``value`` if it is one of the ``Literal`` type's values, else :class:`OptionError`."""
    allowed = get_args(vocabulary)
    if not isinstance(value, str) or value not in allowed:
        raise OptionError(f"{what} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value
