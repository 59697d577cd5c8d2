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
