"""``linux``: a two-list (active/inactive) approximation of the kernel's LRU.

The exact rules are documented in :mod:`pagewalk.trace.policies`; this kernel
and :class:`pagewalk.trace.reference.Linux` implement them.  Lists are linked
lists over page ids (head = most recently added); ``lst[p]`` is 1 for
inactive, 2 for active; ``ref[p]`` is the PG_referenced flag.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict, list_push, list_unlink

INACTIVE = 1
ACTIVE = 2


@njit(cache=True)
def run_linux(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int32)
    lst = np.zeros(npages, np.int8)
    ref = np.zeros(npages, np.uint8)
    heads = np.full(3, -1, np.int64)
    tails = np.full(3, -1, np.int64)
    sizes = np.zeros(3, np.int64)
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            if lst[x] == INACTIVE and ref[x]:
                list_unlink(link, heads, tails, sizes, lst, x)
                list_push(link, heads, tails, sizes, lst, x, ACTIVE)
                ref[x] = 0
            else:
                ref[x] = 1
            continue
        if a != NEED_FRAME:
            continue
        if sizes[INACTIVE] + sizes[ACTIVE] == frames:
            # shrink_active_list: keep inactive >= active
            while sizes[ACTIVE] > sizes[INACTIVE]:
                v = tails[ACTIVE]
                list_unlink(link, heads, tails, sizes, lst, v)
                ref[v] = 0
                list_push(link, heads, tails, sizes, lst, v, INACTIVE)
            # shrink_inactive_list: referenced pages get a second chance
            while True:
                v = tails[INACTIVE]
                list_unlink(link, heads, tails, sizes, lst, v)
                if ref[v]:
                    ref[v] = 0
                    list_push(link, heads, tails, sizes, lst, v, INACTIVE)
                else:
                    break
            evict(st, v, demand, cnt)
        ref[x] = 0
        list_push(link, heads, tails, sizes, lst, x, INACTIVE)
    return cnt
