"""mincore (mm/mincore.c): which pages of a range are resident.

    sys_mincore(start, len, vec)
      start not page aligned            EINVAL
      [start, start+len) beyond TASK_SIZE   ENOMEM (access_ok)
      do_mincore per VMA; no VMA at a position   ENOMEM
        huge PMD                        every page 1
        present PTE                     1 (the zero page too)
        swap PTE                        1 if the page is still in the swap cache
        no PTE: file/shmem VMA          the page cache decides (mincore_page;
                                        a swapped-out shmem page: its swap cache)
        no PTE: anonymous VMA           0

One value per page (0 or 1), as the low bit of the kernel's vector.
"""

from __future__ import annotations

import errno

from ..arch.pte import _P, _PROTNONE, _PSE
from .pagetable import walk


def mincore_page(machine, f, index: int) -> int:
    """Is page ``index`` of ``f`` in memory: the page cache or, for shmem swapped
    out, still the swap cache?"""
    if index in f.mapping.pages:
        return 1
    entry = f.mapping.swapped.get(index)
    if entry is not None and entry in machine.swap.cache:
        return 1
    return 0


def _pte_value(machine, vma, addr: int) -> int:
    mm = vma.vm_mm
    if mm.nr_huge:
        found = walk(mm, addr, level=-2)
        if found is not None and found[0][found[1]] & _PSE:
            return 1
    found = walk(mm, addr)
    pte = found[0][found[1]] if found is not None else 0
    if pte & (_P | _PROTNONE):
        return 1
    if pte:
        return 1 if machine.swap.lookup(pte) is not None else 0
    if vma.vm_file is not None:
        return mincore_page(machine, vma.vm_file, vma.linear_page_index(addr))
    return 0


def do_mincore(task, start: int, length: int) -> list[int]:
    """One residency value per page of [start, start + length); raises SyscallError."""
    from ..errors import InvalidArgument, SyscallError
    mm = task.mm
    if start % 4096:
        raise InvalidArgument(f"mincore: address {start:#x} is not page aligned; use "
                              f"{start & ~0xFFF:#x}")
    if start + length > mm.task_size:
        raise SyscallError(errno.ENOMEM, f"mincore: [{start:#x}, +{length:#x}) goes beyond "
                           "TASK_SIZE")
    pages = (length + 4095) >> 12
    out: list[int] = []
    machine = task.machine
    addr = start
    for _ in range(pages):
        vma = mm.mmap.find_vma(addr)
        if vma is None or vma.vm_start > addr:
            raise SyscallError(errno.ENOMEM, f"mincore: nothing is mapped at {addr:#x}")
        out.append(_pte_value(machine, vma, addr))
        addr += 4096
    return out
