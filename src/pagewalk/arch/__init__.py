"""The "hardware": page-table formats, PTE bits, the #PF error code, the MMU and TLB."""

from .mmu import MMU, GeneralProtection
from .paging import PAGING_MODES, PagingMode, paging_mode
from .pte import PTE, X86PF

__all__ = ["MMU", "GeneralProtection", "PAGING_MODES", "PTE", "X86PF", "PagingMode", "paging_mode"]
