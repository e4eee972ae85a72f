"""examples/mass_univariate.py runs (a small version) and its p-values agree with R's loop."""

from __future__ import annotations

import re

import pandas as pd
from test_examples import run_script


def test_mass_univariate_example_runs(tmp_path):
    out, plot = tmp_path / "genes.parquet", tmp_path / "plots.png"
    done = run_script(
        "examples/mass_univariate.py",
        "--genes",
        "60",
        "--subset",
        "8",
        "--out",
        str(out),
        "--plot",
        str(plot),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "60 genes in" in done.stdout
    # The R loop's p-values (lmerTest lmer + summary, in a plain Rscript) against ours: the
    # Satterthwaite df comes from numerical derivatives, so 1e-6 rather than lme4's 1e-8.
    diff = float(re.search(r"differ from R's by at most (\S+)", done.stdout).group(1))
    assert diff < 1e-6
    table = pd.read_parquet(out)
    assert len(table) == 60 and table["p_value[time]"].notna().all()
    assert plot.exists() or "plots skipped" in done.stdout
