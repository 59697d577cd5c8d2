"""The LRU lists (mm/swap.c, include/linux/mm_inline.h).

Four evictable lists, as in Linux without MGLRU: inactive and active, for anon
(swap-backed) and file pages. Each list is an insertion-ordered dict of pages,
newest last; reclaim scans from the oldest end (the tail, in kernel terms).
New pages enter the inactive list; ``mark_page_accessed`` promotes an inactive
page referenced twice; reclaim (mm/reclaim.py) ages and shrinks the lists.
"""

from __future__ import annotations

from .page import PG, Page

LRU_NAMES = ("inactive_anon", "active_anon", "inactive_file", "active_file")


class LruVec:
    """The lists of the one node this machine has."""

    def __init__(self) -> None:
        self.lists: dict[str, dict[Page, None]] = {name: {} for name in LRU_NAMES}

    @staticmethod
    def lru_name(page: Page, active: bool) -> str:
        kind = "anon" if page.flags & PG.swapbacked else "file"
        return f"{'active' if active else 'inactive'}_{kind}"

    def add(self, page: Page, active: bool = False) -> None:
        """lruvec_add_folio: at the head (newest end) of its list."""
        name = self.lru_name(page, active)
        self.lists[name][page] = None
        page.lru_list = name
        page.flags |= PG.lru
        if active:
            page.flags |= PG.active
        else:
            page.flags &= ~PG.active

    def delete(self, page: Page) -> None:
        """lruvec_del_folio."""
        if page.lru_list is not None:
            del self.lists[page.lru_list][page]
            page.lru_list = None
        page.flags &= ~(PG.lru | PG.active)

    def count(self, name: str) -> int:
        return len(self.lists[name])


def lru_cache_add(machine, page: Page) -> None:
    """folio_add_lru: a new page goes to the inactive list of its kind."""
    machine.lru.add(page, active=False)
