"""/proc/PID/clear_refs (fs/proc/task_mmu.c: clear_refs_write).

    1  CLEAR_REFS_ALL         clear the accessed bit of every PTE and PG_referenced
    2  CLEAR_REFS_ANON        the same for anonymous VMAs only
    3  CLEAR_REFS_MAPPED      the same for file-backed VMAs only
    4  CLEAR_REFS_SOFT_DIRTY  clear VM_SOFTDIRTY and every PTE's soft-dirty bit,
                              write-protecting the PTE so the next write faults and
                              sets it again (a no-op without CONFIG_MEM_SOFT_DIRTY)
    5  CLEAR_REFS_MM_HIWATER_RSS   VmHWM := the current RSS

Any other value is EINVAL.
"""

from __future__ import annotations

from ..arch.pte import _P, _PSE, _RW, _SPECIAL, PFN_MASK
from ..errors import InvalidArgument
from .page import PG_referenced
from .pagetable import pte_range
from .soft_dirty import pte_clear_soft_dirty
from .vma import VM

_A = 0x20


def parse_clear_refs(value: int | str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidArgument(f"clear_refs: {value!r}; write 1 (all), 2 (anon), 3 (file), "
                              "4 (soft-dirty) or 5 (reset peak RSS)")
    return value


def clear_refs(task, value: int) -> None:
    mm = task.mm
    machine = task.machine
    if value == 5:
        mm.hiwater_rss = mm.get_rss()
        return
    if value == 4:
        if machine.config.soft_dirty:
            for vma in mm.mmap:
                vma.vm_flags &= ~int(VM.SOFTDIRTY)
                _clear_soft_dirty(vma)
        return
    for vma in mm.mmap:
        if value == 2 and vma.vm_file is not None:
            continue
        if value == 3 and vma.vm_file is None:
            continue
        _clear_young(vma)
    mm.flush_tlb_mm()


def _entries(vma):
    """(table, index) of every present PTE and huge PMD of ``vma``."""
    mm = vma.vm_mm
    if mm.nr_huge:
        for table, i, _haddr in list(mm.machine.thp._huge_pmds(mm, vma.vm_start, vma.vm_end)):
            yield table, i
    for table, i, _addr in pte_range(mm, vma.vm_start, vma.vm_end):
        if table[i] & _P and not table[i] & _PSE:
            yield table, i


def _clear_young(vma) -> None:
    machine = vma.vm_mm.machine
    for table, i in _entries(vma):
        pte = table[i]
        table[i] = pte & ~_A
        if not pte & _SPECIAL:
            machine.phys.mem_map[(pte & PFN_MASK) >> 12].folio().flags &= ~PG_referenced


def _clear_soft_dirty(vma) -> None:
    """clear_soft_dirty / clear_soft_dirty_pmd: write-protect and clear the bit."""
    for table, i in _entries(vma):
        table[i] = pte_clear_soft_dirty(table[i] & ~_RW)
    vma.vm_mm.flush_tlb_range(vma.vm_start, vma.vm_end)
