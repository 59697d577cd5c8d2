"""MADV_PAGEOUT of transparent huge pages: THP_SWAP kernels swap a PMD-mapped THP,
a PTE-mapped THP and a single remaining PTE of a THP (the model used to skip every
page with an order)."""

from __future__ import annotations

import pytest

import pagewalk as pw

P = 4096
M2 = 2 << 20


@pytest.fixture
def thp():
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn()
    a = t.mmap(2 * M2)
    t.madvise(a, 2 * M2, "hugepage")
    t.write(a, bytes(range(256)) * (M2 // 256))
    assert t.pagemap(a).huge
    return m, t, a


def test_pmd_mapped_thp_is_swapped_out_whole(thp):
    m, t, a = thp
    t.madvise(a, M2, "pageout")
    assert m.vmstat["pswpout"] == 512 and t.stats.swap == 512 and t.stats.rss_anon == 0
    assert all(t.pagemap(a + i * P).swapped for i in range(0, 512, 37))
    assert t.read(a + 300, 4) == bytes(range(44, 48))
    m.check()


def test_pte_mapped_thp_is_swapped_out(thp):
    m, t, a = thp
    t.mprotect(a + P, P, "r")                      # splits the PMD: now PTE-mapped
    t.mprotect(a + P, P, "rw")
    assert not t.pagemap(a).huge
    t.madvise(a, M2, "pageout")
    assert m.vmstat["pswpout"] == 512
    assert t.read(a + M2 - 4, 4) == bytes(range(252, 256))
    m.check()


def test_single_remaining_pte_of_a_thp(thp):
    m, t, a = thp
    t.munmap(a + P, M2 - P)                        # one PTE of the folio left
    assert t.stats.rss_anon == 1
    t.madvise(a, P, "pageout")
    assert m.vmstat["pswpout"] == 1 and t.pagemap(a).swapped
    assert t.read(a, 4) == bytes(range(4))
    m.check()


def test_partial_range_swaps_only_that_part(thp):
    m, t, a = thp
    t.madvise(a, 16 * P, "pageout")
    assert m.vmstat["pswpout"] == 16 and t.stats.rss_anon == 496
    m.check()


def test_a_thp_shared_with_a_child_is_left_alone(thp):
    m, t, a = thp
    child = t.fork()
    t.madvise(a, M2, "pageout")
    assert m.vmstat["pswpout"] == 0
    child.exit()
    t.wait(child)
    m.check()
