"""Populating page tables by faulting (mm/gup.c: faultin_page_range,
populate_vma_page_range; mm/madvise.c: madvise_populate).

GUP does what a user access would do, without being one: for each page not yet
mapped the way the caller needs, ``handle_mm_fault`` runs (and counts a fault,
as the kernel counts GUP faults in min_flt/maj_flt), but a fault that would be a
signal (SIGBUS beyond end of file, SIGSEGV) is an error code instead.

    MADV_POPULATE_READ / _WRITE      madvise_populate: VMA by VMA,
      no VMA at a position           ENOMEM (what came before stays populated)
      VMA forbids the direction      EINVAL (PROT_NONE, write to a read-only VMA,
                                     VM_PFNMAP / VM_IO)
      page beyond end of file        EFAULT
    MAP_POPULATE, mlock              populate_vma_page_range: errors ignored
"""

from __future__ import annotations

import errno

from .vma import VM, VMA


def check_vma_flags(vma: VMA, write: bool) -> bool:
    """May GUP fault this VMA in for reading / writing (check_vma_flags)?"""
    if vma.vm_flags & int(VM.PFNMAP):
        return False
    if write:
        return bool(vma.vm_flags & VM.WRITE)
    return bool(vma.vm_flags & VM.READ)


def _eof_page(vma: VMA, start: int, end: int) -> int:
    """The first address of [start, end) whose file page lies beyond EOF, or end."""
    f = vma.vm_file
    if f is None or f.shmem:
        return end
    first_beyond = vma.vm_start + ((f.pages - vma.vm_pgoff) << 12)
    return max(start, min(end, first_beyond))


def faultin_range(task, vma: VMA, start: int, end: int, write: bool) -> int:
    """Fault [start, end) of ``vma`` in; 0 or EFAULT (a page beyond end of file)."""
    stop = _eof_page(vma, start, end)
    if stop > start:
        task._touch_pages(range(start >> 12, stop >> 12), write, False)
    return errno.EFAULT if stop < end else 0


def madvise_populate(task, start: int, end: int, write: bool) -> int:
    """MADV_POPULATE_(READ|WRITE) over [start, end): 0 or an errno."""
    mm = task.mm
    task.machine.record_event("populate", start=start, length=end - start, write=write)
    pos = start
    while pos < end:
        vma = mm.mmap.find_vma(pos)
        if vma is None or vma.vm_start > pos:
            return errno.ENOMEM
        if not check_vma_flags(vma, write):
            return errno.EINVAL
        hi = min(end, vma.vm_end)
        err = faultin_range(task, vma, pos, hi, write)
        if err:
            return err
        pos = hi
    return 0


def populate_range(task, start: int, end: int, write: bool) -> None:
    """MAP_POPULATE: fault the new mapping in, ignoring errors (mm_populate)."""
    mm = task.mm
    for vma in mm.mmap.overlapping(start, end):
        lo, hi = max(start, vma.vm_start), min(end, vma.vm_end)
        if vma.vm_flags & (VM.READ | VM.WRITE | VM.EXEC):
            faultin_range(task, vma, lo, hi, write and bool(vma.vm_flags & VM.WRITE))
