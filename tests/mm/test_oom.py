"""The OOM killer (mm/oom_kill.py): when memory and swap are exhausted the task with
the highest badness dies; everyone else keeps every byte."""

from __future__ import annotations

import pytest

import pagewalk as pw
from pagewalk.mm.oom_kill import oom_badness

PAGE = 4096


def fill(t: pw.Task, a: int, n: int, tag: int) -> None:
    for i in range(n):
        t.write(a + i * PAGE, bytes([tag]) * 8 + i.to_bytes(4, "little"))


def verify(t: pw.Task, a: int, n: int, tag: int) -> None:
    for i in range(n):
        assert t.read(a + i * PAGE, 12) == bytes([tag]) * 8 + i.to_bytes(4, "little")


def test_the_faulting_hog_is_killed_and_the_others_keep_their_data() -> None:
    # overcommit_memory=1: the heuristic (0) refuses a 16 MiB request on 5 MiB at mmap,
    # as the kernel does; always-overcommit lets the hog reach the OOM killer
    m = pw.Machine(memory="4MiB", swap="1MiB", overcommit_memory=1)
    init = m.spawn("init")
    small = init.fork("small")
    a = small.mmap(40 * PAGE)
    fill(small, a, 40, 1)
    hog = init.fork("hog")
    b = hog.mmap(4096 * PAGE)
    with pytest.raises(pw.Killed) as exc:
        fill(hog, b, 4096, 2)
    assert exc.value.pid == hog.pid and hog.killed_by == "SIGKILL"
    assert m.vmstat["oom_kill"] == 1 and m.oom.kills == [(hog.pid, "hog")]
    m.check()
    verify(small, a, 40, 1)
    m.check()
    # The victim's memory and swap came back.
    assert m.swap.si.inuse_pages <= 40
    assert m.phys.nr_free > 700


def test_the_biggest_task_dies_when_another_one_runs_out() -> None:
    m = pw.Machine(memory="4MiB", swap="1MiB")
    init = m.spawn("init")
    big = init.fork("big")
    b = big.mmap(800 * PAGE)
    fill(big, b, 800, 3)
    m.check()
    worker = init.fork("worker")
    w = worker.mmap(500 * PAGE)
    fill(worker, w, 500, 4)            # needs more than is left: big is killed
    assert not big.alive and big.killed_by == "SIGKILL"
    assert worker.alive and m.vmstat["oom_kill"] == 1
    m.check()
    verify(worker, w, 500, 4)
    m.check()


def test_badness_counts_rss_swap_and_page_tables() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(64 * PAGE)
    fill(t, a, 64, 5)
    t.madvise(a, 32 * PAGE, "pageout")
    mm = t.mm
    assert oom_badness(t, 1) == t.stats.rss + t.stats.swap + mm.pgtables_bytes // PAGE
    t.oom_score_adj = -1000
    assert oom_badness(t, 1) is None


def test_init_is_spared_while_another_task_can_be_killed() -> None:
    m = pw.Machine(memory="4MiB", swap=0)
    init = m.spawn("init")
    a = init.mmap(500 * PAGE)
    fill(init, a, 500, 6)
    child = init.fork("child")
    c = child.mmap(8 * PAGE)
    fill(child, c, 8, 7)
    b = init.mmap(600 * PAGE)
    # Memory runs out: the child dies, not init; then init is the only one left:
    # never a victim, the kernel panics instead.
    with pytest.raises(pw.KernelPanic, match="Out of memory and no killable processes"):
        fill(init, b, 600, 8)
    assert not child.alive and child.killed_by == "SIGKILL"
    assert init.alive and init.killed_by is None and m.oom.kills == [(child.pid, "child")]
    with pytest.raises(pw.KernelPanic):                 # the machine has stopped
        init.read(a, 1)
    with pytest.raises(pw.KernelPanic):
        m.spawn("another")


def test_16mib_ram_64mib_swap_48mib_anon_and_24mib_shmem_is_no_oom() -> None:
    """Reclaim swaps shmem out even when more than half of swap is used
    (vm_swap_full() only decides whether to drop swap cache), and the allocator
    retries reclaim before the OOM killer: nobody dies with 56 MiB of swap free."""
    m = pw.Machine(memory="16MiB", swap="64MiB")
    init = m.spawn("init")
    t = init.fork("w")
    a = t.mmap("48MiB")
    s = t.mmap("24MiB", flags="shared|anonymous")
    for i in range(48 * 256):
        t.write(a + i * PAGE, i.to_bytes(4, "little"))
    for i in range(24 * 256):
        t.write(s + i * PAGE, (i + 7).to_bytes(4, "little"))
    for i in range(48 * 256):
        assert t.read(a + i * PAGE, 4) == i.to_bytes(4, "little")
    for i in range(24 * 256):
        assert t.read(s + i * PAGE, 4) == (i + 7).to_bytes(4, "little")
    m.check()
    assert m.vmstat["oom_kill"] == 0 and t.alive
    assert m.swap.si.inuse_pages * 2 > m.swap.si.max_slots      # vm_swap_full() held


def test_pagefault_out_of_memory_only_retries_the_fault() -> None:
    """VM_FAULT_OOM reaching the #PF handler for a task the OOM killer did not
    choose is retried, not answered with SIGKILL (Linux 5.16+)."""
    m = pw.Machine(memory="4MiB", swap=0)
    t = m.spawn("init")
    assert m.oom.pagefault_out_of_memory(t) is None and t.alive
    t.sigkill_pending = True
    assert m.oom.pagefault_out_of_memory(t).signal == "SIGKILL"
