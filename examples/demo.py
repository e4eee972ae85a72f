"""pylme demo: lme4's sleepstudy, fitted through pylme, with lme4's own numbers.

Run with ``bash scripts/setup.sh demo`` (installs what is missing first).
"""

import time

import pylme
from pylme.datasets import load

sleep = load("sleepstudy", package="lme4")
print(f"sleepstudy: {len(sleep)} rows, columns {list(sleep.columns)}\n")

t0 = time.perf_counter()
fit = pylme.lmer("Reaction ~ Days + (Days | Subject)", sleep)
elapsed = time.perf_counter() - t0

print(fit.summary())
print("\nVarCorr (as R's as.data.frame(VarCorr(fit))):")
print(fit.varcorr.to_frame())
print("\nConditional modes, first rows (as R's as.data.frame(ranef(fit, condVar = TRUE))):")
print(fit.ranef_frame().head())
print(
    f"\nconverged={fit.convergence.converged} singular={fit.convergence.singular} "
    f"fit time {elapsed:.3f} s"
)
print(f"versions: {fit.provenance.versions}")
