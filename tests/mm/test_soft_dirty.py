"""Soft-dirty bits and /proc/PID/clear_refs against tools/testing/selftests/mm/soft-dirty.c
(with soft_dirty=True, CONFIG_MEM_SOFT_DIRTY) and the 6.18 host (built without it)."""

from __future__ import annotations

import pytest
from tests.conftest import delta

import pagewalk as pw

P = 4096
ITERATIONS = 50           # soft-dirty.c runs 10000; the loop is the same


@pytest.fixture
def sd():
    m = pw.Machine(memory="64MiB", soft_dirty=True)
    return m, m.spawn()


def pagemap_is_softdirty(t: pw.Task, addr: int) -> bool:
    e = t.pagemap(addr)
    assert e.soft_dirty == bool(e.raw >> 55 & 1)
    return e.soft_dirty


def test_simple(sd):
    """soft-dirty.c: test_simple."""
    _, t = sd
    m = t.mmap(P)
    t.clear_refs(4)
    for _ in range(ITERATIONS):
        assert not pagemap_is_softdirty(t, m)
        t.clear_refs(4)
        t.write(m, bytes([t.read(m, 1)[0] + 1 & 0xFF]))
        assert pagemap_is_softdirty(t, m)
        t.clear_refs(4)


def test_vma_reuse(sd):
    """soft-dirty.c: test_vma_reuse: new regions are soft-dirty, even at a reused address."""
    _, t = sd
    m = t.mmap(P)
    assert pagemap_is_softdirty(t, m)
    t.clear_refs(4)
    t.munmap(m, P)
    m2 = t.mmap(P)
    assert m2 == m and pagemap_is_softdirty(t, m2)


def test_hugepage(sd):
    """soft-dirty.c: test_hugepage."""
    _, t = sd
    hlen = 2 << 20
    m = t.mmap(2 * hlen)
    m = -(-m // hlen) * hlen
    t.madvise(m, hlen, "hugepage")
    t.write(m, bytes(i & 0xFF for i in range(hlen)))
    assert t.pagemap(m).huge                    # check_huge_anon
    t.clear_refs(4)
    for i in range(ITERATIONS):
        assert not pagemap_is_softdirty(t, m)
        t.clear_refs(4)
        t.write(m, bytes([i & 0xFF]))
        assert pagemap_is_softdirty(t, m)
        t.clear_refs(4)


@pytest.mark.parametrize("anon", [True, False], ids=["anon", "file"])
def test_mprotect(sd, anon):
    """soft-dirty.c: test_mprotect_anon / test_mprotect_file."""
    m, t = sd
    if anon:
        a = t.mmap(P)
    else:
        f = m.create_file("soft-dirty-test-file", size=P)
        a = t.mmap(P, prot="rw", flags="shared", file=f)
    t.write(a, b"\1")
    assert pagemap_is_softdirty(t, a)
    t.clear_refs(4)
    assert not pagemap_is_softdirty(t, a)
    t.mprotect(a, P, "r")
    assert not pagemap_is_softdirty(t, a)
    t.mprotect(a, P, "rw")
    assert not pagemap_is_softdirty(t, a)
    assert delta(t, lambda: t.write(a, b"\2")) == (1, 0)     # the write faults again
    assert pagemap_is_softdirty(t, a)


def test_mremap_marks_moved_entries_soft_dirty(sd):
    _, t = sd
    a = t.mmap(4 * P)
    t.write(a, b"x")
    t.clear_refs(4)
    b = t.mremap(a, 4 * P, 8 * P, "maymove|fixed", new_addr=a - (64 * P))
    assert pagemap_is_softdirty(t, b)


def test_vmflags_sd_follows_the_config(sd):
    _, t = sd
    t.mmap(P)
    assert " sd " in t.smaps()
    t.clear_refs(4)
    assert " sd " not in t.smaps()


# -- the host: no CONFIG_MEM_SOFT_DIRTY ---------------------------------------------------
def test_host_kernel_has_no_soft_dirty(task):
    """Measured on 6.18 (built without CONFIG_MEM_SOFT_DIRTY): bit 55 always 0, no `sd`
    in VmFlags, and clear_refs 4 does not even write-protect."""
    a = task.mmap(P)
    task.write(a, b"1")
    assert not pagemap_is_softdirty(task, a) and " sd " not in task.smaps()
    task.clear_refs(4)
    assert delta(task, lambda: task.write(a, b"2")) == (0, 0)
    assert not pagemap_is_softdirty(task, a)


def test_clear_refs_resets_peak_rss(task):
    """Measured: after writing 5, VmHWM equals VmRSS."""
    a = task.mmap(1024 * P)
    task.touch(a, 1024 * P, write=True)
    task.munmap(a + P, 1023 * P)
    hwm = lambda: int(next(s for s in task.status().splitlines()  # noqa: E731
                           if s.startswith("VmHWM")).split()[1])
    assert hwm() == 4096
    task.clear_refs("5")
    assert hwm() == 4


def test_clear_refs_clears_accessed_bits(machine, task):
    a = task.mmap(2 * P)
    task.write(a, b"x")
    f = machine.create_file("f.bin", size=P)
    b = task.mmap(P, prot="r", flags="private", file=f)
    task.read(b, 1)
    task.clear_refs(2)
    assert not task.pagemap(a).young and task.pagemap(b).young
    task.clear_refs(3)
    assert not task.pagemap(b).young
    task.read(a, 1)
    task.clear_refs(1)
    assert not task.pagemap(a).young


@pytest.mark.parametrize("value", [0, 6, "x", -1, True, None])
def test_clear_refs_bad_values(task, value):
    """Measured: 0, 6 and non-numbers are EINVAL."""
    with pytest.raises(pw.InvalidArgument):
        task.clear_refs(value)
