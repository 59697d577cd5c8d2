"""Page reclaim (mm/vmscan.c): watermarks, kswapd, direct reclaim, the LRU scan.

Watermarks (``compute_watermarks``, as init_per_zone_wmark_min and
__setup_per_zone_wmarks compute them for the one zone this machine has)::

    min_free_kbytes = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144)
    min  = min_free_kbytes / 4                                  (pages)
    tmp  = max(min / 4, managed_pages * watermark_scale_factor / 10000)   (factor 10)
    low  = min + tmp
    high = low + tmp

The allocator (``Machine.alloc_page``) wakes kswapd when free memory is at or
below ``low``; kswapd runs at once (synchronously) and reclaims until free
memory is above ``high`` (``pgscan_kswapd``/``pgsteal_kswapd``). An allocation
that would take free memory to ``min`` or below enters direct reclaim
(``allocstall_normal``, ``pgscan_direct``/``pgsteal_direct``), retried by the
allocator's slow path (mm/page_alloc.py) before the OOM killer.

The scan is the classic two-list LRU per type (no MGLRU): ``shrink_node`` walks
priorities 12..0, scanning ``list_size >> priority`` pages of each list in
batches of 32. ``shrink_active_list`` moves pages from the active to the
inactive list (``pgrefill``, ``pgdeactivate``) when the inactive list is smaller
(``inactive_is_low``); ``shrink_inactive_list`` isolates the oldest pages and
``shrink_folio_list`` decides for each with ``folio_check_references``: a page
whose PTEs were young (accessed since the last look: ``folio_referenced`` via
rmap clears the bits) and was referenced before, or is mapped young more than
once, is activated (``pgactivate``); young once: kept (and marked referenced);
otherwise reclaimed: anonymous pages get a swap slot (``add_to_swap``), every
PTE becomes a swap entry (``try_to_unmap``) and the page is written
(``pswpout``, ``pgpgout``); file pages are unmapped, written back if dirty and
dropped from the page cache; MADV_FREE'd pages that stayed clean are discarded.
Writes complete at once, so a page is freed in the pass that wrote it.

Anon/file balance (``get_scan_count``), simplified from the kernel: no swap
space free (or ``swappiness`` 0): file only; no file pages: anon only; an
inactive file list big enough for this priority that is not low: file only
(cache trim mode); otherwise anon and file are scanned in the ratio
``swappiness : 200 - swappiness`` (the kernel also weighs recent refault costs).
Shmem pages go to swap while it has a free slot (``shmem_writeout``); huge
pages are split first if anonymous, otherwise kept active.
"""

from __future__ import annotations

from math import isqrt

from ..arch.pte import _A, _D, _P, _PROTNONE, _SPECIAL, PFN_MASK, is_swap_pte
from ..errors import KernelBug
from .memory import mm_counter, put_page, vm_normal_page
from .mm_types import MM
from .page import (
    Page,
    PG_active,
    PG_anon,
    PG_anon_exclusive,
    PG_buddy,
    PG_dirty,
    PG_lru,
    PG_pgtable,
    PG_reclaim,
    PG_referenced,
    PG_swapbacked,
    PG_swapcache,
    PG_workingset,
    PG_writeback,
)
from .pagetable import pte_range
from .rmap import rmap_walk
from .swapfile import SWP_EXCLUSIVE, swp_offset
from .vma import VM_LOCKED

SWAP_CLUSTER_MAX = 32
DEF_PRIORITY = 12
MAX_RECLAIM_RETRIES = 16
WATERMARK_SCALE_FACTOR = 10
_VM_EXEC = 0x4

LRU_ORDER = ("inactive_anon", "active_anon", "inactive_file", "active_file")


class Watermarks:
    """The zone's min/low/high watermarks, in pages."""

    __slots__ = ("high", "low", "min", "min_free_kbytes")

    def __init__(self, min_free_kbytes: int, wmin: int, low: int, high: int) -> None:
        self.min_free_kbytes = min_free_kbytes
        self.min = wmin
        self.low = low
        self.high = high

    def __repr__(self) -> str:
        return f"Watermarks(min={self.min}, low={self.low}, high={self.high} pages)"


def compute_watermarks(managed_pages: int) -> Watermarks:
    """See the module docstring for the formula."""
    min_free_kbytes = min(max(isqrt(managed_pages * 4 * 16), 128), 262144)
    wmin = min_free_kbytes >> 2
    tmp = max(wmin >> 2, managed_pages * WATERMARK_SCALE_FACTOR // 10000)
    return Watermarks(min_free_kbytes, wmin, wmin + tmp, wmin + 2 * tmp)


class ScanControl:
    """struct scan_control: one reclaim run's goal and tallies."""

    __slots__ = ("ignore_references", "kswapd", "may_deactivate", "may_swap", "nr_reclaimed",
                 "nr_scanned", "nr_to_reclaim", "priority")

    def __init__(self, nr_to_reclaim: int, kswapd: bool = False, may_swap: bool = True,
                 ignore_references: bool = False) -> None:
        self.nr_to_reclaim = nr_to_reclaim
        self.kswapd = kswapd
        self.may_swap = may_swap
        self.ignore_references = ignore_references
        self.priority = DEF_PRIORITY
        self.nr_scanned = 0
        self.nr_reclaimed = 0
        self.may_deactivate = {"anon": False, "file": False}


class Reclaim:
    """The node's reclaim state: watermarks and kswapd's failure count."""

    def __init__(self, machine) -> None:
        self.machine = machine
        self.watermarks = compute_watermarks(machine.phys.nr_frames - 2)
        self.kswapd_failures = 0
        # While a tracer is active: the victims of the current run (tracepoints).
        self.victims: list | None = None

    def _traced(self, who: str, run, pid: int | None = None):
        """Run ``run()`` and, when a tracer is active, record what it freed
        (a ReclaimRecord for Machine.record_reclaim)."""
        m = self.machine
        if not m.tracers or self.victims is not None:
            return run()
        free_before = m.phys.nr_free
        scanned = m.vmstat["pgscan_kswapd"] + m.vmstat["pgscan_direct"]
        self.victims = []
        try:
            result = run()
        finally:
            victims, self.victims = self.victims, None
        from ..observe.tracepoints import ReclaimRecord
        wm = self.watermarks
        if pid is None and m.faulting is not None:
            pid = m.faulting.task.pid
        m.record_reclaim(ReclaimRecord(
            who=who, pid=pid, free_before=free_before, free_after=m.phys.nr_free,
            watermarks=(wm.min, wm.low, wm.high),
            scanned=m.vmstat["pgscan_kswapd"] + m.vmstat["pgscan_direct"] - scanned,
            victims=tuple(victims), in_fault=m.faulting is not None))
        return result

    # -- the allocator's entry points ---------------------------------------------------
    def wakeup_kswapd(self) -> None:
        """Free memory fell to the low watermark: kswapd balances the node now,
        unless it failed MAX_RECLAIM_RETRIES times in a row (a hopeless node)."""
        if self.kswapd_failures >= MAX_RECLAIM_RETRIES:
            return
        self._traced("kswapd", self.balance_pgdat)

    def balance_pgdat(self) -> int:
        """kswapd: reclaim until free memory is above the high watermark."""
        m = self.machine
        phys = m.phys
        high = self.watermarks.high
        m.vmstat["pageoutrun"] += 1
        sc = ScanControl(max(SWAP_CLUSTER_MAX, high), kswapd=True)
        for priority in range(DEF_PRIORITY, -1, -1):
            if phys.nr_free > high:
                break
            sc.priority = priority
            shrink_node(m, sc, lambda: phys.nr_free > high)
        if sc.nr_reclaimed:
            self.kswapd_failures = 0
        else:
            self.kswapd_failures += 1
        return sc.nr_reclaimed

    def try_to_free_pages(self) -> int:
        """Direct reclaim by the allocating task: up to SWAP_CLUSTER_MAX pages."""
        return self._traced("direct", self._try_to_free_pages)

    def _try_to_free_pages(self) -> int:
        m = self.machine
        m.vmstat["allocstall_normal"] += 1
        sc = ScanControl(SWAP_CLUSTER_MAX)
        for priority in range(DEF_PRIORITY, -1, -1):
            sc.priority = priority
            shrink_node(m, sc, lambda: sc.nr_reclaimed >= sc.nr_to_reclaim)
            if sc.nr_reclaimed >= sc.nr_to_reclaim:
                break
        if sc.nr_reclaimed:
            self.kswapd_failures = 0
        return sc.nr_reclaimed


# -- the scan ---------------------------------------------------------------------------

def can_reclaim_anon_pages(machine) -> bool:
    return machine.swap.get_nr_swap_pages() > 0


def inactive_is_low(machine, kind: str) -> bool:
    """inactive * int_sqrt(10 * GiB of the type) < active (ratio 1 below 1 GiB)."""
    inactive = machine.lru.count(f"inactive_{kind}")
    active = machine.lru.count(f"active_{kind}")
    gb = (inactive + active) >> 18
    ratio = isqrt(10 * gb) if gb else 1
    return inactive * ratio < active


def get_scan_count(machine, sc: ScanControl) -> dict[str, int]:
    """How many pages of each list to scan at this priority (see the module doc)."""
    lru = machine.lru
    size = {name: lru.count(name) for name in LRU_ORDER}
    file = size["inactive_file"] + size["active_file"]
    swappiness = machine.config.swappiness
    if not sc.may_swap or not can_reclaim_anon_pages(machine) or (swappiness == 0 and file):
        fraction = {"anon": 0, "file": 1}
    elif not file:
        fraction = {"anon": 1, "file": 0}
    elif size["inactive_file"] >> sc.priority and not inactive_is_low(machine, "file"):
        fraction = {"anon": 0, "file": 1}              # cache trim mode
    else:
        fraction = {"anon": swappiness, "file": 200 - swappiness}
    denominator = fraction["anon"] + fraction["file"]
    nr = {}
    for name in LRU_ORDER:
        scan = size[name] >> sc.priority
        f = fraction[name.rsplit("_", 1)[1]]
        nr[name] = -(-scan * f // denominator) if f else 0
    return nr


def shrink_node(machine, sc: ScanControl, done) -> None:
    """One priority's pass over the lists (shrink_lruvec); ``done()`` ends it early."""
    sc.may_deactivate = {k: inactive_is_low(machine, k) for k in ("anon", "file")}
    nr = get_scan_count(machine, sc)
    while nr["inactive_anon"] or nr["active_file"] or nr["inactive_file"]:
        for name in LRU_ORDER:
            n = min(nr[name], SWAP_CLUSTER_MAX)
            if not n:
                continue
            nr[name] -= n
            kind = name.rsplit("_", 1)[1]
            if name.startswith("active"):
                if sc.may_deactivate[kind]:
                    shrink_active_list(machine, name, n)
            else:
                shrink_inactive_list(machine, name, n, sc)
        if done():
            return
    if sc.may_swap and can_reclaim_anon_pages(machine) and inactive_is_low(machine, "anon"):
        shrink_active_list(machine, "active_anon", SWAP_CLUSTER_MAX)


def folio_referenced(page: Page) -> tuple[int, int]:
    """(young PTEs, union of their VMAs' flags): every PTE that maps ``page`` is
    tested and cleared for the accessed bit (ptep_clear_flush_young)."""
    referenced = 0
    vm_flags = 0
    for vma, addr, table, i in rmap_walk(page):
        pte = table[i]
        if vma.vm_flags & VM_LOCKED:
            vm_flags |= VM_LOCKED
            referenced += 1
            continue
        if pte & _A:
            table[i] = pte & ~_A
            vma.vm_mm.flush_tlb_page(addr)
            referenced += 1
            vm_flags |= vma.vm_flags
    return referenced, vm_flags


def shrink_active_list(machine, name: str, nr_to_scan: int) -> None:
    """Age the oldest active pages: all go to the inactive list except referenced
    executable file pages (pgrefill per page scanned, pgdeactivate per move)."""
    lru = machine.lru
    vmstat = machine.vmstat
    pages = lru.oldest(name, nr_to_scan)
    vmstat["pgrefill"] += len(pages)
    is_file = name.endswith("file")
    for page in pages:
        referenced, vm_flags = folio_referenced(page)
        if referenced and vm_flags & _VM_EXEC and is_file:
            lru.move(page, active=True)
            continue
        lru.move(page, active=False)
        page.flags |= PG_workingset
        vmstat["pgdeactivate"] += 1


def shrink_inactive_list(machine, name: str, nr_to_scan: int, sc: ScanControl) -> int:
    """Isolate the oldest ``nr_to_scan`` inactive pages and try to reclaim them."""
    lru = machine.lru
    vmstat = machine.vmstat
    pages = lru.oldest(name, nr_to_scan)
    for page in pages:
        isolate(machine, page)
    who = "kswapd" if sc.kswapd else "direct"
    kind = name.rsplit("_", 1)[1]
    vmstat[f"pgscan_{who}"] += len(pages)
    vmstat[f"pgscan_{kind}"] += len(pages)
    sc.nr_scanned += len(pages)
    reclaimed = shrink_folio_list(machine, pages, sc)
    vmstat[f"pgsteal_{who}"] += reclaimed
    vmstat[f"pgsteal_{kind}"] += reclaimed
    sc.nr_reclaimed += reclaimed
    return reclaimed


def isolate(machine, page: Page) -> None:
    """folio_isolate_lru: off the list, with a reference held for the scan."""
    machine.lru.delete(page)
    page.refcount += 1


def putback(machine, page: Page, active: bool) -> None:
    machine.lru.add(page, active)
    put_page(machine, page)


def _expected_refs(machine, page: Page) -> int:
    """References a page has when nobody is using it: mappings, caches, isolation."""
    return 1 + page.mapcount + machine.swap.cache_refs(page) + machine.filemap.cache_refs(page)


def folio_check_references(machine, page: Page) -> str:
    """"activate", "keep" or "reclaim" (see the module doc)."""
    referenced_ptes, vm_flags = folio_referenced(page)
    referenced_folio = bool(page.flags & PG_referenced)
    page.flags &= ~PG_referenced
    if vm_flags & VM_LOCKED:
        return "activate"
    if referenced_ptes:
        page.flags |= PG_referenced
        if referenced_folio or referenced_ptes > 1:
            return "activate"
        if vm_flags & _VM_EXEC and not page.flags & PG_swapbacked:
            return "activate"
        return "keep"
    return "reclaim"


def shrink_folio_list(machine, pages: list[Page], sc: ScanControl) -> int:
    """Reclaim what can be reclaimed of the isolated ``pages``; put the rest back.
    Returns the number of pages freed."""
    swap = machine.swap
    vmstat = machine.vmstat
    freed = 0
    in_flight: list[Page] = []
    log = machine.reclaim.victims
    for page in pages:
        if page.order and page.flags & PG_anon:
            machine.thp.split_folio(page)            # reclaim splits a THP first
        if log is not None:
            before = (machine.lru.lru_name(page, bool(page.flags & PG_active)),
                      bool(page.flags & PG_referenced), _owners(machine, page))
        wrote = False
        if page.refcount != _expected_refs(machine, page):
            putback(machine, page, bool(page.flags & PG_active))    # in use by a fault
            continue
        anon = bool(page.flags & PG_anon)
        swapbacked = bool(page.flags & PG_swapbacked)
        shmem = swapbacked and not anon and not page.flags & PG_swapcache
        # vm_swap_full() only decides whether to drop swap cache; shmem goes to swap
        # while any slot is free.
        if page.order or (shmem and not (sc.may_swap and swap.get_nr_swap_pages() > 0)):
            putback(machine, page, True)    # huge pages, and shmem with no swap to go to
            continue
        if not sc.ignore_references:
            verdict = folio_check_references(machine, page)
            if verdict == "activate":
                vmstat["pgactivate"] += 1
                putback(machine, page, True)
                continue
            if verdict == "keep":
                putback(machine, page, False)
                continue
        if anon and swapbacked and not page.flags & PG_swapcache and (
                not sc.may_swap or not swap.add_to_swap(page)):
            vmstat["pgactivate"] += 1
            putback(machine, page, True)                # no swap space: keep it
            continue
        if page.mapcount and not try_to_unmap(machine, page):
            vmstat["pgactivate"] += 1
            putback(machine, page, True)
            continue
        if shmem and not machine.filemap.shmem_writeout(page):
            vmstat["pgactivate"] += 1
            putback(machine, page, True)                # no swap slot after all
            continue
        if page.flags & PG_dirty:
            wrote = True
            if page.flags & PG_swapcache:
                swap.swap_writepage(page)
                if page.flags & PG_writeback:        # async device: keep it until written
                    putback(machine, page, False)
                    in_flight.append(page)
                    continue
            elif not page.flags & PG_anon:
                if not sc.kswapd:
                    # Only kswapd writes file pages back; direct reclaim and
                    # MADV_PAGEOUT mark the page for reclaim (PG_reclaim, the same
                    # bit as PG_readahead) and keep it, unmapped, on the active list.
                    page.flags |= PG_reclaim
                    vmstat["pgactivate"] += 1
                    putback(machine, page, True)
                    continue
                machine.filemap.writepage(page)
                page.flags &= ~PG_reclaim
        if page.refcount != _expected_refs(machine, page):
            putback(machine, page, False)
            continue
        if log is not None:
            log.append(_victim(page, before, wrote, anon, shmem, sc.ignore_references))
        if page.flags & PG_swapcache:
            swap.delete_from_swap_cache(page)
        elif not anon:
            machine.filemap.delete_from_page_cache(page)
        else:
            vmstat["pglazyfreed"] += 1
        if page.refcount != 1:
            raise KernelBug(f"shrink_folio_list: {page!r} still referenced after reclaim")
        page.flags &= ~(PG_active | PG_referenced | PG_workingset)
        put_page(machine, page)
        freed += 1
    for page in in_flight:        # the writes complete: clean swap-cache pages on the
        swap.end_writeback(page)  # inactive list, for the next reclaim pass to free
    return freed


def _owners(machine, page: Page) -> tuple[tuple[int, int], ...]:
    """(pid, address) of every PTE that maps ``page`` (for the tracepoint)."""
    pids = {id(t.mm): t.pid for t in machine.tasks.values() if t.mm is not None}
    return tuple((pids.get(id(vma.vm_mm), 0), addr) for vma, addr, _, _ in rmap_walk(page))


def _victim(page: Page, before: tuple, wrote: bool, anon: bool, shmem: bool, forced: bool):
    """The ReclaimVictim record of a page about to be freed."""
    from ..observe.tracepoints import ReclaimVictim
    lru, referenced, owners = before
    slot = file = None
    if page.flags & PG_swapcache:
        kind = "shmem" if shmem else "anon"
        outcome = "swapout" if wrote else "swapcache"
        slot = swp_offset(page.private)
    elif anon:
        kind, outcome = "lazyfree", "discarded"
    else:
        kind = "shmem" if shmem else "file"
        outcome = "writeback" if wrote else "dropped"
        mapping = page.mapping
        file = getattr(getattr(mapping, "file", None), "name", None)
    return ReclaimVictim(pfn=page.pfn, kind=kind, lru=lru, owners=owners, outcome=outcome,
                         slot=slot, file=file, index=page.index, referenced=referenced,
                         forced=forced)


def try_to_unmap(machine, page: Page) -> bool:
    """Replace every PTE that maps ``page``: anonymous pages leave a swap entry
    (exclusive if the page was), file pages leave nothing (a later fault finds the
    page cache), clean MADV_FREE pages are discarded. A dirty PTE makes the page
    dirty. False: a PTE cannot be unmapped now (mlocked, or a lazyfree page written
    again: it becomes swap-backed once more)."""
    lazyfree = bool(page.flags & PG_anon) and not page.flags & PG_swapbacked
    for vma, addr, table, i in list(rmap_walk(page)):
        if vma.vm_flags & VM_LOCKED:
            return False
        pte = table[i]
        mm = vma.vm_mm
        if lazyfree:
            if pte & _D or page.flags & PG_dirty or page.refcount != 1 + page.mapcount:
                page.flags |= PG_swapbacked
                return False
            table[i] = 0
            mm.add_rss(MM.ANONPAGES, -1)
        elif page.flags & PG_anon:
            if pte & _D:
                page.flags |= PG_dirty
            entry = page.private
            machine.swap.si.duplicate(entry)
            table[i] = entry | (SWP_EXCLUSIVE if page.flags & PG_anon_exclusive else 0)
            page.flags &= ~PG_anon_exclusive
            mm.add_rss(MM.ANONPAGES, -1)
            mm.add_rss(MM.SWAPENTS, 1)
        else:
            if pte & _D:
                page.flags |= PG_dirty
            table[i] = 0
            mm.add_rss(mm_counter(page), -1)
        mm.flush_tlb_page(addr)
        page.mapcount -= 1
        page.refcount -= 1
    return page.mapcount == 0


def reclaim_pages(machine, pages: list[Page]) -> int:
    """MADV_PAGEOUT: reclaim these isolated pages now, whatever their references."""
    sc = ScanControl(len(pages), ignore_references=True)
    return machine.reclaim._traced("madvise", lambda: shrink_folio_list(machine, pages, sc))


# -- madvise ------------------------------------------------------------------------------

def madvise_cold_or_pageout(machine, vma, start: int, end: int, pageout: bool) -> None:
    """MADV_COLD / MADV_PAGEOUT on the pages only this mm maps: clear their young
    bits; cold deactivates them, pageout reclaims them at once."""
    from .lru import folio_deactivate
    mm = vma.vm_mm
    if pageout:
        _split_thps_for_pageout(machine, mm, start, end)
    batch: list[Page] = []
    for table, i, addr in pte_range(mm, start, end):
        pte = table[i]
        if not pte & (_P | _PROTNONE):
            continue
        page = vm_normal_page(machine, pte)
        if page is None or page.mapcount != 1 or page.order or not page.flags & PG_lru:
            continue
        if pte & _A:
            table[i] = pte & ~_A
            mm.flush_tlb_page(addr)
        if pageout:
            isolate(machine, page)
            batch.append(page)
        else:
            folio_deactivate(machine, page)
    if batch:
        reclaim_pages(machine, batch)


def _split_thps_for_pageout(machine, mm, start: int, end: int) -> None:
    """MADV_PAGEOUT of transparent huge pages (THP_SWAP kernels swap them): a
    PMD-mapped THP, a PTE-mapped one, or a single PTE left of one, mapped by this mm
    alone, is split into 512 small pages first, so that every page of the range
    below goes to swap (pswpout counts 512 for a whole THP). The huge zero page and
    THPs another mm maps too are left alone."""
    heads: dict[int, Page] = {}
    if mm.nr_huge:
        for table, i, _haddr in list(machine.thp._huge_pmds(mm, start, end)):
            pmd = table[i]
            if pmd & _SPECIAL:
                continue
            head = machine.phys.mem_map[(pmd & PFN_MASK) >> 12]
            if head.entire_mapcount == 1:
                heads[head.pfn] = head
    for table, i, _addr in pte_range(mm, start, end):
        pte = table[i]
        if not pte & _P or pte & _SPECIAL:
            continue
        page = machine.phys.mem_map[(pte & PFN_MASK) >> 12]
        head = page if page.order else page.head
        if head is not None and head.pfn not in heads and not head.entire_mapcount:
            heads[head.pfn] = head
    mem_map = machine.phys.mem_map
    for head in heads.values():
        if not head.order or not head.flags & PG_lru or not head.flags & PG_anon:
            continue
        subpages = (mem_map[head.pfn + k] for k in range(1 << head.order))
        if any(p.mapcount > 1 for p in subpages):
            continue                                # shared with another mm: skip
        isolate(machine, head)
        machine.thp.split_folio(head)
        putback(machine, head, False)


def madvise_free(machine, vma, start: int, end: int) -> None:
    """MADV_FREE: swapped pages are freed at once (the range reads as zeros there);
    resident anonymous pages only this mm maps become clean and lazily freeable
    (pglazyfree): reclaim discards them without swap unless they are written again."""
    if not vma.is_anonymous():
        return
    mm = vma.vm_mm
    swap = machine.swap
    lru = machine.lru
    for table, i, addr in pte_range(mm, start, end):
        pte = table[i]
        if not pte:
            continue
        if is_swap_pte(pte):
            table[i] = 0
            swap.free_swap_and_cache(mm, pte)
            continue
        page = vm_normal_page(machine, pte)
        if page is None or not page.flags & PG_anon or page.mapcount != 1 or page.order:
            continue
        if page.flags & PG_swapcache and not swap.folio_free_swap(page):
            continue
        if pte & (_A | _D):
            table[i] = pte & ~(_A | _D)
            mm.flush_tlb_page(addr)
        page.flags &= ~PG_dirty
        if page.flags & PG_swapbacked and page.flags & PG_lru:      # folio_mark_lazyfree
            lru.delete(page)
            page.flags &= ~(PG_swapbacked | PG_referenced)
            lru.add(page, active=False)
            machine.vmstat["pglazyfree"] += 1


# -- check() ----------------------------------------------------------------------------

def check_lru(machine) -> None:
    """Every page on a list is in use and on the list its flags call for; every
    mapped small anonymous page and every swap-cache page is on a list."""
    lru = machine.lru
    on_lru: set[int] = set()
    for name, pages in lru.lists.items():
        for page in pages:
            if page.flags & (PG_buddy | PG_pgtable) or page.refcount <= 0:
                raise KernelBug(f"check: {page!r} on the {name} list is not in use")
            want = lru.lru_name(page, bool(page.flags & PG_active))
            if page.lru_list != name or want != name or not page.flags & PG_lru:
                raise KernelBug(f"check: {page!r} is on {name}, its flags say {want}")
            on_lru.add(page.pfn)
    for page in machine.swap.cache.values():
        if page.pfn not in on_lru:
            raise KernelBug(f"check: swap-cache page {page!r} is on no LRU list")
    for pfn, page in machine.phys.mem_map.items():
        if (page.flags & PG_anon and page.mapcount and not page.order
                and page.head is None and pfn not in on_lru):    # a THP is listed by its head
            raise KernelBug(f"check: mapped anonymous page {page!r} is on no LRU list")
