"""MRU: evict the most recently used page (OSTEP's ``paging-policy.py -p MRU``).

The most recently used resident page is the page of the last access the policy
saw (a hit or a miss that took a frame; demand mode's zero-page reads are not
shown to the policy), so one variable is all the state MRU needs.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import NEED_FRAME, SKIP, access, evict


@njit(cache=True)
def run_mru(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    used = 0
    last = -1
    for i in range(ids.size):
        p = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, p, w, demand, cnt)
        if a == SKIP:
            continue
        if a == NEED_FRAME:
            if used == frames:
                evict(st, last, demand, cnt)
            else:
                used += 1
        last = p
    return cnt
