"""The fast engine against its reference twin: identical counters for every
policy, in both modes, on random traces."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.trace.policies import MIN_FRAMES, MODES, POLICY_NAMES

accesses = st.lists(st.tuples(st.integers(0, 24), st.booleans()), min_size=0, max_size=250)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(trace=accesses, frames=st.integers(1, 30), policy=st.sampled_from(POLICY_NAMES),
       mode=st.sampled_from(MODES))
def test_fast_equals_reference(trace: list[tuple[int, bool]], frames: int, policy: str,
                               mode: str) -> None:
    pages = [p * 4099 for p, _ in trace]  # sparse page numbers, dense ids inside
    tr = pt.Trace.from_pages(pages, [w for _, w in trace])
    frames = max(frames, MIN_FRAMES.get(policy, 1))
    fast = pt.replay(tr, frames=frames, policy=policy, mode=mode)
    ref = pt.replay(tr, frames=frames, policy=policy, mode=mode, engine="reference")
    assert fast == ref


def test_fast_equals_reference_on_longer_traces() -> None:
    rng = np.random.default_rng(7)
    for trial in range(6):
        n, npages = 4000, int(rng.integers(20, 200))
        weights = 1.0 / np.arange(1, npages + 1) ** (0.6 + 0.2 * trial)
        pages = rng.choice(npages, n, p=weights / weights.sum())
        tr = pt.Trace.from_pages(pages, rng.random(n) < 0.3)
        frames = int(rng.integers(1, npages))
        for policy in POLICY_NAMES:
            for mode in MODES:
                k = max(frames, MIN_FRAMES.get(policy, 1))
                fast = pt.replay(tr, frames=k, policy=policy, mode=mode)
                ref = pt.replay(tr, frames=k, policy=policy, mode=mode, engine="reference")
                assert fast == ref, (policy, mode, k)
