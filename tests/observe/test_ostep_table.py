"""compute_table: OSTEP's -c answers, and totals equal to the replay's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument
from pagewalk.observe.ostep_table import POLICIES, compute_table, format_table

OSTEP = [0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1]


def test_fifo_matches_paging_policy_py() -> None:
    t = compute_table(OSTEP, 3, "fifo")
    assert [r.hit for r in t.rows] == [False, False, False, True, True, False, False, True,
                                       False, False, True]
    assert [r.frames for r in t.rows][5:] == [(1, 2, 3), (2, 3, 0), (2, 3, 0), (3, 0, 1),
                                              (0, 1, 2), (0, 1, 2)]
    assert [r.victim for r in t.rows][5:] == [0, 1, None, 2, 3, None]
    assert (t.hits, t.misses, t.cold_misses) == (4, 7, 4)


def test_lru_order_is_lru_to_mru() -> None:
    t = compute_table(OSTEP, 3, "lru")
    assert t.rows[3].frames == (1, 2, 0)
    assert (t.rows[5].frames, t.rows[5].victim) == ((0, 1, 3), 2)
    assert (t.hits, t.misses) == (6, 5)


def test_belady_anomaly_in_the_table() -> None:
    refs = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]
    assert compute_table(refs, 3, "fifo").misses == 9
    assert compute_table(refs, 4, "fifo").misses == 10


def test_clock_marks_reference_bits() -> None:
    t = compute_table([1, 2, 3, 1, 4], 3, "clock")
    assert (t.rows[-1].victim, t.rows[-1].frames, t.rows[-1].referenced) == (1, (2, 3, 4), (4,))
    assert "[2 3 4*]" in format_table(t)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=40), st.integers(1, 5),
       st.sampled_from(POLICIES))
def test_totals_equal_the_replay(refs: list[int], frames: int, policy: str) -> None:
    t = compute_table(refs, frames, policy)
    r = pt.replay(refs, frames=frames, policy=policy, engine="reference")
    assert (t.hits, t.misses) == (r.hits, r.faults)
    assert all(len(row.frames) <= frames for row in t.rows)
    assert all(row.ref in row.frames for row in t.rows)


def test_format_has_a_line_per_reference_and_totals() -> None:
    text = format_table(compute_table(OSTEP, 3, "lru"))
    lines = text.splitlines()
    assert len(lines) == 1 + len(OSTEP) + 1
    assert "LRU → MRU" in lines[0]
    assert lines[-1].endswith("hit ratio 0.545")
    assert "命中率" in format_table(compute_table(OSTEP, 3, "lru"), "zh")


@pytest.mark.parametrize(("args", "word"), [((OSTEP, 0, "lru"), "frames"),
                                            ((OSTEP, 3, "nope"), "policy"),
                                            (([1, -2], 3, "lru"), "pages")])
def test_bad_input_is_one_clear_error(args, word: str) -> None:
    with pytest.raises(InvalidArgument, match=word):
        compute_table(*args)
