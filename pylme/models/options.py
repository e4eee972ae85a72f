"""Validation of the options shared by lmer and glmer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pylme.errors import OptionError

NA_ACTIONS = ("omit", "exclude", "fail")
CONTRASTS = ("contr.treatment", "contr.sum", "contr.helmert", "contr.poly", "contr.SAS")
#: lme4's optimizers by name (lme4 looks a name up with get(), so only these are sent):
#: lmerControl's choices, plus optimx's and dfoptim's wrappers that allFit() tries.
OPTIMIZERS = ("bobyqa", "Nelder_Mead", "nloptwrap", "nlminbwrap", "optimx", "nmkbw")


@dataclass(frozen=True, slots=True)
class Control:
    """``lmerControl`` / ``glmerControl`` arguments, as a dataclass.

    Fields use R's meaning; ``extra`` takes any other argument by its R name.
    ``Control(optimizer="Nelder_Mead", opt_ctrl={"FtolAbs": 1e-8})`` equals
    ``{"optimizer": "Nelder_Mead", "optCtrl": {"FtolAbs": 1e-8}}``.
    """

    optimizer: str | None = None
    opt_ctrl: Mapping[str, Any] | None = None
    calc_derivs: bool | None = None
    check_conv_singular: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_r_args(self) -> dict[str, Any]:
        named = {
            "optimizer": self.optimizer,
            "optCtrl": dict(self.opt_ctrl) if self.opt_ctrl is not None else None,
            "calc.derivs": self.calc_derivs,
            "check.conv.singular": self.check_conv_singular,
        }
        return {**{k: v for k, v in named.items() if v is not None}, **dict(self.extra)}


def check_na_action(na_action: str) -> str:
    if na_action not in NA_ACTIONS:
        raise OptionError(
            f"na_action must be one of {', '.join(map(repr, NA_ACTIONS))}; got {na_action!r}"
        )
    return "fail" if na_action == "fail" else "omit"


def check_control(control: Any) -> dict[str, Any] | None:
    """The control arguments as plain values: numbers, strings, booleans, lists and dicts of
    them (never an R object or code), with the optimizer from lme4's list."""
    if control is None:
        return None
    if isinstance(control, Control):
        args = control.to_r_args()
    elif isinstance(control, Mapping):
        args = dict(control)
    else:
        raise OptionError(
            "control must be a dict of lmerControl arguments or pylme.Control; got "
            f"{type(control).__name__}"
        )
    if not all(isinstance(k, str) for k in args):
        raise OptionError("control keys must be lmerControl/glmerControl argument names (strings)")
    for key, value in args.items():
        _check_plain(value, f"control[{key!r}]")
    if "optimizer" in args:
        _check_optimizer(args["optimizer"])
    return args


def _check_plain(value: Any, where: str, depth: int = 0) -> None:
    if isinstance(value, (bool, int, float, str, np.bool_, np.integer, np.floating)):
        return
    if depth < 3 and isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]", depth + 1)
        return
    if depth < 3 and isinstance(value, Mapping):
        for k, item in value.items():
            if not isinstance(k, str):
                raise OptionError(f"{where} has a key {k!r}; keys must be strings")
            _check_plain(item, f"{where}[{k!r}]", depth + 1)
        return
    raise OptionError(
        f"{where} is a {type(value).__module__}.{type(value).__name__}; control values must be "
        "numbers, strings, booleans, or lists/dicts of them"
    )


def _check_optimizer(value: Any) -> None:
    names = list(value) if isinstance(value, (list, tuple)) else [value]
    if not names or len(names) > 2:
        raise OptionError("control['optimizer'] takes one optimizer name (or two for glmer)")
    for name in names:
        if name not in OPTIMIZERS:
            raise OptionError(
                f"unknown optimizer {name!r}; lme4's optimizers are {', '.join(OPTIMIZERS)}"
            )


def check_contrasts(contrasts: Any, variables: list[str]) -> dict[str, str] | None:
    if contrasts is None:
        return None
    if not isinstance(contrasts, Mapping):
        raise OptionError(
            "contrasts must be a dict mapping a column to an R contrast name, e.g. "
            "{'g': 'contr.sum'}"
        )
    out = {}
    for col, name in contrasts.items():
        if name not in CONTRASTS:
            raise OptionError(
                f"unknown contrast {name!r} for column {col!r}; allowed: {', '.join(CONTRASTS)}"
            )
        if col not in variables:
            raise OptionError(
                f"contrasts names column {col!r}, which is not in the formula "
                f"({', '.join(variables)})"
            )
        out[str(col)] = name
    return out
