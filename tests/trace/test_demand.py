"""Demand mode: the kernel model's rules on hand-worked traces."""

from __future__ import annotations

import pytest

import pagewalk.trace as pt
from pagewalk.trace.policies import MIN_FRAMES, POLICY_NAMES


def trace(spec: str) -> pt.Trace:
    """'r1 w2 r1' -> read page 1, write page 2, read page 1."""
    items = spec.split()
    return pt.Trace.from_pages([int(x[1:]) for x in items], [x[0] == "w" for x in items])


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_reads_map_the_zero_page(engine: str) -> None:
    res = pt.replay(trace("r1 r1 r2 r1"), frames=1, mode="demand", engine=engine)
    assert (res.minor, res.major, res.zero_maps, res.pswpout, res.evictions) == (2, 0, 2, 0, 0)
    assert res.faults == 2 and res.hit_ratio == 0.5


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_write_after_zero_page_read_allocates(engine: str) -> None:
    res = pt.replay(trace("r1 w1 w1"), frames=1, mode="demand", engine=engine)
    assert (res.minor, res.major, res.zero_maps) == (2, 0, 1)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_swap_out_and_in(engine: str) -> None:
    # w1 w2: page 1 swapped out (dirty). r1: major, page 2 out (dirty).
    # r2: major, page 1 out: clean with a swap copy, no write. w1: major (the
    # swap copy is read back) and page 2 goes out clean (no write).
    res = pt.replay(trace("w1 w2 r1 r2 w1"), frames=1, policy="lru", mode="demand",
                    engine=engine)
    assert (res.minor, res.major, res.pswpin, res.pswpout) == (2, 3, 3, 2)


@pytest.mark.parametrize("policy", POLICY_NAMES)
def test_enough_frames_means_no_swap(policy: str) -> None:
    frames = max(3, MIN_FRAMES.get(policy, 1))  # 3 resident pages at most; 2q, s3fifo need more
    res = pt.replay(trace("w1 w2 r3 w1 r2 w3 r4"), frames=frames, policy=policy, mode="demand")
    assert (res.minor, res.major, res.pswpout, res.zero_maps) == (5, 0, 0, 2)
