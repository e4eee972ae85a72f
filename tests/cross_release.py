"""Receipts made on one Debian release and verified on the other (issue: today's R).

``python tests/cross_release.py make DIR`` fits the cases below on this machine and writes, for
each, ``NAME.json`` (the receipt) and ``NAME.csv`` (the data). ``scripts/other-debian.sh`` runs
it on the host and hands DIR to the other release's test run as ``PYLME_FOREIGN_RECEIPTS``,
where ``tests/test_receipts_cross_release.py`` verifies every receipt.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

#: name -> (function, data set, formula, options)
CASES: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "sleepstudy_reml": ("lmer", "sleepstudy", "Reaction ~ Days + (Days | Subject)", {}),
    "sleepstudy_ml": (
        "lmer", "sleepstudy", "Reaction ~ Days + (Days | Subject)", {"REML": False},
    ),
    "penicillin": ("lmer", "Penicillin", "diameter ~ 1 + (1 | plate) + (1 | sample)", {}),
    "insteval": ("lmer", "InstEval", "y ~ service + (1 | s) + (1 | d) + (1 | dept:service)", {}),
    "cbpp": (
        "glmer", "cbpp", "cbind(incidence, size - incidence) ~ period + (1 | herd)",
        {"family": "binomial"},
    ),
}  # fmt: skip


def make(out: Path) -> None:
    import pylme
    from pylme.datasets import load_r_dataset

    out.mkdir(parents=True, exist_ok=True)
    for name, (function, dataset, formula, options) in CASES.items():
        data = load_r_dataset(dataset)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = getattr(pylme, function)(formula, data, **options)
        fit.save_receipt(out / f"{name}.json")
        data.to_csv(out / f"{name}.csv", index=False)
        print(f"{name}: receipt written", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "make":
        sys.exit("usage: python tests/cross_release.py make DIR")
    make(Path(sys.argv[2]))
