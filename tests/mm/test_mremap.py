"""mremap(2) against the kernel's selftests (tools/testing/selftests/mm/mremap_test.c,
mremap_dontunmap.c) and errnos measured on the 6.18 host."""

from __future__ import annotations

import errno

import pytest
from tests.conftest import delta

import pagewalk as pw

P = 4096
M2 = 2 << 20


def region_contains(t: pw.Task, addr: int, size: int, byte: int) -> bool:
    """check_region_contains_byte (mremap_dontunmap.c)."""
    return t.read(addr, size) == bytes([byte]) * size


def is_range_mapped(t: pw.Task, start: int, end: int) -> bool:
    """is_range_mapped (mremap_test.c): one line of maps covers [start, end)."""
    for line in t.maps().splitlines():
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        if lo <= start and hi >= end:
            return True
    return False


def vmflags(t: pw.Task, addr: int) -> str:
    """The VmFlags line of the smaps entry that contains ``addr``."""
    inside = False
    for line in t.smaps().splitlines():
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            lo, hi = (int(x, 16) for x in head.split("-"))
            inside = lo <= addr < hi
        elif inside and line.startswith("VmFlags"):
            return line + " "
    raise AssertionError(f"no VMA at {addr:#x}")


# -- mremap_dontunmap.c ------------------------------------------------------------
def test_mremap_dontunmap_simple(task):
    """mremap_dontunmap.c: mremap_dontunmap_simple."""
    src = task.mmap(5 * P)
    task.write(src, b"a" * 5 * P)
    dest = task.mremap(src, 5 * P, 5 * P, "maymove|dontunmap")
    assert dest != src
    assert region_contains(task, dest, 5 * P, ord("a"))
    assert region_contains(task, src, 5 * P, 0)          # "source should have no ptes"
    task.munmap(dest, 5 * P)
    task.munmap(src, 5 * P)
    task.machine.check()


def test_mremap_dontunmap_simple_shmem(machine, task):
    """mremap_dontunmap.c: mremap_dontunmap_simple_shmem (a shared file mapping: the
    source still sees the same page cache)."""
    f = machine.create_file("memfd", size=5 * P)
    src = task.mmap(5 * P, prot="rw", flags="shared", file=f)
    task.write(src, b"a" * 5 * P)
    dest = task.mremap(src, 5 * P, 5 * P, "maymove|dontunmap")
    assert region_contains(task, dest, 5 * P, ord("a"))
    assert region_contains(task, src, 5 * P, ord("a"))
    machine.check()


def test_mremap_dontunmap_simple_fixed(task):
    """mremap_dontunmap.c: mremap_dontunmap_simple_fixed."""
    dest = task.mmap(5 * P)
    task.write(dest, b"X" * 5 * P)
    src = task.mmap(5 * P)
    task.write(src, b"a" * 5 * P)
    assert task.mremap(src, 5 * P, 5 * P, "maymove|fixed|dontunmap", new_addr=dest) == dest
    assert region_contains(task, dest, 5 * P, ord("a"))
    assert region_contains(task, src, 5 * P, 0)
    task.machine.check()


def test_mremap_dontunmap_partial_mapping(task):
    """mremap_dontunmap.c: mremap_dontunmap_partial_mapping."""
    src = task.mmap(10 * P)
    task.write(src, b"a" * 10 * P)
    dest = task.mremap(src + 5 * P, 5 * P, 5 * P, "maymove|dontunmap")
    assert region_contains(task, src, 5 * P, ord("a"))
    assert region_contains(task, src + 5 * P, 5 * P, 0)
    assert region_contains(task, dest, 5 * P, ord("a"))
    task.machine.check()


def test_mremap_dontunmap_partial_mapping_overwrite(task):
    """mremap_dontunmap.c: mremap_dontunmap_partial_mapping_overwrite."""
    src = task.mmap(5 * P)
    task.write(src, b"a" * 5 * P)
    dest = task.mmap(10 * P)
    task.write(dest, b"X" * 10 * P)
    assert task.mremap(src, 5 * P, 5 * P, "maymove|dontunmap|fixed", new_addr=dest) == dest
    assert region_contains(task, src, 5 * P, 0)
    assert region_contains(task, dest, 5 * P, ord("a"))
    assert region_contains(task, dest + 5 * P, 5 * P, ord("X"))
    task.machine.check()


def test_dontunmap_unlocks_the_whole_source_vma(task):
    """Measured on 6.18: a partial DONTUNMAP of a locked VMA clears `lo` on all of it,
    without a split; the moved page leaves Rss."""
    t = task
    a = t.mmap(4 * P)
    t.mlock(a, 4 * P)
    t.write(a, b"\7" * 4 * P)
    x = t.mremap(a + P, P, P, "maymove|dontunmap")
    assert t.read(x, 1) == b"\7"
    assert " lo " not in vmflags(t, a)
    assert " lo " in vmflags(t, x)             # the moved part stays locked
    assert t.read(a + P, 1) == b"\0"
    t.machine.check()


# -- mremap_test.c -----------------------------------------------------------------
def test_mremap_expand_merge(task):
    """mremap_test.c: mremap_expand_merge: growing in place fills the hole and merges."""
    start = task.mmap(3 * P)
    task.munmap(start + P, P)
    assert task.mremap(start, P, 2 * P, "") == start
    assert is_range_mapped(task, start, start + 3 * P)


def test_mremap_expand_merge_offset(task):
    """mremap_test.c: mremap_expand_merge_offset."""
    start = task.mmap(3 * P)
    task.munmap(start + 2 * P, P)
    assert task.mremap(start + P, P, 2 * P, "") == start + P
    assert is_range_mapped(task, start, start + 3 * P)


@pytest.mark.parametrize("size,align", [(P * 256, P), (M2, M2), (2 * M2, M2), (M2 + 5 * P, P)])
def test_remap_region_moves_tables_not_pages(machine, task, size, align):
    """mremap_test.c: remap_region: the pattern arrives intact; here also: the same
    frames, no fault at the new place, the old place unmapped."""
    t = task
    src = t.mmap(size + 4 * M2)
    src = -(-src // M2) * M2 + (align if align < M2 else 0)
    t.madvise(src, size, "nohugepage")
    pattern = bytes((i * 7) & 0xFF for i in range(size))
    t.write(src, pattern)
    pfns = [t.pagemap(src + i).pfn for i in range(0, size, P)]
    dst = t.mmap(size + 2 * M2)
    dst = -(-dst // M2) * M2
    tables = machine.nr_pagetable
    assert t.mremap(src, size, size, "maymove|fixed", new_addr=dst) == dst
    assert delta(t, lambda: t.touch(dst, size)) == (0, 0)
    assert t.read(dst, size) == pattern
    assert [t.pagemap(dst + i).pfn for i in range(0, size, P)] == pfns
    if align == M2 and size % M2 == 0:
        assert machine.nr_pagetable <= tables      # move_normal_pmd: whole tables moved
    with pytest.raises(pw.SegmentationFault):
        t.read(src, 1)
    machine.check()


def test_a_huge_page_moves_as_one_pmd(machine, task):
    t = task
    a = t.mmap(2 * M2)
    t.madvise(a, 2 * M2, "hugepage")
    t.write(a, b"h" * 10)
    assert t.pagemap(a).huge
    b = t.mmap(4 * M2)
    b = -(-b // M2) * M2
    assert t.mremap(a, M2, M2, "maymove|fixed", new_addr=b) == b
    assert t.pagemap(b).huge and t.read(b, 10) == b"h" * 10
    assert machine.vmstat["thp_split_pmd"] == 0
    machine.check()


def test_grow_moves_when_the_next_mapping_is_in_the_way(task):
    t = task
    a = t.mmap(2 * P)
    t.mmap(P, addr=a + 2 * P, flags="private|anonymous|fixed")
    t.write(a, b"abc")
    with pytest.raises(pw.SyscallError) as e:
        t.mremap(a, 2 * P, 4 * P, "")
    assert e.value.errno == errno.ENOMEM
    b = t.mremap(a, 2 * P, 4 * P, "maymove")
    assert b != a and t.read(b, 3) == b"abc"
    t.write(b + 3 * P, b"z")                    # the grown part is usable
    t.machine.check()


def test_shrink_unmaps_the_tail(task):
    t = task
    a = t.mmap(4 * P)
    t.touch(a, 4 * P, write=True)
    assert t.mremap(a, 4 * P, P) == a
    assert t.stats.rss == 1
    with pytest.raises(pw.SegmentationFault):
        t.read(a + P, 1)


def test_growing_a_locked_mapping_populates_it(task):
    t = task
    a = t.mmap(4 * P, flags="private|anonymous|locked")
    assert t.stats.rss == 4
    b = t.mremap(a, 4 * P, 8 * P, "maymove")
    assert t.stats.rss == 8 and "VmLck:\t      32 kB" in t.status()
    assert b is not None
    t.machine.check()


def test_move_only_fixed_spans_vmas_and_holes(task):
    """6.17+: MREMAP_FIXED with old_len == new_len moves several VMAs, holes kept."""
    t = task
    a = t.mmap(10 * P)
    t.munmap(a + 5 * P, P)
    t.write(a + 3 * P, b"x")
    t.write(a + 6 * P, b"y")
    b = t.mmap(10 * P)
    assert t.mremap(a + 3 * P, 4 * P, 4 * P, "maymove|fixed", new_addr=b) == b
    assert t.read(b, 1) == b"x" and t.read(b + 3 * P, 1) == b"y"
    with pytest.raises(pw.SegmentationFault):
        t.read(b + 2 * P, 1)


# -- errnos measured on the host (6.18) --------------------------------------------------
def _layout(t: pw.Task):
    a = t.mmap(10 * P)
    t.munmap(a + 5 * P, P)             # [a, a+5P) hole [a+6P, a+10P)
    b = t.mmap(10 * P)
    return a, b


TS = (1 << 47) - P
CASES = [
    ("unaligned addr", lambda a, b: (a + 1, P, P, "", None), errno.EINVAL),
    ("new_len 0", lambda a, b: (a, P, 0, "", None), errno.EINVAL),
    ("fixed without maymove", lambda a, b: (a, P, P, "fixed", b), errno.EINVAL),
    ("dontunmap without maymove", lambda a, b: (a, P, P, "dontunmap", None), errno.EINVAL),
    ("dontunmap grow", lambda a, b: (a, P, 2 * P, "maymove|dontunmap", None), errno.EINVAL),
    ("old_len 0 private", lambda a, b: (a, 0, P, "maymove", None), errno.EINVAL),
    ("unmapped addr", lambda a, b: (a + 5 * P, P, 2 * P, "", None), errno.EFAULT),
    ("unmapped addr same len", lambda a, b: (a + 5 * P, P, P, "", None), errno.EFAULT),
    ("unmapped addr shrink", lambda a, b: (a + 5 * P, 2 * P, P, "", None), errno.EFAULT),
    ("grow across VMAs", lambda a, b: (a + 4 * P, 2 * P, 3 * P, "maymove", None), errno.EFAULT),
    ("fixed unaligned new", lambda a, b: (a, P, P, "maymove|fixed", b + 1), errno.EINVAL),
    ("fixed overlap", lambda a, b: (a, 2 * P, 2 * P, "maymove|fixed", a + P), errno.EINVAL),
    ("fixed overlap below", lambda a, b: (a + P, 2 * P, 2 * P, "maymove|fixed", a), errno.EINVAL),
    ("fixed onto itself", lambda a, b: (b, P, P, "maymove|fixed", b), errno.EINVAL),
    ("fixed beyond TASK_SIZE", lambda a, b: (a, P, P, "maymove|fixed", TS), errno.EINVAL),
    ("grow beyond TASK_SIZE", lambda a, b: (a, P, 1 << 50, "maymove", None), errno.EINVAL),
    ("addr beyond TASK_SIZE", lambda a, b: (1 << 47, P, P, "", None), errno.EFAULT),
    ("grow in place, no room", lambda a, b: (a + 3 * P, P, 3 * P, "", None), errno.ENOMEM),
    ("fixed grow across VMAs", lambda a, b: (a + 3 * P, 4 * P, 5 * P, "maymove|fixed", b),
     errno.EFAULT),
    ("fixed from a hole", lambda a, b: (a + 5 * P, 2 * P, 2 * P, "maymove|fixed", b),
     errno.EFAULT),
    ("dontunmap across VMAs", lambda a, b: (a + 3 * P, 4 * P, 4 * P, "maymove|dontunmap", None),
     errno.EFAULT),
]


@pytest.mark.parametrize("name,args,err", CASES, ids=[c[0] for c in CASES])
def test_mremap_errno_as_measured(task, name, args, err):
    a, b = _layout(task)
    before = (task.maps(), task.stats.rss)
    with pytest.raises(pw.SyscallError) as e:
        task.mremap(*args(a, b))
    assert e.value.errno == err, name
    if err == errno.EINVAL:
        assert isinstance(e.value, pw.InvalidArgument)
    assert (task.maps(), task.stats.rss) == before


@pytest.mark.parametrize("args", [
    lambda a, b: (a + 4 * P, 3 * P, P, "", None),          # shrink across VMAs: ok
    lambda a, b: (a + 4 * P, 2 * P, 2 * P, "", None),      # same length: ok, nothing moves
    lambda a, b: (a + 3 * P, 4 * P, P, "maymove|fixed", b),
])
def test_mremap_successes_as_measured(task, args):
    a, b = _layout(task)
    assert task.mremap(*args(a, b)) in (a + 4 * P, b)
    task.machine.check()


def test_old_len_zero_duplicates_a_shared_mapping(task):
    t = task
    c = t.mmap(4 * P, flags="shared|anonymous")
    t.write(c, b"dup")
    d = t.mremap(c, 0, P, "maymove")
    assert d != c and t.read(d, 3) == b"dup" and t.read(c, 3) == b"dup"


@pytest.mark.parametrize("flags", ["sideways", "maymove|grow", 8, True, None])
def test_bad_flags(task, flags):
    a = task.mmap(P)
    with pytest.raises(pw.InvalidArgument):
        task.mremap(a, P, P, flags)
