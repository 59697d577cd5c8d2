"""Fault counts equal libCacheSim's (its Python bindings, default parameters) on random
traces, cache mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import pagewalk.trace as pt
from pagewalk.trace.libcachesim_formats import next_access
from pagewalk.trace.policies import MIN_FRAMES

lcs = pytest.importorskip("libcachesim", reason="libcachesim is not installed "
                          "(pip install -e '.[dev]'); cannot compare with libCacheSim")

PEERS = {
    "lru": lambda k: lcs.LRU(k),
    "fifo": lambda k: lcs.FIFO(k),
    "clock": lambda k: lcs.Clock(k, init_freq=1),
    "opt": lambda k: lcs.Belady(k),
    "arc": lambda k: lcs.ARC(k),
    "lfu": lambda k: lcs.LFU(k),
    "sieve": lambda k: lcs.Sieve(k),
    "2q": lambda k: lcs.TwoQ(k),
    "s3fifo": lambda k: lcs.S3FIFO(k),
    "lirs": lambda k: lcs.LIRS(k),
}


def write_oracle_general(path: Path, pages: np.ndarray) -> None:
    """libCacheSim's oracleGeneral binary: time, id, size, next access (-1: none)."""
    n = pages.size
    rec = np.zeros(n, dtype=[("t", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])
    rec["id"] = pages + 1
    rec["size"] = 1
    rec["next"] = next_access(pages)
    rec.tofile(path)


def libcachesim_misses(path: Path, policy: str, frames: int) -> int:
    reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE)
    cache = PEERS[policy](frames)
    return sum(1 for req in reader if not cache.get(req))


def test_same_fault_counts_as_libcachesim(tmp_path: Path) -> None:
    rng = np.random.default_rng(2024)
    path = tmp_path / "trace.oracleGeneral.bin"
    for trial in range(40):
        npages = int(rng.integers(1, 80))
        n = int(rng.integers(1, 600))
        if trial % 2:
            pages = rng.integers(0, npages, n).astype(np.uint64)
        else:
            w = 1.0 / np.arange(1, npages + 1) ** 1.1
            pages = rng.choice(npages, n, p=w / w.sum()).astype(np.uint64)
        frames = int(rng.integers(1, npages + 2))
        write_oracle_general(path, pages)
        tr = pt.Trace.from_pages(pages)
        for policy in PEERS:
            if frames < MIN_FRAMES.get(policy, 1):
                continue
            ours = pt.replay(tr, frames=frames, policy=policy).faults
            assert ours == libcachesim_misses(path, policy, frames), (policy, trial, frames)


def test_same_fault_counts_as_libcachesim_at_larger_sizes(tmp_path: Path) -> None:
    """Sizes where every policy's queues are non-trivial (s3fifo needs 20)."""
    rng = np.random.default_rng(77)
    path = tmp_path / "trace.oracleGeneral.bin"
    for trial in range(12):
        npages = int(rng.integers(30, 300))
        w = 1.0 / np.arange(1, npages + 1) ** (0.6 + 0.05 * trial)
        pages = rng.choice(npages, 3000, p=w / w.sum()).astype(np.uint64)
        frames = int(rng.integers(20, npages))
        write_oracle_general(path, pages)
        tr = pt.Trace.from_pages(pages)
        for policy in ("sieve", "2q", "s3fifo", "arc", "lfu", "clock", "lirs"):
            ours = pt.replay(tr, frames=frames, policy=policy).faults
            assert ours == libcachesim_misses(path, policy, frames), (policy, trial, frames)


def test_lirs_at_sizes_where_its_hir_queue_holds_several_pages(tmp_path: Path) -> None:
    """From 200 frames LIRS's Q holds int(0.01 * k) >= 2 pages."""
    rng = np.random.default_rng(12)
    path = tmp_path / "trace.oracleGeneral.bin"
    for trial in range(4):
        npages = int(rng.integers(400, 1500))
        w = 1.0 / np.arange(1, npages + 1) ** (0.7 + 0.1 * trial)
        pages = rng.choice(npages, 20000, p=w / w.sum()).astype(np.uint64)
        frames = int(rng.integers(200, npages))
        write_oracle_general(path, pages)
        ours = pt.replay(pt.Trace.from_pages(pages), frames=frames, policy="lirs").faults
        assert ours == libcachesim_misses(path, "lirs", frames), (trial, frames)


@pytest.mark.parametrize("policy", ["lirs", "sieve", "2q", "s3fifo"])
def test_same_fault_counts_as_libcachesim_on_a_real_trace(gzip_trace: pt.Trace, policy: str,
                                                          tmp_path: Path) -> None:
    """libCacheSim in C (process_trace): its miss ratio times the length is exact here."""
    path = tmp_path / "gzip.oracleGeneral.bin"
    write_oracle_general(path, gzip_trace.pages)
    n = len(gzip_trace)
    assert n > 100_000
    for frames in (20, 23, 64, 100):
        ours = pt.replay(gzip_trace, frames=frames, policy=policy).faults
        reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE)
        miss_ratio, _ = PEERS[policy](frames).process_trace(reader)
        assert ours == round(miss_ratio * n), (policy, frames)


def test_lirs_hits_where_libcachesim_hits() -> None:
    """Access by access, including the ghost LIRS(2) brings back (tests/trace/test_lirs.py)."""
    pages = [0, 1, 0, 1, 0, 1, 2, 2, 0, 1]
    cache = lcs.LIRS(2)
    hits = []
    for p in pages:
        req = lcs.Request()
        req.obj_id, req.obj_size = p + 1, 1
        hits.append(cache.get(req))
    assert hits == [False, False, True, True, True, True, False, True, True, True]
    assert pt.replay(pages, frames=2, policy="lirs").faults == hits.count(False)


def test_libcachesim_clockpro_keeps_the_first_half_k_pages_for_ever() -> None:
    """Why pagewalk has no clockpro: libCacheSim's ClockPro(k) with its default
    init_ratio_cold=0.5 admits a page only while the cold pages fit in int(k * 0.5)
    and never evicts, so its misses are those of a fixed set of the first int(k / 2)
    distinct pages."""
    rng = np.random.default_rng(5)
    for _ in range(30):
        npages = int(rng.integers(1, 60))
        pages = rng.integers(0, npages, int(rng.integers(1, 400))).tolist()
        k = int(rng.integers(1, 70))
        cache = lcs.ClockPro(k)
        misses = 0
        for p in pages:
            req = lcs.Request()
            req.obj_id, req.obj_size = p + 1, 1
            misses += not cache.get(req)
        held: set[int] = set()
        model = 0
        for p in pages:
            if p not in held:
                model += 1
                if len(held) < k // 2:
                    held.add(p)
        assert misses == model, (k, npages)
