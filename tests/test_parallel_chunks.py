"""Jobs in chunks on loky (pylme/parallel/chunks.py): guided sizes, one ``finish`` per chunk,
a failure in ``finish`` kept to its own job, and the same results as one job per task."""

from __future__ import annotations

import os

import pytest

from pylme.parallel import engine
from pylme.parallel.chunks import call_chunk, chunk_sizes, chunked, finished


def _double(payload, frame):
    if payload == "bad":
        raise ValueError("a bad payload")
    return payload * 2


def _with_chunk(values):
    """finish: each value with the size of the chunk it was finished in, and the worker."""
    if any(v == 2 * 13 for v in values) and len(values) > 1:
        raise RuntimeError("13 cannot be finished with others")  # exercised job by job
    return [(v, len(values), os.getpid()) for v in values]


def test_guided_sizes():
    # 100 jobs, 2 workers, at most 8 per task: 8s while a 4th of what is left is >= 8, then
    # smaller, ending with single jobs.
    sizes = chunk_sizes(100, 2, 8)
    assert sum(sizes) == 100
    assert sizes[:6] == [8] * 6
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-4:] == [1, 1, 1, 1]
    assert chunk_sizes(10, 2, 8) == [3, 2, 2, 1, 1, 1]
    assert chunk_sizes(5, 2, 1) == [1] * 5  # batch=1: one job per task, as before chunks
    assert chunk_sizes(0, 2, 8) == []
    assert chunked(list(range(10)), 2, 8) == [[0, 1, 2], [3, 4], [5, 6], [7], [8], [9]]


def test_finish_once_per_chunk_and_errors_kept_apart():
    items = [(i, p, None) for i, p in enumerate([1, "bad", 3])]
    out = call_chunk(_double, _with_chunk, items, None)
    assert out[0] == ("ok", (2, 2, os.getpid()))
    assert out[1] == ("err", "ValueError", "a bad payload")  # fn's failure: finish skips it
    assert out[2] == ("ok", (6, 2, os.getpid()))
    assert call_chunk(_double, None, items[:1], None) == [("ok", 2)]


def test_finish_failing_on_one_value_fails_that_job_only():
    out = finished([("ok", 2), ("ok", 26), ("err", "X", "m")], _with_chunk)
    # the chunk's call failed: each value alone; 13 alone succeeds (only with others fails)
    assert out == [("ok", (2, 1, os.getpid())), ("ok", (26, 1, os.getpid())), ("err", "X", "m")]

    def never(values):
        raise RuntimeError("cannot")

    out = finished([("ok", 1), ("ok", 2)], never)
    assert out == [("err", "RuntimeError", "cannot")] * 2


@pytest.mark.parametrize("batch", [1, 8])
def test_loky_chunks_match_one_job_per_task(batch):
    payloads = [*range(30), "bad", *range(30, 40)]
    got = engine.run(
        _double,
        payloads,
        [None] * len(payloads),
        backend="loky",
        n_jobs=2,
        progress=False,
        finish=_with_chunk,
        batch=batch,
    )
    # the chunk each job travelled in, as the guided schedule cuts them
    size_of = {}
    for chunk in chunked(list(range(len(payloads))), 2, batch):
        finished_here = len(chunk) - (30 in chunk)  # "bad" (index 30) is not finished
        for i in chunk:  # with 13 among others, each value was finished alone
            size_of[i] = 1 if 13 in chunk else finished_here
    for i, (payload, outcome) in enumerate(zip(payloads, got)):
        if payload == "bad":
            assert outcome == ("err", "ValueError", "a bad payload")
            continue
        value, size, pid = outcome[1]
        assert value == payload * 2
        assert pid != os.getpid()  # finished in a worker
        assert size == size_of[i], (i, size, size_of[i])
    assert max(o[1][1] for o in got if o[0] == "ok") == (8 if batch == 8 else 1)


def test_serial_runs_do_not_finish():
    # in this process nothing travels: finish is not applied (Dask: fit_many's Dask tests)
    got = engine.run(
        _double,
        [1, 2],
        [None, None],
        backend="serial",
        n_jobs=1,
        progress=False,
        finish=_with_chunk,
        batch=8,
    )
    assert got == [("ok", 2), ("ok", 4)]
