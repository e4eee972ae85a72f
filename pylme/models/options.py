"""Validation of the options shared by lmer and glmer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pylme.errors import OptionError

NA_ACTIONS = ("omit", "exclude", "fail")
CONTRASTS = ("contr.treatment", "contr.sum", "contr.helmert", "contr.poly", "contr.SAS")


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
    if control is None:
        return None
    if isinstance(control, Control):
        return control.to_r_args()
    if isinstance(control, Mapping):
        if not all(isinstance(k, str) for k in control):
            raise OptionError(
                "control keys must be lmerControl/glmerControl argument names (strings)"
            )
        return dict(control)
    raise OptionError(
        "control must be a dict of lmerControl arguments or pylme.Control; got "
        f"{type(control).__name__}"
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
