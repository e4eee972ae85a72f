"""fit.bootstrap against lme4's bootMer in a pure-R run (r_scripts/reference_many.R)."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
import rref
from conftest import RTOL, assert_close

import pylme
from pylme.parallel import bootstrap as boot

FORMULA = "Reaction ~ Days + (Days | Subject)"
NSIM, SEED = 12, 20261127


@pytest.fixture(scope="module")
def fit(sleepstudy):
    return pylme.lmer(FORMULA, sleepstudy)


@pytest.fixture(scope="module")
def reference(sleepstudy):
    seeds = boot.replicate_seeds(SEED, NSIM).tolist()
    req = {
        "data": rref.spec_from_frame(sleepstudy),
        "formula": FORMULA,
        "REML": True,
        "nsim": NSIM,
        "seed": SEED,
        "seeds": seeds,
    }
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "in.json", Path(tmp) / "out.json"
        inp.write_text(json.dumps(req))
        script = rref.R_SCRIPTS / "reference_many.R"
        res = subprocess.run(
            [rref.rscript(), str(script), str(inp), str(out)], capture_output=True, text=True
        )
        assert res.returncode == 0, res.stderr
        ref = json.loads(out.read_text())
    cols = lambda key: np.column_stack([rref.as_float_array(c) for c in ref[key]])  # noqa: E731
    return {"names": ref["names"], "t": cols("t"), "t_seeds": cols("t_seeds")}


def test_serial_equals_bootmer(fit, reference):
    got = fit.bootstrap(NSIM, seed=SEED)
    assert list(got.columns) == reference["names"]
    assert got.shape == (NSIM, len(reference["names"]))
    assert_close(got.to_numpy(), reference["t"], rtol=RTOL, what="bootMer $t")


def test_serial_check_sees_another_seed(fit, reference):
    other = fit.bootstrap(NSIM, seed=SEED + 1)
    with pytest.raises(AssertionError):
        assert_close(other.to_numpy(), reference["t"], rtol=RTOL, what="bootMer $t")


def test_loky_same_replicates_for_one_and_two_workers(fit, reference, monkeypatch):
    monkeypatch.setattr(boot, "CHUNK", 5)  # 3 tasks, split differently over the workers
    two = fit.bootstrap(NSIM, seed=SEED, backend="loky", n_jobs=2)
    one = fit.bootstrap(NSIM, seed=SEED, backend="loky", n_jobs=1)  # shrinking starts no R
    np.testing.assert_array_equal(one.to_numpy(), two.to_numpy())
    assert list(two.columns) == reference["names"]
    # Replicate i is R's bootMer(fit, FUN, nsim = 1, seed = seed_i): a different stream
    # from the serial run, as documented.
    assert_close(two.to_numpy(), reference["t_seeds"], rtol=RTOL, what="per-seed bootMer")
    assert not np.allclose(two.to_numpy(), reference["t"])


def test_bad_options(fit):
    with pytest.raises(pylme.OptionError, match="statistic"):
        fit.bootstrap(3, seed=1, statistic="nope")
    with pytest.raises(pylme.OptionError, match="backend"):
        fit.bootstrap(3, seed=1, backend="threads")
    with pytest.raises(pylme.OptionError, match="nsim"):
        fit.bootstrap(0, seed=1)
