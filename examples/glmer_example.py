"""Generalized linear mixed models with pylme: a binomial and a Poisson model.

    python examples/glmer_example.py

Binomial: lme4's cbpp (contagious bovine pleuropneumonia), new cases out of herd size by
period, herds as the grouping factor -- lme4's own ``glmer`` example. Poisson: lme4's
grouseticks, tick counts on red grouse chicks by year, with broods nested in locations.
"""

from __future__ import annotations

import numpy as np

import pylme
from pylme.datasets import load

cbpp = load("cbpp")
binomial = pylme.glmer(
    "cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family="binomial"
)
print(binomial.summary())
print("\nOdds ratios per period, against period 1:")
for term, estimate in binomial.fixef.to_dict().items():
    if term != "(Intercept)":
        print(f"  {term}: {np.exp(estimate):.3f}")

ticks = load("grouseticks")
poisson = pylme.glmer("TICKS ~ YEAR + (1 | LOCATION/BROOD)", ticks, family="poisson")
print("\n" + poisson.summary())
print("\nRandom-effect SDs (log scale):")
for c in poisson.varcorr.components:
    print(f"  {c.group}: {c.sd:.3f}")
