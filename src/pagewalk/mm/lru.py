"""The LRU lists (mm/swap.c, include/linux/mm_inline.h).

Four evictable lists, as in Linux without MGLRU: inactive and active, for anon
(swap-backed) and file pages. Each list is an insertion-ordered dict of pages,
newest last; reclaim scans from the oldest end (the tail, in kernel terms).
New pages enter the inactive list; ``mark_page_accessed`` promotes an inactive
page referenced twice; reclaim (mm/vmscan.py) ages and shrinks the lists.

Which list a page belongs on follows its flags, as ``folio_lru_list`` does:
swap-backed pages (anonymous, shmem, swap cache) on the anon lists, everything
else on the file lists, including MADV_FREE'd anonymous pages, which lose
PG_swapbacked ("lazyfree") until they are written again.
"""

from __future__ import annotations

from .page import Page, PG_active, PG_lru, PG_referenced, PG_swapbacked, PG_unevictable

LRU_NAMES = ("inactive_anon", "active_anon", "inactive_file", "active_file")
# LRU_UNEVICTABLE: mlocked pages (mm/mlock.py); reclaim never scans it.
UNEVICTABLE = "unevictable"
# [swapbacked][active] -> list name
_NAMES = (("inactive_file", "active_file"), ("inactive_anon", "active_anon"))


class LruVec:
    """The lists of the one node this machine has."""

    def __init__(self) -> None:
        self.lists: dict[str, dict[Page, None]] = {name: {} for name in
                                                   (*LRU_NAMES, UNEVICTABLE)}

    @staticmethod
    def lru_name(page: Page, active: bool) -> str:
        if page.flags & PG_unevictable:
            return UNEVICTABLE
        return _NAMES[bool(page.flags & PG_swapbacked)][active]

    def add(self, page: Page, active: bool = False) -> None:
        """lruvec_add_folio: at the head (newest end) of its list (an unevictable
        page on the unevictable list, never active)."""
        if page.flags & PG_unevictable:
            active = False
        name = self.lru_name(page, active)
        self.lists[name][page] = None
        page.lru_list = name
        if active:
            page.flags |= PG_lru | PG_active
        else:
            page.flags = (page.flags | PG_lru) & ~PG_active

    def delete(self, page: Page) -> None:
        """lruvec_del_folio."""
        if page.lru_list is not None:
            del self.lists[page.lru_list][page]
            page.lru_list = None
        page.flags &= ~(PG_lru | PG_active)

    def count(self, name: str) -> int:
        return len(self.lists[name])

    def move(self, page: Page, active: bool) -> None:
        """Take ``page`` off its list and put it at the head of the list its flags
        and ``active`` call for (activation, deactivation, rotation)."""
        self.delete(page)
        self.add(page, active)

    def oldest(self, name: str, n: int) -> list[Page]:
        """Up to ``n`` pages from the tail (the oldest end) of list ``name``."""
        out: list[Page] = []
        for page in self.lists[name]:
            if len(out) >= n:
                break
            out.append(page)
        return out


def lru_cache_add(machine, page: Page) -> None:
    """folio_add_lru: a new page goes to the inactive list of its kind."""
    machine.lru.add(page, active=False)


def folio_mark_accessed(machine, page: Page) -> None:
    """A syscall (read/write) used ``page``: the two-touch rule. The first touch
    sets PG_referenced; a second one on an inactive page activates it (pgactivate)."""
    if not page.flags & PG_referenced:
        page.flags |= PG_referenced
    elif page.flags & PG_unevictable:
        pass
    elif not page.flags & PG_active:
        if page.flags & PG_lru:
            machine.lru.move(page, active=True)
            machine.vmstat["pgactivate"] += 1
        page.flags &= ~PG_referenced


def folio_deactivate(machine, page: Page) -> None:
    """MADV_COLD: an active page goes to the head of its inactive list (pgdeactivate)."""
    if page.flags & PG_unevictable or not page.flags & PG_active or not page.flags & PG_lru:
        return
    machine.lru.move(page, active=False)
    page.flags &= ~PG_referenced
    machine.vmstat["pgdeactivate"] += 1
