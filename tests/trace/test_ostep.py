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
