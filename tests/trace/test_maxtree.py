"""OPT's max-tree (trace/fast/maxtree.py) against a plain maximum, and the
prefetching path of OPT (traces with many pages) against the reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.trace.fast import maxtree
from pagewalk.trace.fast.opt import _FAR


@settings(max_examples=60, deadline=None, derandomize=True)
@given(slots=st.integers(1, 3000), ops=st.lists(st.tuples(st.booleans(), st.integers(0, 2**20)),
                                                 min_size=1, max_size=300))
def test_maxtree_tracks_the_largest_value(slots: int, ops: list[tuple[bool, int]]) -> None:
    off = maxtree.layout(slots)
    assert off[-1] - off[-2] <= maxtree.TOP
    tree = np.full(off[-1], -1, np.int64)
    plain = np.full(slots, -1, np.int64)
    sbits = (slots - 1).bit_length()
    for j in range(slots):                       # fill every slot
        v = (j * 7919 % 1000) << sbits | j
        maxtree.raise_value(tree, off, j, v)
        plain[j] = v
    for grow, x in ops:
        if grow:                                 # a hit: one slot's value grows
            j = x % slots
            v = max(plain[j] >> sbits, x) + 1 << sbits | j
            maxtree.raise_value(tree, off, j, v)
            plain[j] = v
        else:                                    # an eviction: the largest is replaced
            top = maxtree.largest(tree, off)
            assert top == plain.max()
            j = top & ((1 << sbits) - 1)
            v = x << sbits | j
            maxtree.replace_largest(tree, off, j, v)
            plain[j] = v
        assert maxtree.largest(tree, off) == plain.max()


@pytest.mark.parametrize("mode", ["cache", "demand"])
def test_opt_with_many_pages_equals_reference(mode: str) -> None:
    """At least _FAR pages: the kernels prefetch page state ahead."""
    rng = np.random.default_rng(3)
    npages = _FAR + 5000
    n = npages + 30_000
    pages = np.concatenate([np.arange(npages), rng.integers(0, npages, n - npages)])
    tr = pt.Trace.from_pages(pages, rng.random(n) < 0.3)
    assert tr.n_pages >= _FAR
    for frames in (3, 40):  # (the reference scans every frame per eviction)
        fast = pt.replay(tr, frames=frames, policy="opt", mode=mode)
        ref = pt.replay(tr, frames=frames, policy="opt", mode=mode, engine="reference")
        assert fast == ref
