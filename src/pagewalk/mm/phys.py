"""Physical memory: frames, their contents, and the buddy allocator (mm/page_alloc.c).

Only what is used costs host memory: a ``Page`` is created the first time its
frame is allocated, and a frame's bytes are stored only once something is
written to it (``frames[pfn]``, a 4096-byte bytearray); a frame with no entry
reads as zeros. The free lists too: the 4 MiB blocks never allocated since boot
are one range (``untouched``), taken lowest first once ``free_area[MAX_ORDER]``
is empty, which is the order the boot-time list would give them. So a 64 TiB
machine starts as fast as a 64 MiB one.

The allocator is the binary buddy system: ``free_area[order]`` holds the first
pfn of every free block of 2**order frames (an insertion-ordered dict used as a
set, so allocation is deterministic: the most recently freed block first, as
the kernel's free lists are LIFO). Allocating splits a larger block and puts
the upper halves back (``expand``); freeing merges a block with its buddy
(``pfn ^ (1 << order)``) while the buddy is free.

A freed frame keeps its old bytes, as real RAM does: whoever allocates a frame
for a task must clear it (``clear_page``) or fill it (``copy_page``, a read from
disk), so a missing clear is a visible leak, not a silent one.

Frames 0 and 1 are reserved: pfn 0 as on a PC, pfn 1 holds ``empty_zero_page``.
"""

from __future__ import annotations

from ..errors import KernelBug
from .page import Page, PG_buddy, PG_reserved

PAGE_SIZE = 4096
MAX_ORDER = 10          # MAX_PAGE_ORDER: the largest block is 2**10 frames (4 MiB)
ZERO_PFN = 1
_ZEROES = bytes(PAGE_SIZE)


class PhysicalMemory:
    """``nr_frames`` frames of RAM."""

    def __init__(self, nr_frames: int, vmstat: dict | None = None) -> None:
        if nr_frames < 64:
            raise KernelBug(f"phys: {nr_frames} frames is too small a machine")
        self.nr_frames = nr_frames
        self.vmstat = vmstat if vmstat is not None else {"pgalloc_normal": 0, "pgfree": 0}
        self.mem_map: dict[int, Page] = {}
        self.frames: dict[int, bytearray] = {}
        self.tables: dict[int, list[int]] = {}      # page-table pages: pfn -> entries
        self.free_area: list[dict[int, None]] = [{} for _ in range(MAX_ORDER + 1)]
        self.nr_free = 0
        for pfn in (0, ZERO_PFN):
            page = self.page(pfn)
            page.flags = PG_reserved
            page.refcount = 1
        # Free everything above the reserved frames in the largest aligned blocks;
        # the run of MAX_ORDER blocks stays a range: [untouched, untouched_end).
        pfn = 2
        blocks: list[tuple[int, int]] = []
        self.untouched = self.untouched_end = 0
        while pfn < nr_frames:
            order = MAX_ORDER
            while order and (pfn & ((1 << order) - 1) or pfn + (1 << order) > nr_frames):
                order -= 1
            if order == MAX_ORDER:
                n = (nr_frames - pfn) >> MAX_ORDER
                self.untouched, self.untouched_end = pfn, pfn + (n << MAX_ORDER)
                self.nr_free += n << MAX_ORDER
                pfn = self.untouched_end
                continue
            blocks.append((pfn, order))
            pfn += 1 << order
        for pfn, order in reversed(blocks):      # lowest block ends last: popped first
            self.free_area[order][pfn] = None
            self.nr_free += 1 << order

    # -- struct page ---------------------------------------------------------
    def page(self, pfn: int) -> Page:
        """pfn_to_page."""
        page = self.mem_map.get(pfn)
        if page is None:
            page = self.mem_map[pfn] = Page(pfn)
        return page

    # -- the buddy allocator -------------------------------------------------
    def alloc_pages(self, order: int = 0) -> Page | None:
        """A block of 2**order frames (refcount 1), or None when memory is exhausted.

        The caller decides what to do when it fails (reclaim, OOM, VM_FAULT_OOM);
        watermarks are the reclaim layer's business, not the allocator's.
        """
        area = self.free_area
        for current in range(order, MAX_ORDER + 1):
            if area[current]:
                pfn, _ = area[current].popitem()
                break
        else:
            if self.untouched >= self.untouched_end:
                return None
            current, pfn = MAX_ORDER, self.untouched      # the lowest block never used
            self.untouched += 1 << MAX_ORDER
        while current > order:                  # expand(): hand back the upper halves
            current -= 1
            area[current][pfn + (1 << current)] = None
        self.nr_free -= 1 << order
        self.vmstat["pgalloc_normal"] += 1 << order
        page = self.page(pfn)
        page.flags = 0
        page.refcount = 1
        page.order = order
        for tail in range(pfn + 1, pfn + (1 << order)):
            self.page(tail).flags = 0
        return page

    def free_pages(self, page: Page, order: int = 0) -> None:
        """Return a block to the allocator, merging buddies (__free_one_page)."""
        pfn = page.pfn
        if page.flags & (PG_buddy | PG_reserved) or page.mapcount:
            raise KernelBug(f"free_pages: bad page state {page!r}")
        for p in range(pfn, pfn + (1 << order)):
            self.mem_map[p].reset()             # contents stay, as in real RAM
        self.nr_free += 1 << order
        self.vmstat["pgfree"] += 1 << order
        area = self.free_area
        while order < MAX_ORDER:
            buddy = pfn ^ (1 << order)
            if buddy not in area[order]:
                break
            del area[order][buddy]
            pfn = min(pfn, buddy)
            order += 1
        area[order][pfn] = None

    def is_free(self, pfn: int) -> bool:
        page = self.mem_map.get(pfn)
        return page is None or bool(page.flags & PG_buddy)

    # -- frame contents ------------------------------------------------------
    def read(self, pfn: int, offset: int, n: int) -> bytes:
        frame = self.frames.get(pfn)
        if frame is None:
            return _ZEROES[:n]
        return bytes(frame[offset:offset + n])

    def write(self, pfn: int, offset: int, data: bytes) -> None:
        frame = self.frames.get(pfn)
        if frame is None:
            if pfn == ZERO_PFN:
                raise KernelBug("write to empty_zero_page")
            frame = self.frames[pfn] = bytearray(PAGE_SIZE)
        frame[offset:offset + len(data)] = data

    def clear_page(self, pfn: int) -> None:
        """clear_highpage: the frame reads as zeros."""
        self.frames.pop(pfn, None)

    def copy_page(self, dst: int, src: int) -> None:
        """copy_user_highpage."""
        frame = self.frames.get(src)
        if frame is None:
            self.frames.pop(dst, None)
        else:
            self.frames[dst] = bytearray(frame)

    def contents(self, pfn: int) -> bytes:
        frame = self.frames.get(pfn)
        return _ZEROES if frame is None else bytes(frame)
