"""Swap: the swap area, swap entries and their counts, the swap cache, do_swap_page.

(Placeholder until issue 3: no page is ever swapped out, so no swap entry exists.)
"""

from __future__ import annotations

from ..errors import KernelBug
from .fault import VM_FAULT


class SwapSubsystem:
    def __init__(self, machine) -> None:
        self.machine = machine

    def do_swap_page(self, vmf) -> int:
        vmf.handler = "do_swap_page"
        return int(VM_FAULT.SIGBUS)

    def free_swap_and_cache(self, mm, pte: int) -> None:
        raise KernelBug(f"swap entry {pte:#x} without a swap area")

    def swap_duplicate(self, mm, pte: int) -> None:
        raise KernelBug(f"swap entry {pte:#x} without a swap area")

    def swap_count(self, entry: int) -> int:
        return 0

    def folio_free_swap(self, page) -> None:
        return None

    def cache_refs(self, page) -> int:
        return 0

    def check(self, swap_refs) -> None:
        if swap_refs:
            raise KernelBug("check: swap entries exist without a swap area")
