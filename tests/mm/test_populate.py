"""MADV_POPULATE_READ / MADV_POPULATE_WRITE and MAP_POPULATE against
tools/testing/selftests/mm/madv_populate.c, map_populate.c and the 6.18 host."""

from __future__ import annotations

import errno

import pytest
from tests.conftest import delta

import pagewalk as pw

P = 4096
M2 = 2 << 20


def range_is_populated(t: pw.Task, addr: int, size: int) -> bool:
    """madv_populate.c: range_is_populated (pagemap's present bit)."""
    return all(t.pagemap(addr + i).present for i in range(0, size, P))


def range_is_not_populated(t: pw.Task, addr: int, size: int) -> bool:
    return not any(t.pagemap(addr + i).present for i in range(0, size, P))


def test_prot_read(task):
    """madv_populate.c: test_prot_read."""
    addr = task.mmap(M2, prot="r")
    task.madvise(addr, M2, "populate_read")
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(addr, M2, "populate_write")
    assert e.value.errno == errno.EINVAL


def test_prot_write(task):
    """madv_populate.c: test_prot_write (PROT_WRITE without PROT_READ)."""
    addr = task.mmap(M2, prot="w")
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(addr, M2, "populate_read")
    assert e.value.errno == errno.EINVAL
    task.madvise(addr, M2, "populate_write")


def test_holes(task):
    """madv_populate.c: test_holes: a hole anywhere is ENOMEM."""
    size = 16 * P
    addr = task.mmap(size)
    task.munmap(addr + P, P)
    for adv in ("populate_read", "populate_write"):
        with pytest.raises(pw.SyscallError) as e:
            task.madvise(addr, size, adv)
        assert e.value.errno == errno.ENOMEM
    task.munmap(addr + size - P, P)
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(addr, size, "populate_read")
    assert e.value.errno == errno.ENOMEM


def test_populate_read(task):
    """madv_populate.c: test_populate_read."""
    addr = task.mmap(M2)
    task.madvise(addr, M2, "nohugepage")
    assert range_is_not_populated(task, addr, M2)
    assert delta(task, lambda: task.madvise(addr, M2, "populate_read")) == (512, 0)
    assert range_is_populated(task, addr, M2)
    assert task.pagemap(addr).zero_page and task.stats.rss == 0


def test_populate_write(task):
    """madv_populate.c: test_populate_write; measured: 512 minor faults for 2 MiB,
    again 512 after a populate_read (COW of the zero page), then none."""
    addr = task.mmap(M2)
    task.madvise(addr, M2, "nohugepage")
    assert delta(task, lambda: task.madvise(addr, M2, "populate_read")) == (512, 0)
    assert delta(task, lambda: task.madvise(addr, M2, "populate_write")) == (512, 0)
    assert delta(task, lambda: task.madvise(addr, M2, "populate_write")) == (0, 0)
    assert range_is_populated(task, addr, M2) and task.stats.rss == 512


def test_hole_in_the_middle_populates_what_comes_before(task):
    """Measured: ENOMEM with 3 minor faults for the 3 pages before the hole."""
    h = task.mmap(6 * P)
    task.munmap(h + 3 * P, P)
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(h, 6 * P, "populate_write")
    assert e.value.errno == errno.ENOMEM
    assert range_is_populated(task, h, 3 * P)
    assert range_is_not_populated(task, h + 4 * P, 2 * P)


def test_prot_none_and_beyond_eof(machine, task):
    n = task.mmap(4 * P, prot="none")
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(n, 4 * P, "populate_read")
    assert e.value.errno == errno.EINVAL
    f = machine.create_file("short.bin", size=P + 1)
    a = task.mmap(4 * P, prot="r", flags="private", file=f)
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(a, 4 * P, "populate_read")
    assert e.value.errno == errno.EFAULT and task.alive    # no SIGBUS: an errno
    assert [task.pagemap(a + i * P).present for i in range(3)] == [True, True, False]


def test_shared_read_only_file_cannot_be_populated_for_write(machine, task):
    f = machine.create_file("ro.bin", size=P)
    a = task.mmap(P, prot="r", flags="shared", file=f)
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(a, P, "populate_write")
    assert e.value.errno == errno.EINVAL


def test_zero_lengths(task):
    """Measured: madvise/mprotect/msync of 0 bytes succeed (aligned address);
    an unaligned one is EINVAL; mmap and munmap of 0 bytes are EINVAL."""
    task.madvise(0x10000, 0, "populate_read")
    task.mprotect(0x10000, 0, "r")
    task.msync(0x10000, 0)
    for call in (lambda: task.madvise(0x10001, 0, "populate_read"),
                 lambda: task.mprotect(0x10001, 0, "r"),
                 lambda: task.munmap(0x10000, 0), lambda: task.mmap(0)):
        with pytest.raises(pw.InvalidArgument):
            call()


def test_map_populate_shared_then_fork(machine, task):
    """map_populate.c: MAP_POPULATE | MAP_SHARED: the pages are there before the
    first access, and a child's write is seen by the parent."""
    size = M2
    smap = task.mmap(size, flags="shared|anonymous|populate")
    assert range_is_populated(task, smap, size)
    assert delta(task, lambda: task.touch(smap, size)) == (0, 0)
    task.write(smap, b"\x00")
    child = task.fork()
    child.write(smap, b"\x01")
    child.exit()
    task.wait(child)
    assert task.read(smap, 1) == b"\x01"
    machine.check()


def test_map_populate_beyond_eof_is_not_a_signal(machine, task):
    f = machine.create_file("short2.bin", size=P)
    a = task.mmap(4 * P, prot="r", flags="private|populate", file=f)
    assert task.alive and task.pagemap(a).present and not task.pagemap(a + P).present
