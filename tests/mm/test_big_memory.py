"""Machines as large as the paging mode can address (issue 10): the free lists keep
the never-allocated 4 MiB blocks as one range, so building a 64 TiB machine costs
what a 64 MiB one does, and allocation order is the boot-time list's."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk as pw
from pagewalk.mm.phys import MAX_ORDER, PhysicalMemory

PAGE = 4096


class EagerPhys(PhysicalMemory):
    """The boot-time free list written out block by block (the model before the
    untouched range): every MAX_ORDER block in free_area, lowest popped first."""

    def __init__(self, nr_frames: int) -> None:
        super().__init__(nr_frames)
        blocks = range(self.untouched, self.untouched_end, 1 << MAX_ORDER)
        area = self.free_area[MAX_ORDER]
        assert not area
        for pfn in reversed(blocks):
            area[pfn] = None
        self.untouched = self.untouched_end


@settings(max_examples=60, deadline=None)
@given(frames=st.integers(64, 6000),
       ops=st.lists(st.tuples(st.booleans(), st.sampled_from([0, 0, 0, 1, 3, 9, 10]),
                              st.integers(0, 10 ** 6)), max_size=80))
def test_allocation_order_is_the_boot_time_lists(frames, ops) -> None:
    lazy, eager = PhysicalMemory(frames), EagerPhys(frames)
    assert lazy.nr_free == eager.nr_free == frames - 2
    held: list[tuple[int, int]] = []
    for alloc, order, pick in ops:
        if alloc or not held:
            a, b = lazy.alloc_pages(order), eager.alloc_pages(order)
            assert (a and a.pfn) == (b and b.pfn)
            if a is not None:
                held.append((a.pfn, order))
        else:
            pfn, o = held.pop(pick % len(held))
            lazy.free_pages(lazy.page(pfn), o)
            eager.free_pages(eager.page(pfn), o)
        assert lazy.nr_free == eager.nr_free


@pytest.mark.parametrize("memory", ["256GiB", "16TiB", "64TiB"])
def test_a_huge_machine_builds_small_and_works(memory) -> None:
    tracemalloc.start()
    m = pw.Machine(memory=memory, swap="1GiB")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 << 20                       # was 846 MiB for 16 TiB
    assert m.phys.nr_frames == pw.parse_size(memory) // PAGE
    t = m.spawn("init")
    a = t.mmap("8MiB")
    t.touch(a, 8 << 20, write=True)
    t.write(a + 12345, b"far")
    assert t.read(a + 12345, 3) == b"far"
    m.check()


@pytest.mark.parametrize("kw,most", [
    (dict(memory="65TiB"), "64TiB"),
    (dict(memory="4097GiB", paging="i386"), "4GiB"),
    (dict(memory="5GiB", paging="i386"), "4GiB"),
])
def test_beyond_what_the_paging_mode_addresses_is_one_line(kw, most) -> None:
    with pytest.raises(pw.InvalidArgument) as info:
        pw.Machine(**kw)
    msg = str(info.value)
    assert "\n" not in msg and f"give at most {most}" in msg and "paging" in msg


def test_la57_reaches_further() -> None:
    m = pw.Machine(memory="1024TiB", paging="la57")
    t = m.spawn("init")
    a = t.mmap(PAGE)
    t.write(a, b"x")
    m.check()
