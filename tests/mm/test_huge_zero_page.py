"""The huge zero page is never written through (issue 11): a read-only region backed
by it keeps it, and keeps reading zeros, when its neighbours take write faults."""

from __future__ import annotations

import pagewalk as pw

M2 = 2 << 20
P = 4096


def test_read_only_half_keeps_the_huge_zero_page():
    m = pw.Machine(memory="64MiB")
    t = m.spawn()
    a = t.mmap(2 * M2)
    t.madvise(a, 2 * M2, "hugepage")
    t.read(a, 1)
    t.read(a + M2, 1)
    assert t.pagemap(a + M2).zero_page and t.pagemap(a + M2).huge
    t.mprotect(a + M2, M2, "r")
    t.write(a, b"x" * 100)                        # the neighbour's write fault: a THP
    t.write(a + M2 - 100, b"y" * 100)
    assert t.pagemap(a).huge and not t.pagemap(a).zero_page
    info = t.pagemap(a + M2)
    assert info.zero_page and info.huge and not info.writable
    assert t.read(a + M2, 4096) == bytes(4096)
    hz = m.thp.huge_zero
    assert all(m.phys.read(hz.pfn + k, 0, 4096) == bytes(4096) for k in range(0, 512, 64))
    m.check()


def test_split_by_mprotect_inside_the_pmd_maps_small_zero_pages():
    m = pw.Machine(memory="64MiB")
    t = m.spawn()
    a = t.mmap(2 * M2)
    t.madvise(a, 2 * M2, "hugepage")
    t.read(a, 1)
    t.mprotect(a + M2 // 2, M2 // 2, "r")        # split_vma splits the huge zero PMD
    t.write(a, b"z")
    assert t.read(a + M2 // 2, 8) == bytes(8) and t.pagemap(a + M2 // 2).zero_page
    hz = m.thp.huge_zero
    assert m.phys.read(hz.pfn, 0, 8) == bytes(8)
    m.check()
