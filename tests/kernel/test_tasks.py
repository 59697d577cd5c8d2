"""Tasks and the address space: VMAs split and merge like the kernel's, exec, exit,
wait, and frames that never leak old contents."""

from __future__ import annotations

import pytest
from tests.conftest import PAGE, delta

import pagewalk as pw


def vmas(t: pw.Task) -> list[tuple[int, int, str]]:
    out = []
    for line in t.maps().splitlines():
        rng, perms = line.split()[:2]
        lo, hi = (int(x, 16) for x in rng.split("-"))
        out.append((lo, hi, perms))
    return out


def test_adjacent_anonymous_mappings_merge(task):
    a = task.mmap(4 * PAGE)
    b = task.mmap(4 * PAGE)
    assert b + 4 * PAGE == a                    # top-down placement
    assert (b, a + 4 * PAGE, "rw-p") in vmas(task)


def test_munmap_in_the_middle_splits(task):
    a = task.mmap(8 * PAGE)
    task.write(a, b"x" * (8 * PAGE))
    task.munmap(a + 2 * PAGE, 3 * PAGE)
    v = vmas(task)
    assert (a, a + 2 * PAGE, "rw-p") in v and (a + 5 * PAGE, a + 8 * PAGE, "rw-p") in v
    assert task.stats.rss == 5
    with pytest.raises(pw.SegmentationFault):
        task.read(a + 3 * PAGE, 1)


def test_mprotect_splits_then_merges_back(machine, task):
    a = task.mmap(8 * PAGE)
    task.mprotect(a + 2 * PAGE, 2 * PAGE, "r")
    assert [p for _, _, p in vmas(task)][:3] == ["rw-p", "r--p", "rw-p"]
    task.mprotect(a + 2 * PAGE, 2 * PAGE, "rw")
    assert (a, a + 8 * PAGE, "rw-p") in vmas(task)
    machine.check()


def test_mmap_hint_and_fixed(task):
    hint = 0x40000000
    a = task.mmap(PAGE, addr=hint)
    assert a == hint
    b = task.mmap(PAGE, addr=hint)              # taken: the kernel picks elsewhere
    assert b != hint
    task.write(a, b"old")
    c = task.mmap(PAGE, flags="private|anonymous|fixed", addr=a)   # replaces the mapping
    assert c == a and task.read(a, 3) == b"\0\0\0"


def test_freed_frames_never_leak_old_contents(machine):
    t = machine.spawn()
    for _ in range(3):
        a = t.mmap(64 * PAGE)
        t.write(a, b"\xa5" * (64 * PAGE))
        t.munmap(a, 64 * PAGE)
    u = machine.spawn()
    b = u.mmap(256 * PAGE)
    u.touch(b, 256 * PAGE, write=True)           # reuses the frames t freed
    # touch(write=True) stores 0xa5 at each page's start; the rest is zero
    assert u.read(b, 256 * PAGE) == (b"\xa5" + bytes(PAGE - 1)) * 256
    c = u.fork()
    c.write(b, b"z")                             # a COW copy: the rest must be zero too
    assert c.read(b + 1, PAGE - 1) == bytes(PAGE - 1)


def test_exec_gives_a_fresh_address_space(machine, task):
    a = task.mmap(100 * PAGE)
    task.touch(a, 100 * PAGE, write=True)
    c = task.fork()
    free_before = machine.phys.nr_free
    c.exec()
    assert c.stats.rss == 0 and "[stack]" in c.maps() and len(vmas(c)) == 1
    with pytest.raises(pw.SegmentationFault):
        c.read(a, 1)
    # exec dropped the child's references: the parent's pages are its own again.
    assert delta(task, lambda: task.touch(a, 100 * PAGE, write=True)) == (100, 0)
    assert machine.vmstat["pgreuse"] == 100
    assert machine.phys.nr_free >= free_before - 2
    machine.check()


def test_exit_frees_everything_and_wait_reaps(machine):
    free0 = machine.phys.nr_free
    p = machine.spawn()
    a = p.mmap(200 * PAGE)
    p.touch(a, 200 * PAGE, write=True)
    c = p.fork()
    c.touch(a, 200 * PAGE, write=True)
    c.exit(7)
    assert not c.alive and p.wait() == 7
    p.exit()
    assert machine.phys.nr_free == free0
    assert machine.nr_pagetable == 0
    machine.check()


def test_signal_kills_only_that_task(machine):
    p = machine.spawn()
    a = p.mmap(PAGE)
    p.write(a, b"safe")
    c = p.fork()
    with pytest.raises(pw.SegmentationFault):
        c.write(0, b"x")
    assert not c.alive and c.killed_by == "SIGSEGV" and p.wait(c) == -11
    assert p.read(a, 4) == b"safe"
    machine.check()


def test_orphans_are_reparented_to_init(machine):
    init = machine.spawn("init")
    mid = init.fork("mid")
    leaf = mid.fork("leaf")
    mid.exit()
    assert leaf.parent is init
    leaf.exit()
    assert init.wait(leaf) == 0
