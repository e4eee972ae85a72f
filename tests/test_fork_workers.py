"""Loky workers forked from this process's R (pylme/parallel/fork_start.py).

Each test tells the forked start from loky's own start (``PYLME_WORKER_START=fresh``): a fresh
worker starts its own R, so it cannot see what this process's R holds; a forked one can. The
same tests then check what forking must not carry over: R's random-number stream and the lock
this process held while forking.
"""

from __future__ import annotations

import os
import threading
import time
import warnings

import pytest
from test_parallel import assert_same_fit

import pylme
from pylme.parallel import engine, fork_start
from pylme.parallel.fit_many import TEST_KILL_OPTION

MARKER = "pylme_test_fork_marker"


def _r():
    import rpy2.rinterface as ri

    from pylme.runtime.session import get_session

    get_session()
    return ri


def _probe(payload, _frame):
    """Worker side: who am I, what does my R hold, and my R's first uniform draw."""
    ri = _r()
    from pylme.runtime.session import R_LOCK

    time.sleep(payload)  # long enough for every worker to take a task
    with R_LOCK:
        marker = MARKER in ri.globalenv
        if _FIRST_DRAW is None or _FIRST_DRAW[0] != os.getpid():
            _set_first(os.getpid(), float(ri.globalenv.find("runif")(1)[0]))
    got = []

    def other_thread() -> None:
        took = R_LOCK.acquire(timeout=5)
        got.append(took)
        if took:
            R_LOCK.release()

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "marker": marker,
        "draw": _FIRST_DRAW[1],
        "lock_free": got[0],
    }


_FIRST_DRAW: tuple[int, float] | None = None


def _set_first(pid: int, draw: float) -> None:
    global _FIRST_DRAW
    _FIRST_DRAW = (pid, draw)


def run_probes(n: int = 6) -> list[dict]:
    out = engine.run(_probe, [0.2] * n, [None] * n, backend="loky", n_jobs=2, progress=False)
    assert all(o[0] == "ok" for o in out), out
    return [o[1] for o in out]


@pytest.fixture
def parent_r():
    """This process's R with a marker object and a seeded random stream; a new pool after."""
    ri = _r()
    from pylme.runtime.session import R_LOCK

    fork_start.discard()
    with R_LOCK:
        ri.globalenv[MARKER] = ri.IntSexpVector([1])
        ri.baseenv["set.seed"](1)
    yield ri
    with R_LOCK:
        ri.baseenv["rm"](list=ri.StrSexpVector([MARKER]), envir=ri.globalenv)
    fork_start.discard()


def test_forked_workers_share_this_r(parent_r, monkeypatch):
    monkeypatch.delenv(fork_start.START_VARIABLE, raising=False)
    got = run_probes()
    assert {g["ppid"] for g in got} == {os.getpid()}
    assert len({g["pid"] for g in got}) == 2
    assert all(g["marker"] for g in got)  # this process's R, copied: no R start-up
    again = run_probes()  # the pool is kept warm for the next call
    assert {g["pid"] for g in again} == {g["pid"] for g in got}


def test_fresh_workers_start_their_own_r(parent_r, monkeypatch):
    monkeypatch.setenv(fork_start.START_VARIABLE, "fresh")
    got = run_probes()
    assert not any(g["marker"] for g in got)


def test_forked_workers_do_not_continue_this_processs_random_stream(parent_r, monkeypatch):
    monkeypatch.delenv(fork_start.START_VARIABLE, raising=False)
    got = run_probes()
    from pylme.runtime.session import R_LOCK

    with R_LOCK:  # the draw a worker would make if it had kept the parent's .Random.seed
        parent_next = float(parent_r.globalenv.find("runif")(1)[0])
    # R: set.seed(1); runif(1) is 0.2655087
    assert parent_next == pytest.approx(0.2655087, abs=1e-7)
    first = {g["pid"]: g["draw"] for g in got}
    assert len(first) == 2
    assert parent_next not in first.values()
    assert len(set(first.values())) == 2


def test_forked_workers_can_take_the_r_lock_from_another_thread(parent_r, monkeypatch):
    """The fork happens while this thread holds R_LOCK; each worker releases its copy."""
    monkeypatch.delenv(fork_start.START_VARIABLE, raising=False)
    assert all(g["lock_free"] for g in run_probes())


def test_a_dead_forked_worker_costs_its_job_and_the_pool_is_replaced(sleepstudy, monkeypatch):
    monkeypatch.delenv(fork_start.START_VARIABLE, raising=False)
    fork_start.discard()
    good = pylme.Job("lmer", "Reaction ~ Days + (Days | Subject)", sleepstudy)
    killer = pylme.Job(
        "lmer", "Reaction ~ Days + (1 | Subject)", sleepstudy, **{TEST_KILL_OPTION: True}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        serial = pylme.lmer(good.formula, sleepstudy)
        got = pylme.fit_many([good, killer, good, good], backend="loky", n_jobs=2, progress=False)
        assert isinstance(got[1], pylme.JobError) and got[1].error_type == "WorkerDied"
        for k in (0, 2, 3):
            assert_same_fit(got[k], serial)
        after = pylme.fit_many([good, good], backend="loky", n_jobs=2, progress=False)
    for fit in after:
        assert_same_fit(fit, serial)


def test_a_changed_worker_count_gets_its_own_pool(monkeypatch):
    monkeypatch.delenv(fork_start.START_VARIABLE, raising=False)
    fork_start.discard()
    out = engine.run(_probe, [0.0] * 2, [None] * 2, backend="loky", n_jobs=1, progress=False)
    assert len({o[1]["pid"] for o in out}) == 1
    assert len({g["pid"] for g in run_probes()}) == 2
    fork_start.discard()


def test_an_unknown_start_method_is_named(monkeypatch):
    monkeypatch.setenv(fork_start.START_VARIABLE, "spawn")
    with pytest.raises(
        pylme.OptionError, match="PYLME_WORKER_START must be one of 'fork', 'fresh'"
    ):
        fork_start.start_method()


CTRL_C = """
import json, os, signal, sys, threading, time, warnings
sys.path.insert(0, "tests")
os.setpgrp()  # Ctrl-C reaches this process and its workers, as a terminal's would
import pylme, rref
from pylme.parallel import fork_start
warnings.simplefilter("ignore")
d = rref.r_dataset("lme4", "sleepstudy")
jobs = [pylme.Job("lmer", "Reaction ~ Days + (Days | Subject)", d) for _ in range(3000)]
pylme.lmer(jobs[0].formula, d)
rounds = []
for delay in DELAYS:  # Ctrl-C while the pool forks, the jobs are packed, sent, and run
    sent = []
    def ctrl_c():
        time.sleep(delay)
        sent.append(time.perf_counter())
        os.killpg(0, signal.SIGINT)
    threading.Thread(target=ctrl_c, daemon=True).start()
    outcome = "finished"
    try:
        pylme.fit_many(jobs, backend="loky", n_jobs=2, progress=False)
    except KeyboardInterrupt:
        outcome = "KeyboardInterrupt"
    rounds.append({"delay": delay, "outcome": outcome, "took": time.perf_counter() - sent[0],
                   "kept": "pool" in fork_start._POOL})
again = pylme.fit_many(jobs[:4], backend="loky", n_jobs=2, progress=False)
print(json.dumps({"rounds": rounds, "again": [type(f).__name__ for f in again]}))
"""

#: Seconds from the call to Ctrl-C: on this project's machines the first 0.2 s of a
#: 3,000-job fit_many fork the workers and pack and send the jobs; later ones land in fits.
DELAYS = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5, 1.0]


@pytest.mark.parametrize("start", ["fork", "fresh"])
def test_ctrl_c_stops_the_pool_at_once_whatever_it_was_doing(start):
    """Ctrl-C at any point of a run: KeyboardInterrupt within a second, no worker left
    running, the next call works, and the interpreter exits (a worker killed while writing
    a result, or KeyboardInterrupt raised inside loky's bookkeeping, once left loky's manager
    thread, and the exit, waiting forever)."""
    from rref_hardening import last_json, run_python

    code = CTRL_C.replace("DELAYS", repr(DELAYS))
    res = run_python(code, env={fork_start.START_VARIABLE: start}, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    out = last_json(res.stdout)
    for r in out["rounds"]:
        assert r["outcome"] == "KeyboardInterrupt", r
        assert r["took"] < 1.0, r
        assert not r["kept"], r  # its workers were stopped, not left running 3,000 jobs
    assert out["again"] == ["LmerFit"] * 4
    if start == "fork":  # (loky's fresh workers print where Ctrl-C found them starting)
        assert "Traceback" not in res.stderr, res.stderr[-2000:]
        assert "Exception ignored" not in res.stderr, res.stderr[-2000:]
