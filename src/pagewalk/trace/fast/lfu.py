"""LFU with libCacheSim's tie-breaking.

A page's frequency counts its accesses since it last entered the cache (1 on
insertion).  Pages of equal frequency form a bucket in the order they reached
that frequency; the victim is the *first* page of the lowest non-empty bucket,
i.e. among the least frequently used pages, the one that reached its frequency
earliest.  Buckets are linked lists indexed by frequency; ``maxfreq`` (the
largest per-page access count in the trace) bounds their number.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _unlink(link, heads, tails, x, f):
    prv = link[x, 0]
    nxt = link[x, 1]
    if prv >= 0:
        link[prv, 1] = nxt
    else:
        heads[f] = nxt
    if nxt >= 0:
        link[nxt, 0] = prv
    else:
        tails[f] = prv


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _append(link, heads, tails, x, f):
    t = tails[f]
    link[x, 0] = t
    link[x, 1] = -1
    if t >= 0:
        link[t, 1] = x
    else:
        heads[f] = x
    tails[f] = x


@njit(cache=True)
def run_lfu(ids, writes, npages, frames, demand, cnt, maxfreq):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int64)
    freq = np.zeros(npages, np.int64)
    heads = np.full(maxfreq + 2, -1, np.int64)
    tails = np.full(maxfreq + 2, -1, np.int64)
    minf = 1
    used = 0
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            f = freq[x]
            _unlink(link, heads, tails, x, f)
            _append(link, heads, tails, x, f + 1)
            freq[x] = f + 1
            if f == minf and heads[f] < 0:
                minf = f + 1
        elif a == NEED_FRAME:
            if used == frames:
                while heads[minf] < 0:
                    minf += 1
                v = heads[minf]
                _unlink(link, heads, tails, v, minf)
                freq[v] = 0
                evict(st, v, demand, cnt)
            else:
                used += 1
            _append(link, heads, tails, x, 1)
            freq[x] = 1
            minf = 1
    return cnt
