"""Tracepoints and /proc views."""

from __future__ import annotations

import re

import pytest
from tests.conftest import PAGE

import pagewalk as pw


def test_trace_records_the_path_of_each_fault(machine, task):
    a = task.mmap(2 * PAGE)
    with machine.trace() as tr:
        task.read(a, 1)
        task.write(a, b"x")
        c = task.fork()
        c.write(a, b"y")
        task.write(a, b"z")
    handlers = [(f.pid, f.handler) for f in tr.faults]
    assert handlers == [(1, "do_anonymous_page"), (1, "do_wp_page"), (2, "do_wp_page"),
                        (1, "do_wp_page")]
    first = tr.faults[0]
    assert first.address == a and first.error_code == 4 and not first.major
    assert first.steps[:4] == ("exc_page_fault", "do_user_addr_fault", "find_vma",
                               "handle_mm_fault")
    assert "pte_alloc" in first.steps and "map_zero_page" in first.steps
    assert "wp_page_copy" in tr.faults[2].steps and "wp_page_reuse" in tr.faults[3].steps
    assert tr.faults[1].error_code == 7           # user write, protection violation


def test_trace_records_signals(machine, task):
    with machine.trace() as tr, pytest.raises(pw.SegmentationFault):
        task.read(0, 1)
    (rec,) = tr.faults
    assert (rec.handler, rec.signal, rec.code) == ("bad_area", "SIGSEGV", "SEGV_MAPERR")


def test_maps_format_matches_the_kernel(task):
    a = task.mmap(4 * PAGE, prot="r")
    lines = task.maps().splitlines()
    assert lines[0] == f"{a:08x}-{a + 4 * PAGE:08x} r--p 00000000 00:00 0 "
    stack = lines[-1]
    assert re.match(r"^7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 +\[stack\]$", stack)
    assert stack.index("[stack]") == 73


def test_pagemap_bits(machine, task):
    a = task.mmap(3 * PAGE)
    task.read(a, 1)
    task.write(a + PAGE, b"x")
    zero, mine, none = (task.pagemap(a + i * PAGE) for i in range(3))
    assert zero.present and zero.zero_page and not zero.writable and zero.pfn == 1
    assert mine.present and mine.writable and mine.dirty and mine.exclusive and mine.anon
    assert mine.raw >> 63 == 1 and (mine.raw >> 56) & 1 and mine.raw & ((1 << 55) - 1) == mine.pfn
    assert not none.present and none.raw == 0     # no CONFIG_MEM_SOFT_DIRTY on the hosts: no bit 55
    c = task.fork()
    assert c.pagemap(a + PAGE).pfn == mine.pfn and not task.pagemap(a + PAGE).writable
    assert task.pagemap(a + PAGE).mapcount == 2


def test_smaps_status_meminfo(machine, task):
    a = task.mmap(10 * PAGE)
    task.touch(a, 10 * PAGE, write=True)
    c = task.fork()
    smaps = task.smaps()
    assert "Rss:                  40 kB" in smaps and "Shared_Dirty:         40 kB" in smaps
    assert "Pss:                  20 kB" in smaps
    assert "VmRSS:\t      40 kB" in task.status()
    info = machine.meminfo()
    assert info["AnonPages"] == 40 and info["MemTotal"] == 64 * 1024
    c.exit()


def test_vmstat_names_and_typos(machine):
    assert machine.vmstat["pgfault"] == 0
    with pytest.raises(KeyError, match="pgfault"):
        machine.vmstat["pgfalut"]


def test_allocation_and_writeback_counters(machine):
    v = machine.vmstat
    base = (v["pgalloc_normal"], v["pgfree"])
    t = machine.spawn()
    a = t.mmap(10 * PAGE)
    t.touch(a, 10 * PAGE, write=True)
    assert v["pgalloc_normal"] - base[0] >= 10 + 4          # pages + pgd, pud, pmd, pte
    t.exit()
    assert v["pgalloc_normal"] - base[0] == v["pgfree"] - base[1]   # everything came back
    f = machine.create_file("d", size=3 * PAGE)
    assert v["nr_dirtied"] == 3 and v["nr_written"] == 0
    f.evict()
    assert v["nr_written"] == 3
    with pytest.raises(KeyError, match="workingset_refault_anon"):
        v["workingset_refault_anon"]                          # not modelled: no silent 0
