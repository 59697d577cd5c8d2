"""LRU: a doubly linked list over page ids, most recent at the head.

``link[p, 0]`` is the previous (more recent) page, ``link[p, 1]`` the next
(older) one, -1 at the ends.  A hit on the head page is a no-op, which makes
the long runs of same-page accesses in instruction traces almost free.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict


@njit(cache=True)
def run_lru(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int64)
    head = -1
    tail = -1
    used = 0
    for i in range(ids.size):
        p = np.int64(ids[i])
        a = access(st, p, demand and writes[i], demand, cnt)
        if a == HIT:
            if p == head:
                continue
            prv = link[p, 0]
            nxt = link[p, 1]
            link[prv, 1] = nxt
            if nxt >= 0:
                link[nxt, 0] = prv
            else:
                tail = prv
        elif a == NEED_FRAME:
            if used == frames:
                v = tail
                tail = link[v, 0]
                if tail >= 0:
                    link[tail, 1] = -1
                else:
                    head = -1
                evict(st, v, demand, cnt)
            else:
                used += 1
        else:
            continue
        # push p at the head
        link[p, 0] = -1
        link[p, 1] = head
        if head >= 0:
            link[head, 0] = p
        else:
            tail = p
        head = p
    return cnt
