"""The swap area (mm/swapfile.c): slots, their counts (``swap_map``), allocation.

One swap area of ``config.swap`` bytes (type 0; ``swap=0``: no swap area). Slot 0
holds the swap header, as on a real swap device, so ``nr_pages - 1`` slots are
usable. ``swap_map[offset]`` is the slot's count as the kernel keeps it: the
number of swap PTEs that reference the slot, plus ``SWAP_HAS_CACHE`` while a
page for the slot sits in the swap cache. A slot is free when its map is 0.

The kernel's count continuation (SWAP_MAP_MAX, COUNT_CONTINUED) is collapsed
into one int: counts are unbounded and ``SWAP_HAS_CACHE`` is a bit above them.

Slot allocation (``get_swap_page``) is next-fit from a cursor, which gives what
the kernel's cluster allocator gives a single swapper: consecutive swap-outs
take consecutive slots, so pages reclaimed in order can be read back with
cluster readahead. ``data[offset]`` holds the bytes written to a slot (a slot
never written with data reads as zeros).
"""

from __future__ import annotations

from ..arch.pte import _PSE, pte_swp_offset, pte_swp_type, swp_entry_to_pte
from ..errors import KernelBug

SWAP_HAS_CACHE = 1 << 30
# _PAGE_SWP_EXCLUSIVE (x86: bit 7, _PAGE_PSE, unused in a swap PTE): the page was
# exclusive to this mm when it was unmapped, so swap-in may map it writable.
SWP_EXCLUSIVE = _PSE
_COUNT_MASK = SWAP_HAS_CACHE - 1


def swp_entry(offset: int, swp_type: int = 0) -> int:
    """The canonical swap entry of a slot: a swap PTE without the exclusive bit.
    The swap cache, ``page.private`` and ``swap_map`` are keyed by it."""
    return swp_entry_to_pte(swp_type, offset)


def pte_to_swp_entry(pte: int) -> int:
    return pte & ~SWP_EXCLUSIVE


def swp_offset(entry: int) -> int:
    return pte_swp_offset(entry & ~SWP_EXCLUSIVE)


class SwapMap(dict):
    """swap_map kept sparsely: a missing slot reads 0, storing 0 removes it, so a
    1 TiB swap area costs nothing until it is used."""

    __slots__ = ()

    def __missing__(self, offset: int) -> int:
        return 0

    def __setitem__(self, offset: int, value: int) -> None:
        if value:
            dict.__setitem__(self, offset, value)
        else:
            self.pop(offset, None)


class SwapInfo:
    """swap_info_struct: one swap area of ``nr_pages`` slots."""

    __slots__ = ("cluster_next", "data", "inuse_pages", "nr_pages", "swap_map", "type",
                 "zeromap")

    def __init__(self, nr_pages: int, swp_type: int = 0) -> None:
        if nr_pages < 2:
            raise KernelBug(f"swapon: {nr_pages} pages is too small a swap area")
        self.type = swp_type
        self.nr_pages = nr_pages
        self.swap_map = SwapMap()               # sparse: only slots in use cost memory
        self.swap_map[0] = _COUNT_MASK          # the header: never allocated (SWAP_MAP_BAD)
        self.inuse_pages = 0
        self.cluster_next = 1
        self.data: dict[int, bytes] = {}
        self.zeromap: set[int] = set()          # slots whose page was zero-filled: no I/O

    @property
    def max_slots(self) -> int:
        return self.nr_pages - 1

    @property
    def nr_free(self) -> int:
        return self.max_slots - self.inuse_pages

    def full(self) -> bool:
        """vm_swap_full: more than half the swap area is in use."""
        return self.nr_free * 2 < self.max_slots

    # -- allocation ---------------------------------------------------------------
    def get_swap_page(self) -> int | None:
        """A free slot's entry, with ``SWAP_HAS_CACHE`` set (its page is about to
        enter the swap cache); None when the area is full."""
        if self.inuse_pages >= self.max_slots:
            return None
        smap = self.swap_map
        n = self.nr_pages
        offset = self.cluster_next
        while smap[offset]:
            offset += 1
            if offset >= n:
                offset = 1
        smap[offset] = SWAP_HAS_CACHE
        self.inuse_pages += 1
        self.cluster_next = offset + 1 if offset + 1 < n else 1
        return swp_entry(offset, self.type)

    def _release(self, offset: int) -> None:
        """swap_entry_range_free: the slot's count and cache hold are both gone."""
        self.inuse_pages -= 1
        self.data.pop(offset, None)
        self.zeromap.discard(offset)

    # -- counts --------------------------------------------------------------------
    def _offset(self, entry: int) -> int:
        offset = swp_offset(entry)
        if pte_swp_type(entry) != self.type or not 0 < offset < self.nr_pages \
                or not self.swap_map[offset]:
            raise KernelBug(f"swap: bad swap entry {entry:#x} (offset {offset})")
        return offset

    def count(self, entry: int) -> int:
        """__swap_count: swap PTEs that reference the slot (the cache hold excluded)."""
        return self.swap_map[self._offset(entry)] & _COUNT_MASK

    def has_cache(self, entry: int) -> bool:
        return bool(self.swap_map[self._offset(entry)] & SWAP_HAS_CACHE)

    def duplicate(self, entry: int) -> None:
        """swap_duplicate: one more swap PTE references the slot."""
        self.swap_map[self._offset(entry)] += 1

    def free(self, entry: int) -> int:
        """swap_free: one swap PTE less; returns the map left (0: the slot is free)."""
        offset = self._offset(entry)
        value = self.swap_map[offset]
        if not value & _COUNT_MASK:
            raise KernelBug(f"swap_free: slot {offset} has no PTE references")
        value -= 1
        self.swap_map[offset] = value
        if not value:
            self._release(offset)
        return value

    def set_cache(self, entry: int) -> None:
        offset = self._offset(entry)
        if self.swap_map[offset] & SWAP_HAS_CACHE:
            raise KernelBug(f"swapcache_prepare: slot {offset} is already cached")
        self.swap_map[offset] |= SWAP_HAS_CACHE

    def clear_cache(self, entry: int) -> int:
        """put_swap_folio: the swap cache lets go of the slot; returns the map left."""
        offset = self._offset(entry)
        value = self.swap_map[offset] & ~SWAP_HAS_CACHE
        self.swap_map[offset] = value
        if not value:
            self._release(offset)
        return value

    # -- contents -------------------------------------------------------------------
    def write(self, entry: int, data: bytes) -> None:
        offset = self._offset(entry)
        self.zeromap.discard(offset)
        if any(data):
            self.data[offset] = data
        else:
            self.data.pop(offset, None)

    def set_zero(self, entry: int) -> None:
        """swap_zeromap_folio_set: the slot's page was all zeros; nothing is written."""
        offset = self._offset(entry)
        self.data.pop(offset, None)
        self.zeromap.add(offset)

    def is_zero(self, entry: int) -> bool:
        return self._offset(entry) in self.zeromap

    def read(self, entry: int) -> bytes | None:
        """The slot's bytes (None: zeros)."""
        return self.data.get(self._offset(entry))

    def in_use(self, offset: int) -> bool:
        """The slot holds data someone references (for readahead)."""
        return 0 < offset < self.nr_pages and bool(self.swap_map[offset] & _COUNT_MASK)

    def slots(self):
        """(offset, map value) of every slot in use."""
        smap = self.swap_map
        for offset in sorted(smap):
            if offset:
                yield offset, smap[offset]
