"""mincore(2) against tools/testing/selftests/mm/mincore_selftest.c and the 6.18 host."""

from __future__ import annotations

import errno

import pytest

import pagewalk as pw

P = 4096


def test_basic_interface(task):
    """mincore_selftest.c: TEST(basic_interface): unaligned EINVAL, unmapped ENOMEM."""
    addr = task.mmap(P)
    with pytest.raises(pw.InvalidArgument):
        task.mincore(addr + 1, P)
    assert task.mincore(addr, 0) == []
    task.munmap(addr, P)
    with pytest.raises(pw.SyscallError) as e:
        task.mincore(addr, P)
    assert e.value.errno == errno.ENOMEM


def test_check_anonymous_locked_pages(task):
    """mincore_selftest.c: TEST(check_anonymous_locked_pages)."""
    addr = task.mmap(P)
    assert task.mincore(addr, P) == [0]
    task.mlock(addr, P)
    assert task.mincore(addr, P) == [1]
    task.munlock(addr, P)
    task.munmap(addr, P)


def test_check_huge_pages(machine, task):
    """mincore_selftest.c: TEST(check_huge_pages), with a THP instead of hugetlbfs:
    one write fault makes all 512 pages resident."""
    addr = task.mmap(4 << 20)
    task.madvise(addr, 4 << 20, "hugepage")
    task.write(addr, b"x")
    assert task.mincore(addr, 2 << 20) == [1] * 512
    assert task.mincore(addr + (2 << 20), P) == [0]


def test_check_file_mmap(machine, task):
    """mincore_selftest.c: TEST(check_file_mmap): pages read in by readahead around
    the faulted page are resident though not mapped; with nothing cached, none is."""
    f = machine.create_file("data.bin", size=64 * P)
    machine.drop_caches()
    addr = task.mmap(64 * P, prot="r", flags="private", file=f)
    assert task.mincore(addr, 64 * P) == [0] * 64
    task.read(addr + 32 * P, 1)
    vec = task.mincore(addr, 64 * P)
    assert vec[32] == 1 and sum(vec) > 1         # readahead fills the page cache


def test_check_tmpfs_mmap(machine, task):
    """mincore_selftest.c: TEST(check_tmpfs_mmap): shared anonymous memory is
    resident once written, page by page."""
    addr = task.mmap(8 * P, flags="shared|anonymous")
    task.write(addr + 3 * P, b"x")
    assert task.mincore(addr, 8 * P) == [0, 0, 0, 1, 0, 0, 0, 0]


def test_zero_page_is_resident(task):
    """Measured: a read-faulted anonymous page (the zero page) counts as resident."""
    a = task.mmap(4 * P)
    task.write(a, b"w")
    task.read(a + 2 * P, 1)
    assert task.mincore(a, 4 * P) == [1, 0, 1, 0]
    assert task.mincore(a, 1) == [1]             # a partial page counts as one


def test_holes_and_task_size(task):
    """Measured: a hole anywhere in the range is ENOMEM; so is an address beyond
    TASK_SIZE."""
    a = task.mmap(4 * P)
    task.munmap(a + 3 * P, P)
    for addr, n in ((a, 4 * P), (a + 3 * P, P), ((1 << 47) - P, 2 * P), (0xFFFF800000000000, P)):
        with pytest.raises(pw.SyscallError) as e:
            task.mincore(addr, n)
        assert e.value.errno == errno.ENOMEM


def test_swapped_pages_are_not_resident():
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn()
    a = t.mmap(8 * P)
    t.write(a, b"s" * 8 * P)
    t.madvise(a, 8 * P, "pageout")
    vec = t.mincore(a, 8 * P)
    assert all(t.pagemap(a + i * P).swapped for i in range(8))
    # pageout writes the pages and frees them from the swap cache
    assert vec == [0] * 8
    t.read(a, 1)                                 # swap-in readahead fills the cache
    assert t.mincore(a, 8 * P)[0] == 1
