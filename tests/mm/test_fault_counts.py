"""Fault counts against the real kernel (Linux 6.18, measured on this project's hosts;
see tests/oracle/host_numbers.md). N = 1000 pages, ``linux`` profile."""

from __future__ import annotations

import pytest
from tests.conftest import PAGE, delta

import pagewalk as pw

N = 1000
L = N * PAGE


@pytest.fixture
def anon(task):
    return task, task.mmap(L, prot="rw", flags="private|anonymous")


def test_read_all_maps_zero_page_then_write_all_faults_again(anon):
    t, a = anon
    assert delta(t, lambda: t.touch(a, L)) == (N, 0)
    assert t.stats.rss == 0                      # the zero page is not RSS
    assert t.pagemap(a).zero_page
    assert delta(t, lambda: t.touch(a, L, write=True)) == (N, 0)
    assert t.stats.rss == N


def test_write_first_then_read_is_free(anon):
    t, a = anon
    assert delta(t, lambda: t.touch(a, L, write=True)) == (N, 0)
    assert delta(t, lambda: t.touch(a, L)) == (0, 0)


def test_fork_cow_copy_then_reuse(machine, anon):
    p, a = anon
    p.touch(a, L, write=True)
    c = p.fork()
    assert delta(c, lambda: c.touch(a, L)) == (0, 0)            # PTEs copied at fork
    assert delta(c, lambda: c.touch(a, L, write=True)) == (N, 0)  # COW copies
    reuse0 = machine.vmstat["pgreuse"]
    assert delta(p, lambda: p.touch(a, L, write=True)) == (N, 0)  # reuse: sole owner
    assert machine.vmstat["pgreuse"] - reuse0 == N
    assert delta(p, lambda: p.touch(a, L, write=True)) == (0, 0)
    machine.check()


def test_parent_writes_first_then_child(machine, anon):
    p, a = anon
    p.touch(a, L, write=True)
    c = p.fork()
    assert delta(p, lambda: p.touch(a, L, write=True)) == (N, 0)   # copies (child shares)
    assert delta(c, lambda: c.touch(a, L, write=True)) == (N, 0)   # reuse
    machine.check()


def test_parent_writes_after_child_exited(machine, anon):
    p, a = anon
    p.touch(a, L, write=True)
    c = p.fork()
    c.exit(0)
    assert p.wait(c) == 0
    # Its PTEs stay write-protected: one reuse fault per page (host: 1000).
    assert delta(p, lambda: p.touch(a, L, write=True)) == (N, 0)
    assert delta(p, lambda: p.touch(a, L, write=True)) == (0, 0)


def test_vma_without_anon_vma_is_not_copied_at_fork(anon):
    p, a = anon
    p.touch(a, L)                                # zero page only: no anon_vma
    c = p.fork()
    assert delta(c, lambda: c.touch(a, L)) == (N, 0)
    assert delta(c, lambda: c.touch(a, L, write=True)) == (N, 0)


@pytest.mark.parametrize("address", [0, 0xFFFFFFFF81000000, 0x7FFFFFFFF000 - 0x100000000])
def test_unmapped_read_is_segv_maperr_and_not_counted(machine, task, address):
    with pytest.raises(pw.SegmentationFault) as info:
        task.read(address, 1)
    assert info.value.code == "SEGV_MAPERR"
    assert info.value.address == address
    assert info.value.signal == "SIGSEGV"
    assert (task.stats.min_flt, task.stats.maj_flt) == (0, 0)
    assert not task.alive and task.killed_by == "SIGSEGV"
    machine.check()


def test_non_canonical_address_is_general_protection(task):
    with pytest.raises(pw.SegmentationFault) as info:
        task.read(0x0000800000000000, 1)
    assert (info.value.code, info.value.address) == ("SI_KERNEL", 0)


def test_write_to_read_only_mapping_is_accerr(machine, task):
    a = task.mmap(PAGE, prot="r")
    before = machine.vmstat["pgfault"]
    with pytest.raises(pw.SegmentationFault) as info:
        task.write(a, b"x")
    assert (info.value.code, info.value.address) == ("SEGV_ACCERR", a)
    assert task.stats.min_flt == 0
    assert machine.vmstat["pgfault"] == before   # access_error: never reaches handle_mm_fault


def test_read_of_read_only_anonymous_page_maps_zero_page(task):
    a = task.mmap(PAGE, prot="r")
    assert delta(task, lambda: task.read(a, 1)) == (1, 0)


def test_mprotect_round_trip_keeps_exclusive_pages_writable(anon):
    t, a = anon
    t.touch(a, L, write=True)
    t.mprotect(a, L, "r")
    t.mprotect(a, L, "rw")
    assert delta(t, lambda: t.touch(a, L, write=True)) == (0, 0)


def test_mprotect_round_trip_after_fork_faults(anon):
    p, a = anon
    p.touch(a, L, write=True)
    c = p.fork()
    p.mprotect(a, L, "r")
    p.mprotect(a, L, "rw")
    assert delta(p, lambda: p.touch(a, L, write=True)) == (N, 0)
    assert delta(c, lambda: c.touch(a, L, write=True)) == (N, 0)


def test_mprotect_classic_profile_faults_on_next_write():
    m = pw.Machine(memory="64MiB", profile="classic")
    t = m.spawn()
    a = t.mmap(L)
    t.touch(a, L, write=True)
    t.mprotect(a, L, "r")
    t.mprotect(a, L, "rw")
    assert delta(t, lambda: t.touch(a, L, write=True)) == (N, 0)   # reuse faults


def test_madvise_dontneed_zeroes_and_refaults(anon):
    t, a = anon
    t.write(a, b"data")
    t.touch(a, L, write=True)
    t.madvise(a, L, "dontneed")
    assert t.stats.rss == 0
    assert delta(t, lambda: t.touch(a, L)) == (N, 0)
    assert t.read(a, 4) == b"\0\0\0\0"
    assert delta(t, lambda: t.touch(a, L, write=True)) == (N, 0)


def test_fault_that_ends_in_signal_counts_in_pgfault_only(machine, task):
    f = machine.create_file("small", data=b"hi")
    a = task.mmap(2 * PAGE, prot="r", flags="private", file=f)
    assert task.read(a, 3) == b"hi\0"
    before = machine.vmstat["pgfault"]
    with pytest.raises(pw.BusError) as info:
        task.read(a + PAGE, 1)
    assert (info.value.code, info.value.address) == ("BUS_ADRERR", a + PAGE)
    assert machine.vmstat["pgfault"] == before + 1
    assert task.stats.min_flt == 1


def test_stack_grows_down_within_rlimit(machine, task):
    sp = task.sp
    assert delta(task, lambda: task.touch(sp - (1 << 20), 8, write=True)) == (1, 0)
    assert "[stack]" in task.maps()
    with pytest.raises(pw.SegmentationFault) as info:
        task.touch(task.mm.stack_top - (9 << 20), PAGE, write=True)   # beyond RLIMIT_STACK
    assert info.value.code == "SEGV_MAPERR"


def test_brk_heap_faults_on_touch(task):
    old = task.sbrk(N * PAGE)
    assert task.brk() == old + L
    assert delta(task, lambda: task.touch(old, L, write=True)) == (N, 0)
    assert "[heap]" in task.maps()
    task.brk(old)
    assert task.stats.rss == 0


def test_populate_counts_faults_for_the_caller(task):
    b = (task.stats.min_flt, task.stats.maj_flt)
    a = task.mmap(L, flags="private|anonymous|populate")
    assert (task.stats.min_flt - b[0], task.stats.maj_flt - b[1]) == (N, 0)
    assert delta(task, lambda: task.touch(a, L, write=True)) == (0, 0)
