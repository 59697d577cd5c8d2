"""mprotect (mm/mprotect.c): new VMA permissions and the PTEs that follow them."""

from __future__ import annotations

import errno

from ..arch.pte import _D, _P, _PROTNONE, _RW, pte_modify
from .memory import vm_normal_page
from .mmap import split_vma, try_merge_around
from .page import PG_anon, PG_anon_exclusive
from .pagetable import pte_range
from .soft_dirty import pte_soft_dirty, vma_soft_dirty_enabled
from .vma import VM_ACCESS_FLAGS, VM_SHARED, VM_WRITE, VMA, vm_get_page_prot


def do_mprotect(mm, start: int, end: int, prot_flags: int) -> int:
    """Give [start, end) the access bits ``prot_flags`` (VM_READ|VM_WRITE|VM_EXEC).

    Returns 0 or an errno: ENOMEM if part of the range is unmapped, EACCES if a
    VMA may not get the permission (VM_MAY* missing). Checks come first, so a
    failure changes nothing (Linux may apply a prefix before failing; we do not).
    """
    if not mm.mmap.covers(start, end):
        return errno.ENOMEM
    vmas = mm.mmap.overlapping(start, end)
    for vma in vmas:
        if (prot_flags << 4) & ~vma.vm_flags & 0x70:     # VM_MAYREAD/MAYWRITE/MAYEXEC
            return errno.EACCES
    for vma in vmas:
        newflags = (vma.vm_flags & ~VM_ACCESS_FLAGS) | prot_flags
        if newflags & VM_WRITE and not vma.vm_flags & (0x100000 | VM_WRITE | VM_SHARED
                                                       | 0x200000):
            newflags |= 0x100000            # VM_ACCOUNT: charged by the caller
        if newflags == vma.vm_flags:
            continue                        # mprotect_fixup: nothing changes, no split
        if vma.vm_start < start:
            vma = split_vma(mm, vma, start)
        if vma.vm_end > end:
            split_vma(mm, vma, end)
        mprotect_fixup(vma, newflags)
    return 0


def mprotect_fixup(vma: VMA, newflags: int) -> None:
    mm = vma.vm_mm
    machine = mm.machine
    vma.vm_flags = newflags
    writenotify = bool(vma.vm_file is not None and newflags & VM_SHARED and not vma.shmem)
    vma.vm_page_prot = vm_get_page_prot(newflags, machine.mode.has_nx, writenotify)
    # vma_wants_manual_pte_write_upgrade: private writable mappings, and shared ones
    # whose writes are notified (shmem's vm_page_prot is writable already).
    try_upgrade = (machine.config.mprotect_upgrade_writable and newflags & VM_WRITE
                   and (not newflags & VM_SHARED or writenotify))
    change_protection(vma, try_upgrade)
    try_merge_around(mm, vma)


def change_protection(vma: VMA, try_change_writable: bool) -> None:
    """Rewrite every present PTE of ``vma`` with its new vm_page_prot
    (change_pte_range); with ``try_change_writable`` (6.x can_change_pte_writable),
    exclusive anonymous pages, and dirty pages of a shared mapping (the file
    system already knows they are dirty), become writable at once instead of
    faulting on the next write."""
    mm = vma.vm_mm
    machine = mm.machine
    prot = vma.vm_page_prot
    if mm.nr_huge:
        machine.thp.change_huge_pmds(vma, try_change_writable)
    for table, i, _addr in pte_range(mm, vma.vm_start, vma.vm_end):
        pte = table[i]
        if not pte & (_P | _PROTNONE):
            continue
        new = pte_modify(pte, prot)
        if (try_change_writable and not new & _RW and new & _P
                and not (vma_soft_dirty_enabled(vma) and not pte_soft_dirty(new))):
            if vma.vm_flags & VM_SHARED:
                if new & _D:
                    new |= _RW
            else:
                page = vm_normal_page(machine, new)
                if page is not None and page.flags & PG_anon and page.flags & PG_anon_exclusive:
                    new |= _RW
        table[i] = new
    mm.flush_tlb_range(vma.vm_start, vma.vm_end)
