"""Soft-dirty PTE bits (Documentation/admin-guide/mm/soft-dirty.rst, CONFIG_MEM_SOFT_DIRTY).

x86 keeps the bit in _PAGE_SOFT_DIRTY (bit 58, a software bit) of a present PTE
and _PAGE_SWP_SOFT_DIRTY in a swap entry. It is set when a page is written (the
write fault makes the PTE dirty and soft-dirty), cleared by writing 4 to
/proc/PID/clear_refs (which also write-protects the PTE so the next write
faults again), and reported as bit 55 of /proc/PID/pagemap. Without
CONFIG_MEM_SOFT_DIRTY (``Config.soft_dirty`` False, as on this project's hosts)
nothing sets it: pagemap bit 55 is always 0 and VmFlags has no ``sd``.
"""

from __future__ import annotations

_PAGE_SOFT_DIRTY = 1 << 58


def pte_mksoft_dirty(machine, pte: int) -> int:
    """The entry with its soft-dirty bit set, if the kernel has soft-dirty tracking."""
    if machine.config.soft_dirty and pte:
        return pte | _PAGE_SOFT_DIRTY
    return pte


def pte_soft_dirty(pte: int) -> bool:
    return bool(pte & _PAGE_SOFT_DIRTY)


def pte_clear_soft_dirty(pte: int) -> int:
    return pte & ~_PAGE_SOFT_DIRTY


def vma_soft_dirty_enabled(vma) -> bool:
    """Is the kernel tracking writes to ``vma`` (soft-dirty on, VM_SOFTDIRTY clear)?
    Then mprotect may not make a PTE writable in advance (can_change_pte_writable)."""
    return bool(vma.vm_mm.machine.config.soft_dirty and not vma.vm_flags & 0x8000000)


def fault_mksoft_dirty(vmf) -> None:
    """A write fault made the entry dirty: pte_mkdirty sets the soft-dirty bit too."""
    from ..arch.pte import _PSE
    from .pagetable import walk
    mm = vmf.vma.vm_mm
    found = walk(mm, vmf.address, level=-2)
    if found is not None and found[0][found[1]] & _PSE:
        found[0][found[1]] |= _PAGE_SOFT_DIRTY
        return
    found = walk(mm, vmf.address)
    if found is not None and found[0][found[1]] & 1:
        found[0][found[1]] |= _PAGE_SOFT_DIRTY
