"""Miss-ratio curves equal per-size replay; SHARDS stays close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument


def zipf_trace(n: int, npages: int, seed: int) -> pt.Trace:
    rng = np.random.default_rng(seed)
    w = 1.0 / np.arange(1, npages + 1)
    return pt.Trace.from_pages(rng.choice(npages, n, p=w / w.sum()) * 3 + 11)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lru_curve_equals_per_size_replay(seed: int) -> None:
    tr = zipf_trace(5000, 300 * seed, seed)
    curve = pt.mrc(tr)
    assert curve.frames[0] == 0 and curve.misses[0] == len(tr)
    assert curve.frames[-1] == tr.n_pages
    for k in range(1, tr.n_pages + 1):
        assert curve.misses_at(k) == pt.replay(tr, frames=k, policy="lru").faults, k


def test_lru_curve_survives_fenwick_compaction() -> None:
    # few pages, long trace: the slot array is compacted many times
    rng = np.random.default_rng(5)
    tr = pt.Trace.from_pages(rng.integers(0, 40, 20000))
    curve = pt.mrc(tr)
    for k in range(1, 41):
        assert curve.misses_at(k) == pt.replay(tr, frames=k).faults


def test_other_policies_are_replayed_per_size() -> None:
    tr = zipf_trace(3000, 200, 9)
    curve = pt.mrc(tr, policy="fifo", frames=[4, 16, 64])
    assert curve.frames.tolist() == [4, 16, 64]
    assert curve.misses.tolist() == [pt.replay(tr, frames=k, policy="fifo").faults
                                     for k in (4, 16, 64)]


def test_shards_rate_one_is_exact_and_sampled_is_close() -> None:
    tr = zipf_trace(60000, 20000, 4)
    exact = pt.mrc(tr)
    full = pt.mrc(tr, sample=1.0)
    assert np.allclose(full.misses, exact.misses)
    approx = pt.mrc(tr, sample=0.1, seed=1)
    for k in (100, 1000, 5000):
        assert abs(approx.misses_at(k) - exact.misses_at(k)) / len(tr) < 0.05


def test_plot_and_markers(tmp_path: Path) -> None:
    tr = zipf_trace(2000, 100, 3)
    curve = pt.mrc(tr)
    curve.add_replays(tr, ["fifo", "clock"], [5, 50])
    assert curve.replays["fifo"][1].tolist() == [pt.replay(tr, frames=k, policy="fifo").faults
                                                for k in (5, 50)]
    curve.plot(tmp_path / "mrc.png")
    assert (tmp_path / "mrc.png").stat().st_size > 1000
    assert curve.to_dict()["replays"]["clock"]["frames"] == [5, 50]


def test_bad_arguments() -> None:
    with pytest.raises(InvalidArgument, match="0 < rate <= 1"):
        pt.mrc([1, 2, 3], sample=0)
    with pytest.raises(InvalidArgument, match="policy"):
        pt.mrc([1, 2, 3], policy="nope")


def test_lru_curve_with_many_pages_equals_replay() -> None:
    """At least _FAR pages (the pass prefetches ahead), several compactions."""
    from pagewalk.trace.mrc import _FAR
    rng = np.random.default_rng(12)
    npages = _FAR + 3000
    w = 1.0 / np.arange(1, npages + 1) ** 0.9
    pages = np.concatenate([np.arange(npages), rng.choice(npages, 400_000, p=w / w.sum())])
    tr = pt.Trace.from_pages(pages)
    assert tr.n_pages >= _FAR
    curve = pt.mrc(tr)
    assert curve.misses.dtype == np.int64
    for k in (1, 7, 1000, 30_000, npages - 1, npages):
        assert curve.misses_at(k) == pt.replay(tr, frames=k).faults, k


def _naive_histogram(ids: np.ndarray, npages: int) -> np.ndarray:
    """The trivially correct reference: an LRU stack as a list, most recent first."""
    hist = np.zeros(npages + 1, np.int64)
    stack: list[int] = []
    for p in ids.tolist():
        if p in stack:
            d = stack.index(p) + 1
            stack.pop(d - 1)
            hist[d] += 1
        else:
            hist[0] += 1
        stack.insert(0, p)
    return hist


@settings(max_examples=60, deadline=None)
@given(npages=st.integers(1, 1500), n=st.integers(1, 12000), hot=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_both_live_slot_counts_equal_a_naive_lru_stack(npages: int, n: int, hot: float,
                                                       seed: int) -> None:
    """Flat block counts (few pages) and the Fenwick tree (many) give the naive
    stack's histogram, through compactions (n well past the 4096 slots)."""
    from pagewalk.trace.mrc import stack_distance_histogram
    rng = np.random.default_rng(seed)
    ids = np.where(rng.random(n) < hot, rng.integers(0, max(1, npages // 10), n),
                   rng.integers(0, npages, n)).astype(np.uint32)
    want = _naive_histogram(ids, npages)
    for flat in (True, False):
        assert np.array_equal(stack_distance_histogram(ids, npages, flat=flat), want), flat
