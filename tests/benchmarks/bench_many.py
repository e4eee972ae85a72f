"""pylme many-fits benchmarks: prints one table measured in this run (same format as
bench.py). Not a test.

    .venv/bin/python tests/benchmarks/bench_many.py [--quick] [--many-only]

``--many-only`` runs only the mass-univariate rows (lmer_many(keep="numbers")).
``--startup-only`` runs only the fit_many start-up rows.

Rows:
- fit_many start-up: 100 sleepstudy fits on 2 loky workers, the first call of a process
  (workers started by that call: their start-up is included) and the second (warm pool),
  against a serial pylme.lmer loop in the same process. Each measurement runs in its own fresh
  Python process (a pool is cold only once per process), in ABBA order (serial first, then
  fit_many first, ...); the ratio is the sum of the serial times over the sum of the fit_many
  times. Once with workers forked from the process's running R (the default on Linux) and once
  with fresh worker processes (PYLME_WORKER_START=fresh, loky's own start);
- scaling: 400 sleepstudy-size fits, fit_many(backend="loky", n_jobs=2) against a loop of
  pylme.lmer in this process (workers warmed up first: each starts R once and keeps it);
- per-job overhead: the same 400 fits on a Dask LocalCluster(n_workers=2, processes=True),
  against loky;
- lmer_many: 1,000 responses on the sleepstudy design, serial, against a plain Rscript loop of
  lmer + summary + ranef(condVar = TRUE) + VarCorr on the same responses (results compared);
  then on 2 loky workers;
- the trip back: pickle size and time of one fit with its R model and without;
- mass-univariate (lmer_many(keep="numbers"), 1,000 responses on sleepstudy's design): serial
  against R's loop (lmer + summary + ranef(condVar = TRUE) + VarCorr) in ABBA order (R, pylme,
  pylme, R; each side's two runs summed); against mixedlm 1.3.0's lmer per fit (run in its own
  virtual environment, PYLME_BENCH_VENV or .venv-bench: see mixedlm_loop.py), between the two
  pylme runs; and on 2 warm loky workers against serial.

The machine is shared: the load average is printed with the table.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import sys
import tempfile
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
MANY_ONLY = "--many-only" in sys.argv
STARTUP_ONLY = "--startup-only" in sys.argv
STARTUP_FITS = 100
STARTUP_RUNS = 4 if QUICK else 8  # fresh processes per start method, in ABBA order
HERE = Path(__file__).resolve().parent
BENCH_VENV = Path(os.environ.get("PYLME_BENCH_VENV", HERE.parent.parent / ".venv-bench"))
N_FITS = 60 if QUICK else 400
N_RESP = 100 if QUICK else 1000
RHS = "~ Days + (Days | Subject)"

# One line for bench.py's RTimer (a plain Rscript process); fills fx[[i]] with fixef.
R_LOOP = (
    "for (i in {a}:{b}) {{ y <- sprintf('y%04d', i - 1L); "
    "f <- stats::as.formula(paste(y, '~ Days + (Days | Subject)')); "
    "fm <- lmer(f, d); s <- summary(fm); re <- ranef(fm, condVar = TRUE); v <- VarCorr(fm); "
    "fx[[length(fx) + 1L]] <- fixef(fm) }}"
)


def frame(n_resp: int):
    sleep = rref.r_dataset("lme4", "sleepstudy")
    rng = np.random.default_rng(2026)
    extra = {
        f"y{i:04d}": sleep["Reaction"].to_numpy() + rng.normal(0, 30, len(sleep))
        for i in range(n_resp)
    }
    import pandas as pd

    return pd.concat([sleep, pd.DataFrame(extra)], axis=1)


def wall(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def mixedlm_per_fit(design, Y, n: int, threads: str | None) -> tuple[float | None, str]:
    """mixedlm's seconds per fit on the first ``n`` responses, in its own venv."""
    import subprocess

    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        return None, f"not measured: no {python} (see mixedlm_loop.py)"
    env = dict(os.environ)
    if threads is not None:
        for k in (
            "OMP_NUM_THREADS",
            "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS",
            "RAYON_NUM_THREADS",
        ):
            env[k] = threads
    with tempfile.TemporaryDirectory() as tmp:
        csv, npy = Path(tmp) / "d.csv", Path(tmp) / "y.npy"
        design.to_csv(csv, index=False)
        np.save(npy, Y)
        cmd = [str(python), str(HERE / "mixedlm_loop.py"), str(csv), str(npy), RHS, str(n)]
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        return None, f"mixedlm failed: {done.stderr.strip()[-300:]}"
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return float(got["per_fit"]), f"mixedlm {got['version']}"


def mass_univariate_rows(data, resp: list[str]) -> list[tuple[str, str, str, str]]:
    """lmer_many(keep="numbers") against R's loop (ABBA), mixedlm, and 2 loky workers."""
    rows = []
    n = len(resp)
    sub = data[["Reaction", "Days", "Subject", *resp]]
    design = data[["Days", "Subject"]]
    Y = sub[resp].to_numpy()
    r = RTimer()
    ours = lambda: pylme.lmer_many(RHS, sub, resp, keep="numbers")  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "d.json", Path(tmp) / "o.json"
        inp.write_text(json.dumps(rref.spec_from_frame(sub)))
        r.time(
            f"source('{rref.R_SCRIPTS / 'data_io.R'}'); "
            f"d <- pylme_read_frame(jsonlite::read_json('{inp}', simplifyVector = FALSE)); "
            "fx <- list()"
        )
        pylme.lmer_many(RHS, sub, resp[:5], keep="numbers")  # warm-up, as R's first lmer below
        r.time(R_LOOP.format(a=1, b=5))
        t_r1 = r.time(R_LOOP.format(a=1, b=n))
        t_b1, many = wall(ours)
        per_mlm, mlm_name = mixedlm_per_fit(design, Y, min(n, 100), None)
        per_mlm1, _ = mixedlm_per_fit(design, Y, min(n, 100), "1")
        t_b2, _ = wall(ours)
        t_r2 = r.time(R_LOOP.format(a=1, b=n))
        r.time(f"jsonlite::write_json(unlist(fx[5 + seq_len({n})]), '{out}', digits = I(17))")
        r_fixef = np.asarray(json.loads(out.read_text())).reshape((n, 2))
    r.close()
    t_r, t_many = t_r1 + t_r2, t_b1 + t_b2
    diff = float(np.max(np.abs(many.estimate - r_fixef) / np.abs(r_fixef)))
    per = t_many / (2 * n)
    rows.append(
        (
            f"lmer_many keep='numbers', {n} responses, serial (ABBA)",
            f"{t_many:.2f} s ({per * 1000:.2f} ms/response)",
            f"R loop lmer+summary+ranef(condVar)+VarCorr {t_r:.2f} s "
            f"({t_r / (2 * n) * 1000:.2f} ms)",
            f"{t_r / t_many:.2f}x faster (target >= 3.5x); fixef max rel diff {diff:.1e}",
        )
    )
    for label, value in (("default threads", per_mlm), ("1 BLAS thread", per_mlm1)):
        rows.append(
            (
                f"lmer_many per response vs {mlm_name} lmer per fit ({label})",
                f"{per * 1000:.2f} ms",
                "not measured" if value is None else f"{value * 1000:.2f} ms",
                "" if value is None else f"{per / value:.2f}x its time (target <= 1.5x)",
            )
        )
    pylme.lmer_many(RHS, sub, resp[:40], keep="numbers", backend="loky", n_jobs=2)  # warm-up
    t_loky, par = wall(
        lambda: pylme.lmer_many(RHS, sub, resp, keep="numbers", backend="loky", n_jobs=2)
    )
    same = float(np.max(np.abs(par.estimate - many.estimate)))
    rows.append(
        (
            f"lmer_many keep='numbers', {n} responses, loky n_jobs=2 (warm)",
            f"{t_loky:.2f} s",
            f"serial {t_many / 2:.2f} s",
            f"{t_many / 2 / t_loky:.2f}x (target >= 1.8x); max abs diff {same:.1e}",
        )
    )
    return rows


def startup_child(order: str) -> None:
    """One fresh process: serial loop and the first (cold) and second (warm) fit_many call."""
    data = frame(STARTUP_FITS)
    jobs = [pylme.Job("lmer", f"{y} {RHS}", data) for y in data.columns if y.startswith("y")]
    for j in jobs[:3]:  # R started, and pylme's R functions compiled (R compiles on 2nd use)
        pylme.lmer(j.formula, data)
    serial = lambda: [pylme.lmer(j.formula, data) for j in jobs]  # noqa: E731
    many = lambda: pylme.fit_many(jobs, backend="loky", n_jobs=2)  # noqa: E731

    def timed(fn):  # only the logLiks are kept: the next measurement starts from the same heap
        t, fits = wall(fn)
        out = np.array([f.loglik for f in fits])
        del fits
        gc.collect()
        return t, out

    if order == "AB":
        t_serial, ref = timed(serial)
        t_cold, got = timed(many)
    else:
        t_cold, got = timed(many)
        t_serial, ref = timed(serial)
    t_warm, _ = timed(many)
    diff = float(np.max(np.abs(got - ref) / np.abs(ref)))
    print(json.dumps({"serial": t_serial, "cold": t_cold, "warm": t_warm, "diff": diff}))


def startup_rows() -> list[tuple[str, str, str, str]]:
    """fit_many's first call in fresh processes, forked and fresh workers, in ABBA order."""
    import subprocess

    rows = []
    orders = ["AB", "BA", "BA", "AB"] * (STARTUP_RUNS // 4)
    for method in ("fork", "fresh"):
        env = dict(os.environ, PYLME_WORKER_START=method)
        got = []
        for order in orders:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--startup-child", order]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
            got.append(json.loads(done.stdout.strip().splitlines()[-1]))
        serial = sum(g["serial"] for g in got)
        cold = sum(g["cold"] for g in got)
        warm = sum(g["warm"] for g in got)
        each = ", ".join(f"{g['serial'] / g['cold']:.2f}" for g in got)
        diff = max(g["diff"] for g in got)
        target = " (target >= 1.7x)" if method == "fork" else ""
        rows.append(
            (
                f"fit_many first call, {STARTUP_FITS} fits, 2 loky workers, {method} start "
                f"(x{len(got)} processes)",
                f"{cold / len(got):.2f} s",
                f"serial pylme.lmer {serial / len(got):.2f} s",
                f"{serial / cold:.2f}x faster{target}; per process {each}; max rel diff {diff:.1e}",
            )
        )
        rows.append(
            (
                f"fit_many second call (warm pool), {method} start",
                f"{warm / len(got):.2f} s",
                f"serial pylme.lmer {serial / len(got):.2f} s",
                f"{serial / warm:.2f}x faster",
            )
        )
    return rows


def print_table(rows) -> None:
    load = os.getloadavg()
    rows = rows + [
        (
            "machine load (1/5/15 min)",
            " ".join(f"{x:.1f}" for x in load),
            f"{os.cpu_count()} cores",
            "shared with other work",
        )
    ]
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("benchmark", "pylme", "reference", "result")
    w = [max(wi, len(h)) for wi, h in zip(w, head)]
    line = lambda cells: "| " + " | ".join(c.ljust(wi) for c, wi in zip(cells, w)) + " |"  # noqa: E731
    print(line(head))
    print("|" + "|".join("-" * (wi + 2) for wi in w) + "|")
    for r in rows:
        print(line(r))


def main() -> None:
    warnings.simplefilter("ignore")
    if "--startup-child" in sys.argv:
        startup_child(sys.argv[sys.argv.index("--startup-child") + 1])
        return
    rows = []
    data = frame(max(N_FITS, N_RESP))
    if MANY_ONLY:
        print_table(mass_univariate_rows(data, [c for c in data.columns if c.startswith("y")]))
        return
    rows.extend(startup_rows())
    if STARTUP_ONLY:
        print_table(rows)
        return
    ys = [c for c in data.columns if c.startswith("y")]
    jobs = [pylme.Job("lmer", f"{y} {RHS}", data) for y in ys[:N_FITS]]

    # 1. scaling: serial pylme.lmer loop vs loky with 2 warm workers
    pylme.lmer(f"Reaction {RHS}", data)
    t_serial, serial = wall(lambda: [pylme.lmer(j.formula, data) for j in jobs])
    pylme.fit_many(jobs[:40], backend="loky", n_jobs=2)  # warm-up: both workers start R
    t_loky, loky = wall(lambda: pylme.fit_many(jobs, backend="loky", n_jobs=2))
    t_light, _ = wall(lambda: pylme.fit_many(jobs, backend="loky", n_jobs=2, keep_model=False))
    same = max(abs(a.loglik - b.loglik) / abs(b.loglik) for a, b in zip(loky, serial))
    rows.append(
        (
            f"{N_FITS} sleepstudy fits, loky n_jobs=2 (with R models)",
            f"{t_loky:.2f} s",
            f"serial pylme.lmer {t_serial:.2f} s",
            f"{t_serial / t_loky:.2f}x faster (target >= 1.7x); max rel diff {same:.1e}",
        )
    )
    rows.append(
        (
            f"{N_FITS} sleepstudy fits, loky n_jobs=2 (light fits)",
            f"{t_light:.2f} s",
            f"serial pylme.lmer {t_serial:.2f} s",
            f"{t_serial / t_light:.2f}x faster",
        )
    )

    # 2. per-job overhead: Dask LocalCluster vs loky
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
        pylme.fit_many(jobs[:40], client=client)  # warm-up
        t_dask, _ = wall(lambda: pylme.fit_many(jobs, client=client))
    per_fit = t_serial / N_FITS
    over = lambda t: (t * 2 / N_FITS - per_fit) * 1000  # noqa: E731
    rows.append(
        (
            f"{N_FITS} fits, Dask LocalCluster(2 processes)",
            f"{t_dask:.2f} s",
            f"loky {t_loky:.2f} s",
            f"overhead per job: Dask {over(t_dask):.1f} ms, loky {over(t_loky):.1f} ms "
            f"(fit alone {per_fit * 1000:.1f} ms)",
        )
    )

    # 3. lmer_many, 1,000 responses: serial, then 2 workers, vs a plain R loop. The two sides
    # run alternately on blocks of responses, so that both see the same machine load.
    resp = ys[:N_RESP]
    sub = data[["Reaction", "Days", "Subject", *resp]]
    r = RTimer()
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "d.json", Path(tmp) / "o.json"
        inp.write_text(json.dumps(rref.spec_from_frame(sub)))
        r.time(
            f"source('{rref.R_SCRIPTS / 'data_io.R'}'); "
            f"d <- pylme_read_frame(jsonlite::read_json('{inp}', simplifyVector = FALSE)); "
            "fx <- list()"
        )
        pylme.lmer_many(RHS, sub, resp[:5])  # warm-up, as R's first lmer above
        r.time(R_LOOP.format(a=1, b=5))
        t_r = t_many = 0.0
        many = []
        blocks = 4
        size = -(-N_RESP // blocks)
        for k in range(0, N_RESP, size):
            block = resp[k : k + size]
            t_r += r.time(R_LOOP.format(a=k + 1, b=k + len(block)))
            t, fits = wall(lambda b=block: pylme.lmer_many(RHS, sub, b))
            t_many += t
            many.extend(fits)
        r.time(f"jsonlite::write_json(unlist(fx[-(1:5)]), '{out}', digits = I(17))")
        r_fixef = np.asarray(json.loads(out.read_text())).reshape((N_RESP, 2))
    r.close()
    ours = np.array([f.fixef.estimate for f in many])
    diff = float(np.max(np.abs(ours - r_fixef) / np.abs(r_fixef)))
    rows.append(
        (
            f"lmer_many keep='fits', {N_RESP} responses, serial",
            f"{t_many:.2f} s",
            f"R loop lmer+summary+ranef+VarCorr {t_r:.2f} s",
            f"{t_r / t_many:.2f}x faster (target >= 1.5x); fixef max rel diff {diff:.1e}",
        )
    )
    pylme.lmer_many(RHS, sub, resp[:40], backend="loky", n_jobs=2)  # warm-up
    t_many2, _ = wall(lambda: pylme.lmer_many(RHS, sub, resp, backend="loky", n_jobs=2))
    t_many2l, _ = wall(
        lambda: pylme.lmer_many(RHS, sub, resp, backend="loky", n_jobs=2, keep_model=False)
    )
    rows.append(
        (
            f"lmer_many keep='fits', {N_RESP} responses, loky n_jobs=2",
            f"{t_many2:.2f} s",
            f"R loop {t_r:.2f} s; light fits {t_many2l:.2f} s",
            f"{t_r / t_many2:.2f}x (models), {t_r / t_many2l:.2f}x (light)",
        )
    )

    # 4. the trip back: one fit as a worker sends it
    from pylme.parallel.travel import for_travel

    fit = many[0]
    for_travel([fit], True)  # the first call builds the registry of lme4's class definitions
    t_ser, (shipped,) = wall(lambda: for_travel([fit], True))
    for label, obj in (("with R model", shipped), ("without_model()", fit.without_model())):
        t_dump, blob = wall(lambda o=obj: pickle.dumps(o))
        t_load, _ = wall(lambda b=blob: pickle.loads(b))
        extra = ""
        if label == "with R model":
            from pylme.parallel.travel import arrived

            t_open, _ = wall(lambda b=blob: arrived(pickle.loads(b)).r_model())
            extra = f"; R serialize {t_ser * 1000:.1f} ms, live model again {t_open * 1000:.1f} ms"
        rows.append(
            (
                f"one fit back from a worker, {label}",
                f"{len(blob) / 1024:.0f} KiB",
                f"dumps {t_dump * 1000:.1f} ms, loads {t_load * 1000:.1f} ms{extra}",
                "",
            )
        )

    rows.extend(mass_univariate_rows(data, ys[:N_RESP]))
    print_table(rows)


if __name__ == "__main__":
    main()
