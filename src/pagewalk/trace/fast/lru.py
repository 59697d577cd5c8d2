"""LRU, with a timestamp per page and a cursor over the trace.

``last[p]`` is the index of the access that last touched page ``p`` through
the policy (-1 when ``p`` holds no frame).  The least recently used resident
page is the page of the earliest trace position ``j`` with ``last[ids[j]] ==
j``: every earlier position is either a page touched again since or a page
that no longer holds a frame.  A cursor walks the trace forward to find it, so
eviction costs O(1) amortised, and a hit is a single store, instead of the
three scattered updates of a linked list.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import NEED_FRAME, SKIP, access, evict


def position_array(n: int, npages: int) -> np.ndarray:
    """``npages`` entries of -1 in the narrowest type that holds ``0 .. n-1``."""
    return np.full(max(npages, 1), -1, np.int32 if n < 2**31 else np.int64)


@njit(cache=True)
def run_lru(ids, writes, npages, frames, demand, cnt, last):
    """``last``: ``npages`` entries of -1, ``int32`` when the trace is shorter
    than 2**31 accesses (see :func:`position_array`)."""
    st = np.zeros(npages, np.uint8)
    used = 0
    cursor = 0
    for i in range(ids.size):
        p = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, p, w, demand, cnt)
        if a == SKIP:
            continue
        if a == NEED_FRAME:
            if used == frames:
                while last[ids[cursor]] != cursor:
                    cursor += 1
                v = np.int64(ids[cursor])
                last[v] = -1
                evict(st, v, demand, cnt)
            else:
                used += 1
        last[p] = i
    return cnt
