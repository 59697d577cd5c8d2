"""CLOCK (second chance): a ring of ``frames`` slots and a reference bit per page.

A hit sets the page's bit.  A newly inserted page gets its bit set too (the
faulting access completes and the MMU marks the PTE young), which is
libCacheSim's Clock with ``init_freq=1``.  While frames are free, pages fill the
ring in order and the hand stays at slot 0.  On a miss with all frames used
the hand sweeps: a page with its bit set has it cleared and is passed over; the
first page with a clear bit is evicted, the new page takes its slot and the
hand moves one slot on.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict


@njit(cache=True)
def run_clock(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    ref = np.zeros(npages, np.uint8)
    ring = np.empty(frames, np.int32)
    used = 0
    hand = 0
    for i in range(ids.size):
        p = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, p, w, demand, cnt)
        if a == HIT:
            ref[p] = 1
            continue
        if a != NEED_FRAME:
            continue
        ref[p] = 1
        if used < frames:
            ring[used] = p
            used += 1
            continue
        while ref[ring[hand]]:
            ref[ring[hand]] = 0
            hand += 1
            if hand == frames:
                hand = 0
        evict(st, ring[hand], demand, cnt)
        ring[hand] = p
        hand += 1
        if hand == frames:
            hand = 0
    return cnt
