"""Transparent huge pages (mm/huge_memory.c): one fault maps 512 pages with a PMD.

In a VMA that allows it (``thp="always"``, or ``"madvise"`` and
madvise(MADV_HUGEPAGE)), an anonymous fault whose 2 MiB-aligned range fits in
the VMA allocates a compound page of order 9 and maps it with one huge PMD
entry: one fault for 512 pages (``thp_fault_alloc``). A read fault maps the
huge zero page instead, and a later write replaces it by a new THP (one fault
per 2 MiB, as Linux 6.18 does). A page table is deposited with every huge PMD
(pgtable_trans_huge_deposit) so that a split never needs memory.

Copy-on-write after fork: the PMD is write-protected in both; a write by a task
that is not the folio's only user splits that task's PMD into 512 PTEs
(``thp_split_pmd``) and copies one 4 KiB page; a write by the only user reuses
the whole huge page with one fault. Measured on Linux 6.18: write 4 MiB -> 2
faults; fork, child writes one page -> 1 fault and a split; child writes the
rest -> 1023; then the parent writes all -> 2.

A folio is refcounted on its head: one reference per PMD mapping
(``entire_mapcount``) and one per PTE mapping of any subpage (each subpage
keeps its own ``mapcount``). A THP is on the LRU as one unit (its head); reclaim
splits it (split_folio: every PMD mapping becomes 512 PTEs, the folio becomes 512
small pages on the LRU) and then reclaims the pages one by one, as a kernel
without THP_SWAP does.
"""

from __future__ import annotations

from ..arch.pte import _A, _D, _P, _PSE, _RW, _SPECIAL, PAGE_TABLE, PFN_MASK, pfn_pte, pte_modify
from .fault import VM_FAULT, FaultContext
from .memory import put_page
from .mm_types import MM
from .page import Page, PG_anon, PG_anon_exclusive, PG_head, PG_reserved, PG_swapbacked
from .pagetable import alloc_table, free_table, walk
from .rmap import anon_vma_prepare
from .vma import VM, VM_SHARED, VM_WRITE

HPAGE_PMD_ORDER = 9
HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER
HPAGE_PMD_SIZE = HPAGE_PMD_NR << 12
_FALLBACK = int(VM_FAULT.FALLBACK)
_OOM = int(VM_FAULT.OOM)


class Thp:
    """The THP layer of one machine."""

    def __init__(self, machine) -> None:
        self.machine = machine
        self.enabled = machine.config.thp != "never" and machine.mode.pmd_level is not None
        self.huge_zero: Page | None = None

    # -- policy ---------------------------------------------------------------------------
    def vma_allowable(self, vma, address: int) -> bool:
        """thp_vma_allowable_order: anonymous private memory, the aligned 2 MiB range
        inside the VMA, and the sysfs mode (always / madvise + VM_HUGEPAGE)."""
        if vma.vm_file is not None or vma.vm_flags & (VM_SHARED | VM.NOHUGEPAGE):
            return False
        mode = self.machine.config.thp
        if mode == "madvise" and not vma.vm_flags & VM.HUGEPAGE:
            return False
        haddr = address & ~(HPAGE_PMD_SIZE - 1)
        return vma.vm_start <= haddr and haddr + HPAGE_PMD_SIZE <= vma.vm_end

    # -- allocation -----------------------------------------------------------------------
    def _alloc_folio(self) -> Page | None:
        """A zeroed compound page of order 9 (vma_alloc_folio + clear_huge_page)."""
        phys = self.machine.phys
        head = phys.alloc_pages(HPAGE_PMD_ORDER)
        if head is None:
            return None
        head.flags |= PG_head
        for pfn in range(head.pfn, head.pfn + HPAGE_PMD_NR):
            phys.clear_page(pfn)
            if pfn != head.pfn:
                phys.mem_map[pfn].head = head
        return head

    def get_huge_zero(self) -> Page | None:
        """mm_get_huge_zero_folio: allocated once, at first use (thp_zero_page_alloc)."""
        if self.huge_zero is None:
            head = self._alloc_folio()
            if head is None:
                return None
            for pfn in range(head.pfn, head.pfn + HPAGE_PMD_NR):
                self.machine.phys.mem_map[pfn].flags |= PG_reserved
            self.huge_zero = head
            self.machine.vmstat["thp_zero_page_alloc"] += 1
        return self.huge_zero

    def is_huge_zero_pfn(self, pfn: int) -> bool:
        hz = self.huge_zero
        return hz is not None and hz.pfn <= pfn < hz.pfn + HPAGE_PMD_NR

    def _deposit(self, mm, haddr: int) -> bool:
        pfn = alloc_table(mm)
        if pfn is None:
            return False
        mm.deposited[haddr] = pfn
        mm.pgtables_bytes += 4096
        return True

    def _withdraw_and_free(self, mm, haddr: int) -> None:
        free_table(mm, mm.deposited.pop(haddr))
        mm.pgtables_bytes -= 4096

    @staticmethod
    def _add_new_anon_rmap(head: Page, vma, haddr: int) -> None:
        """folio_add_new_anon_rmap for a PMD-mapped folio: every subpage anonymous and
        exclusive; the head is mapped once entirely."""
        index = vma.linear_page_index(haddr)
        mem_map = vma.vm_mm.machine.phys.mem_map
        for i in range(HPAGE_PMD_NR):
            page = mem_map[head.pfn + i]
            page.flags |= PG_anon | PG_swapbacked | PG_anon_exclusive
            page.mapping = vma.anon_vma
            page.index = index + i
        head.entire_mapcount = 1

    # -- faults ---------------------------------------------------------------------------
    def do_huge_pmd_anonymous_page(self, vmf: FaultContext, table: list[int], i: int) -> int:
        vmf.steps.append("do_huge_pmd_anonymous_page")
        vmf.handler = "do_huge_pmd_anonymous_page"
        vma = vmf.vma
        mm = vma.vm_mm
        vmstat = self.machine.vmstat
        haddr = vmf.address & ~(HPAGE_PMD_SIZE - 1)
        # vmf_anon_prepare comes first, even for a read: the VMA gets its anon_vma, so
        # fork copies a huge zero PMD (a child's read then costs nothing, as on 6.18).
        anon_vma_prepare(vma, vmf.steps)
        if not vmf.write and self.machine.config.zero_page:
            zero = self.get_huge_zero()
            if zero is None or not self._deposit(mm, haddr):
                return _FALLBACK
            table[i] = pfn_pte(zero.pfn, vma.vm_page_prot) | _PSE | _SPECIAL
            mm.nr_huge += 1
            vmf.steps.append("set_huge_zero_folio")
            vmf.reason = ("read of a never-touched huge-page range: map the huge zero page "
                          "(512 pages, one PMD)")
            return 0
        head = self._alloc_folio()
        if head is None or not self._deposit(mm, haddr):
            if head is not None:
                head.refcount = 1
                put_page(self.machine, head)
            vmstat["thp_fault_fallback"] += 1
            vmf.steps.append("thp_fault_fallback")
            return _FALLBACK
        vmf.steps += ["vma_alloc_folio", "clear_huge_page"]
        self._add_new_anon_rmap(head, vma, haddr)
        self.machine.lru_cache_add(head)
        entry = pfn_pte(head.pfn, vma.vm_page_prot) | _PSE
        if vma.vm_flags & VM_WRITE:
            entry |= _RW | _D
        table[i] = entry
        mm.nr_huge += 1
        mm.add_rss(MM.ANONPAGES, HPAGE_PMD_NR)
        vmstat["thp_fault_alloc"] += 1
        vmf.page = head
        vmf.reason = ("first touch of a 2 MiB-aligned range in a huge-page VMA: one huge "
                      "page (512 zeroed pages) mapped by one PMD")
        return 0

    def huge_pmd_fault(self, vmf: FaultContext, table: list[int], i: int) -> int:
        """A fault on a present huge PMD: a write to a write-protected one is
        do_huge_pmd_wp_page; anything else is spurious (huge_pmd_set_accessed)."""
        pmd = table[i]
        if vmf.write and not pmd & _RW:
            return self.do_huge_pmd_wp_page(vmf, table, i)
        table[i] = pmd | _A
        vmf.handler = "huge_pmd_set_accessed"
        vmf.reason = "spurious fault on a huge page"
        return 0

    def do_huge_pmd_wp_page(self, vmf: FaultContext, table: list[int], i: int) -> int:
        vmf.steps.append("do_huge_pmd_wp_page")
        vmf.handler = "do_huge_pmd_wp_page"
        vma = vmf.vma
        mm = vma.vm_mm
        haddr = vmf.address & ~(HPAGE_PMD_SIZE - 1)
        pmd = table[i]
        pfn = (pmd & PFN_MASK) >> 12
        if pmd & _SPECIAL:                                  # the huge zero page
            anon_vma_prepare(vma, vmf.steps)
            head = self._alloc_folio()
            if head is None:
                self.machine.vmstat["thp_fault_fallback"] += 1
                self.split_huge_pmd(mm, table, i, haddr)
                return _FALLBACK
            vmf.steps.append("do_huge_zero_wp_pmd")
            self._add_new_anon_rmap(head, vma, haddr)
            self.machine.lru_cache_add(head)
            table[i] = pfn_pte(head.pfn, vma.vm_page_prot) | _PSE | _RW | _D
            mm.flush_tlb_range(haddr, haddr + HPAGE_PMD_SIZE)
            mm.add_rss(MM.ANONPAGES, HPAGE_PMD_NR)
            self.machine.vmstat["thp_fault_alloc"] += 1
            vmf.reason = "write to the huge zero page: a new huge page of its own"
            return 0
        head = self.machine.phys.mem_map[pfn]
        if head.flags & PG_anon_exclusive or head.refcount == 1:
            vmf.steps.append("reuse")
            for p in range(head.pfn, head.pfn + HPAGE_PMD_NR):
                self.machine.phys.mem_map[p].flags |= PG_anon_exclusive
            table[i] = pmd | _RW | _D | _A
            mm.flush_tlb_range(haddr, haddr + HPAGE_PMD_SIZE)
            vmf.reason = "copy-on-write of a huge page that only this task uses: reuse it"
            return 0
        vmf.steps.append("__split_huge_pmd")
        self.split_huge_pmd(mm, table, i, haddr)
        return _FALLBACK

    # -- splitting --------------------------------------------------------------------
    def split_huge_pmd(self, mm, table: list[int], i: int, haddr: int) -> None:
        """__split_huge_pmd_locked: 512 PTEs in the deposited table replace the PMD."""
        pmd = table[i]
        tpfn = mm.deposited.pop(haddr)
        ptes = self.machine.phys.tables[tpfn]
        flags = pmd & ~PFN_MASK & ~_PSE
        pfn = (pmd & PFN_MASK) >> 12
        if pmd & _SPECIAL:
            from .phys import ZERO_PFN
            for k in range(HPAGE_PMD_NR):
                ptes[k] = (ZERO_PFN << 12) | flags
        else:
            mem_map = self.machine.phys.mem_map
            head = mem_map[pfn]
            for k in range(HPAGE_PMD_NR):
                ptes[k] = ((pfn + k) << 12) | flags
                mem_map[pfn + k].mapcount += 1
            head.entire_mapcount -= 1
            head.refcount += HPAGE_PMD_NR - 1
            self.machine.vmstat["thp_split_pmd"] += 1
        table[i] = (tpfn << 12) | PAGE_TABLE
        mm.nr_huge -= 1
        mm.flush_tlb_range(haddr, haddr + HPAGE_PMD_SIZE)

    def _huge_pmds(self, mm, start: int, end: int):
        """(table, index, haddr) of every huge PMD meeting [start, end)."""
        haddr = start & ~(HPAGE_PMD_SIZE - 1)
        while haddr < end:
            found = walk(mm, haddr, level=-2)
            if found is not None and found[0][found[1]] & _PSE:
                yield found[0], found[1], haddr
            haddr += HPAGE_PMD_SIZE

    def split_huge_pmd_address(self, mm, address: int) -> None:
        """Split the huge PMD that ``address`` falls inside of (not at its start)."""
        if address & (HPAGE_PMD_SIZE - 1):
            for table, i, haddr in list(self._huge_pmds(mm, address, address + 1)):
                self.split_huge_pmd(mm, table, i, haddr)

    def split_folio(self, head: Page) -> None:
        """split_huge_page for reclaim: split every PMD that maps the folio (found
        through its anon_vma), then make its 512 pages independent order-0 pages on
        the LRU; pages nothing maps any more are freed. The caller holds one
        reference on the head (isolation) and keeps it."""
        machine = self.machine
        av = head.mapping
        for vma in list(av.vmas) if av is not None else []:
            haddr = vma.vm_start + ((head.index - vma.vm_pgoff) << 12)
            if haddr & (HPAGE_PMD_SIZE - 1) or not vma.vm_start <= haddr < vma.vm_end:
                continue
            found = walk(vma.vm_mm, haddr, level=-2)
            if found is None:
                continue
            table, i = found
            pmd = table[i]
            if pmd & _PSE and not pmd & _SPECIAL and (pmd & PFN_MASK) >> 12 == head.pfn:
                self.split_huge_pmd(vma.vm_mm, table, i, haddr)
        mem_map = machine.phys.mem_map
        head.flags &= ~PG_head
        head.order = 0
        head.refcount = head.mapcount + 1             # its mappings + the caller's
        for pfn in range(head.pfn + 1, head.pfn + HPAGE_PMD_NR):
            page = mem_map[pfn]
            page.head = None
            page.refcount = page.mapcount
            if page.refcount:
                machine.lru_cache_add(page)
            else:
                page.flags &= ~(PG_anon | PG_swapbacked | PG_anon_exclusive)
                page.mapping = None
                machine.phys.free_pages(page)
        machine.vmstat["thp_split_page"] += 1

    # -- zap, fork, mprotect -------------------------------------------------------------
    def zap_huge_pmds(self, vma, start: int, end: int) -> None:
        """zap_huge_pmd for PMDs wholly inside [start, end); others are split first so
        that the PTE-level zap handles them."""
        mm = vma.vm_mm
        for table, i, haddr in list(self._huge_pmds(mm, start, end)):
            if start <= haddr and haddr + HPAGE_PMD_SIZE <= end:
                pmd = table[i]
                table[i] = 0
                mm.nr_huge -= 1
                mm.flush_tlb_range(haddr, haddr + HPAGE_PMD_SIZE)
                self._withdraw_and_free(mm, haddr)
                if pmd & _SPECIAL:
                    continue
                head = self.machine.phys.mem_map[(pmd & PFN_MASK) >> 12]
                head.entire_mapcount -= 1
                mm.add_rss(MM.ANONPAGES, -HPAGE_PMD_NR)
                put_page(self.machine, head)
            else:
                self.split_huge_pmd(mm, table, i, haddr)

    def copy_huge_pmds(self, dst, src) -> bool:
        """copy_huge_pmd at fork: the child maps the same folio; both write-protected."""
        src_mm, dst_mm = src.vm_mm, dst.vm_mm
        for table, i, haddr in list(self._huge_pmds(src_mm, src.vm_start, src.vm_end)):
            found = walk(dst_mm, haddr, level=-2, alloc=True)
            if found is None or not self._deposit(dst_mm, haddr):
                return False
            dtable, di = found
            pmd = table[i]
            if not pmd & _SPECIAL:
                head = self.machine.phys.mem_map[(pmd & PFN_MASK) >> 12]
                head.entire_mapcount += 1
                head.refcount += 1
                for p in range(head.pfn, head.pfn + HPAGE_PMD_NR):
                    self.machine.phys.mem_map[p].flags &= ~PG_anon_exclusive
                dst_mm.add_rss(MM.ANONPAGES, HPAGE_PMD_NR)
                if src.is_cow_mapping():
                    pmd &= ~_RW
                    table[i] = pmd
            dtable[di] = pmd & ~_A
            dst_mm.nr_huge += 1
        src_mm.flush_tlb_mm()
        return True

    def change_huge_pmds(self, vma, try_change_writable: bool) -> None:
        """change_huge_pmd: new protection for the huge PMDs of ``vma``."""
        mm = vma.vm_mm
        for table, i, haddr in list(self._huge_pmds(mm, vma.vm_start, vma.vm_end)):
            pmd = table[i]
            new = pte_modify(pmd, vma.vm_page_prot) | _PSE
            if not new & _P:
                self.split_huge_pmd(mm, table, i, haddr)    # PROT_NONE: keep it simple
                continue
            if try_change_writable and not pmd & _SPECIAL:
                head = self.machine.phys.mem_map[(pmd & PFN_MASK) >> 12]
                if head.flags & PG_anon_exclusive:
                    new |= _RW
            table[i] = new
            mm.flush_tlb_range(haddr, haddr + HPAGE_PMD_SIZE)

    # -- views ------------------------------------------------------------------------
    def nr_anon_huge(self) -> int:
        """THPs mapped by a PMD somewhere (meminfo AnonHugePages, in 2 MiB units)."""
        return sum(1 for p in self.machine.phys.mem_map.values()
                   if p.flags & PG_head and p.entire_mapcount and not p.flags & PG_reserved)
