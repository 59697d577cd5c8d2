"""Paging modes, the MMU/TLB, and big machines that start at once."""

from __future__ import annotations

import tracemalloc

import pytest
from tests.conftest import PAGE, delta

import pagewalk as pw
from pagewalk.arch.pte import X86PF, describe_error_code


def test_i386_two_level_tables_and_3g_split():
    m = pw.Machine(memory="64MiB", paging="i386")
    t = m.spawn()
    assert m.mode.entries == 1024 and m.mode.levels == ("pgd", "pte")
    a = t.mmap(10 * PAGE)
    assert a + 10 * PAGE <= 0xC0000000
    with m.trace() as tr:
        t.touch(a, PAGE, write=True)
    assert tr.faults[0].steps.count("pte_alloc") == 1
    assert not any(s in tr.faults[0].steps for s in ("pud_alloc", "pmd_alloc"))
    with pytest.raises(pw.SegmentationFault) as info:
        t.read(0xC0000000, 1)                      # the kernel's 1 GiB
    assert info.value.code == "SEGV_MAPERR"
    u = m.spawn()
    with pytest.raises(ValueError, match="outside"):
        u.read(1 << 32, 1)
    m.check()


def test_x86_64_allocates_levels_lazily():
    m = pw.Machine(memory="64MiB")
    t = m.spawn()
    a = t.mmap(4 * PAGE)
    with m.trace() as tr:
        t.touch(a, 4 * PAGE, write=True)
    assert tr.faults[0].steps[:0] == ()
    allocs = [s for f in tr.faults for s in f.steps if s.endswith("_alloc")]
    assert allocs == ["pud_alloc", "pmd_alloc", "pte_alloc"]      # once, for the first page
    assert t.mm.pgtables_bytes == 3 * PAGE
    assert m.meminfo()["PageTables"] == 4 * 4                     # + the pgd


def test_la57_five_levels():
    m = pw.Machine(memory="64MiB", paging="la57")
    t = m.spawn()
    a = t.mmap(PAGE)
    assert a > 1 << 47
    with m.trace() as tr:
        t.write(a, b"x")
    assert [s for s in tr.faults[0].steps if s.endswith("_alloc")] == \
        ["p4d_alloc", "pud_alloc", "pmd_alloc", "pte_alloc"]


def test_sixteen_gib_machine_starts_without_host_memory():
    tracemalloc.start()
    m = pw.Machine(memory="16GiB", swap="16GiB")
    t = m.spawn()
    t.touch(t.mmap("64MiB"), "64MiB", write=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 200 << 20                      # far from 16 GiB
    assert m.meminfo()["MemTotal"] == 16 << 20


def test_error_code_bits_follow_the_seeds():
    assert describe_error_code(X86PF.USER) == "user read, page not present"
    assert describe_error_code(X86PF.USER | X86PF.WRITE | X86PF.PROT) == \
        "user write, protection violation"


def test_tlb_is_flushed_on_cow_and_munmap():
    m = pw.Machine(memory="64MiB")
    p = m.spawn()
    a = p.mmap(PAGE)
    p.write(a, b"old")
    c = p.fork()
    c.write(a, b"new")                           # COW: the child's TLB entry must change
    assert p.read(a, 3) == b"old" and c.read(a, 3) == b"new"
    p.munmap(a, PAGE)
    with pytest.raises(pw.SegmentationFault):
        p.read(a, 1)                             # no stale TLB entry survives munmap
    m.check()


def test_finite_tlb_changes_no_fault_count():
    counts = []
    for entries in (0, 8):
        m = pw.Machine(memory="64MiB", tlb_entries=entries)
        t = m.spawn()
        a = t.mmap(64 * PAGE)
        counts.append((delta(t, lambda t=t, a=a: t.touch(a, 64 * PAGE, write=True)),
                       delta(t, lambda t=t, a=a: t.touch(a, 64 * PAGE))))
        assert len(t.mm.tlb_r) <= (entries or 64)
        m.check()
    assert counts[0] == counts[1]


def test_exec_of_non_exec_mapping_faults_twice_then_accerr():
    m = pw.Machine(memory="64MiB")
    t = m.spawn()
    a = t.mmap(PAGE, prot="rw")
    with m.trace() as tr, pytest.raises(pw.SegmentationFault) as info:
        t.touch(a, 1, execute=True)
    assert info.value.code == "SEGV_ACCERR"
    assert tr.faults[0].handler == "do_anonymous_page"
    assert t.stats.min_flt == 1                  # the first (not-present) fault succeeded
