"""compute_table: OSTEP's -c answers, and totals equal to the replay's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument
from pagewalk.observe.ostep_table import POLICIES, compute_table, format_table
from pagewalk.trace.policies import MIN_FRAMES

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


def test_sieve_walks_its_hand_and_marks_visited_pages() -> None:
    """Worked by hand: at the 6th reference the hand starts at the oldest page,
    clears 0's and 1's bits and evicts 2; at the 10th it clears 0, 1 and 3,
    wraps, evicts 0 and rests on 1."""
    t = compute_table(OSTEP, 3, "sieve")
    assert [r.victim for r in t.rows] == [None] * 5 + [2, None, None, None, 0, None]
    assert (t.rows[4].frames, t.rows[4].referenced) == ((0, 1, 2), (0, 1))
    assert (t.rows[5].frames, t.rows[5].referenced) == ((0, 1, 3), ())
    assert (t.rows[9].frames, t.rows[9].referenced) == ((1, 3, 2), ())
    assert "[1* 3 2]" in format_table(t)
    # the hand resting mid-queue: the frames start at it and wrap
    t = compute_table([0, 1, 2, 0, 3, 4], 3, "sieve")
    assert [(r.victim, r.frames) for r in t.rows[-2:]] == [(1, (2, 3, 0)), (2, (3, 4, 0))]


def test_2q_and_s3fifo_show_the_small_queue_then_the_main_one() -> None:
    t = compute_table([0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1, 4, 5, 0], 4, "2q")
    assert (t.rows[-1].frames, t.rows[-1].victim) == ((3, 4, 5, 0), 2)
    assert t.order == "A1in first in → last in | Am LRU → MRU"
    # S3-FIFO, 20 frames: S holds 2 pages; before the first eviction the rest go to M
    s = compute_table(list(range(21)), 20, "s3fifo")
    assert s.rows[19].frames == tuple(range(20))
    assert (s.rows[20].victim, s.rows[20].frames) == (0, (1, 20, *range(2, 20)))
    assert s.order == "S first in → last in | M first in → last in"


@settings(max_examples=80, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=60), st.integers(0, 5),
       st.sampled_from(POLICIES))
def test_totals_equal_the_replay(refs: list[int], extra: int, policy: str) -> None:
    frames = MIN_FRAMES.get(policy, 1) + extra
    t = compute_table(refs, frames, policy)
    r = pt.replay(refs, frames=frames, policy=policy, engine="reference")
    assert (t.hits, t.misses) == (r.hits, r.faults)
    assert all(len(set(row.frames)) == len(row.frames) <= frames for row in t.rows)
    held: set[int] = set()
    for row in t.rows:  # the frames shown are exactly the pages held
        held.discard(row.victim)
        held.add(row.ref)
        assert set(row.frames) == held
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
                                            (([1, -2], 3, "lru"), "pages"),
                                            ((OSTEP, 3, "2q"), "frames >= 4")])
def test_bad_input_is_one_clear_error(args, word: str) -> None:
    with pytest.raises(InvalidArgument, match=word):
        compute_table(*args)
