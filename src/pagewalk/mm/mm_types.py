"""mm_struct: one address space (include/linux/mm_types.h)."""

from __future__ import annotations

from enum import IntEnum

from .vma import MMAP_MIN_ADDR, VmaTree


class MM(IntEnum):
    """RSS counter indices (enum NR_MM_COUNTERS)."""

    FILEPAGES = 0
    ANONPAGES = 1
    SWAPENTS = 2
    SHMEMPAGES = 3


class MmStruct:
    """An address space: VMAs, page tables, RSS counters, heap and stack bounds.

    ``rss`` is indexed by ``MM``; zero-page mappings are not counted (as in Linux).
    ``tlb_r`` / ``tlb_w`` are this address space's TLB (see arch/mmu.py).
    """

    def __init__(self, machine) -> None:
        self.machine = machine
        self.pgd = 0
        self.mmap = VmaTree(machine.config.stack_guard_gap, MMAP_MIN_ADDR)
        self.rss = [0, 0, 0, 0]
        self.hiwater_rss = 0
        self.pgtables_bytes = 0
        mode = machine.mode
        self.task_size = mode.task_size
        self.stack_top = mode.task_size
        self.mmap_base = mode.task_size - mode.mmap_base_gap
        self.start_brk = self.brk = mode.start_brk
        self.start_stack = 0
        self.tlb_r: dict[int, int] = {}
        self.tlb_w: dict[int, int] = {}
        self.users = 1
        self.def_flags = 0                  # VM_LOCKED[ONFAULT] after mlockall(MCL_FUTURE)
        self.nr_huge = 0                    # huge PMDs mapped (THP and the huge zero page)
        self.deposited: dict[int, int] = {}  # THP: pmd address -> pte table kept for a split

    def total_vm(self) -> int:
        """Pages mapped (mm->total_vm), kept by the VMA tree: O(1)."""
        return self.mmap.total_pages

    def get_rss(self) -> int:
        return self.rss[MM.FILEPAGES] + self.rss[MM.ANONPAGES] + self.rss[MM.SHMEMPAGES]

    def add_rss(self, counter: int, n: int) -> None:
        self.rss[counter] += n

    def update_hiwater_rss(self) -> None:
        """Record the RSS peak before pages go away (the kernel does it lazily too:
        before unmapping, and when /proc reads VmHWM)."""
        rss = self.get_rss()
        if rss > self.hiwater_rss:
            self.hiwater_rss = rss

    # TLB shootdowns (arch/x86/mm/tlb.c) ---------------------------------------
    def flush_tlb_page(self, addr: int) -> None:
        vpn = addr >> 12
        self.tlb_r.pop(vpn, None)
        self.tlb_w.pop(vpn, None)

    def flush_tlb_range(self, start: int, end: int) -> None:
        if (end - start) >> 12 > len(self.tlb_r):
            lo, hi = start >> 12, end >> 12
            for vpn in [v for v in self.tlb_r if lo <= v < hi]:
                del self.tlb_r[vpn]
                self.tlb_w.pop(vpn, None)
        else:
            for vpn in range(start >> 12, end >> 12):
                self.tlb_r.pop(vpn, None)
                self.tlb_w.pop(vpn, None)

    def flush_tlb_mm(self) -> None:
        self.tlb_r.clear()
        self.tlb_w.clear()
