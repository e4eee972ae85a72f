"""The seed post's walkthrough ("Multilevel Models in R", 2019), fitted with pylme.

Five models: a random intercept; a random intercept and slope; a random slope only; intercept
and slope uncorrelated; and a multilevel logistic model.

    python examples/walkthrough.py --data path/to/imm10.csv   # the post's data (imm10)
    python examples/walkthrough.py                            # mlmRev's Hsb82 instead

imm10 is the NELS-88 subsample of Kreft & de Leeuw (260 students, 10 schools): math score
against hours of homework, by school. Without it the walkthrough uses mlmRev's Hsb82 (High
School and Beyond: 7,185 students, 160 schools) with the analogous variables: math
achievement (mAch) against socio-economic status (ses), by school. The logistic model's
binary response is "math above 50" on imm10 and "mAch above its median" on Hsb82.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import pylme
from pylme.datasets import load


@dataclass(frozen=True)
class Variables:
    """Which columns play the post's roles."""

    name: str
    response: str
    predictor: str
    group: str
    binary: str
    binary_meaning: str


IMM10 = Variables("imm10", "math", "homework", "schid", "hi", "math > 50")
HSB82 = Variables("Hsb82 (mlmRev)", "mAch", "ses", "school", "hi", "mAch > median(mAch)")


def read(data: str | None) -> tuple[Any, Variables]:
    """imm10 from ``data``, or mlmRev's Hsb82 when no path is given; adds the binary column."""
    if data is not None:
        import pandas as pd

        frame = pd.read_csv(data)
        frame["hi"] = frame["math"] > 50
        return frame, IMM10
    frame = load("Hsb82", package="mlmRev")
    frame["hi"] = frame["mAch"] > frame["mAch"].median()
    return frame, HSB82


def formulas(v: Variables) -> dict[str, str]:
    y, x, g = v.response, v.predictor, v.group
    return {
        "random intercept": f"{y} ~ {x} + (1 | {g})",
        "intercept and slope": f"{y} ~ {x} + (1 + {x} | {g})",
        "slope only": f"{y} ~ {x} + (0 + {x} | {g})",
        "uncorrelated": f"{y} ~ {x} + (1 | {g}) + (0 + {x} | {g})",
        "logistic": f"{v.binary} ~ {x} + (1 | {g})",
    }


def fit_all(frame: Any, v: Variables) -> dict[str, Any]:
    """The five fits, by the post's names (lme4 defaults: REML for the linear models)."""
    fits: dict[str, Any] = {}
    for label, formula in formulas(v).items():
        if label == "logistic":
            fits[label] = pylme.glmer(formula, frame, family="binomial")
        else:
            fits[label] = pylme.lmer(formula, frame)
    return fits


def intercept_sd(fit: Any, group: str) -> float:
    """SD of the group's random intercepts (the post's tau00, as an SD)."""
    for c in fit.varcorr.components:
        if c.group == group and c.term == "(Intercept)":
            return float(c.sd)
    raise KeyError(f"no random intercept for {group}")


def figures(fits: dict[str, Any], v: Variables) -> dict[str, float]:
    """The numbers the post discusses."""
    return {
        "intercept_sd": intercept_sd(fits["random intercept"], v.group),
        "residual_sd": float(fits["random intercept"].sigma),
        "intercept_slope_corr": float(fits["intercept and slope"].varcorr.correlations[0].corr),
        "logistic_effect": fits["logistic"].fixef[v.predictor],
        "logistic_group_sd": intercept_sd(fits["logistic"], v.group),
    }


def report(fits: dict[str, Any], v: Variables) -> str:
    f = figures(fits, v)
    lines = [f"Data: {v.name}"]
    for label, fit in fits.items():
        lines += ["", f"== {label}: {fit.formula}", fit.summary()]
    lines += [
        "",
        "The post's figures:",
        f"  SD of the {v.group} intercepts (tau00 as an SD): {f['intercept_sd']:.2f}"
        f"   (residual SD {f['residual_sd']:.2f})",
        f"  correlation of {v.group} intercepts and {v.predictor} slopes: "
        f"{f['intercept_slope_corr']:.2f}",
        f"  logistic model ({v.binary_meaning}): {v.predictor} effect "
        f"{f['logistic_effect']:.4f} (log-odds), {v.group} SD {f['logistic_group_sd']:.3f}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="path to imm10.csv (the post's data)")
    args = parser.parse_args(argv)
    frame, v = read(args.data)
    if args.data is None:
        print(
            "No --data given: using mlmRev's Hsb82 instead of imm10 (mAch for math, ses for "
            "homework, school for schid).\n"
        )
    print(report(fit_all(frame, v), v))


if __name__ == "__main__":
    main()
