"""Transparent huge pages against Linux 6.18 (tests/oracle/host_numbers.md, item l)."""

from __future__ import annotations

import pytest
from tests.conftest import delta

import pagewalk as pw

M = 4 << 20


@pytest.fixture
def thp(machine, task):
    a = task.mmap(M)
    assert a % (2 << 20) == 0                  # thp_get_unmapped_area aligns 2 MiB multiples
    task.madvise(a, M, "hugepage")
    return machine, task, a


def test_one_fault_per_huge_page(thp):
    m, t, a = thp
    assert delta(t, lambda: t.touch(a, M, write=True)) == (2, 0)
    assert m.vmstat["thp_fault_alloc"] == 2
    assert m.meminfo()["AnonHugePages"] == 4096
    assert t.pagemap(a + 4096).huge and t.stats.rss_anon == 1024
    m.check()


def test_cow_after_fork_splits_only_the_child(thp):
    m, p, a = thp
    p.touch(a, M, write=True)
    p.write(a + 5, b"hello")
    c = p.fork()
    assert delta(c, lambda: c.write(a + 3 * 4096, b"x")) == (1, 0)
    assert m.vmstat["thp_split_pmd"] == 1
    assert delta(c, lambda: c.touch(a, M, write=True)) == (1023, 0)
    assert m.vmstat["thp_split_pmd"] == 2
    assert delta(p, lambda: p.touch(a, M, write=True)) == (2, 0)      # reuse per PMD
    assert p.read(a + 5, 5) == b"hello" == c.read(a + 5, 5)
    # touch(write=True) stored 0xa5 at each page's start, over the child's "x" too
    assert p.read(a + 3 * 4096, 1) == b"\xa5" == c.read(a + 3 * 4096, 1)
    c.write(a + 3 * 4096 + 8, b"x")                                   # the child's own copy
    assert p.read(a + 3 * 4096 + 8, 1) == b"\0" and c.read(a + 3 * 4096 + 8, 1) == b"x"
    m.check()
    c.exit()
    p.wait(c)
    p.munmap(a, M)
    m.check()


def test_huge_zero_page_then_write(thp):
    m, t, a = thp
    assert delta(t, lambda: t.touch(a, M)) == (2, 0)
    assert t.stats.rss == 0 and m.vmstat["thp_zero_page_alloc"] == 1
    assert delta(t, lambda: t.touch(a, M, write=True)) == (2, 0)
    assert m.vmstat["thp_fault_alloc"] == 2
    m.check()


def test_partial_unmap_and_mprotect_split(thp):
    m, t, a = thp
    t.touch(a, M, write=True)
    t.write(a, b"keep")
    t.madvise(a + 4096, 4096, "dontneed")
    assert m.vmstat["thp_split_pmd"] == 1
    assert t.read(a, 4) == b"keep" and t.read(a + 4096, 2) == b"\0\0"
    t.mprotect(a + (2 << 20), 2 << 20, "r")
    with pytest.raises(pw.SegmentationFault):
        t.write(a + (2 << 20), b"x")
    m.check()


def test_no_thp_without_madvise_or_in_classic():
    for profile in ("linux", "classic"):
        m = pw.Machine(memory="64MiB", profile=profile)
        t = m.spawn()
        a = t.mmap(M)
        if profile == "classic":
            t.madvise(a, M, "hugepage")
        assert delta(t, lambda t=t, a=a: t.touch(a, M, write=True)) == (1024, 0)
        assert m.vmstat["thp_fault_alloc"] == 0


def test_thp_always_mode():
    m = pw.Machine(memory="64MiB", thp="always")
    t = m.spawn()
    a = t.mmap(M)
    assert delta(t, lambda: t.touch(a, M, write=True)) == (2, 0)


def test_fork_of_a_split_thp_refcounts_the_folio(machine, task):
    """Found by tests/kernel/test_stateful_files.py: fork copying the PTEs of a split
    THP took its references on the subpages instead of the folio's head."""
    a = task.mmap(2 << 20)
    task.madvise(a, 2 << 20, "hugepage")
    task.write(a, b"a")
    c = task.fork()
    task.write(a, b"b")                          # splits the parent's PMD, copies page 0
    d = task.fork()                              # copies 511 PTEs that map subpages
    machine.check()
    d.touch(a, 2 << 20, write=True)
    for child in (c, d):
        child.exit()
        task.wait(child)
    machine.check()
    task.munmap(a, 2 << 20)
    machine.check()


def test_huge_zero_page_read_gives_the_vma_an_anon_vma(thp):
    """Host (6.18): read a THP region (huge zero page), fork: the child's read costs 0,
    because do_huge_pmd_anonymous_page prepares the anon_vma before the zero-page
    branch and fork then copies the huge zero PMDs."""
    m, t, a = thp
    assert delta(t, lambda: t.touch(a, M)) == (2, 0)
    c = t.fork()
    assert delta(c, lambda: c.touch(a, M)) == (0, 0)
    m.check()


def test_reclaim_splits_huge_pages_and_swaps_them_out():
    """THPs are on the LRU; under pressure reclaim splits them (thp_split_page) and
    swaps the small pages out; every byte comes back."""
    m = pw.Machine(memory="12MiB", swap="32MiB")
    t = m.spawn()
    a = t.mmap(8 << 20)
    t.madvise(a, 8 << 20, "hugepage")
    for i in range(0, 8 << 20, 4096):
        t.write(a + i, i.to_bytes(4, "little"))
    assert m.vmstat["thp_fault_alloc"] >= 1
    m.check()
    b = t.mmap(8 << 20)                          # pressure: more than RAM again
    t.touch(b, 8 << 20, write=True)
    assert m.vmstat["thp_split_page"] >= 1 and m.vmstat["pswpout"] > 0
    m.check()
    for i in range(0, 8 << 20, 4096):
        assert t.read(a + i, 4) == i.to_bytes(4, "little"), i
    m.check()
