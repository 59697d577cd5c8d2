"""The model classifies each compared step; the class gives the tolerance."""

from __future__ import annotations

import pagewalk as pw
from pagewalk.oracle.classify import (
    StepClass,
    agrees,
    classify,
    compare_runs,
    natural_agrees,
)

PAGE = 4096
HUGE = 2 << 20


def test_anonymous_faults_are_exact() -> None:
    m = pw.Machine()
    t = m.spawn("init")
    a = t.mmap(16 * PAGE)
    with m.trace() as tr:
        t.touch(a, 16 * PAGE, write=True)
    c = classify(tr.faults)
    assert c.kind is StepClass.EXACT and c.tolerance == (0, 0)
    assert agrees(c, (16, 0), (16, 0)) and not agrees(c, (16, 0), (17, 0))


def test_thp_reuse_after_fork_is_spurious_tlb_with_a_natural_bound() -> None:
    m = pw.Machine(memory="64MiB", thp="madvise")
    t = m.spawn("init")
    a = t.mmap(2 * HUGE)
    t.madvise(a, 2 * HUGE, "hugepage")
    t.touch(a, 2 * HUGE, write=True)
    c = t.fork()
    c.touch(a, 2 * HUGE, write=True)
    with m.trace() as tr:
        t.touch(a, 2 * HUGE, write=True)
    pages = list(range(a, a + 2 * HUGE, PAGE))
    cl = classify([f for f in tr.faults if f.pid == t.pid], touched=pages)
    assert cl.kind is StepClass.SPURIOUS_TLB
    assert cl.tolerance == (0, 0)                 # the flushed, fenced probe is exact
    assert cl.natural == (2, 2 + 2 * 511)         # each later 4 KiB piece at most once
    assert natural_agrees(cl, 2) and natural_agrees(cl, 47) and not natural_agrees(cl, 1)


def test_file_fault_around_is_host_setting_or_address() -> None:
    m = pw.Machine()
    t = m.spawn("init")
    f = m.create_file("f.bin", size=64 * PAGE)
    a = t.mmap(64 * PAGE, prot="r", flags="private", file=f)
    t.touch(a, 64 * PAGE)                         # read it in: now cached
    b = t.mmap(64 * PAGE, prot="r", flags="private", file=f)
    with m.trace() as tr:
        t.touch(b, 64 * PAGE)
    pinned = classify(tr.faults)
    assert pinned.kind is StepClass.HOST_SETTING and "fault_around_bytes" in pinned.settings
    assert pinned.tolerance == (0, 0)
    moved = classify(tr.faults, addresses_pinned=False, touched=[b])
    assert moved.kind is StepClass.ADDRESS and moved.tolerance == (1, 0)


def test_swap_in_is_io_timing_total_exact() -> None:
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn("init")
    a = t.mmap(100 * PAGE)
    t.touch(a, 100 * PAGE, write=True)
    t.madvise(a, 100 * PAGE, "pageout")
    with m.trace() as tr:
        t.touch(a, 100 * PAGE)
    c = classify(tr.faults)
    assert c.kind is StepClass.IO_TIMING and c.total_exact
    n = len(tr.faults)
    assert n == 100 and c.tolerance[1] >= 13
    assert agrees(c, (n - 13, 13), (n, 0))        # all minor: writeback not done yet
    assert not agrees(c, (n - 13, 13), (n + 1, 0))  # but no fault more or less


def test_compare_runs_reruns_then_reports_the_range() -> None:
    exact = classify([])
    runs = iter([(5, 0), (2, 0)])
    v = compare_runs(exact, (2, 0), (47, 0), lambda: next(runs))
    assert v.ok and len(v.runs) == 3
    v = compare_runs(exact, (2, 0), (47, 0), lambda: (5, 0), reruns=2)
    assert not v.ok and v.span() == "minor 5..47, major 0..0 over 3 run(s)"
