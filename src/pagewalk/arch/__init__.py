"""The "hardware": page-table formats, PTE bits, the #PF error code, the MMU and TLB."""

from .mmu import MMU, GeneralProtection
from .paging import PAGING_MODES, PagingMode, paging_mode
from .pte import PTE, X86PF

__all__ = ["MMU", "PAGING_MODES", "PTE", "X86PF", "GeneralProtection", "PagingMode", "paging_mode"]
