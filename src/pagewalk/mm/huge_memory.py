"""Transparent huge pages (mm/huge_memory.c): one fault maps 512 pages with a PMD.

Filled in by issue 3; until then no VMA is THP-eligible, so every fault takes
the 4 KiB path.
"""

from __future__ import annotations

from .fault import VM_FAULT


class Thp:
    def __init__(self, machine) -> None:
        self.machine = machine
        self.enabled = machine.config.thp != "never" and machine.mode.pmd_level is not None

    def vma_allowable(self, vma, address: int) -> bool:
        return False

    def do_huge_pmd_anonymous_page(self, vmf, table, index) -> int:
        return int(VM_FAULT.FALLBACK)

    def huge_pmd_fault(self, vmf, table, index) -> int:
        return int(VM_FAULT.SIGBUS)
