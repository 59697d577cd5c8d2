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

    __slots__ = ("anon_vma", "anon_vma_chain", "name", "shmem", "vm_end", "vm_file",
                 "vm_flags", "vm_mm", "vm_page_prot", "vm_pgoff", "vm_start")

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


class VmaTree:
    """The VMAs of one mm, ordered by address."""

    def __init__(self) -> None:
        self._list: SortedKeyList = SortedKeyList(key=lambda v: v.vm_start)
        self.cache: VMA | None = None      # vmacache: the last VMA find_vma returned

    def __iter__(self) -> Iterator[VMA]:
        return iter(self._list)

    def __len__(self) -> int:
        return len(self._list)

    def insert(self, vma: VMA) -> None:
        self._list.add(vma)

    def remove(self, vma: VMA) -> None:
        self._list.remove(vma)
        if self.cache is vma:
            self.cache = None

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
        while i < len(lst) and lst[i].vm_start < end:
            if lst[i].vm_end > start:
                out.append(lst[i])
            i += 1
        return out
