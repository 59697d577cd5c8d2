"""mlock, mlock2, munlock, mlockall, munlockall (mm/mlock.c) and the unevictable LRU.

    do_mlock(start, len, flags)     round to pages; RLIMIT_MEMLOCK (ENOMEM);
      apply_vma_lock_flags          mlock_fixup per VMA: split/merge, VM_LOCKED
                                    [| VM_LOCKONFAULT]; locked pages go to the
                                    unevictable list; a hole is ENOMEM after the
                                    VMAs before it were changed (as the kernel does)
      __mm_populate                 fault the range in (not for LOCKONFAULT); a
                                    PROT_NONE VMA cannot be populated: ENOMEM
    mlockall(MCL_CURRENT|MCL_FUTURE|MCL_ONFAULT)   every VMA, and mm->def_flags
                                    for mappings made later

A locked page is taken off the evictable lists onto ``unevictable`` (mlock_folio):
reclaim never scans it. A page faulted into a locked VMA is locked as it is
mapped (``mlock_fault_page``, called from handle_mm_fault). munlock puts pages
back on the inactive list unless another locked VMA still maps them.
VmLck (status) is the size of the locked VMAs, as mm->locked_vm counts it;
smaps shows ``lo`` (and ``lf`` for on-fault) in VmFlags and Locked: per VMA.
"""

from __future__ import annotations

import errno

from ..arch.pte import _P, _PSE, _SPECIAL, PFN_MASK
from .mmap import split_vma, try_merge_around
from .page import Page, PG_active, PG_lru, PG_unevictable
from .pagetable import pte_range, walk
from .rmap import rmap_walk
from .vma import VM, VMA

VM_LOCKED_MASK = int(VM.LOCKED | VM.LOCKONFAULT)
MLOCK_ONFAULT = 1
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4
_MCL_NAMES = {"current": MCL_CURRENT, "future": MCL_FUTURE, "onfault": MCL_ONFAULT}
# VM_SPECIAL: mlock_fixup leaves such VMAs alone (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
_VM_SPECIAL = int(VM.DONTEXPAND | VM.PFNMAP)


# -- accounting ------------------------------------------------------------------
def locked_vm(mm) -> int:
    """mm->locked_vm in pages: the size of every VM_LOCKED VMA (status VmLck)."""
    return sum(v.pages() for v in mm.mmap if v.vm_flags & VM.LOCKED)


def mlock_future_ok(task, extra_bytes: int) -> bool:
    """May ``extra_bytes`` more be locked under RLIMIT_MEMLOCK (CAP_IPC_LOCK: always)?"""
    cfg = task.machine.config
    if cfg.cap_ipc_lock:
        return True
    return (locked_vm(task.mm) << 12) + extra_bytes <= cfg.rlimit_memlock


# -- the unevictable LRU -----------------------------------------------------------
def mlock_folio(machine, page: Page) -> None:
    """Put ``page`` (its folio) on the unevictable list (mlock_folio / mlock_new_folio)."""
    page = page.folio()
    if page.flags & PG_unevictable:
        return
    on_lru = bool(page.flags & PG_lru)
    if on_lru:
        machine.lru.delete(page)
    page.flags = (page.flags | PG_unevictable) & ~PG_active
    if on_lru:
        machine.lru.add(page)
    machine.vmstat["unevictable_pgs_mlocked"] += 1


def munlock_folio(machine, page: Page) -> None:
    """Back to the inactive list, unless a locked VMA still maps the page."""
    page = page.folio()
    if not page.flags & PG_unevictable:
        return
    if page.order == 0 and any(v.vm_flags & VM.LOCKED for v, *_ in rmap_walk(page)):
        return
    on_lru = bool(page.flags & PG_lru)
    if on_lru:
        machine.lru.delete(page)
    page.flags &= ~PG_unevictable
    if on_lru:
        machine.lru.add(page, active=False)
    machine.vmstat["unevictable_pgs_munlocked"] += 1


def _vma_pages(vma: VMA, start: int, end: int):
    """The normal pages (and PMD-mapped THP heads) mapped in [start, end) of ``vma``."""
    mm = vma.vm_mm
    machine = mm.machine
    if mm.nr_huge:
        for table, i, _haddr in list(machine.thp._huge_pmds(mm, start, end)):
            pmd = table[i]
            if not pmd & _SPECIAL:
                yield machine.phys.mem_map[(pmd & PFN_MASK) >> 12]
    for table, i, _addr in pte_range(mm, start, end):
        pte = table[i]
        if pte & _P and not pte & _SPECIAL:
            yield machine.phys.mem_map[(pte & PFN_MASK) >> 12]


def mlock_vma_pages(vma: VMA, start: int, end: int) -> None:
    """mlock_vma_pages_range: the pages already present become unevictable."""
    machine = vma.vm_mm.machine
    for page in list(_vma_pages(vma, start, end)):
        mlock_folio(machine, page)


def munlock_vma_pages(vma: VMA, start: int, end: int) -> None:
    machine = vma.vm_mm.machine
    for page in list(_vma_pages(vma, start, end)):
        munlock_folio(machine, page)


def mlock_fault_page(vmf) -> None:
    """After a fault in a VM_LOCKED VMA: the page just mapped is locked
    (folio_add_lru_vma -> mlock_new_folio, mlock_vma_folio for file pages)."""
    vma = vmf.vma
    mm = vma.vm_mm
    machine = mm.machine
    found = walk(mm, vmf.address, level=-2)
    if found is not None and found[0][found[1]] & _PSE:
        pmd = found[0][found[1]]
        if not pmd & _SPECIAL:
            mlock_folio(machine, machine.phys.mem_map[(pmd & PFN_MASK) >> 12])
        return
    found = walk(mm, vmf.address)
    if found is not None:
        pte = found[0][found[1]]
        if pte & _P and not pte & _SPECIAL:
            mlock_folio(machine, machine.phys.mem_map[(pte & PFN_MASK) >> 12])


# -- flags on VMAs -------------------------------------------------------------------
def mlock_fixup(mm, vma: VMA, start: int, end: int, newflags: int) -> VMA:
    """Give [start, end) of ``vma`` the flags ``newflags`` (split and merge as needed)."""
    old = vma.vm_flags
    if newflags == old or old & _VM_SPECIAL:
        return vma
    if vma.vm_start < start:
        vma = split_vma(mm, vma, start)
    if vma.vm_end > end:
        split_vma(mm, vma, end)
    vma.vm_flags = newflags
    if newflags & VM.LOCKED and not old & VM.LOCKED:
        mlock_vma_pages(vma, vma.vm_start, vma.vm_end)
    elif old & VM.LOCKED and not newflags & VM.LOCKED:
        munlock_vma_pages(vma, vma.vm_start, vma.vm_end)
    return try_merge_around(mm, vma)


def apply_vma_lock_flags(mm, start: int, end: int, flags: int) -> int:
    """VM_LOCKED_MASK bits := ``flags`` over [start, end); ENOMEM at the first hole,
    after the VMAs before it were changed (the kernel's order)."""
    pos = start
    while pos < end:
        vma = mm.mmap.find_vma(pos)
        if vma is None or vma.vm_start > pos:
            return errno.ENOMEM
        hi = min(end, vma.vm_end)
        newflags = (vma.vm_flags & ~VM_LOCKED_MASK) | flags
        mlock_fixup(mm, vma, pos, hi, newflags)
        pos = hi
    return 0


# -- population -----------------------------------------------------------------------
def populate_vma_page_range(task, vma: VMA, start: int, end: int) -> bool:
    """Fault [start, end) of ``vma`` in, as GUP does for mlock and MAP_POPULATE: a
    write fault for private writable VMAs (to break COW), a read fault otherwise.
    LOCKONFAULT VMAs are skipped; False for a VMA with no access (PROT_NONE)."""
    if vma.vm_flags & VM.LOCKONFAULT:
        return True
    if not vma.vm_flags & (VM.READ | VM.WRITE | VM.EXEC):
        return False
    write = (vma.vm_flags & (VM.WRITE | VM.SHARED)) == VM.WRITE
    task._touch_pages(range(start >> 12, end >> 12), write, False)
    return True


def mm_populate(task, start: int, end: int, ignore_errors: bool) -> int:
    """__mm_populate: every VMA of [start, end); 0 or ENOMEM (EFAULT is reported
    as ENOMEM by mlock: __mlock_posix_error_return)."""
    mm = task.mm
    pos = start
    while pos < end:
        vma = mm.mmap.find_vma(pos)
        if vma is None or vma.vm_start >= end:
            break
        pos = max(pos, vma.vm_start)
        hi = min(end, vma.vm_end)
        if not populate_vma_page_range(task, vma, pos, hi) and not ignore_errors:
            return errno.ENOMEM
        pos = hi
    return 0


def populate_locked_range(task, vma: VMA, start: int, end: int) -> None:
    """A locked VMA grew (mremap, brk): populate the new part."""
    populate_vma_page_range(task, vma, start, end)


# -- the system calls -------------------------------------------------------------------
def do_mlock(task, start: int, length: int, flags: int) -> int:
    """mlock/mlock2: 0 or an errno."""
    mm = task.mm
    end = (start + length + 4095) & ~4095
    start &= ~4095
    if end == start:
        return 0
    extra = sum(min(end, v.vm_end) - max(start, v.vm_start)
                for v in mm.mmap.overlapping(start, end) if not v.vm_flags & VM.LOCKED)
    if not mlock_future_ok(task, extra):
        return errno.ENOMEM
    err = apply_vma_lock_flags(mm, start, end, int(VM.LOCKED) | flags)
    task.machine.record_event("mlock", start=start, length=end - start,
                              onfault=bool(flags & VM.LOCKONFAULT))
    if err:
        return err
    return mm_populate(task, start, end, ignore_errors=False)


def do_munlock(task, start: int, length: int) -> int:
    end = (start + length + 4095) & ~4095
    start &= ~4095
    if end == start:
        return 0
    return apply_vma_lock_flags(task.mm, start, end, 0)


def do_mlockall(task, flags: int) -> int:
    mm = task.mm
    cfg = task.machine.config
    if (flags & MCL_CURRENT and not cfg.cap_ipc_lock
            and mm.total_vm() << 12 > cfg.rlimit_memlock):
        return errno.ENOMEM
    mm.def_flags &= ~VM_LOCKED_MASK
    to_add = int(VM.LOCKED) | (int(VM.LOCKONFAULT) if flags & MCL_ONFAULT else 0)
    if flags & MCL_FUTURE:
        mm.def_flags |= to_add
    task.machine.record_event("mlockall", flags=flags)
    if flags & MCL_CURRENT:
        for vma in list(mm.mmap):
            if mm.mmap.find_vma(vma.vm_start) is not vma:
                continue                    # merged away by an earlier fixup
            mlock_fixup(mm, vma, vma.vm_start, vma.vm_end,
                        (vma.vm_flags & ~VM_LOCKED_MASK) | to_add)
        if not flags & MCL_ONFAULT:
            mm_populate(task, 0, mm.task_size, ignore_errors=True)
    return 0


def do_munlockall(task) -> None:
    mm = task.mm
    mm.def_flags &= ~VM_LOCKED_MASK
    for vma in list(mm.mmap):
        if mm.mmap.find_vma(vma.vm_start) is not vma:
            continue
        mlock_fixup(mm, vma, vma.vm_start, vma.vm_end, vma.vm_flags & ~VM_LOCKED_MASK)


def parse_mlockall_flags(flags: str | int) -> int:
    """"current|future|onfault" -> MCL_* bits."""
    from ..errors import InvalidArgument
    help_ = ('give names joined by "|": current, future, onfault (onfault needs '
             'current or future), e.g. "current|future"')
    if isinstance(flags, bool) or not isinstance(flags, str | int):
        raise InvalidArgument(f"mlockall: flags {flags!r}; {help_}")
    if isinstance(flags, int):
        value = flags
    else:
        import re
        value = 0
        for word in filter(None, re.split(r"[|,+\s]+", flags.strip().lower())):
            word = word.removeprefix("mcl_")
            if word not in _MCL_NAMES:
                raise InvalidArgument(f"mlockall: unknown flag {word!r}; {help_}")
            value |= _MCL_NAMES[word]
    if not value or value & ~7 or value == MCL_ONFAULT:
        raise InvalidArgument(f"mlockall: flags {flags!r}; {help_}")
    return value
