"""fit_many when a worker dies: exactly the job that killed it is WorkerDied, on loky and Dask.

Three ways to kill a worker, each among six good jobs on two workers: a payload that kills
its worker while being unpickled, a SIGKILL from outside in the middle of the fit, and R
calling ``quit()``. The good jobs must equal serial fits (which are checked against a pure-R
run here too), and only the killer may be ``JobError("WorkerDied")``.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import threading
import warnings
from pathlib import Path

import compare
import numpy as np
import pytest
import rref
from test_parallel import assert_same_fit

import pylme
from pylme.parallel import dask_backend, loky_backend
from pylme.parallel.loky_backend import triage

GOOD = [
    ("Reaction ~ Days + (Days | Subject)", {}),
    ("y0 ~ Days + (1 | Subject)", {"REML": False}),
    ("y1 ~ Days + (Days || Subject)", {}),
    ("Reaction ~ Days + (1 | Subject)", {"weights": "w"}),
    ("y2 ~ Days + (Days | Subject)", {"REML": False}),
    ("y0 ~ 1 + (1 | Subject)", {}),
]
KILLER_AT = 3  # the killer's slot among the seven jobs


@pytest.fixture(scope="module")
def data(sleepstudy):
    rng = np.random.default_rng(18)
    df = sleepstudy.copy()
    for k in range(3):
        df[f"y{k}"] = df["Reaction"] + rng.normal(0, 20 * (k + 1), len(df))
    df["w"] = rng.uniform(0.5, 2.0, len(df))
    return df


@pytest.fixture(scope="module")
def good(data):
    return [pylme.Job("lmer", f, data, **o) for f, o in GOOD]


@pytest.fixture(scope="module")
def serial(good):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pylme.fit_many(good, backend="serial")


def test_serial_fits_equal_pure_r(data, serial):
    """The serial fits the crash runs are compared with are lme4's own numbers."""
    cases = [
        {"id": str(k), "function": "lmer", "formula": f, "data": data, "options": o}
        for k, (f, o) in enumerate(GOOD)
    ]
    refs = rref.reference_fits(cases)
    for k, fit in enumerate(serial):
        for q in compare.QUANTITIES:
            compare.check(q, fit, refs[str(k)])


# -- the killers ---------------------------------------------------------------------------


class Bomb:
    """Unpickling it SIGKILLs the process that unpickles it (a worker; never the parent)."""

    def __reduce__(self):
        return (signal.raise_signal, (signal.SIGKILL,))


class Sniper:
    """Kills, from outside and with SIGKILL, every process whose pid the job writes."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="pylme-crash-")
        self.path = os.path.join(self.dir, "pids")
        if not re.fullmatch(r"[A-Za-z0-9_./-]+", self.path):
            raise RuntimeError(f"unexpected characters in {self.path}")
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def formula(self) -> str:
        # The job's R code (trusted=True) writes its worker's pid, then waits to be killed.
        # (Sys.getpid() would do, but lme4's expandDoubleVerts fails on a call without
        # arguments: "Error in term[[2]] : subscript out of bounds", lme4 1.1-31.)
        pid = f'cat(Sys.readlink("/proc/self"), "\\n", file = "{self.path}", append = TRUE)'
        return f"Reaction ~ Days + I(Days + 0 * length(c({pid}, Sys.sleep(60)))) + (1 | Subject)"

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            if not os.path.exists(self.path):
                continue
            text = Path(self.path).read_text()
            for line in text.splitlines(keepends=True):
                pid = int(line) if line.endswith("\n") else None
                if pid is not None and pid not in self.killed:
                    os.kill(pid, signal.SIGKILL)
                    self.killed.append(pid)

    def __enter__(self) -> Sniper:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def killer_job(kind: str, data, sniper: Sniper | None = None) -> pylme.Job:
    base = "Reaction ~ Days + (1 | Subject)"
    if kind == "unpickle":
        return pylme.Job("lmer", base, data, bomb=Bomb())
    if kind == "sigkill":
        return pylme.Job("lmer", sniper.formula(), data, trusted=True)
    quit_ = 'Reaction ~ Days + I(quit(save = "no", status = 3)) + (1 | Subject)'
    return pylme.Job("lmer", quit_, data, trusted=True)


def run_with_killer(kind: str, good, data, at: int = KILLER_AT, **kw):
    """fit_many over the good jobs with the killer in slot ``at``."""
    with Sniper() as sniper, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        jobs = [*good[:at], killer_job(kind, data, sniper), *good[at:]]
        got = pylme.fit_many(jobs, n_jobs=2, keep_model=False, **kw)
    if kind == "sigkill":
        assert sniper.killed, "the killer job never started"
    return got


def check_one_death(got, serial, at: int = KILLER_AT) -> None:
    """Exactly the killer (slot ``at``) is JobError("WorkerDied"); every other job equals
    its serial fit."""
    assert len(got) == len(serial) + 1
    failed = [k for k, r in enumerate(got) if isinstance(r, pylme.JobError)]
    assert failed == [at], [str(got[k]) for k in failed]
    assert got[at].error_type == "WorkerDied"
    for fit, ref in zip(got[:at] + got[at + 1 :], serial):
        assert_same_fit(fit, ref)


def test_check_one_death_sees_wrong_answers(good, serial):
    died = pylme.JobError(good[0], "WorkerDied", "gone")
    right = [*serial[:KILLER_AT], died, *serial[KILLER_AT:]]
    check_one_death(right, serial)
    wrong = {
        "an innocent blamed": [died, *right[1:]],
        "no death reported": [*serial[:KILLER_AT], serial[0], *serial[KILLER_AT:]],
        "another error": [
            *serial[:KILLER_AT],
            pylme.JobError(good[0], "RError", "x"),
            *serial[KILLER_AT:],
        ],
        "fits swapped": [serial[1], serial[0], *right[2:]],
        "a job missing": right[:-1],
    }
    for what, results in wrong.items():
        with pytest.raises(AssertionError):
            check_one_death(results, serial)
            pytest.fail(what)


KINDS = ["unpickle", "sigkill", "quit"]


def counting(monkeypatch, module):
    """Count the jobs run alone (isolation)."""
    calls = []
    real = module.run_alone

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(module, "run_alone", spy)
    return calls


# -- loky ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_loky_blames_only_the_killer(kind, good, serial, data, monkeypatch):
    alone = counting(monkeypatch, loky_backend)
    check_one_death(run_with_killer(kind, good, data, backend="loky"), serial)
    assert alone == []  # the dead worker's job was known: nothing re-run alone


def test_loky_reruns_jobs_in_doubt_alone(good, serial, data, monkeypatch):
    """When the dead worker cannot be seen, the jobs that may have been on it run again, each
    alone in a fresh worker; only the one whose lone worker dies again is WorkerDied."""
    monkeypatch.setattr(loky_backend, "dead_workers", lambda executor: set())
    alone = counting(monkeypatch, loky_backend)
    # The killer second to last (fewer jobs in doubt: each costs a fresh worker). It dies
    # as it is unpickled, within milliseconds, so the last job is still queued or running.
    at = len(good) - 1
    check_one_death(run_with_killer("unpickle", good, data, at, backend="loky"), serial, at)
    # call_chunk(fn, finish, [(index, payload, frame)], markers): the killer ran alone. The
    # last job too when it was still queued or running as the pool broke; a fast machine may
    # have finished it before.
    ran_alone = {item[0] for call in alone for item in call[0][3]}
    assert all(len(call[0][3]) == 1 for call in alone)
    assert at in ran_alone and ran_alone <= set(range(len(good) + 1)), ran_alone


def test_triage():
    # The job marked by the dead worker (pid 10) is blamed; the one on live worker 11 and the
    # jobs never handed to a worker run again.
    assert triage([1, 2, 3, 4], {1: 11, 2: 10}, {10}, {1, 2, 3}) == ([2], [], [1, 3, 4])
    # Dead worker 10 ran no marked job: the handed jobs without a mark are in doubt.
    assert triage([1, 2, 3, 4], {1: 11}, {10}, {1, 2, 3}) == ([], [2, 3], [1, 4])
    # No dead pid seen: every handed or marked job is in doubt, never blamed.
    assert triage([1, 2, 3, 4], {1: 11, 2: 10}, set(), {1, 2, 3}) == ([], [1, 2, 3], [4])
    # Nothing explains the death: the handed jobs are re-run alone rather than looping.
    assert triage([1, 2], {1: 11, 2: 12}, {10}, {1}) == ([], [1], [2])
    assert triage([1, 2], {}, set(), set()) == ([], [1, 2], [])


# -- Dask ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    import dask

    from pylme.parallel.engine import clean_environment

    # As the LocalCluster fit_many starts itself: no retries by the scheduler.
    with clean_environment(), dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.mark.parametrize("kind", KINDS)
def test_dask_blames_only_the_killer(kind, good, serial, data, client, monkeypatch):
    alone = counting(monkeypatch, dask_backend)
    check_one_death(run_with_killer(kind, good, data, client=client), serial)
    # The killer ran alone (and so did the tasks queued behind it on its worker, or any
    # whose frame was lost twice): run_alone(client, fn, index, payload, frame).
    assert KILLER_AT in {call[2] for call in alone}, [call[2] for call in alone]
