"""Memory of pickling a fit with its R model: a copy regression in the pickle path shows up as
a higher peak (VmHWM) over the pickle's size, measured in a fresh process.

Not a timed test: the ratio depends on what is alive while ``pickle.dumps`` runs, not on the
machine's speed. The full-size figures (500,000 rows) are in tests/benchmarks/bench_memory.py.
"""

from __future__ import annotations

import gc
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

#: pickle.dumps holds its output (1x the size); streaming the model adds a piece or two.
MAX_PEAK_OVER_SIZE = 1.5
#: Memory still held once the pickle's bytes are dropped, as a share of their size.
MAX_KEPT_OVER_SIZE = 0.25
ROWS, GROUPS = 100_000, 10_000


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def _reset(trim: bool = False) -> float:
    """Collect (Python and R) and reset the peak; VmRSS now. ``trim`` hands malloc's free
    pages back first, so that what stays is memory something still holds, not the
    allocator's reserve (not before a peak: pickle.dumps would then find no free memory
    where it otherwise reuses some, as it does in a process that has just fitted)."""
    import ctypes

    import rpy2.rinterface as ri

    gc.collect()
    ri.baseenv["gc"](full=True)
    if trim:
        ctypes.CDLL(None).malloc_trim(0)  # glibc
    Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS")


def _child(mode: str) -> dict[str, float]:
    """Fit, then pickle with a fresh high-water mark. Two tampered modes show that the checks
    see a regression: ``joined`` pickles the model as one bytes object (the old path, with a
    copy alive beside pickle's output), ``cached`` also keeps that copy afterwards."""
    import pandas as pd

    import pylme
    import pylme.results.fit as fit_module

    rng = np.random.default_rng(18)
    g = rng.integers(0, GROUPS, ROWS)
    x = rng.normal(size=ROWS)
    df = pd.DataFrame(
        {"y": x + rng.normal(size=GROUPS)[g] + rng.normal(size=ROWS), "x": x, "g": g.astype(str)}
    )
    fit = pylme.lmer("y ~ x + (1 | g)", df)
    kept: list[bytes] = []
    if mode in ("joined", "cached"):

        def joined(handle):
            payload = handle.payload()
            if mode == "cached":
                kept.append(payload)
            return payload

        fit_module.state_of_handle = joined  # type: ignore[assignment]
    before = _reset()
    data = pickle.dumps(fit)
    out = {"peak": _status_mb("VmHWM") - before, "size": len(data) / 2**20}
    del data, kept[:]
    base = _reset(trim=True)
    data = pickle.dumps(fit)
    del data
    out["kept"] = _reset(trim=True) - base
    back = pickle.loads(pickle.dumps(fit))  # noqa: S301 (our own bytes)
    out["same"] = float(np.array_equal(back.predict(), fit.predict()))
    return out


def _measure(mode: str) -> dict[str, float]:
    res = subprocess.run(
        [sys.executable, __file__, mode], capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def _can_reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


needs_proc = pytest.mark.skipif(
    not _can_reset_peak(), reason="needs Linux /proc/self/clear_refs to reset the peak"
)


@pytest.fixture(scope="module")
def streamed() -> dict[str, float]:
    return _measure("streamed")


@needs_proc
def test_pickle_peak_is_at_most_1_5x_its_size(streamed):
    assert streamed["size"] > 10  # a model large enough for copies to show (MB)
    assert streamed["peak"] <= MAX_PEAK_OVER_SIZE * streamed["size"], streamed


@needs_proc
def test_memory_comes_back_when_the_bytes_are_dropped(streamed):
    assert streamed["kept"] <= MAX_KEPT_OVER_SIZE * streamed["size"], streamed


@needs_proc
def test_pickled_model_gives_the_same_predictions(streamed):
    assert streamed["same"] == 1.0


@needs_proc
def test_the_check_sees_an_extra_copy():
    # The model pickled as one joined bytes object (a copy alive beside pickle's output).
    joined = _measure("joined")
    assert joined["peak"] > MAX_PEAK_OVER_SIZE * joined["size"], joined


@needs_proc
def test_the_check_sees_a_kept_copy():
    cached = _measure("cached")
    assert cached["kept"] > MAX_KEPT_OVER_SIZE * cached["size"], cached


if __name__ == "__main__":
    print(json.dumps(_child(sys.argv[1])))
