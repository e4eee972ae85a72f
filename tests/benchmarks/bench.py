"""pylme benchmarks: prints one table measured in this run. Not a test (speed goals are
checked here, not in timed tests).

    .venv/bin/python tests/benchmarks/bench.py [--quick]

Rows:
- conversion of a 1M-row frame: pylme.to_r vs rpy2's pandas2ri vs the Arrow floor
  (dictionary-encoding the strings plus copying the numeric buffers);
- end to end on InstEval (lmer, crossed, 73k rows) and VerbAgg (glmer, crossed), against the
  same call timed inside a plain Rscript process; the two sides run alternately, one fit each,
  so that both see the same load on the machine;
- small fits: sleepstudy per fit, against R's own fit + summary() + ranef(condVar=TRUE) + VarCorr,
  in alternating blocks of 20 fits run back to back on each side (see ``paired_blocks``).

Targets: to_r at most 1.5x the Arrow floor; each end-to-end and small-fit ratio at most 1.10.
Other processes on the machine shift single runs by 10-20%: the fits are paired (alternating
with the R process), and the to_r row takes the best of its runs; run it several times.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import rref  # noqa: E402

import pylme  # noqa: E402

QUICK = "--quick" in sys.argv


def timed(fn, repeat: int, reduce=min) -> float:
    """Seconds per call of ``fn``: the minimum (default) or another reduction over ``repeat``
    runs."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return reduce(times)


def best(fn, repeat: int) -> float:
    return timed(fn, repeat, min)


R_TIMER = r"""
suppressPackageStartupMessages(library(lme4))
con <- file("stdin", open = "r")
repeat {
  line <- readLines(con, n = 1L)
  if (length(line) == 0L || identical(line, "quit")) break
  expr <- parse(text = line)
  t <- system.time(suppressWarnings(suppressMessages(eval(expr, globalenv()))))[["elapsed"]]
  cat(sprintf("%.6f\n", t))
  flush(stdout())
}
"""


class RTimer:
    """A plain Rscript process (no Python inside) that times the expressions it is sent.

    It stays open, so its runs interleave with pylme's: both sides see the same machine load,
    and both are warmed up the same way.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [rref.rscript(), "-e", R_TIMER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def time(self, expr: str) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(expr.replace("\n", " ") + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


def paired(fn, r: RTimer, r_expr: str, repeat: int) -> tuple[float, float]:
    """Median seconds of pylme's ``fn`` and of R's ``r_expr``, run alternately after one
    warm-up each."""
    fn()
    r.time(r_expr)
    ours, theirs = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ours.append(time.perf_counter() - t)
        theirs.append(r.time(r_expr))
    return statistics.median(ours), statistics.median(theirs)


def paired_blocks(fn, r: RTimer, r_expr: str, block: int, blocks: int) -> tuple[float, float]:
    """Median seconds per call of pylme's ``fn`` and of R's ``r_expr``, each run ``block``
    times back to back (as a user runs many small fits), the blocks alternating.

    For fits of a few tens of milliseconds, alternating single fits times each side just
    after it wakes from waiting on the other, from an idle core: measured here, the same
    pylme sleepstudy fit took 36 ms with a 25 ms sleep before it and 24 ms back to back.
    Blocks keep both sides warm and still share the machine's load.
    """
    fn()
    r.time(r_expr)
    loop = f"for (.i in seq_len({block})) {{ {r_expr} }}"
    ours, theirs = [], []
    for _ in range(blocks):
        t = time.perf_counter()
        for _ in range(block):
            fn()
        ours.append((time.perf_counter() - t) / block)
        theirs.append(r.time(loop) / block)
    return statistics.median(ours), statistics.median(theirs)


def conversion_frame(n: int = 1_000_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    labels = np.array([f"subject_{i:05d}" for i in range(5000)])
    cats = [f"c{i:03d}" for i in range(300)]
    f_nan = rng.normal(size=n)
    f_nan[rng.random(n) < 0.05] = np.nan
    nullable = pd.array(rng.integers(0, 100, n), dtype="Int64")
    nullable[rng.random(n) < 0.05] = pd.NA
    return pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "i32": rng.integers(0, 1000, n).astype(np.int32),
            "i64": rng.integers(0, 10**6, n).astype(np.int64),
            "flag": rng.random(n) < 0.5,
            "subject": pd.Series(labels[rng.integers(0, 5000, n)], dtype="str"),
            "cat": pd.Categorical.from_codes(rng.integers(0, 300, n), categories=cats),
            "nullable": nullable,
            "f_nan": f_nan,
        }
    )


def arrow_floor(df: pd.DataFrame) -> None:
    for name in df.columns:
        arr = pa.array(df[name], from_pandas=True)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            pc.dictionary_encode(arr)
        elif pa.types.is_dictionary(arr.type):
            np.array(arr.indices.to_numpy(zero_copy_only=False), copy=True)
        else:
            np.array(arr.to_numpy(zero_copy_only=False), copy=True)


def pandas2ri_convert(df: pd.DataFrame) -> None:
    import rpy2.robjects as ro
    from rpy2.robjects import pandas2ri
    from rpy2.robjects.conversion import localconverter

    with localconverter(ro.default_converter + pandas2ri.converter):
        ro.conversion.get_conversion().py2rpy(df)


def main() -> None:
    rows = []
    warnings.simplefilter("ignore")
    sleep = rref.r_dataset("lme4", "sleepstudy")
    pylme.lmer("Reaction ~ Days + (Days | Subject)", sleep)  # start R

    # 1. conversion
    df = conversion_frame(200_000 if QUICK else 1_000_000)
    pylme.to_r(df)
    t_pylme = best(lambda: pylme.to_r(df), 3)
    t_floor = best(lambda: arrow_floor(df), 3)
    try:
        t_p2ri = best(lambda: pandas2ri_convert(df), 1)
        p2ri = f"{t_p2ri:.3f} s"
        speedup = f"{t_p2ri / t_pylme:.0f}x faster (target >= 100x)"
    except Exception as exc:  # pandas2ri may not support this pandas
        p2ri, speedup = f"failed: {type(exc).__name__}: {str(exc)[:60]}", "n/a"
    rows.append(
        (f"to_r, {len(df):,} rows x 9 cols", f"{t_pylme:.3f} s", f"pandas2ri {p2ri}", speedup)
    )
    rows.append(
        (
            "to_r vs Arrow floor",
            f"{t_pylme:.3f} s",
            f"floor {t_floor:.3f} s",
            f"{t_pylme / t_floor:.2f}x the floor (target <= 1.5x)",
        )
    )

    # 2. InstEval end to end, alternating with the same lmer call in a plain R process
    r = RTimer()
    r.time("data(InstEval); data(VerbAgg); data(sleepstudy)")
    formula = "y ~ service + lectage + studage + (1 | s) + (1 | d) + (1 | dept:service)"
    inst = rref.r_dataset("lme4", "InstEval")
    reps = 1 if QUICK else 5
    t_py, t_r = paired(
        lambda: pylme.lmer(formula, inst, REML=False),
        r,
        f"lmer({formula}, InstEval, REML = FALSE)",
        reps,
    )
    rows.append(
        (
            f"InstEval lmer end to end (median of {reps})",
            f"{t_py:.2f} s",
            f"R {t_r:.2f} s",
            f"ratio {t_py / t_r:.3f} (target <= 1.10)",
        )
    )

    # 3. glmer VerbAgg end to end
    vformula = "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)"
    verb = rref.r_dataset("lme4", "VerbAgg")
    t_py, t_r = paired(
        lambda: pylme.glmer(vformula, verb, family="binomial"),
        r,
        f"glmer({vformula}, VerbAgg, family = binomial)",
        reps,
    )
    rows.append(
        (
            f"VerbAgg glmer end to end (median of {reps})",
            f"{t_py:.2f} s",
            f"R {t_r:.2f} s",
            f"ratio {t_py / t_r:.3f} (target <= 1.10)",
        )
    )

    # 4. small fits, in alternating blocks of fits run back to back
    block, blocks = 20, (2 if QUICK else 10)
    n = block * blocks
    sf = "Reaction ~ Days + (Days | Subject)"
    r_small = (
        f"fm <- lmer({sf}, sleepstudy); s <- summary(fm); "
        "re <- ranef(fm, condVar = TRUE); v <- VarCorr(fm)"
    )
    t_py, t_r = paired_blocks(lambda: pylme.lmer(sf, sleep), r, r_small, block, blocks)
    rows.append(
        (
            f"sleepstudy per fit ({n} fits, blocks of {block})",
            f"{t_py * 1000:.1f} ms",
            f"R fit+summary+ranef+VarCorr {t_r * 1000:.1f} ms",
            f"ratio {t_py / t_r:.3f} (target <= 1.10)",
        )
    )
    r.close()

    w = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("benchmark", "pylme", "reference", "result")
    w = [max(wi, len(h)) for wi, h in zip(w, head)]
    line = lambda cells: "| " + " | ".join(c.ljust(wi) for c, wi in zip(cells, w)) + " |"  # noqa: E731
    print(line(head))
    print("|" + "|".join("-" * (wi + 2) for wi in w) + "|")
    for r in rows:
        print(line(r))


if __name__ == "__main__":
    main()
