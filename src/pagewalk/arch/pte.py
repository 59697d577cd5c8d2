"""x86 page-table entries: the bits, and the kernel's pure PTE transforms.

An entry is a plain ``int`` laid out as on x86 (bits 12..51 hold the page frame
number, the low bits the flags below), so the tables read like the hardware's.
``PTE`` is an IntFlag for readable reprs; hot paths use the ``_P``-style int
constants. Functions named ``pte_*`` follow ``arch/x86/include/asm/pgtable.h``:
predicates (``pte_present``, ``pte_write``, ...) and pure transforms
(``pte_mkwrite``, ``pte_wrprotect``, ...) that return a new entry.

A non-present entry that is not zero (``pte_none`` false) is a swap entry, as
the source texts say (页表项无效但非空，则说明该页处于交换文件中): bits 1..5 hold the
swap type, bits 9.. the slot offset.
"""

from __future__ import annotations

from enum import IntFlag


class PTE(IntFlag):
    """Bits of an x86 page-table entry (any level)."""

    PRESENT = 1 << 0    # _PAGE_PRESENT
    RW = 1 << 1         # _PAGE_RW: writable
    USER = 1 << 2       # _PAGE_USER: user-mode access allowed
    PWT = 1 << 3
    PCD = 1 << 4
    ACCESSED = 1 << 5   # _PAGE_ACCESSED: set by the MMU on any access ("young")
    DIRTY = 1 << 6      # _PAGE_DIRTY: set by the MMU on a write
    PSE = 1 << 7        # _PAGE_PSE: a huge page (in a PMD entry)
    PROTNONE = 1 << 8   # _PAGE_PROTNONE (software, aliases GLOBAL): PROT_NONE, frame kept
    SPECIAL = 1 << 9    # _PAGE_SPECIAL (software): no struct page behind it (zero page)
    NX = 1 << 63        # _PAGE_NX: no instruction fetch


class X86PF(IntFlag):
    """The page-fault error code pushed by the CPU (arch/x86/include/asm/trap_pf.h)."""

    PROT = 1 << 0    # 0: page not present; 1: protection violation
    WRITE = 1 << 1   # 0: read (or fetch); 1: write
    USER = 1 << 2    # 0: kernel mode; 1: user mode
    RSVD = 1 << 3    # reserved bit set in an entry
    INSTR = 1 << 4   # instruction fetch


def describe_error_code(code: int) -> str:
    """The error code in the source texts' words: "user write to a present page" etc."""
    who = "user" if code & X86PF.USER else "kernel"
    what = ("instruction fetch" if code & X86PF.INSTR
            else "write" if code & X86PF.WRITE else "read")
    why = "protection violation" if code & X86PF.PROT else "page not present"
    return f"{who} {what}, {why}"


_P = int(PTE.PRESENT)
_RW = int(PTE.RW)
_USER = int(PTE.USER)
_A = int(PTE.ACCESSED)
_D = int(PTE.DIRTY)
_PSE = int(PTE.PSE)
_SPECIAL = int(PTE.SPECIAL)
_NX = int(PTE.NX)
_PROTNONE = int(PTE.PROTNONE)

PAGE_SHIFT = 12
PFN_MASK = ((1 << 52) - 1) & ~((1 << PAGE_SHIFT) - 1)
FLAGS_MASK = ~PFN_MASK & ((1 << 64) - 1)

# Kernel protections (vm_page_prot values; protection_map in arch/x86/mm/pgprot.c).
PAGE_NONE = 0
PAGE_READONLY = _P | _USER | _A | _NX
PAGE_READONLY_EXEC = _P | _USER | _A
PAGE_SHARED = _P | _RW | _USER | _A | _NX
PAGE_SHARED_EXEC = _P | _RW | _USER | _A
PAGE_TABLE = _P | _RW | _USER | _A          # an entry pointing at a lower table


def pfn_pte(pfn: int, prot: int) -> int:
    return (pfn << PAGE_SHIFT) | prot


def pte_pfn(pte: int) -> int:
    return (pte & PFN_MASK) >> PAGE_SHIFT


def pte_none(pte: int) -> bool:
    return pte == 0


def pte_present(pte: int) -> bool:
    """The kernel's view: a frame is mapped (a PROT_NONE entry still holds one)."""
    return bool(pte & (_P | _PROTNONE))


def pte_write(pte: int) -> bool:
    return bool(pte & _RW)


def pte_dirty(pte: int) -> bool:
    return bool(pte & _D)


def pte_young(pte: int) -> bool:
    return bool(pte & _A)


def pte_special(pte: int) -> bool:
    return bool(pte & _SPECIAL)


def pte_huge(pte: int) -> bool:
    return bool(pte & _PSE)


def pte_mkwrite(pte: int) -> int:
    return pte | _RW


def pte_wrprotect(pte: int) -> int:
    return pte & ~_RW


def pte_mkdirty(pte: int) -> int:
    return pte | _D


def pte_mkclean(pte: int) -> int:
    return pte & ~_D


def pte_mkyoung(pte: int) -> int:
    return pte | _A


def pte_mkold(pte: int) -> int:
    return pte & ~_A


def pte_mkspecial(pte: int) -> int:
    return pte | _SPECIAL


def pte_modify(pte: int, prot: int) -> int:
    """New protection, same frame; keeps the accessed and dirty bits (change_pte_range)."""
    if not prot:
        prot = _PROTNONE | _USER | _A
    return (pte & PFN_MASK) | (pte & (_A | _D | _SPECIAL | _PSE)) | (prot & ~(_A | _D))


# Swap entries in non-present PTEs: type in bits 1..5, offset from bit 9.
_SWP_TYPE_SHIFT = 1
_SWP_TYPE_MASK = 0x1F
_SWP_OFFSET_SHIFT = 9


def swp_entry_to_pte(swp_type: int, offset: int) -> int:
    return (swp_type << _SWP_TYPE_SHIFT) | (offset << _SWP_OFFSET_SHIFT)


def is_swap_pte(pte: int) -> bool:
    return pte != 0 and not pte & (_P | _PROTNONE)


def pte_swp_type(pte: int) -> int:
    return (pte >> _SWP_TYPE_SHIFT) & _SWP_TYPE_MASK


def pte_swp_offset(pte: int) -> int:
    return pte >> _SWP_OFFSET_SHIFT


def format_pte(pte: int) -> str:
    """``pfn 0x1234 PRESENT|RW|USER`` or ``swap 0:17`` or ``none``."""
    if pte == 0:
        return "none"
    if not pte & (_P | _PROTNONE):
        return f"swap {pte_swp_type(pte)}:{pte_swp_offset(pte)}"
    return f"pfn {pte_pfn(pte):#x} {PTE(pte & FLAGS_MASK)!r}"
