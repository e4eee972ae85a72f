"""lmer_many streamed to Parquet: flat memory over many responses, and a resume after a kill.
Not a test; prints one table measured in this run.

    .venv/bin/python tests/benchmarks/bench_stream.py [N_RESPONSES] [--no-kill]

N_RESPONSES (default 100,000) responses on sleepstudy's design, ``~ Days + (Days | Subject)``,
generated from a fixed seed as a numpy matrix, streamed with ``chunk=1000``. A child process
runs ``lmer_many(..., out=dir)`` and logs its RSS after each part; the parent kills it
(SIGKILL) once a third of the parts are written, then runs the same call again in a new
child, which resumes. At the end: the row count, no response twice, and the rows of a
sample of responses (around the kill too) against an in-memory lmer_many of the same
responses in this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
ROOT = HERE.parent.parent

N = next((int(a) for a in sys.argv[1:] if a.isdigit()), 100_000)
KILL = "--no-kill" not in sys.argv
CHUNK = 1000
RHS = "~ Days + (Days | Subject)"
SEED = 7

CHILD = r"""
import os, sys, time, warnings
import numpy as np
sys.path.insert(0, {tests!r})
import rref, pylme
from pylme.parallel import many_stream
n, out, log = {n}, {out!r}, {log!r}
sleep = rref.r_dataset("lme4", "sleepstudy")
Y = sleep["Reaction"].to_numpy()[:, None] + np.random.default_rng({seed}).normal(0, 30, (180, n))
real = many_stream.write_part
def rss():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
def logged(path, part, fp):
    real(path, part, fp)
    with open(log, "a") as fh:
        fh.write(f"{{time.time()}} {{rss():.1f}} {{len(part)}}\n")
many_stream.write_part = logged
warnings.simplefilter("ignore")
pylme.lmer_many({rhs!r}, sleep[["Days", "Subject"]], Y, out=out, chunk={chunk})
"""


def child(out: str, log: str) -> subprocess.Popen[bytes]:
    code = CHILD.format(
        tests=str(HERE.parent), n=N, out=out, log=log, seed=SEED, rhs=RHS, chunk=CHUNK
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code], env=env)


def read_log(log: str) -> list[tuple[float, float, int]]:
    if not os.path.exists(log):
        return []
    return [
        (float(a), float(b), int(c))
        for a, b, c in (line.split() for line in Path(log).read_text().splitlines())
    ]


def main() -> None:
    import pandas as pd

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out, log1, log2 = f"{tmp}/r.parquet", f"{tmp}/a.log", f"{tmp}/b.log"
        t0 = time.time()
        first = child(out, log1)
        killed_at = None
        while first.poll() is None:
            time.sleep(0.5)
            if KILL and len(read_log(log1)) >= max(1, N // CHUNK // 3):
                os.kill(first.pid, signal.SIGKILL)
                first.wait()
                killed_at = len(read_log(log1)) * CHUNK
        t1 = time.time()
        second = child(out, log2)
        second.wait()
        t2 = time.time()
        a, b = read_log(log1), read_log(log2)
        table = pd.read_parquet(out)
        names = list(table["response"])
        sample = sorted(
            {0, 1, N // 2, N - 1, *(range(killed_at - 3, killed_at + 3) if killed_at else ())}
        )
        sample = [j for j in sample if 0 <= j < N]
        sys.path.insert(0, str(HERE.parent))
        import rref

        import pylme

        sleep = rref.r_dataset("lme4", "sleepstudy")
        Y = sleep["Reaction"].to_numpy()[:, None] + np.random.default_rng(SEED).normal(
            0, 30, (180, N)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = pylme.lmer_many(
                RHS,
                sleep[["Days", "Subject"]],
                Y[:, sample],
                response_names=[f"y{j}" for j in sample],
            ).to_frame()
        got = table.set_index("response").loc[list(ref["response"])]
        numeric = [c for c in ref.columns if c.startswith(("estimate", "sdcor")) or c == "loglik"]
        diff = float(np.nanmax(np.abs(got[numeric].to_numpy(float) - ref[numeric].to_numpy(float))))
    for label, series, secs in (("first run", a, t1 - t0), ("resumed run", b, t2 - t1)):
        if not series:
            continue
        rss = np.array([s[1] for s in series])
        done = sum(s[2] for s in series)
        slope = float(np.polyfit(np.cumsum([s[2] for s in series]), rss, 1)[0]) * 100_000
        steady = rss[len(rss) // 4 :]
        rows.append(
            (
                f"{label}: {done} responses, {len(series)} parts",
                f"{secs:.0f} s ({secs / max(done, 1) * 1000:.2f} ms/response incl. start-up)",
                f"RSS {rss[0]:.0f} -> {rss[-1]:.0f} MB (max {rss.max():.0f})",
                f"slope {slope:.1f} MB/100k; after the first quarter "
                f"{steady.max() - steady.min():.1f} MB range",
            )
        )
    rows.append(
        (
            "after the kill and resume" if killed_at else "one run, not killed",
            f"{len(names)} rows, {len(set(names))} distinct",
            f"killed after {killed_at} responses" if killed_at else "",
            f"sample of {len(sample)} rows vs in-memory lmer_many: max abs diff {diff:.1e}",
        )
    )
    load = os.getloadavg()
    rows.append(("machine load (1/5/15 min)", " ".join(f"{x:.1f}" for x in load), "", ""))
    w = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("| " + " | ".join(c.ljust(wi) for c, wi in zip(r, w)) + " |")


if __name__ == "__main__":
    main()
