"""pylme memory benchmark: prints one table measured in this run. Not a test (the pickle
path's copy regression is caught by tests/test_memory_pickle.py, at a small scale).

    .venv/bin/python tests/benchmarks/bench_memory.py [--rows 500000] [--groups 50000]

Model: ``y ~ x + (1 | g)`` with string labels for ``g``, read from Parquet by pylme and from
the same values by ``Rscript r_scripts/bench_memory.R``. Every row runs in a fresh process:
the data are read and R warmed up (one fit on the first 2,000 rows), then the high-water mark
is reset (``/proc/self/clear_refs``) and growth is VmHWM after the step minus VmRSS before it.

Rows:
- fit: pylme.lmer (conversion, fit, extraction with conditional variances, parsing) against R's
  ``lmer`` plus ``ranef(condVar = TRUE)``; target growth ratio at most 1.05;
- where it goes: conversion alone (pylme.to_r), and the pure-R stages (lmer; lme4's condVar;
  pylme's conditional variances; pylme's extraction; R's own serialize() to a raw vector);
- pickle: pickle.dumps(fit) with its model, peak growth over the pickle's size (target at
  most 1.5); memory left after the bytes are dropped; pickle.loads and the model's restore.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
FORMULA = "y ~ x + (1 | g)"


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


class Meter:
    """VmRSS before a step and VmHWM after it, the high-water mark reset in between."""

    def __init__(self) -> None:
        self.peak = 0.0

    def reset(self) -> float:
        import rpy2.rinterface as ri

        self.peak = max(self.peak, status_mb("VmHWM"))
        gc.collect()
        ri.baseenv["gc"](full=True)
        Path("/proc/self/clear_refs").write_text("5")
        return status_mb("VmRSS")

    def grown(self, before: float) -> float:
        return status_mb("VmHWM") - before


def write_data(folder: Path, rows: int, groups: int) -> None:
    """The same values as Parquet (for pylme) and as raw doubles plus text (for R)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(23)
    gi = rng.integers(0, groups, rows)
    x = rng.normal(size=rows)
    y = 1.0 + 0.5 * x + rng.normal(size=groups)[gi] + rng.normal(size=rows)
    labels = np.array([f"g{i:06d}" for i in range(groups)], dtype=object)[gi]
    pq.write_table(
        pa.table({"y": y, "x": x, "g": pa.array(labels, pa.string())}), folder / "d.parquet"
    )
    y.astype("<f8").tofile(folder / "y.f64")
    x.astype("<f8").tofile(folder / "x.f64")
    (folder / "g.txt").write_text("\n".join(labels) + "\n")


def child(mode: str, folder: Path) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    import pickle

    import pandas as pd

    import pylme

    df = pd.read_parquet(folder / "d.parquet")
    pylme.lmer(FORMULA, df.iloc[:2000])  # warm up: R started, lme4 and pylme's R code loaded
    m = Meter()
    out: dict[str, Any] = {"mode": mode}
    if mode == "convert":
        before = m.reset()
        frame = pylme.to_r(df)
        out["growth_mb"] = m.grown(before)
        del frame
    else:
        before = m.reset()
        t = time.perf_counter()
        fit = pylme.lmer(FORMULA, df)
        out["seconds"] = time.perf_counter() - t
        out["growth_mb"] = m.grown(before)
        out["rss_before_mb"] = before
    if mode == "pickle":
        before = m.reset()
        data = pickle.dumps(fit)
        out["dumps_mb"] = m.grown(before)
        out["size_mb"] = len(data) / 2**20
        del data
        out["kept_after_drop_mb"] = m.reset() - before
        data = pickle.dumps(fit)
        del fit
        before = m.reset()
        back = pickle.loads(data)  # noqa: S301 (our own bytes)
        out["loads_mb"] = m.grown(before)
        before = m.reset()
        back.r_model()
        out["restore_mb"] = m.grown(before)
    out["peak_mb"] = max(m.peak, status_mb("VmHWM"))
    return out


def run_python(mode: str, folder: Path) -> dict[str, Any]:
    res = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--data", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def run_r(mode: str, folder: Path) -> dict[str, Any]:
    out = folder / f"r-{mode}.json"
    subprocess.run(
        ["Rscript", str(ROOT / "r_scripts" / "bench_memory.R"), str(folder), mode, str(out)],
        check=True,
        capture_output=True,
    )
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--groups", type=int, default=50_000)
    parser.add_argument("--child")
    parser.add_argument("--data")
    parser.add_argument("--only", default="fit,stages,pickle")
    a = parser.parse_args()
    if a.child:
        print(json.dumps(child(a.child, Path(a.data))))
        return
    only = a.only.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_data(folder, a.rows, a.groups)
        print(f"y ~ x + (1 | g): {a.rows:,} rows, {a.groups:,} groups (MB; fresh process each)")
        if "fit" in only:
            ours, theirs = run_python("fit", folder), run_r("lme4", folder)
            ratio = ours["growth_mb"] / theirs["growth_mb"]
            print(
                f"fit growth      pylme {ours['growth_mb']:7.1f}  R lmer+ranef(condVar) "
                f"{theirs['growth_mb']:7.1f}  ratio {ratio:.3f} (target <= 1.05)"
            )
            print(
                f"fit seconds     pylme {ours['seconds']:7.1f}  R {theirs['seconds']:7.1f}; "
                f"process peak pylme {ours['peak_mb']:.0f}  R {theirs['peak_mb']:.0f}"
            )
        if "stages" in only:
            conv = run_python("convert", folder)
            st = run_r("stages", folder)
            print(f"conversion      pylme.to_r {conv['growth_mb']:7.1f}")
            print("R stages        RSS growth / R heap growth (gc max used)")
            for key, label in (
                ("lmer", "lmer"),
                ("ranef_condvar_lme4", "ranef(condVar = TRUE), lme4"),
                ("condvar_pylme", "pylme's conditional variances (Schur)"),
                ("extract", f"pylme_extract, result {st['extract_object_mb']:.1f}"),
                ("serialize", f"serialize(fit, NULL), {st['serialized_mb']:.1f} long"),
            ):
                print(f"  {label:44s} {st[key + '_mb']:7.1f} / {st[key + '_heap_mb']:7.1f}")
        if "pickle" in only:
            p = run_python("pickle", folder)
            print(
                f"pickle          size {p['size_mb']:.1f}; dumps peak {p['dumps_mb']:.1f} "
                f"({p['dumps_mb'] / p['size_mb']:.2f}x size, target <= 1.5); loads "
                f"{p['loads_mb']:.1f}; restore {p['restore_mb']:.1f}; kept after the bytes "
                f"are dropped {p['kept_after_drop_mb']:.1f}; process peak {p['peak_mb']:.0f}"
            )


if __name__ == "__main__":
    main()
