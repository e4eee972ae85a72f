"""pylme.power benchmarks: prints one table measured in this run. Not a test.

    .venv/bin/python tests/benchmarks/bench_power.py [--quick] [--imm10 path/to/imm10.csv]

Rows:
- sleepstudy, ``Reaction ~ Days + (Days | Subject)``, likelihood-ratio test of Days at
  effect 5: ``pylme.power`` serial against the same loop in a plain Rscript process
  (set.seed, then simulate, lmer, drop1; r_scripts/reference_power.R's loop), p-values
  compared; then loky with 2 warm workers and a Dask LocalCluster of 2 processes;
- with ``--imm10``: the docs page's power curve (imm10, ``math ~ homework + (1 | schid)``,
  homework effect 1, breaks 5-30 schools, 200 simulations) on 2 loky workers.

The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import rref  # noqa: E402
from bench import RTimer  # noqa: E402

import pylme  # noqa: E402
from pylme.parallel.engine import clean_environment  # noqa: E402

QUICK = "--quick" in sys.argv
NSIM = 20 if QUICK else 100
SEED = 2026
FORMULA = "Reaction ~ Days + (Days | Subject)"

# simr's loop in plain R, on one line for RTimer: fills p with the p-values.
R_LOOP = (
    "fit <- lmer({formula}, sleepstudy); b <- fixef(fit); b[['Days']] <- 5; "
    "pars <- list(beta = b, theta = getME(fit, 'theta'), sigma = sigma(fit)); "
    "set.seed({seed}); p <- numeric({nsim}); "
    "for (i in seq_len({nsim})) {{ d <- sleepstudy; "
    "d$Reaction <- simulate(formula(fit), newparams = pars, newdata = sleepstudy, "
    "family = gaussian(), weights = weights(fit))[[1]]; "
    "z <- lmer({formula}, d); p[i] <- drop1(z, 'Days', test = 'Chisq')[['Pr(Chi)']][2] }}"
)


def wall(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    warnings.simplefilter("ignore")
    sleep = rref.r_dataset("lme4", "sleepstudy")
    fit = pylme.lmer(FORMULA, sleep)
    kw = dict(effect=5.0, nsim=NSIM, seed=SEED)
    rows = []

    r = RTimer()
    r.time("p <- 0")  # R started
    t_r = r.time(R_LOOP.format(formula=FORMULA, seed=SEED, nsim=NSIM))
    r_p = np.array([float(v) for v in _r_values(r, NSIM)])
    r.close()
    t_serial, serial = wall(lambda: pylme.power(fit, "Days", **kw))
    diff = float(np.max(np.abs(serial.p_values - r_p) / r_p))
    rows.append(
        (
            f"power(), lrt, {NSIM} simulations, serial",
            f"{t_serial:.2f} s",
            f"plain R loop {t_r:.2f} s",
            f"{(t_serial - t_r) / NSIM * 1000:.1f} ms per simulation over R; "
            f"max rel diff of p {diff:.1e}",
        )
    )

    pylme.power(fit, "Days", backend="loky", n_jobs=2, **{**kw, "nsim": 40})  # both warm
    t_loky, loky = wall(lambda: pylme.power(fit, "Days", backend="loky", n_jobs=2, **kw))
    rows.append(
        (
            f"power(), {NSIM} simulations, loky n_jobs=2 (warm)",
            f"{t_loky:.2f} s",
            f"serial {t_serial:.2f} s",
            f"{t_serial / t_loky:.2f}x",
        )
    )
    from distributed import Client, LocalCluster

    with clean_environment():
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, Client(cluster) as client:
        pylme.power(fit, "Days", client=client, **{**kw, "nsim": 40})  # both warm
        t_dask, dask = wall(lambda: pylme.power(fit, "Days", client=client, **kw))
    same = np.array_equal(dask.p_values, loky.p_values)
    rows.append(
        (
            f"power(), {NSIM} simulations, Dask LocalCluster(2)",
            f"{t_dask:.2f} s",
            f"loky {t_loky:.2f} s",
            f"p-values identical to loky: {same}",
        )
    )

    if "--imm10" in sys.argv:
        import pandas as pd

        imm10 = pd.read_csv(sys.argv[sys.argv.index("--imm10") + 1])
        m = pylme.lmer("math ~ homework + (1 | schid)", imm10)
        t_curve, curve = wall(
            lambda: pylme.power_curve(
                m,
                "homework",
                along="schid",
                breaks=[5, 10, 15, 20, 30],
                effect=1.0,
                nsim=200,
                seed=1,
                backend="loky",
                n_jobs=2,
            )
        )
        print(curve.to_string(index=False))
        rows.append(("imm10 power_curve, 5 breaks x 200, loky 2", f"{t_curve:.1f} s", "", ""))

    print(f"load average: {os.getloadavg()}")
    for row in rows:
        print(" | ".join(row))


def _r_values(r: RTimer, n: int) -> list[str]:
    """The R loop's p-values, read back through the timer (printed as %.17g)."""
    assert r.proc.stdin is not None and r.proc.stdout is not None
    r.proc.stdin.write("cat(sprintf('%.17g', p), sep = '\\n')\n")
    r.proc.stdin.flush()
    values = [r.proc.stdout.readline().strip() for _ in range(n)]
    r.proc.stdout.readline()  # the timer's own line
    return values


if __name__ == "__main__":
    main()
