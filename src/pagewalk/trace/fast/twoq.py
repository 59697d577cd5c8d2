"""2Q (Johnson & Shasha, VLDB '94) with libCacheSim's ``TwoQ(k)`` defaults.

Three lists over page ids: ``A1in`` (FIFO, resident), ``Am`` (LRU, resident)
and ``A1out`` (FIFO of page ids only, the ghost).  With ``k`` frames,
``kin = int(k * 0.25)`` and ``kout = int(k * 0.5)`` (libCacheSim's
``a_in_size_ratio``/``a_out_size_ratio``):

* hit in A1in: nothing changes; hit in Am: move to Am's head;
* miss: if the page is in A1out, drop it from there (a ghost hit); if all
  frames are used, evict: when ``|A1in| > kin`` the oldest A1in page (it goes to
  A1out, whose oldest id is dropped first when A1out holds ``kout``), else
  Am's least recent page; then insert at Am's head after a ghost hit, else at
  A1in's head.

libCacheSim caches nothing when ``kin`` is 0, so 2Q needs ``frames >= 4``
(checked by :func:`pagewalk.trace.replay.replay`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict, list_push, list_unlink

AIN = 1
AM = 2
AOUT = 3


@njit(cache=True)
def run_twoq(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int32)
    lst = np.zeros(npages, np.int8)
    heads = np.full(4, -1, np.int32)
    tails = np.full(4, -1, np.int32)
    sizes = np.zeros(4, np.int64)
    kin = np.int64(frames * 0.25)
    kout = np.int64(frames * 0.5)
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            if lst[x] == AM and heads[AM] != x:
                list_unlink(link, heads, tails, sizes, lst, x)
                list_push(link, heads, tails, sizes, lst, x, AM)
            continue
        if a != NEED_FRAME:
            continue
        ghost = lst[x] == AOUT
        if ghost:
            list_unlink(link, heads, tails, sizes, lst, x)
        if sizes[AIN] + sizes[AM] == frames:
            if sizes[AIN] > kin:
                v = np.int64(tails[AIN])
                list_unlink(link, heads, tails, sizes, lst, v)
                if sizes[AOUT] == kout:
                    list_unlink(link, heads, tails, sizes, lst, tails[AOUT])
                list_push(link, heads, tails, sizes, lst, v, AOUT)
            else:
                v = np.int64(tails[AM])
                list_unlink(link, heads, tails, sizes, lst, v)
            evict(st, v, demand, cnt)
        list_push(link, heads, tails, sizes, lst, x, AM if ghost else AIN)
    return cnt
