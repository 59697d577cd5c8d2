"""LIRS: the compiled kernel against its reference twin (both modes), and its lower bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument
from pagewalk.trace.policies import MODES

accesses = st.lists(st.tuples(st.integers(0, 15), st.booleans()), min_size=1, max_size=300)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(trace=accesses, frames=st.integers(2, 12), mode=st.sampled_from(MODES))
def test_lirs_kernel_equals_reference(trace: list[tuple[int, bool]], frames: int,
                                      mode: str) -> None:
    tr = pt.Trace.from_pages([p for p, _ in trace], [w for _, w in trace])
    fast = pt.replay(tr, frames=frames, policy="lirs", mode=mode)
    ref = pt.replay(tr, frames=frames, policy="lirs", mode=mode, engine="reference")
    assert fast == ref


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), mode=st.sampled_from(MODES))
def test_lirs_kernel_equals_reference_with_a_hir_queue_of_several_pages(seed: int,
                                                                         mode: str) -> None:
    """From 200 frames Q holds int(0.01 * k) >= 2 pages: other paths of the rules."""
    rng = np.random.default_rng(seed)
    npages = int(rng.integers(220, 600))
    w = 1.0 / np.arange(1, npages + 1) ** 0.8
    pages = rng.choice(npages, 6000, p=w / w.sum())
    tr = pt.Trace.from_pages(pages, rng.random(pages.size) < 0.3)
    frames = int(rng.integers(200, npages))
    fast = pt.replay(tr, frames=frames, policy="lirs", mode=mode)
    ref = pt.replay(tr, frames=frames, policy="lirs", mode=mode, engine="reference")
    assert fast == ref


def test_lirs_refuses_one_frame() -> None:
    with pytest.raises(InvalidArgument, match="needs frames >= 2"):
        pt.replay([1, 2, 1], frames=1, policy="lirs")


def test_lirs_brings_back_a_ghost_at_the_bottom_of_its_stack_as_libcachesim_does() -> None:
    """k=2: page 0 is pushed out by 2, then the hit on 2 moves S's bottom entry (the
    ghost of 0) into Q, resident again without an access; libCacheSim's LIRS(2)
    then hits 0, 1 and 2: three pages in two frames.  In demand mode 0 is read
    back from swap without a fault (pswpin 1, major 0)."""
    pages = [0, 1, 0, 1, 0, 1, 2, 2, 0, 1]
    cache = pt.replay(pages, frames=2, policy="lirs")
    assert (cache.faults, cache.evictions) == (3, 1)
    demand = pt.replay(pt.Trace.from_pages(pages, [True] * len(pages)), frames=2,
                       policy="lirs", mode="demand")
    assert (demand.minor, demand.major, demand.to_dict()["pswpin"],
            demand.to_dict()["pswpout"]) == (3, 0, 1, 1)
    for engine in ("fast", "reference"):
        assert pt.replay(pages, frames=2, policy="lirs", engine=engine) == cache

