"""OPT's chunked next-use computation: identical counts across chunk borders."""

from __future__ import annotations

import numpy as np
import pytest

import pagewalk.trace as pt


@pytest.mark.parametrize("mode", ["cache", "demand"])
def test_opt_across_chunks_equals_reference(mode: str) -> None:
    rng = np.random.default_rng(5)
    n = 3 * 65536 + 17                      # several 64 Ki-access chunks
    pages = rng.integers(0, 6, n)
    pages[65530:65545] = 4                  # a run across the first chunk border
    pages[131070:131075] = 2
    tr = pt.Trace.from_pages(pages, rng.random(n) < 0.3)
    for frames in (1, 3):
        fast = pt.replay(tr, frames=frames, policy="opt", mode=mode)
        ref = pt.replay(tr, frames=frames, policy="opt", mode=mode, engine="reference")
        assert fast == ref


def test_run_bounds_start_runs_and_hold_at_most_a_chunk_of_runs() -> None:
    from pagewalk.trace.fast.opt import _run_bounds
    rng = np.random.default_rng(11)
    ids = rng.integers(0, 3, 5000).astype(np.uint8)
    ids[1000:2600] = 1                       # one run over several borders
    for chunk in (1, 7, 100, 999, 5000, 9000):
        b = _run_bounds(ids, chunk)
        assert b[0] == 0 and b[-1] == ids.size and np.all(np.diff(b) > 0)
        assert all(ids[j] != ids[j - 1] for j in b[1:-1])
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        per_chunk = np.diff(np.searchsorted(starts, b))
        assert per_chunk.max() <= chunk


@pytest.mark.parametrize("mode", ["cache", "demand"])
def test_opt_long_run_over_chunk_borders(mode: str) -> None:
    rng = np.random.default_rng(6)
    n = 4 * 65536 + 5
    pages = rng.integers(0, 5, n)
    pages[60000:200000] = 3                 # a run over two chunk borders
    pages[-70000:] = 1                      # and one to the end
    tr = pt.Trace.from_pages(pages, rng.random(n) < 0.2)
    for frames in (1, 2, 4):
        fast = pt.replay(tr, frames=frames, policy="opt", mode=mode)
        ref = pt.replay(tr, frames=frames, policy="opt", mode=mode, engine="reference")
        assert fast == ref


@pytest.mark.parametrize("mode", ["cache", "demand"])
def test_opt_many_frames_equals_reference(mode: str) -> None:
    """Frame counts that use many blocks of the keys' block-max structure."""
    rng = np.random.default_rng(8)
    npages = 3000
    w = 1.0 / np.arange(1, npages + 1) ** 0.8
    pages = rng.choice(npages, 30000, p=w / w.sum())
    tr = pt.Trace.from_pages(pages, rng.random(pages.size) < 0.3)
    for frames in (9, 16, 17, 100, 257, 700, 2999, 5000):
        fast = pt.replay(tr, frames=frames, policy="opt", mode=mode)
        ref = pt.replay(tr, frames=frames, policy="opt", mode=mode, engine="reference")
        assert fast == ref, frames
