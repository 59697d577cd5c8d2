"""vm_area_struct, the VM_* flags, and the VMA tree (find_vma).

A process's address space is a set of non-overlapping VMAs. The source texts keep them
in a red-black tree, Linux 6.x in a maple tree; here it is a sorted list keyed
by ``vm_start`` (sortedcontainers), which gives the same O(log n) ``find_vma``:
the first VMA whose ``vm_end`` is above the address (it may start above it too:
the caller checks ``vm_start``, and a VM_GROWSDOWN VMA above the address is the
stack that may grow down to it).
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntFlag

from sortedcontainers import SortedKeyList

from ..arch.pte import (
    _NX,
    PAGE_NONE,
    PAGE_READONLY,
    PAGE_READONLY_EXEC,
    PAGE_SHARED,
    PAGE_SHARED_EXEC,
)
from .gaptree import GapTree


class VM(IntFlag):
    """vm_flags (include/linux/mm.h)."""

    READ = 0x1
    WRITE = 0x2
    EXEC = 0x4
    SHARED = 0x8
    MAYREAD = 0x10
    MAYWRITE = 0x20
    MAYEXEC = 0x40
    MAYSHARE = 0x80
    GROWSDOWN = 0x100
    PFNMAP = 0x400
    LOCKED = 0x2000
    SEQ_READ = 0x8000
    RAND_READ = 0x10000
    DONTCOPY = 0x20000
    DONTEXPAND = 0x40000
    LOCKONFAULT = 0x80000
    ACCOUNT = 0x100000
    NORESERVE = 0x200000
    WIPEONFORK = 0x2000000
    SOFTDIRTY = 0x8000000
    HUGEPAGE = 0x20000000
    NOHUGEPAGE = 0x40000000


VM_READ, VM_WRITE, VM_EXEC, VM_SHARED = 0x1, 0x2, 0x4, 0x8
VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC
VM_GROWSDOWN = 0x100
VM_LOCKED = 0x2000
VM_MAYSHARE = 0x80
PAGE_SIZE = 4096
MMAP_MIN_ADDR = 65536            # /proc/sys/vm/mmap_min_addr

# protection_map (arch/x86/mm/pgprot.c), indexed by VM_READ|VM_WRITE|VM_EXEC|VM_SHARED.
# Private writable mappings get a read-only protection: the first write faults (COW).
_PROTECTION_MAP = (
    PAGE_NONE, PAGE_READONLY, PAGE_READONLY, PAGE_READONLY,
    PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_READONLY_EXEC,
    PAGE_NONE, PAGE_READONLY, PAGE_SHARED, PAGE_SHARED,
    PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
)


def vm_get_page_prot(vm_flags: int, has_nx: bool = True, writenotify: bool = False) -> int:
    """vm_page_prot for ``vm_flags``; ``writenotify`` drops RW so that the first write
    to a shared page faults (vma_wants_writenotify)."""
    prot = _PROTECTION_MAP[vm_flags & 0xF]
    if writenotify:
        prot = _PROTECTION_MAP[vm_flags & 0x7]
    if not has_nx:
        prot &= ~_NX
    return prot


class AnonVma:
    """anon_vma: the owner of a VMA's anonymous pages (rmap root). Created at the
    first write fault (anon_vma_prepare); a forked child's VMA gets a new one whose
    ``parent`` is the original."""

    __slots__ = ("parent", "root", "vmas")

    def __init__(self, parent: AnonVma | None = None) -> None:
        self.parent = parent
        self.root = parent.root if parent is not None else self
        self.vmas: dict[VMA, None] = {}     # every VMA that may map its pages (the chain)


class VMA:
    """vm_area_struct: [vm_start, vm_end) with one set of flags and one backing."""

    __slots__ = ("anon_vma", "anon_vma_chain", "name", "shmem", "swap_readahead_info",
                 "vm_end", "vm_file", "vm_flags", "vm_mm", "vm_page_prot", "vm_pgoff",
                 "vm_start")

    def __init__(self, mm, start: int, end: int, flags: int, pgoff: int = 0,
                 file=None, name: str | None = None, page_prot: int = 0) -> None:
        self.vm_mm = mm
        self.vm_start = start
        self.vm_end = end
        self.vm_flags = int(flags)
        self.vm_pgoff = pgoff
        self.vm_file = file
        self.anon_vma: AnonVma | None = None
        self.anon_vma_chain: list[AnonVma] = []   # own anon_vma and its ancestors'
        self.name = name
        self.vm_page_prot = page_prot
        self.shmem = False
        # swap_vma_readahead's history: (last fault address, window, readahead hits)
        self.swap_readahead_info: tuple[int, int, int] = (0, 0, 0)

    def is_anonymous(self) -> bool:
        """vma_is_anonymous: no file behind it (shared anonymous memory has one: shmem)."""
        return self.vm_file is None

    def is_accessible(self) -> bool:
        return bool(self.vm_flags & VM_ACCESS_FLAGS)

    def is_cow_mapping(self) -> bool:
        """Private and may be written: writes copy (is_cow_mapping)."""
        return (self.vm_flags & (VM_SHARED | 0x20)) == 0x20      # VM_MAYWRITE

    def linear_page_index(self, address: int) -> int:
        return ((address - self.vm_start) >> 12) + self.vm_pgoff

    def pages(self) -> int:
        return (self.vm_end - self.vm_start) >> 12

    def __repr__(self) -> str:
        return (f"<vma {self.vm_start:#x}-{self.vm_end:#x} {VM(self.vm_flags)!r}"
                f"{' ' + self.name if self.name else ''}>")


def vm_start_gap(vma: VMA, guard: int) -> int:
    """Where ``vma``'s claim on the address space begins: a stack (VM_GROWSDOWN)
    keeps ``guard`` bytes free below it (stack_guard_gap)."""
    return vma.vm_start - guard if vma.vm_flags & VM_GROWSDOWN else vma.vm_start


class VmaTree:
    """The VMAs of one mm, ordered by address, with the free gaps between them.

    Beside the address-ordered list (``find_vma`` in O(log n)), a :class:`GapTree`
    holds, for every VMA, the gap below it: from the previous VMA's ``vm_end`` (or
    ``floor``, mmap_min_addr, for the first) to its ``vm_start_gap`` (the stack
    keeps ``guard`` bytes). It is the maple tree's gap augmentation:
    :meth:`unmapped_area_topdown` finds the highest gap that fits in O(log n).

    Contract: a VMA's ``vm_start``/``vm_end`` change only through :meth:`insert`,
    :meth:`remove` and :meth:`set_bounds` while it is in the tree (VM_GROWSDOWN is
    fixed at creation); :meth:`check` verifies the gaps from scratch.
    """

    def __init__(self, guard: int = 0, floor: int = 0) -> None:
        self._list: SortedKeyList = SortedKeyList(key=_vm_start)
        self._gaps = GapTree()
        self.guard = guard                  # stack_guard_gap the gaps were computed with
        self.floor = floor                  # the lowest address a mapping may take
        self.total_pages = 0                # mm->total_vm, kept as VMAs come and go
        self.cache: VMA | None = None      # vmacache: the last VMA find_vma returned

    def __iter__(self) -> Iterator[VMA]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    # the gap index -------------------------------------------------------------
    def _gap_at(self, i: int) -> None:
        """Recompute the gap below the i-th VMA (if there is one)."""
        lst = self._list
        if 0 <= i < len(lst):
            vma = lst[i]
            lo = lst[i - 1].vm_end if i > 0 else self.floor
            self._gaps.set(vma.vm_start, vm_start_gap(vma, self.guard) - lo)

    def _index(self, vma: VMA) -> int:
        i = self._list.bisect_key_left(vma.vm_start)
        if i >= len(self._list) or self._list[i] is not vma:
            raise KeyError(f"{vma!r} is not in this address space")
        return i

    def set_guard(self, guard: int) -> None:
        """Recompute every gap for a new stack_guard_gap (O(n), once per change)."""
        if guard != self.guard:
            self.guard = guard
            for i in range(len(self._list)):
                self._gap_at(i)

    # changes -----------------------------------------------------------------
    def insert(self, vma: VMA) -> None:
        self._list.add(vma)
        self.total_pages += (vma.vm_end - vma.vm_start) >> 12
        i = self._list.bisect_key_left(vma.vm_start)
        self._gap_at(i)
        self._gap_at(i + 1)

    def remove(self, vma: VMA) -> None:
        i = self._index(vma)
        del self._list[i]
        self.total_pages -= (vma.vm_end - vma.vm_start) >> 12
        self._gaps.discard(vma.vm_start)
        self._gap_at(i)
        if self.cache is vma:
            self.cache = None

    def set_bounds(self, vma: VMA, start: int, end: int) -> None:
        """Move ``vma`` to [start, end) (a merge, a split, stack growth, mremap)."""
        if start != vma.vm_start:
            self.remove(vma)
            vma.vm_start, vma.vm_end = start, end
            self.insert(vma)
        elif end != vma.vm_end:
            self.total_pages += (end - vma.vm_end) >> 12
            vma.vm_end = end
            self._gap_at(self._index(vma) + 1)

    # lookups -----------------------------------------------------------------
    def find_vma(self, addr: int) -> VMA | None:
        """The first VMA with ``addr < vm_end``, or None."""
        vma = self.cache
        if vma is not None and vma.vm_start <= addr < vma.vm_end:
            return vma
        lst = self._list
        i = lst.bisect_key_right(addr) - 1
        if i >= 0 and addr < lst[i].vm_end:
            vma = lst[i]
            self.cache = vma
            return vma
        return lst[i + 1] if i + 1 < len(lst) else None

    def find_vma_prev(self, addr: int) -> tuple[VMA | None, VMA | None]:
        """(the last VMA ending at or below ``addr`` — prev, find_vma(addr))."""
        lst = self._list
        i = lst.bisect_key_right(addr) - 1
        if i >= 0 and addr < lst[i].vm_end:
            return (lst[i - 1] if i > 0 else None), lst[i]
        return (lst[i] if i >= 0 else None), (lst[i + 1] if i + 1 < len(lst) else None)

    def covers(self, start: int, end: int) -> bool:
        """Do VMAs map every byte of [start, end), with no hole?"""
        pos = start
        for vma in self.overlapping(start, end):
            if vma.vm_start > pos:
                return False
            pos = vma.vm_end
        return pos >= end

    def overlapping(self, start: int, end: int) -> list[VMA]:
        """Every VMA that intersects [start, end), in address order."""
        lst = self._list
        i = max(lst.bisect_key_right(start) - 1, 0)
        out = []
        for vma in lst.islice(i):
            if vma.vm_start >= end:
                break
            if vma.vm_end > start:
                out.append(vma)
        return out

    def unmapped_area_topdown(self, length: int, high_limit: int, top: int) -> int | None:
        """The highest free range of ``length`` bytes ending at or below
        ``high_limit`` (mmap_base): the gaps are [floor, first VMA), between VMAs,
        and [last VMA, ``top``); a stack's gap stops ``guard`` below it. Returns the
        range's start, or None (ENOMEM). O(log n) (the maple tree's
        mas_empty_area_rev)."""
        lst = self._list
        n = len(lst)
        x = high_limit - length            # a gap must start at or below this
        if x < self.floor:
            return self._unmapped_area_linear(length, high_limit, top)
        i = lst.bisect_key_right(x) - 1    # gaps 0..count start at or below x
        count = i + 1 if i >= 0 and lst[i].vm_end <= x else max(i, 0)
        if count == n:                     # the gap above the last VMA
            lo = lst[-1].vm_end if n else self.floor
            hi = min(top, high_limit)
            if hi - lo >= length:
                return (hi - length) & ~(PAGE_SIZE - 1)
            if n == 0:
                return None
            count = n - 1
        key = self._gaps.last_fit(lst[count].vm_start, length)
        if key is None:
            return None
        vma = lst[lst.bisect_key_left(key)]
        hi = min(vm_start_gap(vma, self.guard), high_limit)
        return (hi - length) & ~(PAGE_SIZE - 1)

    def _unmapped_area_linear(self, length: int, high_limit: int, top: int) -> int | None:
        """The same search by a walk from the top (only for a range below the floor)."""
        vmas = list(self._list)
        for i in range(len(vmas), -1, -1):
            hi = vm_start_gap(vmas[i], self.guard) if i < len(vmas) else top
            lo = vmas[i - 1].vm_end if i > 0 else self.floor
            hi = min(hi, high_limit)
            if hi - lo >= length:
                return (hi - length) & ~(PAGE_SIZE - 1)
        return None

    def check(self) -> None:
        """Raise AssertionError unless the VMAs are ordered without overlap and every
        gap held is the one recomputed from them."""
        self._gaps.check()
        lst = self._list
        want = []
        prev_end = None
        for vma in lst:
            if vma.vm_start >= vma.vm_end or (prev_end is not None and vma.vm_start < prev_end):
                raise AssertionError(f"vma tree: {vma!r} overlaps or is empty")
            lo = prev_end if prev_end is not None else self.floor
            want.append((vma.vm_start, vm_start_gap(vma, self.guard) - lo))
            prev_end = vma.vm_end
        have = list(self._gaps.items())
        if have != want:
            from itertools import zip_longest
            bad = next((w, h) for w, h in zip_longest(want, have) if w != h)
            raise AssertionError(f"vma tree: gap index {bad[1]} where the VMAs give {bad[0]}")
        if self.total_pages != sum(v.pages() for v in lst):
            raise AssertionError(f"vma tree: total_vm {self.total_pages} pages, the VMAs "
                                 f"hold {sum(v.pages() for v in lst)}")


def _vm_start(vma: VMA) -> int:
    return vma.vm_start
