"""FIFO: a ring of ``frames`` slots; the hand points at the oldest page."""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import NEED_FRAME, access, evict


@njit(cache=True)
def run_fifo(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    ring = np.empty(frames, np.int32)
    used = 0
    hand = 0
    for i in range(ids.size):
        p = np.int64(ids[i])
        w = demand and writes[i]
        if access(st, p, w, demand, cnt) != NEED_FRAME:
            continue
        if used < frames:
            ring[used] = p
            used += 1
        else:
            evict(st, ring[hand], demand, cnt)
            ring[hand] = p
            hand += 1
            if hand == frames:
                hand = 0
    return cnt
