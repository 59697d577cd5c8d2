"""Swap: swap entries in PTEs, the swap cache, swap-in (mm/swap_state.c, mm/memory.c).

A swapped-out anonymous page leaves a swap PTE behind (``arch/pte.py``): the
slot's entry, plus ``SWP_EXCLUSIVE`` if the page was exclusive to that mm. The
slot's count (``swapfile.SwapInfo.swap_map``) is the number of such PTEs.

The swap cache maps an entry to the page that holds the slot's data while the
page is being written out or read in, or while both copies are valid (a page
read back in keeps its slot until it is written to, so a clean page can be
dropped again without I/O). A swap-cache page has ``PG_swapcache``, its entry in
``page.private``, and the cache holds one reference on it.

``do_swap_page`` (a fault on a swap PTE): a swap-cache hit is a minor fault; a
miss reads the page from the swap device with cluster readahead: the
2**page_cluster slots of the aligned block around the entry are read into the
swap cache (``swap_ra`` counts the extra pages, ``swap_ra_hit`` the later faults
that find one), and the fault is major (``pgmajfault``, ``pswpin`` per page
read, ``pgpgin`` in kB). Simplification: the kernel shrinks the window when
readahead pages go unused (``__swapin_nr_pages``); here it is always the full
cluster, which is what a sequential read-back gets on the host.
"""

from __future__ import annotations

from ..arch.pte import _D, _RW, is_swap_pte, pfn_pte
from ..errors import KernelBug
from .fault import VM_FAULT, FaultFlag, do_wp_page
from .mm_types import MM
from .page import (
    Page,
    PG_anon,
    PG_anon_exclusive,
    PG_buddy,
    PG_dirty,
    PG_readahead,
    PG_swapbacked,
    PG_swapcache,
    PG_uptodate,
    PG_writeback,
)
from .swapfile import (
    SWAP_HAS_CACHE,
    SWP_EXCLUSIVE,
    SwapInfo,
    pte_to_swp_entry,
    swp_entry,
    swp_offset,
)
from .vma import VM_LOCKED, VM_WRITE

_WRITE = int(FaultFlag.WRITE)
_A = 0x20
_ZERO_PAGE = bytes(4096)


def _swapin_nr_pages(prev_offset: int, offset: int, hits: int, max_pages: int,
                     prev_win: int) -> int:
    """__swapin_nr_pages: the next readahead window from the hits of the last one
    ("+ 2 ... just happens to work well"); no hits: only an adjacent fault reads 2."""
    pages = hits + 2
    if pages == 2:
        if offset not in (prev_offset + 1, prev_offset - 1):
            pages = 1
    else:
        roundup = 4
        while roundup < pages:
            roundup <<= 1
        pages = roundup
    pages = min(pages, max_pages)
    return max(pages, prev_win // 2)                 # don't shrink readahead too fast


class SwapSubsystem:
    """The swap area (``si``, None without swap) and the swap cache."""

    def __init__(self, machine) -> None:
        self.machine = machine
        nr = machine.config.swap // 4096
        self.si: SwapInfo | None = SwapInfo(nr) if nr >= 2 else None
        self.cache: dict[int, Page] = {}            # entry -> page (swapper_spaces)

    # -- queries (meminfo, procfs, check) ------------------------------------------
    def nr_swapcache(self) -> int:
        return len(self.cache)

    def nr_free_slots(self) -> int:
        return self.si.nr_free if self.si is not None else 0

    def get_nr_swap_pages(self) -> int:
        return self.nr_free_slots()

    def swap_count(self, entry: int) -> int:
        """Swap PTEs that reference ``entry``'s slot (__swap_count); 0 without swap."""
        if self.si is None:
            return 0
        return self.si.count(pte_to_swp_entry(entry))

    def cache_refs(self, page: Page) -> int:
        return 1 if page.flags & PG_swapcache else 0

    def lookup(self, entry: int) -> Page | None:
        return self.cache.get(pte_to_swp_entry(entry))

    # -- swap PTEs being copied or zapped ---------------------------------------------
    def swap_duplicate(self, mm, pte: int) -> int:
        """fork copies a swap PTE: one more reference to the slot; the child's
        MM_SWAPENTS grows. Returns the PTE both sides keep: no longer exclusive."""
        if self.si is None:
            raise KernelBug(f"swap entry {pte:#x} without a swap area")
        self.si.duplicate(pte_to_swp_entry(pte))
        mm.add_rss(MM.SWAPENTS, 1)
        return pte & ~SWP_EXCLUSIVE

    def free_swap_and_cache(self, mm, pte: int) -> None:
        """A swap PTE is zapped (munmap, exit, MADV_DONTNEED/FREE): drop its slot
        reference; when none is left, free the slot and its swap-cache page."""
        if self.si is None:
            raise KernelBug(f"swap entry {pte:#x} without a swap area")
        entry = pte_to_swp_entry(pte)
        mm.add_rss(MM.SWAPENTS, -1)
        if self.si.free(entry) == SWAP_HAS_CACHE:
            # Only the swap cache holds the slot: __try_to_reclaim_swap(TTRS_UNMAPPED |
            # TTRS_FULL) frees it if the page is unmapped or swap is more than half full.
            page = self.cache[entry]
            if not page.mapcount or self.si.full():
                self.folio_free_swap(page)

    def free_swap_cache(self, page: Page) -> None:
        """zap_pte_range freed the last mapping of a swap-cache page
        (free_pages_and_swap_cache): drop it from the cache if no swap PTE needs it."""
        if page.flags & PG_swapcache and not page.mapcount:
            self.folio_free_swap(page)

    # -- the swap cache -----------------------------------------------------------------
    def add_to_swap_cache(self, page: Page, entry: int) -> None:
        """The slot's map must already carry SWAP_HAS_CACHE."""
        if entry in self.cache or page.flags & PG_swapcache:
            raise KernelBug(f"add_to_swap_cache: {entry:#x} / {page!r} already cached")
        self.cache[entry] = page
        page.flags |= PG_swapcache | PG_swapbacked
        page.private = entry
        page.refcount += 1

    def delete_from_swap_cache(self, page: Page) -> None:
        """Remove ``page`` from the swap cache and let go of its slot (the slot stays
        allocated while swap PTEs still reference it). Drops the cache's reference."""
        entry = page.private
        if self.cache.get(entry) is not page:
            raise KernelBug(f"delete_from_swap_cache: {page!r} is not cached at {entry:#x}")
        del self.cache[entry]
        page.flags &= ~(PG_swapcache | PG_readahead)
        page.private = 0
        self.si.clear_cache(entry)
        from .memory import put_page
        put_page(self.machine, page)

    def add_to_swap(self, page: Page) -> bool:
        """Give an anonymous page a slot and put it in the swap cache, dirty (it must
        be written before it can be freed). False: no swap space."""
        if self.si is None:
            return False
        entry = self.si.get_swap_page()
        if entry is None:
            return False
        self.add_to_swap_cache(page, entry)
        page.flags |= PG_dirty
        return True

    def folio_free_swap(self, page: Page) -> bool:
        """Free the swap copy of a page that is in memory, if no swap PTE still
        needs it: the page leaves the swap cache and becomes dirty (its only copy)."""
        if not page.flags & PG_swapcache or page.flags & PG_writeback:
            return False
        if self.si.count(page.private):
            return False
        page.flags |= PG_dirty
        self.delete_from_swap_cache(page)
        return True

    # -- I/O --------------------------------------------------------------------------
    def swap_writepage(self, page: Page) -> None:
        """pageout of a swap-cache page (swap_writeout): its bytes go to the slot.

        swap_device "instant": written at once.  "async"/"sync": a zero-filled
        page is only marked in the zeromap (no I/O, ``swpout_zero``); "async"
        leaves the page under writeback (``PG_writeback``): reclaim must keep it
        in the swap cache until ``end_writeback``."""
        m = self.machine
        data = m.phys.contents(page.pfn)
        page.flags &= ~PG_dirty
        mode = m.config.swap_device
        if mode != "instant" and data == _ZERO_PAGE:       # is_folio_zero_filled
            self.si.set_zero(page.private)
            m.vmstat["swpout_zero"] += 1
            return
        self.si.write(page.private, data)
        m.vmstat["pswpout"] += 1
        m.vmstat["pgpgout"] += 4
        m.vmstat["nr_written"] += 1
        if mode == "async":
            page.flags |= PG_writeback                      # the bio is in flight

    def end_writeback(self, page: Page) -> None:
        """folio_end_writeback: the write finished; the page stays in the swap cache,
        clean, until a reclaim pass frees it (or a fault maps it again: minor)."""
        page.flags &= ~PG_writeback

    def _swap_readpage(self, page: Page, entry: int) -> None:
        m = self.machine
        if m.config.swap_device != "instant" and self.si.is_zero(entry):
            m.phys.clear_page(page.pfn)                     # swap_read_folio_zeromap
            page.flags |= PG_uptodate
            m.vmstat["swpin_zero"] += 1
            return
        data = self.si.read(entry)
        if data is None:
            m.phys.clear_page(page.pfn)
        else:
            m.phys.write(page.pfn, 0, data)
        page.flags |= PG_uptodate
        m.vmstat["pswpin"] += 1
        m.vmstat["pgpgin"] += 4

    def read_swap_cache_async(self, entry: int, steps: list[str] | None = None,
                              may_oom: bool = True) -> tuple[Page | None, bool]:
        """The swap-cache page for ``entry``, reading it from the device if needed:
        (page or None when memory ran out / the slot was freed, read from disk?).
        Readahead passes ``may_oom=False``: no OOM kill for a page nobody asked for."""
        page = self.cache.get(entry)
        if page is not None:
            return page, False
        if not self.si.in_use(swp_offset(entry)):
            return None, False
        page = self.machine.alloc_page(may_oom)
        if page is None:
            return None, False
        page = self._settle(page, entry)
        if page is None:
            return self.cache.get(entry), False
        self.si.set_cache(entry)
        self.add_to_swap_cache(page, entry)
        page.refcount -= 1                   # the allocation's reference: the cache holds it
        self._swap_readpage(page, entry)
        if steps is not None:
            steps.append("swap_readpage")
        self.machine.lru_cache_add(page)
        return page, True

    def _settle(self, page: Page, entry: int) -> Page | None:
        """The allocation may have reclaimed: if the slot got freed or cached in the
        meantime, give the new page back."""
        if entry in self.cache or not self.si.in_use(swp_offset(entry)):
            self.machine.phys.free_pages(page)
            return None
        return page

    def swap_cluster_readahead(self, entry: int, steps: list[str]) -> Page | None:
        """Read the aligned cluster of 2**page_cluster slots around ``entry``;
        return the target's page (None: out of memory)."""
        m = self.machine
        mask = (1 << m.config.page_cluster) - 1
        target = swp_offset(entry)
        if mask:
            start = max(target & ~mask, 1)
            end = min(target | mask, self.si.nr_pages - 1)
            for offset in range(start, end + 1):
                e = swp_entry(offset, self.si.type)
                page, read = self.read_swap_cache_async(e, may_oom=False)
                if page is None:
                    if offset == target or not self.si.in_use(offset):
                        continue
                    break                              # out of memory: stop reading ahead
                if read and offset != target:
                    page.flags |= PG_readahead
                    m.vmstat["swap_ra"] += 1
        page, _ = self.read_swap_cache_async(entry)
        return page

    def swap_vma_readahead(self, vmf, entry: int) -> Page | None:
        """swap_vma_readahead (the default, vma_ra_enabled) with swap_vma_ra_win's
        window: from the VMA's history (last fault address, window, readahead hits)
        __swapin_nr_pages picks 1, 2, 4 ... up to 2**page_cluster pages; a fault
        right after the last one starts the window at the fault, one right before
        ends it there, any other centres it.  The window is clipped to the VMA and
        to the fault's PMD, and every swap PTE in it is read into the swap cache."""
        m = self.machine
        vma, table, index = vmf.vma, vmf.table, vmf.index
        faddr = vmf.address
        max_win = 1 << min(m.config.page_cluster, 5)          # SWAP_RA_ORDER_CEILING
        if max_win > 1:
            prev, prev_win, hits = vma.swap_readahead_info
            win = _swapin_nr_pages(prev >> 12, faddr >> 12, hits, max_win, prev_win)
            vma.swap_readahead_info = (faddr, win, 0)
        else:
            win = 1
        if win > 1:
            if faddr == prev + 4096:
                left = faddr
            elif prev == faddr + 4096:
                left = faddr - (win << 12) + 4096
            else:
                left = faddr - (((win - 1) // 2) << 12)
            pmd = faddr & ~((1 << 21) - 1)
            start = max(left, vma.vm_start, pmd, 0)
            end = min(left + (win << 12), vma.vm_end, pmd + (1 << 21))
            base = faddr - (index << 12)
            for i in range((start - base) >> 12, (end - base) >> 12):
                pte = table[i]
                if i == index or not is_swap_pte(pte):
                    continue
                page, read = self.read_swap_cache_async(pte_to_swp_entry(pte), may_oom=False)
                if page is None:
                    break                              # out of memory: stop reading ahead
                if read:
                    page.flags |= PG_readahead
                    m.vmstat["swap_ra"] += 1
        page, _ = self.read_swap_cache_async(entry, vmf.steps)
        return page

    # -- the fault -------------------------------------------------------------------
    def do_swap_page(self, vmf) -> int:
        """A fault on a swap PTE: find or read the page, map it, drop the slot reference."""
        vmf.steps.append("do_swap_page")
        vmf.handler = "do_swap_page"
        m = self.machine
        vma = vmf.vma
        mm = vma.vm_mm
        if self.si is None:
            raise KernelBug(f"swap entry {vmf.orig_pte:#x} without a swap area")
        entry = pte_to_swp_entry(vmf.orig_pte)
        ret = 0
        sync_io = False
        vmf.steps.append("swap_cache_get_folio")
        page = self.cache.get(entry)
        if page is not None:
            hit = bool(page.flags & PG_readahead)
            if hit:
                page.flags &= ~PG_readahead
                m.vmstat["swap_ra_hit"] += 1
                vmf.steps.append("swap_ra_hit")      # may still be under read I/O
            if m.config.swap_device != "instant":   # swap_cache_get_folio: VMA history
                _, win, hits = vma.swap_readahead_info
                vma.swap_readahead_info = (vmf.address, win, min(hits + hit, 63))
            vmf.reason = "the page is in the swap cache (read ahead or not yet freed): no I/O"
        elif m.config.swap_device == "sync" and self.si.count(entry) == 1:
            # SWP_SYNCHRONOUS_IO: read just this page, around the swap cache
            page, _ = self.read_swap_cache_async(entry, vmf.steps)
            if page is None:
                vmf.reason = "no memory to read the page back from swap"
                return int(VM_FAULT.OOM)
            sync_io = True
            ret = int(VM_FAULT.MAJOR)
            m.vmstat["pgmajfault"] += 1
            vmf.reason = ("the page is on a synchronous swap device (zram): read it "
                          "back at once, no readahead, not kept in the swap cache")
        else:
            vmf.steps.append("swapin_readahead")
            if m.config.swap_device == "instant":
                page = self.swap_cluster_readahead(entry, vmf.steps)
            else:
                page = self.swap_vma_readahead(vmf, entry)
            if page is None:
                vmf.reason = "no memory to read the page back from swap"
                return int(VM_FAULT.OOM)
            vmf.steps.append("swap_readpage")
            ret = int(VM_FAULT.MAJOR)
            m.vmstat["pgmajfault"] += 1
            vmf.reason = "the page is on the swap device: read it back (换入)"
        if vmf.table[vmf.index] != vmf.orig_pte:
            # An allocation on the way reclaimed or someone else mapped it: retry.
            return ret
        page.refcount += 1                           # the mapping's reference
        self.si.free(entry)                          # swap_free: the PTE no longer holds the slot
        if sync_io or self.should_try_to_free_swap(page, vma, vmf.flags):
            self.folio_free_swap(page)
        mm.add_rss(MM.ANONPAGES, 1)
        mm.add_rss(MM.SWAPENTS, -1)
        pte = pfn_pte(page.pfn, vma.vm_page_prot) | _A
        exclusive = bool(vmf.orig_pte & SWP_EXCLUSIVE) or page.refcount == 1
        if exclusive and vma.vm_flags & VM_WRITE:
            pte |= _RW
            if vmf.flags & _WRITE:
                pte |= _D
                vmf.flags &= ~_WRITE
        self._add_anon_rmap(page, vma, vmf.address, exclusive)
        vmf.table[vmf.index] = pte
        mm.flush_tlb_page(vmf.address)
        vmf.page = page
        if vmf.flags & _WRITE:                      # shared with another mm: copy now
            vmf.orig_pte = pte
            ret |= do_wp_page(vmf)
            vmf.handler = "do_swap_page"
        return ret

    def should_try_to_free_swap(self, page: Page, vma, flags: int) -> bool:
        """Free the slot at swap-in when swap is more than half full, the VMA is
        locked, or a write fault finds the page held by the cache and us alone."""
        if not page.flags & PG_swapcache:
            return False
        if self.si.full() or vma.vm_flags & VM_LOCKED:
            return True
        return bool(flags & _WRITE) and page.refcount == 2

    @staticmethod
    def _add_anon_rmap(page: Page, vma, address: int, exclusive: bool) -> None:
        """folio_add_anon_rmap / __folio_set_anon: a page not yet anonymous gets the
        VMA's anon_vma (the root's if the page may be shared)."""
        from .rmap import anon_vma_prepare
        if not page.flags & PG_anon:
            anon_vma_prepare(vma)
            page.mapping = vma.anon_vma if exclusive else vma.anon_vma.root
            page.index = vma.linear_page_index(address)
            page.flags |= PG_anon | PG_swapbacked
        page.mapcount += 1
        if exclusive:
            page.flags |= PG_anon_exclusive

    # -- MADV_WILLNEED ------------------------------------------------------------------
    def force_swapin_readahead(self, vma, start: int, end: int) -> None:
        """Read the range's swapped pages into the swap cache (no fault is counted)."""
        from ..arch.pte import is_swap_pte
        from .pagetable import pte_range
        for table, i, _addr in pte_range(vma.vm_mm, start, end):
            pte = table[i]
            if is_swap_pte(pte) and self.si is not None:
                page, _ = self.read_swap_cache_async(pte_to_swp_entry(pte), may_oom=False)
                if page is None and self.si.in_use(swp_offset(pte)):
                    break

    # -- check() --------------------------------------------------------------------
    def check(self, swap_refs) -> None:
        """swap_map counts = swap PTE references, plus the swap cache's hold."""
        refs: dict[int, int] = {}
        for pte, n in swap_refs.items():
            if pte & SWP_EXCLUSIVE and n != 1:
                raise KernelBug(f"check: exclusive swap entry {pte:#x} is in {n} PTEs")
            e = pte_to_swp_entry(pte)
            refs[e] = refs.get(e, 0) + n
        if self.si is None:
            if refs or self.cache:
                raise KernelBug("check: swap entries exist without a swap area")
            return
        inuse = 0
        for offset, value in self.si.slots():
            if offset == 0:
                continue
            e = swp_entry(offset, self.si.type)
            inuse += 1
            want = refs.pop(e, 0) | (SWAP_HAS_CACHE if e in self.cache else 0)
            if value != want:
                raise KernelBug(f"check: swap slot {offset}: swap_map {value:#x}, but "
                                f"{want & ~SWAP_HAS_CACHE} PTEs reference it"
                                f"{' and it is cached' if e in self.cache else ''}")
        if refs:
            raise KernelBug(f"check: swap PTEs reference free slots {sorted(refs)[:5]}")
        if inuse != self.si.inuse_pages:
            raise KernelBug(f"check: {inuse} slots in use, inuse_pages says "
                            f"{self.si.inuse_pages}")
        for e, page in self.cache.items():
            if not page.flags & PG_swapcache or page.private != e or page.flags & PG_buddy:
                raise KernelBug(f"check: swap cache entry {e:#x} holds {page!r}")
        from .vmscan import check_lru
        check_lru(self.machine)
