"""CLOCK-Pro: kernel = reference twin (both modes), = an independent CLOCK-Pro.

The independent one is dgryski/go-clockpro (the Go port of pyclockpro)
transliterated in :mod:`tests.trace.clockpro_go`; libCacheSim's ClockPro(k) is
no peer (it never evicts: tests/trace/test_libcachesim.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument
from pagewalk.trace.fast import clockpro
from pagewalk.trace.fast import common as C
from pagewalk.trace.policies import MODES
from pagewalk.trace.reference import ClockPro

from .clockpro_go import go_misses

accesses = st.lists(st.tuples(st.integers(0, 15), st.booleans()), min_size=1, max_size=300)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(trace=accesses, frames=st.integers(2, 12), mode=st.sampled_from(MODES))
def test_clockpro_kernel_equals_reference(trace: list[tuple[int, bool]], frames: int,
                                          mode: str) -> None:
    tr = pt.Trace.from_pages([p for p, _ in trace], [w for _, w in trace])
    fast = pt.replay(tr, frames=frames, policy="clockpro", mode=mode)
    ref = pt.replay(tr, frames=frames, policy="clockpro", mode=mode, engine="reference")
    assert fast == ref


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(MODES))
def test_clockpro_kernel_equals_reference_at_larger_sizes(seed: int, mode: str) -> None:
    rng = np.random.default_rng(seed)
    npages = int(rng.integers(50, 600))
    w = 1.0 / np.arange(1, npages + 1) ** 0.8
    pages = rng.choice(npages, 5000, p=w / w.sum())
    tr = pt.Trace.from_pages(pages, rng.random(pages.size) < 0.3)
    frames = int(rng.integers(10, npages))
    fast = pt.replay(tr, frames=frames, policy="clockpro", mode=mode)
    ref = pt.replay(tr, frames=frames, policy="clockpro", mode=mode, engine="reference")
    assert fast == ref


@settings(max_examples=40, deadline=None, derandomize=True)
@given(trace=st.lists(st.tuples(st.integers(0, 7), st.booleans()), min_size=200,
                      max_size=1500), frames=st.integers(2, 5), mode=st.sampled_from(MODES))
def test_clockpro_kernel_equals_reference_on_long_traces_over_few_pages(
        trace: list[tuple[int, bool]], frames: int, mode: str) -> None:
    """Long enough for the cold target to reach k and the test pages their bound."""
    tr = pt.Trace.from_pages([p for p, _ in trace], [w for _, w in trace])
    fast = pt.replay(tr, frames=frames, policy="clockpro", mode=mode)
    ref = pt.replay(tr, frames=frames, policy="clockpro", mode=mode, engine="reference")
    assert fast == ref

def reference_misses(pages: list[int], frames: int, ratio: float) -> tuple[int, int]:
    """(misses, evictions) of the reference twin, cold target from ``ratio``."""
    pol = ClockPro(frames, pages, init_ratio_cold=ratio)
    resident: set[int] = set()
    misses = evictions = 0
    for i, p in enumerate(pages):
        if p in resident:
            pol.hit(p, i)
            continue
        misses += 1
        gone = pol.miss(p, i)
        evictions += len(gone)
        resident.difference_update(gone)
        resident.add(p)
        assert len(resident) <= frames
    return misses, evictions


def kernel_misses(pages: list[int], frames: int, init_cold: int) -> tuple[int, int]:
    tr = pt.Trace.from_pages(pages)
    cnt = C.new_counters()
    clockpro.run_clockpro(tr.ids, np.zeros(1, np.bool_), max(tr.n_pages, 1), frames, False,
                          cnt, init_cold)
    return int(cnt[C.MINOR] + cnt[C.MAJOR]), int(cnt[C.EVICTIONS])


def random_traces(seed: int, count: int):
    rng = np.random.default_rng(seed)
    for trial in range(count):
        npages = int(rng.integers(1, 120))
        n = int(rng.integers(1, 800))
        if trial % 2:
            pages = rng.integers(0, npages, n)
        else:
            w = 1.0 / np.arange(1, npages + 1) ** 1.0
            pages = rng.choice(npages, n, p=w / w.sum())
        yield pages.tolist(), int(rng.integers(2, npages + 3))


def test_reference_and_kernel_equal_go_clockpro_on_random_traces() -> None:
    """Both starting cold targets: go-clockpro's own (m_c = k) and pagewalk's (k // 2)."""
    for pages, frames in random_traces(7, 300):
        for ratio in (1.0, 0.5):
            init = max(1, int(frames * ratio))
            go = go_misses(pages, frames, init)
            assert reference_misses(pages, frames, ratio) == go, (frames, ratio)
            assert kernel_misses(pages, frames, init) == go, (frames, ratio)
    pages, frames = next(random_traces(8, 1))
    assert pt.replay(pages, frames=frames, policy="clockpro").faults == \
        go_misses(pages, frames, clockpro.initial_cold_target(frames))[0]


def test_one_miss_can_evict_two_pages_and_memory_never_overflows() -> None:
    """The hands chase each other: HAND_test runs HAND_cold, which can evict again."""
    twice = 0
    for pages, frames in random_traces(9, 400):
        pol = ClockPro(frames, pages)
        resident: set[int] = set()
        for i, p in enumerate(pages):
            if p in resident:
                pol.hit(p, i)
                continue
            gone = pol.miss(p, i)
            twice += len(gone) == 2
            assert len(gone) <= 2
            resident.difference_update(gone)
            resident.add(p)
            assert len(resident) <= frames
    assert twice > 0


def test_clockpro_on_a_small_example() -> None:
    """k = 2, m_c = 1: 0 and 1 enter cold and 0 is hit; 2 evicts 1 (bit clear: a test
    page); 1 returns in its test period, evicts 2 and comes back hot (m_c 2); 0 and 1
    hit; 2 returns from its test period and the hands chase each other round the
    ring until HAND_cold evicts 0: 5 misses, 3 evictions."""
    pages = [0, 1, 0, 2, 1, 0, 1, 2]
    r = pt.replay(pages, frames=2, policy="clockpro")
    assert (r.faults, r.evictions) == go_misses(pages, 2, 1) == (5, 3)
    demand = pt.replay(pt.Trace.from_pages(pages, [True] * len(pages)), frames=2,
                       policy="clockpro", mode="demand")
    assert (demand.minor, demand.major, demand.pswpin, demand.pswpout) == (3, 2, 2, 3)


def test_clockpro_refuses_one_frame() -> None:
    with pytest.raises(InvalidArgument, match="needs frames >= 2"):
        pt.replay([1, 2, 1], frames=1, policy="clockpro")


@pytest.mark.parametrize("frames", [23, 64])
def test_kernel_equals_go_clockpro_on_a_real_trace(gzip_trace: pt.Trace, frames: int) -> None:
    assert len(gzip_trace) > 100_000
    pages = gzip_trace.ids.tolist()
    ours = pt.replay(gzip_trace, frames=frames, policy="clockpro")
    assert (ours.faults, ours.evictions) == \
        go_misses(pages, frames, clockpro.initial_cold_target(frames))
    assert ours.major > 0  # the trace is long enough for CLOCK-Pro to evict and refault
