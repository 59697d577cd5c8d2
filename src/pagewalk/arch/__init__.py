"""The "hardware": page-table formats, PTE bits, the #PF error code, the MMU and TLB."""

from .mmu import MMU, PageFault
from .paging import PAGING_MODES, PagingMode, paging_mode
from .pte import PTE, X86PF

__all__ = ["MMU", "PAGING_MODES", "PTE", "X86PF", "PageFault", "PagingMode", "paging_mode"]
