"""The rest of mm/memory.c: page references, vm_normal_page, zapping and copying ranges.

``put_page`` drops a reference and frees the page at zero. ``zap_pte_range``
unmaps a range (munmap, MADV_DONTNEED, exit); ``copy_page_range`` copies a
VMA's entries into a child at fork, write-protecting private writable pages in
both (the heart of copy-on-write: 写时复制).
"""

from __future__ import annotations

from ..arch.pte import _D, _P, _PROTNONE, _PSE, _RW, _SPECIAL, PFN_MASK
from ..errors import KernelBug
from .mm_types import MM
from .page import (
    Page,
    PG_anon,
    PG_anon_exclusive,
    PG_dirty,
    PG_lru,
    PG_referenced,
    PG_swapbacked,
    PG_swapcache,
)
from .pagetable import free_table, pte_range, walk
from .rmap import folio_dup_anon_rmap, folio_remove_rmap
from .vma import VM_SHARED, VMA


def get_page(page: Page) -> None:
    page.folio().refcount += 1


def put_page(machine, page: Page) -> None:
    """Drop one reference; the last one frees the page (__folio_put). References
    to a subpage of a compound page are references to its head (the folio)."""
    if page.head is not None:
        page = page.head
    page.refcount -= 1
    if page.refcount > 0:
        return
    if page.refcount < 0 or page.mapcount or page.entire_mapcount:
        raise KernelBug(f"put_page: bad page state {page!r}")
    if page.flags & PG_lru:
        machine.lru.delete(page)
    page.flags &= ~(PG_anon | PG_swapbacked | PG_anon_exclusive | PG_dirty | PG_referenced)
    page.mapping = None
    machine.phys.free_pages(page, page.order)


def vm_normal_page(machine, pte: int) -> Page | None:
    """The struct page behind a present PTE, or None for special mappings (zero page)."""
    if pte & _SPECIAL:
        return None
    return machine.phys.mem_map[(pte & PFN_MASK) >> 12]


def mm_counter(page: Page) -> int:
    if page.flags & PG_anon:
        return MM.ANONPAGES
    if page.flags & PG_swapbacked:
        return MM.SHMEMPAGES
    return MM.FILEPAGES


def zap_pte_range(vma: VMA, start: int, end: int) -> None:
    """Unmap [start, end) of ``vma``: drop every page reference and swap entry
    (zap_pte_range); the tables themselves stay (free_pgtables frees them)."""
    mm = vma.vm_mm
    machine = mm.machine
    mm.update_hiwater_rss()
    if mm.nr_huge:
        machine.thp.zap_huge_pmds(vma, start, end)
    to_free: list[Page] = []
    for table, i, _addr in pte_range(mm, start, end):
        pte = table[i]
        if not pte:
            continue
        table[i] = 0
        if pte & (_P | _PROTNONE):
            page = vm_normal_page(machine, pte)
            if page is None:
                continue
            if pte & _D and not page.flags & PG_anon:
                page.flags |= PG_dirty          # set_page_dirty: written back later
            folio_remove_rmap(page)
            mm.add_rss(mm_counter(page), -1)
            to_free.append(page)
        else:
            machine.swap.free_swap_and_cache(mm, pte)
    mm.flush_tlb_range(start, end)
    for page in to_free:                        # tlb_finish_mmu: free after the flush
        if page.flags & PG_swapcache:           # free_pages_and_swap_cache
            machine.swap.free_swap_cache(page)
        put_page(machine, page)


def reclaim_empty_pte_tables(vma: VMA, start: int, end: int) -> None:
    """PT_RECLAIM after MADV_DONTNEED: free each page table whose whole span lies in
    [start, end) and whose entries are all none now (try_to_free_pte)."""
    mm = vma.vm_mm
    mode = mm.machine.mode
    level = mode.pmd_level
    if level is None:
        return
    span = mode.level_span(level)
    addr = -(-start // span) * span
    while addr + span <= end:
        found = walk(mm, addr, level=level)
        if found is not None:
            table, i = found
            pmd = table[i]
            if pmd & _P and not pmd & _PSE:
                pfn = (pmd & PFN_MASK) >> 12
                if not any(mm.machine.phys.tables[pfn]):
                    table[i] = 0
                    free_table(mm, pfn)
                    mm.pgtables_bytes -= 4096
        addr += span


def copy_page_range(dst: VMA, src: VMA) -> bool:
    """fork: copy ``src``'s entries into ``dst`` (copy_pte_range / copy_present_pte).

    Private writable pages are write-protected in parent and child, so the first
    write of either faults into do_wp_page. Returns False if a page table could
    not be allocated (the fork fails with ENOMEM).
    """
    src_mm, dst_mm = src.vm_mm, dst.vm_mm
    machine = src_mm.machine
    cow = src.is_cow_mapping()
    shared = bool(src.vm_flags & VM_SHARED)
    if src_mm.nr_huge and not machine.thp.copy_huge_pmds(dst, src):
        return False
    for table, i, addr in pte_range(src_mm, src.vm_start, src.vm_end):
        if not table[i]:
            continue
        found = walk(dst_mm, addr, alloc=True)
        if found is None:
            return False
        dtable, di = found
        pte = table[i]                          # again: the allocation may have reclaimed
        if pte & (_P | _PROTNONE):
            page = vm_normal_page(machine, pte)
            if cow and pte & _RW:
                pte &= ~_RW                     # ptep_set_wrprotect(src) + pte_wrprotect
                table[i] = pte
            if shared:
                pte &= ~_D                      # pte_mkclean: the parent keeps the dirty bit
            pte &= ~0x20                        # pte_mkold
            if page is not None:
                if page.flags & PG_anon:
                    folio_dup_anon_rmap(page)
                else:
                    page.mapcount += 1
                    page.refcount += 1
                dst_mm.add_rss(mm_counter(page), 1)
        else:
            pte = machine.swap.swap_duplicate(dst_mm, pte)   # no longer exclusive
            table[i] = pte
        dtable[di] = pte
    return True
