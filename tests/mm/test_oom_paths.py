"""The OOM killer from every allocation that Linux lets reach it, not only faults
(mm/page_alloc.c: __alloc_pages_may_oom for any order-0 allocation without
__GFP_NORETRY): read(2) and write(2) through the page cache, create_file, fork's
page tables. The worst task dies (never init) and the call succeeds; if the caller
is the worst it dies of SIGKILL instead of seeing ENOMEM; with nothing killable
the kernel panics. Readahead (__GFP_NORETRY) never kills."""

from __future__ import annotations

import pytest

import pagewalk as pw

PAGE = 4096


def pattern(n: int) -> bytes:
    return b"".join(i.to_bytes(4, "little") * (PAGE // 4) for i in range(n))


def exhaust(m: pw.Machine, t: pw.Task, extra: int = 0) -> int:
    """``t`` writes anonymous pages until free memory is at the min watermark (no
    swap: nothing is reclaimable); returns how many it wrote."""
    a = t.mmap("16MiB")
    n = 0
    wmin = m.reclaim.watermarks.min
    while m.phys.nr_free > wmin:
        t.write(a + n * PAGE, b"x")
        n += 1
    assert t.alive and m.vmstat["oom_kill"] == 0
    return n


def machine() -> tuple[pw.Machine, pw.Task]:
    m = pw.Machine(memory="4MiB", swap=0, overcommit_memory=1)
    return m, m.spawn("init")


def test_file_read_kills_the_worst_task_and_returns_the_bytes() -> None:
    m, init = machine()
    data = pattern(64)
    f = m.create_file("data", data=data)
    m.drop_caches()
    hog = init.fork("hog")
    exhaust(m, hog)
    assert f.read(0, 16 * PAGE) == data[:16 * PAGE]          # was ENOMEM
    assert not hog.alive and hog.killed_by == "SIGKILL"
    assert init.alive and m.oom.kills == [(hog.pid, "hog")] and m.vmstat["oom_kill"] == 1
    m.check()


def test_file_write_and_create_file_kill_the_worst_task() -> None:
    m, init = machine()
    hog = init.fork("hog")
    exhaust(m, hog)
    f = m.create_file("new", data=pattern(8))                 # was ENOMEM
    assert not hog.alive and m.oom.kills == [(hog.pid, "hog")]
    f.write(8 * PAGE, pattern(4))
    assert f.read(0, 12 * PAGE) == pattern(8) + pattern(4)
    m.check()


def test_fork_kills_the_worst_task_not_init_and_succeeds() -> None:
    m, init = machine()
    big = init.mmap(64 * PAGE)
    init.touch(big, 64 * PAGE, write=True)
    worker = init.fork("worker")
    w = worker.mmap(8 * PAGE)
    worker.write(w, b"kept")
    hog = init.fork("hog")
    exhaust(m, hog)
    child = worker.fork("child")          # page tables for the child: the hog dies
    assert child.alive and child.read(w, 4) == b"kept"
    assert not hog.alive and init.alive and worker.alive
    assert m.oom.kills == [(hog.pid, "hog")]
    m.check()


def test_a_forking_task_that_is_the_worst_dies_instead_of_seeing_enomem() -> None:
    m, init = machine()
    worker = init.fork("worker")
    exhaust(m, worker)
    before = set(m.tasks)
    with pytest.raises(pw.Killed) as exc:
        worker.fork("child")
    assert exc.value.pid == worker.pid
    assert not worker.alive and worker.killed_by == "SIGKILL"
    assert m.oom.kills == [(worker.pid, "worker")] and init.alive
    assert set(m.tasks) == before                # no half-made child left behind
    m.check()
    init.wait(worker)
    assert init.fork("again").alive              # the memory came back


def test_read_with_only_init_left_panics() -> None:
    m, init = machine()
    f = m.create_file("data", data=pattern(16))
    m.drop_caches()
    exhaust(m, init)
    with pytest.raises(pw.KernelPanic, match="Out of memory and no killable processes"):
        f.read(0, PAGE)
    assert init.alive and m.oom.kills == []
    with pytest.raises(pw.KernelPanic):
        f.read(0, PAGE)


def test_readahead_never_kills_but_the_page_asked_for_may() -> None:
    """The read-ahead window's allocations fail quietly (__GFP_NORETRY); only the
    page the read needs calls the OOM killer: one kill, and the window is read
    after it."""
    m, init = machine()
    f = m.create_file("data", data=pattern(64))
    m.drop_caches()
    hog = init.fork("hog")
    exhaust(m, hog)
    assert f.read(5 * PAGE, 4) == (5).to_bytes(4, "little")
    assert m.vmstat["oom_kill"] == 1
    f.read(0, 64 * PAGE)
    assert m.vmstat["oom_kill"] == 1
