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
        for policy in ("sieve", "2q", "s3fifo", "arc", "lfu", "clock"):
            ours = pt.replay(tr, frames=frames, policy=policy).faults
            assert ours == libcachesim_misses(path, policy, frames), (policy, trial, frames)
