"""OSTEP's published examples (chapter 22, paging-policy.py) and Belady's anomaly."""

from __future__ import annotations

import pytest

import pagewalk.trace as pt

OSTEP = [0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1]
BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize(("policy", "hits", "misses"),
                         [("fifo", 4, 7), ("lru", 6, 5), ("opt", 6, 5)])
def test_ostep_examples(policy: str, hits: int, misses: int, engine: str) -> None:
    res = pt.replay(OSTEP, frames=3, policy=policy, engine=engine)
    assert (res.hits, res.misses) == (hits, misses)
    assert res.accesses == 11
    assert res.hit_ratio == pytest.approx(hits / 11)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_belady_anomaly_fifo(engine: str) -> None:
    assert pt.replay(BELADY, frames=3, policy="fifo", engine=engine).faults == 9
    assert pt.replay(BELADY, frames=4, policy="fifo", engine=engine).faults == 10


def test_lru_is_a_stack_algorithm_on_belady_trace() -> None:
    curve = pt.mrc(BELADY)
    assert [curve.misses_at(k) for k in (3, 4)] == [10, 8]


def ostep_paging_policy(pages: list[int], cachesize: int, policy: str, seed: int) -> int:
    """The miss count of OSTEP's paging-policy.py for RAND and MRU, its loop
    transcribed: a list in arrival (MRU: recency) order, random.seed(seed)."""
    import random
    random.seed(seed)
    memory: list[int] = []
    misses = 0
    for n in pages:
        if n in memory:
            if policy == "MRU":
                memory.remove(n)
                memory.append(n)
            continue
        misses += 1
        if len(memory) == cachesize:
            if policy == "MRU":
                memory.pop(len(memory) - 1)
            else:
                memory.pop(int(random.random() * len(memory)))
        memory.append(n)
    return misses


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize("seed", [0, 1, 7, 2024])
def test_random_and_mru_make_ostep_choices(engine: str, seed: int) -> None:
    import numpy as np
    rng = np.random.default_rng(seed)
    pages = rng.integers(0, 12, 3000).tolist()
    for frames in (1, 3, 5, 11):
        got = pt.replay(pages, frames=frames, policy="random", seed=seed, engine=engine)
        assert got.faults == ostep_paging_policy(pages, frames, "RAND", seed)
        got = pt.replay(pages, frames=frames, policy="mru", engine=engine)
        assert got.faults == ostep_paging_policy(pages, frames, "MRU", seed)
