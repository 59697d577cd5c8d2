"""The MMU: it walks the page tables, sets accessed/dirty bits, keeps a TLB and
raises #PF (with the x86 error code and CR2) or #GP.

The TLB is per address space (as with PCIDs) and is two dicts, ``vpn -> pfn``:
``tlb_r`` for translations that allow a user read and ``tlb_w`` for those that
also allow a write *and* already have the dirty bit (a write through a clean
entry makes the real CPU walk again to set D, and so does this one). The kernel
keeps the TLB coherent the way Linux does, by calling the ``flush_tlb_*``
functions whenever it changes or removes a present entry; ``Machine.check``
verifies that every TLB entry agrees with the tables.

``tlb_entries`` (config) bounds the TLB with FIFO replacement; 0 means a software
TLB without a size limit, which changes no fault count and keeps touches of
present pages fast.
"""

from __future__ import annotations

from .paging import PagingMode
from .pte import _A, _D, _NX, _P, _PSE, _RW, _USER, PFN_MASK, X86PF

_PROT = int(X86PF.PROT)
_WRITE = int(X86PF.WRITE)
_UMODE = int(X86PF.USER)
_INSTR = int(X86PF.INSTR)


class GeneralProtection(Exception):
    """#GP: a non-canonical address; Linux sends SIGSEGV with si_code SI_KERNEL."""

    def __init__(self, address: int) -> None:
        super().__init__(address)
        self.address = address


class MMU:
    """Walks ``tables`` (pfn -> list of entries) in the format of ``mode``."""

    def __init__(self, mode: PagingMode, tables: dict[int, list[int]], tlb_entries: int = 0):
        self.mode = mode
        self.tables = tables
        self.tlb_entries = tlb_entries
        self.walks = 0          # page walks (TLB misses)
        self._upper = tuple((s, (1 << mode.bits) - 1) for s in mode.shifts[:-1])
        self._mask = (1 << mode.bits) - 1

    def translate(self, mm, va: int, write: bool, instr: bool = False) -> int:
        """A user-mode access to ``va``: return the pfn (>= 0), or ``~error_code`` (< 0)
        when the access raises #PF (CR2 is ``va``); raise GeneralProtection for a
        non-canonical address.

        On success the leaf entry gets ACCESSED (and DIRTY for a write) and the
        translation is cached in ``mm.tlb_r`` / ``mm.tlb_w``. (A return value, not
        an exception, for #PF: it is the common case and exceptions are slow.)
        """
        self.walks += 1
        mode = self.mode
        code = _UMODE | (_WRITE if write else 0) | (_INSTR if instr else 0)
        if va >= mode.task_size:
            if not mode.is_canonical(va):
                raise GeneralProtection(va)
            # Kernel half: absent from user page tables (page-table isolation).
            return ~code
        tables = self.tables
        table = tables[mm.pgd]
        huge = False
        for shift, mask in self._upper:
            e = table[(va >> shift) & mask]
            if not e & _P:
                return ~code
            if e & _PSE:                      # a 2 MiB page mapped by this PMD entry
                huge = True
                break
            table = tables[(e & PFN_MASK) >> 12]
        if huge:
            idx = (va >> shift) & mask
            pte = e
            pfn = ((pte & PFN_MASK) >> 12) + ((va >> 12) & ((1 << (shift - 12)) - 1))
        else:
            idx = (va >> 12) & self._mask
            pte = table[idx]
            if not pte & _P:
                return ~code
            pfn = (pte & PFN_MASK) >> 12
        if (write and not pte & _RW) or not pte & _USER or (instr and pte & _NX):
            return ~(code | _PROT)
        new = pte | _A | (_D if write else 0)
        if new != pte:
            table[idx] = new
        vpn = va >> 12
        tlb_r = mm.tlb_r
        if self.tlb_entries and vpn not in tlb_r and len(tlb_r) >= self.tlb_entries:
            old = next(iter(tlb_r))
            del tlb_r[old]
            mm.tlb_w.pop(old, None)
        tlb_r[vpn] = pfn
        if new & _RW and new & _D:
            mm.tlb_w[vpn] = pfn
        return pfn
