"""struct page: the per-frame state the kernel keeps (include/linux/mm_types.h).

Counts follow the kernel's meaning but are stored plainly: ``refcount`` is
``page_ref_count`` (every user: mappings, the page cache, the swap cache, a
fault in flight), ``mapcount`` is ``page_mapcount`` (PTEs that map the frame;
the kernel stores it biased by -1). ``mapping`` is the page's owner: an
``AnonVma`` for anonymous pages, an ``AddressSpace`` (a file's page cache) for
file pages, None for page tables and free frames. ``index`` is the page's offset
in that owner, in pages. ``private`` holds the swap slot of a swap-cache page.
"""

from __future__ import annotations

from enum import IntFlag


class PG(IntFlag):
    """Page flags (include/linux/page-flags.h)."""

    locked = 1 << 0
    referenced = 1 << 1
    uptodate = 1 << 2
    dirty = 1 << 3
    lru = 1 << 4
    active = 1 << 5
    workingset = 1 << 6
    reserved = 1 << 7
    private = 1 << 8
    writeback = 1 << 9
    head = 1 << 10          # first page of a compound (huge) page
    swapcache = 1 << 11
    swapbacked = 1 << 12    # anon or shmem: goes to swap, not to a file
    unevictable = 1 << 13
    anon_exclusive = 1 << 14  # PageAnonExclusive: mapped by exactly one process, may be reused
    pgtable = 1 << 15       # a page-table page (PageTable)
    buddy = 1 << 16         # free, in the buddy allocator
    reclaim = 1 << 17
    anon = 1 << 18          # PageAnon (the kernel encodes it in ->mapping's low bit)
    # PG_readahead: reaching this page starts the next async readahead. The kernel
    # aliases it to PG_reclaim (a dirty page reclaim wants written): fault-around
    # skips such pages either way, so every one of them faults on its own.
    readahead = 1 << 17
    lazyfree = 1 << 20      # MADV_FREE'd anonymous page (clean: may be dropped, not swapped)


# Plain-int copies for the hot paths, named like the kernel's enum pageflags
# (IntFlag arithmetic allocates an enum object per operation).
PG_locked = int(PG.locked)
PG_referenced = int(PG.referenced)
PG_uptodate = int(PG.uptodate)
PG_dirty = int(PG.dirty)
PG_lru = int(PG.lru)
PG_active = int(PG.active)
PG_workingset = int(PG.workingset)
PG_reserved = int(PG.reserved)
PG_private = int(PG.private)
PG_writeback = int(PG.writeback)
PG_head = int(PG.head)
PG_swapcache = int(PG.swapcache)
PG_swapbacked = int(PG.swapbacked)
PG_unevictable = int(PG.unevictable)
PG_anon_exclusive = int(PG.anon_exclusive)
PG_pgtable = int(PG.pgtable)
PG_buddy = int(PG.buddy)
PG_reclaim = int(PG.reclaim)
PG_anon = int(PG.anon)
PG_readahead = int(PG.readahead)
PG_lazyfree = int(PG.lazyfree)


class Page:
    """One physical frame's descriptor."""

    __slots__ = ("entire_mapcount", "flags", "head", "index", "lru_list", "mapcount",
                 "mapping", "order", "pfn", "private", "refcount")

    def __init__(self, pfn: int) -> None:
        self.pfn = pfn
        self.flags = 0
        self.refcount = 0
        self.mapcount = 0
        self.mapping: object | None = None
        self.index = 0
        self.private = 0
        self.order = 0          # compound order (9 for a 2 MiB THP head)
        self.lru_list: str | None = None
        self.head: Page | None = None   # a tail page's compound head (its folio)
        self.entire_mapcount = 0        # PMD mappings of a compound head (THP)

    def reset(self) -> None:
        """Back to a free frame's state (free_pages_prepare)."""
        self.flags = int(PG.buddy)
        self.refcount = 0
        self.mapcount = 0
        self.mapping = None
        self.index = 0
        self.private = 0
        self.order = 0
        self.lru_list = None
        self.head = None
        self.entire_mapcount = 0

    def folio(self) -> Page:
        """page_folio: the page that holds the references (a compound page's head)."""
        return self.head or self

    @property
    def anon(self) -> bool:
        return bool(self.flags & PG.anon)

    def __repr__(self) -> str:
        return (f"<page pfn={self.pfn:#x} ref={self.refcount} map={self.mapcount} "
                f"flags={PG(self.flags)!r}>")
