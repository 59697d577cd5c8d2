"""Paging modes: how a virtual address splits into table indices.

    x86_64 (4-level, 48-bit):  | pgd 47..39 | pud 38..30 | pmd 29..21 | pte 20..12 | offset 11..0 |
    la57   (5-level, 57-bit):  | pgd 56..48 | p4d 47..39 | pud | pmd | pte | offset |
    i386   (2-level, 32-bit):  | pgd 31..22 | pte 21..12 | offset 11..0 |   (pmd folded, no NX)

Unused levels are folded as in the kernel (p4d in 4-level mode, pud and pmd in
2-level mode): a folded level has no table of its own. ``index(level, va)`` is
xv6's ``PX(level, va)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT


@dataclass(frozen=True)
class PagingMode:
    """One page-table format. ``levels`` run from the root (pgd) to the leaf (pte)."""

    name: str
    levels: tuple[str, ...]
    shifts: tuple[int, ...]
    bits: int                     # index bits per level (9 or 10)
    va_bits: int                  # 48, 57 or 32
    task_size: int                # TASK_SIZE: first address user space cannot map
    has_nx: bool                  # the NX bit exists (not in 2-level i386)
    mmap_base_gap: int            # bytes below TASK_SIZE kept for the stack
    start_brk: int                # where the heap begins (no ELF image is loaded)
    description: str

    @property
    def entries(self) -> int:
        """Entries per table: 512 (x86_64) or 1024 (i386)."""
        return 1 << self.bits

    @property
    def pmd_level(self) -> int | None:
        """Index of the level whose entries may map a 2 MiB huge page, or None."""
        return self.levels.index("pmd") if "pmd" in self.levels else None

    @property
    def address_limit(self) -> int:
        """One past the highest address the CPU can form (2**64 or 2**32)."""
        return 1 << (64 if self.va_bits > 32 else 32)

    def index(self, level: int, va: int) -> int:
        return (va >> self.shifts[level]) & ((1 << self.bits) - 1)

    def level_span(self, level: int) -> int:
        """Bytes of address space one entry at ``level`` maps."""
        return 1 << self.shifts[level]

    def is_canonical(self, va: int) -> bool:
        """x86_64: the top bits must copy bit va_bits-1; i386 addresses always are."""
        if self.va_bits == 32:
            return True
        top = va >> (self.va_bits - 1)
        return top == 0 or top == (1 << (64 - self.va_bits + 1)) - 1


PAGING_MODES: dict[str, PagingMode] = {
    "x86_64": PagingMode(
        name="x86_64", levels=("pgd", "pud", "pmd", "pte"), shifts=(39, 30, 21, 12),
        bits=9, va_bits=48, task_size=(1 << 47) - PAGE_SIZE, has_nx=True,
        mmap_base_gap=128 << 20, start_brk=0x555555559000,
        description="x86-64 4-level paging: 48-bit addresses, 512-entry tables, 128 TiB user space",
    ),
    "la57": PagingMode(
        name="la57", levels=("pgd", "p4d", "pud", "pmd", "pte"), shifts=(48, 39, 30, 21, 12),
        bits=9, va_bits=57, task_size=(1 << 56) - PAGE_SIZE, has_nx=True,
        mmap_base_gap=128 << 20, start_brk=0x555555559000,
        description="x86-64 5-level paging (LA57): 57-bit addresses, 64 PiB user space",
    ),
    "i386": PagingMode(
        name="i386", levels=("pgd", "pte"), shifts=(22, 12),
        bits=10, va_bits=32, task_size=0xC0000000, has_nx=False,
        mmap_base_gap=128 << 20, start_brk=0x08050000,
        description="i386 2-level paging: 1024-entry tables, 3 GiB user / 1 GiB kernel split",
    ),
}


def paging_mode(name: str) -> PagingMode:
    try:
        return PAGING_MODES[name]
    except KeyError:
        raise InvalidArgument(
            f"unknown paging mode {name!r}; choose one of {', '.join(PAGING_MODES)}"
        ) from None
