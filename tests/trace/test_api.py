"""Argument checking of the public functions."""

from __future__ import annotations

import numpy as np
import pytest

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument


def test_memory_is_frames_times_4k() -> None:
    tr = pt.Trace.from_pages(range(100))
    assert pt.replay(tr, memory="64KiB").frames == 16
    assert pt.replay(tr, memory=8192).frames == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(), "exactly one of frames"),
    (dict(frames=3, memory="1MiB"), "exactly one of frames"),
    (dict(frames=0), "int >= 1"),
    (dict(frames=2.5), "int >= 1"),
    (dict(memory="1KiB"), "less than one 4 KiB page"),
    (dict(memory="lots"), "does not parse"),
    (dict(frames=2, policy="belady"), "lru, clock, fifo, opt, arc, lfu, linux, mru"),
    (dict(frames=2, policy="random", seed=-1), "seed=-1; write an int >= 0"),
    (dict(frames=3, policy="2q"), "policy='2q' needs frames >= 4"),
    (dict(frames=2, mode="swap"), "cache, demand"),
    (dict(frames=2, engine="gpu"), "fast, reference"),
])
def test_bad_replay_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        pt.replay([1, 2, 3], **kwargs)


def test_trace_properties() -> None:
    tr = pt.Trace.from_pages(np.array([7, 9, 7, 1 << 50], np.uint64), [True, False, False, True])
    assert len(tr) == 4 and tr.n_pages == 3
    assert tr.pages.dtype == np.uint64 and tr.pages.tolist() == [7, 9, 7, 1 << 50]
    assert tr.ids.tolist() == [0, 1, 0, 2]
    assert tr.writes.tolist() == [True, False, False, True]
    assert len(tr[1:3]) == 2
    assert pt.Trace.from_addresses([4096, 8191, 0]).pages.tolist() == [1, 1, 0]
    with pytest.raises(InvalidArgument):
        pt.Trace.from_pages([-1])


def test_empty_trace() -> None:
    res = pt.replay([], frames=4)
    assert res.accesses == 0 and res.faults == 0 and res.hit_ratio == 1.0
    assert pt.mrc([]).misses.tolist() == [0, 0]
