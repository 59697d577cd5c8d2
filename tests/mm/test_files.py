"""File mappings and the page cache against the host kernel's counts (issue 3)."""

from __future__ import annotations

import pytest
from tests.conftest import PAGE, delta

import pagewalk as pw

N = 1000
L = N * PAGE


@pytest.fixture
def data_file(machine):
    return machine.create_file("data.bin", data=bytes(range(256)) * 16 * N)


@pytest.mark.parametrize("kind", ["private", "shared"])
def test_warm_file_read_takes_fault_around_windows(machine, task, data_file, kind):
    a = task.mmap(L, prot="r", flags=kind, file=data_file)
    assert delta(task, lambda: task.touch(a, L)) == (63, 0)
    assert delta(task, lambda: task.touch(a, L)) == (0, 0)
    assert task.read(a + 5, 3) == bytes([5, 6, 7])
    assert task.stats.rss_file == N
    machine.check()


def test_private_write_after_read_copies_and_leaves_file_alone(machine, task, data_file):
    a = task.mmap(L, prot="rw", flags="private", file=data_file)
    task.touch(a, L)
    assert delta(task, lambda: task.touch(a, L, write=True)) == (N, 0)
    task.write(a, b"XYZ")
    assert data_file.read(0, 3) == bytes([0, 1, 2])
    assert task.read(a, 3) == b"XYZ"
    assert task.stats.rss_anon == N and task.stats.rss_file == 0
    machine.check()


def test_shared_write_notify_then_msync_rearms(machine, task, data_file):
    a = task.mmap(L, prot="rw", flags="shared", file=data_file)
    assert delta(task, lambda: task.touch(a, L)) == (63, 0)
    assert delta(task, lambda: task.touch(a, L, write=True)) == (N, 0)   # write-notify
    task.write(a, b"XYZ")
    assert data_file.read(0, 3) == b"XYZ"
    task.msync(a, L)
    assert data_file.disk[0][:3] == b"XYZ"
    assert delta(task, lambda: task.touch(a, L, write=True)) == (N, 0)
    machine.check()


def test_shared_write_without_read(machine, task, data_file):
    a = task.mmap(L, prot="rw", flags="shared", file=data_file)
    assert delta(task, lambda: task.touch(a, L, write=True)) == (N, 0)


@pytest.mark.parametrize("advice,expected", [("random", (0, N)), (None, (62, 1)),
                                              ("sequential", (62, 1))])
def test_cold_file_reads(machine, task, data_file, advice, expected):
    """Host (6.18), same page-table offset: MADV_RANDOM 0/1000 always; read-around
    62/1 or 64/1 (62 when every read has completed before the retried fault runs
    fault-around, 64 when some pages are still under I/O), sequential 62/1.
    The major fault maps its own fault-around window once the read is done."""
    data_file.evict()
    assert data_file.cached() == 0
    a = task.mmap(L, prot="r", flags="private", file=data_file)
    if advice:
        task.madvise(a, L, advice)
    assert delta(task, lambda: task.touch(a, L)) == expected
    assert machine.vmstat["pgmajfault"] == expected[1]
    assert task.read(a + PAGE * 999 + 1, 2) == bytes([1, 2])
    machine.check()


def test_drop_caches_then_random_read_is_major(machine, task, data_file):
    machine.drop_caches()
    a = task.mmap(L, prot="r", flags="private", file=data_file)
    task.madvise(a, L, "random")
    assert delta(task, lambda: task.touch(a, 10 * PAGE)) == (0, 10)


def test_shared_anonymous_memory(machine, task):
    a = task.mmap(L, prot="rw", flags="shared|anonymous")
    assert delta(task, lambda: task.touch(a, L)) == (N, 0)       # no zero page
    assert delta(task, lambda: task.touch(a, L, write=True)) == (0, 0)
    c = task.fork()
    assert delta(c, lambda: c.touch(a, L)) == (63, 0)             # fault-around
    c.write(a, b"seen by both")
    assert task.read(a, 12) == b"seen by both"
    assert "/dev/zero (deleted)" in task.maps()
    assert machine.meminfo()["Shmem"] == N * 4
    c.exit()
    task.wait(c)
    task.munmap(a, L)
    assert machine.meminfo()["Shmem"] == 0
    machine.check()


def test_fork_does_not_copy_file_ptes(machine, task, data_file):
    a = task.mmap(L, prot="r", flags="private", file=data_file)
    task.touch(a, L)
    c = task.fork()
    assert delta(c, lambda: c.touch(a, L)) == (63, 0)


def test_bytes_past_eof_read_zero_and_next_page_is_sigbus(machine, task):
    f = machine.create_file("small", data=b"hello")
    a = task.mmap(3 * PAGE, prot="r", flags="shared", file=f)
    assert task.read(a, 8) == b"hello\0\0\0"
    with pytest.raises(pw.BusError):
        task.read(a + 2 * PAGE, 1)


def test_create_file_rejects_bad_arguments(machine):
    with pytest.raises(ValueError, match="size"):
        machine.create_file("x")
    with pytest.raises(ValueError, match="does not parse"):
        machine.create_file("x", size="lots")
    machine.create_file("x", size="1p")
    with pytest.raises(pw.SyscallError):
        machine.create_file("x", size=1)


def test_madvise_willneed_reads_ahead_without_faults(machine, task, data_file):
    data_file.evict()
    a = task.mmap(L, prot="r", flags="private", file=data_file)
    task.madvise(a, L, "willneed")
    assert data_file.cached() == N and task.stats.min_flt + task.stats.maj_flt == 0
    assert delta(task, lambda: task.touch(a, L)) == (63, 0)       # all cache hits now


def test_madvise_free_on_a_file_mapping_is_einval(machine, task, data_file):
    a = task.mmap(L, prot="rw", flags="private", file=data_file)
    with pytest.raises(pw.SyscallError) as info:
        task.madvise(a, L, "free")
    assert info.value.errno == 22


def test_pageout_keeps_dirty_file_pages_and_each_refaults_alone(machine, task):
    """Host (Linux 6.18), 200 dirty pages of a shared mapping: MADV_PAGEOUT unmaps them
    but only kswapd writes file pages back, so they stay cached with PG_reclaim (the
    same bit as PG_readahead) and fault-around skips them: re-reading costs 199 minor
    faults and no major one. Clean pages are dropped and read again (1 major)."""
    n = 200
    f = machine.create_file("dirty.bin", size=n * PAGE)        # dirty, as after write()
    a = task.mmap(n * PAGE, prot="r", flags="shared", file=f)
    assert delta(task, lambda: task.touch(a, n * PAGE)) == (13, 0)
    task.madvise(a, n * PAGE, "pageout")
    minor, major = delta(task, lambda: task.touch(a, n * PAGE))
    assert major == 0 and n - 1 <= minor <= n
    assert f.cached() == n
    g = machine.create_file("clean.bin", size=n * PAGE)
    g.evict()                                                  # written back and dropped
    b = task.mmap(n * PAGE, prot="r", flags="shared", file=g)
    assert delta(task, lambda: task.touch(b, n * PAGE)) == (13, 1)
    task.madvise(b, n * PAGE, "pageout")
    assert g.cached() == 0
    assert delta(task, lambda: task.touch(b, n * PAGE))[1] == 1
    machine.check()


def test_mprotect_keeps_dirty_shared_pages_writable(machine, task, data_file):
    """Host (6.18): a dirty page of a shared file mapping stays writable across
    mprotect(r) + mprotect(rw) (can_change_pte_writable: pte_dirty for shared), and an
    mprotect that changes nothing changes no PTE."""
    a = task.mmap(L, prot="rw", flags="shared", file=data_file)
    task.touch(a, L, write=True)
    task.mprotect(a, L, "rw")                        # same flags: a no-op
    assert delta(task, lambda: task.touch(a, L, write=True)) == (0, 0)
    task.mprotect(a, L, "r")
    task.mprotect(a, L, "rw")
    assert delta(task, lambda: task.touch(a, L, write=True)) == (0, 0)
    machine.check()
