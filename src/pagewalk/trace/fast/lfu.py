"""LFU with libCacheSim's tie-breaking, O(1) per access.

A page's frequency counts its accesses since it last entered the cache (1 on
insertion).  Pages of equal frequency form a bucket in the order they reached
that frequency; the victim is the *first* page of the lowest non-empty bucket,
i.e. among the least frequently used pages, the one that reached its frequency
earliest.

Buckets are the classic O(1) LFU layout: a doubly linked list of frequency
nodes in increasing frequency, each holding a linked list of its pages.  At
most ``frames`` frequencies are present at once, so the nodes come from a pool
of ``frames + 1`` slots and nothing is sized by the trace's largest count (no
``bincount`` pass, no array as long as the hottest page's access count).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _unlink(link, heads, tails, x, b):
    prv = link[x, 0]
    nxt = link[x, 1]
    if prv >= 0:
        link[prv, 1] = nxt
    else:
        heads[b] = nxt
    if nxt >= 0:
        link[nxt, 0] = prv
    else:
        tails[b] = prv


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _append(link, heads, tails, x, b):
    t = tails[b]
    link[x, 0] = t
    link[x, 1] = -1
    if t >= 0:
        link[t, 1] = x
    else:
        heads[b] = x
    tails[b] = x


@njit(cache=True)
def run_lfu(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int32)   # page list inside a bucket
    node = np.full(npages, -1, np.int32)        # the bucket of a cached page
    nb = frames + 1
    bfreq = np.zeros(nb, np.int64)              # bucket: its frequency,
    bnext = np.full(nb, -1, np.int32)           # the next higher bucket,
    bprev = np.full(nb, -1, np.int32)           # the next lower one,
    heads = np.full(nb, -1, np.int32)           # and its pages
    tails = np.full(nb, -1, np.int32)
    free = np.arange(nb - 1, -1, -1).astype(np.int32)  # stack of unused buckets
    nfree = nb
    low = -1                                    # the lowest bucket
    used = 0
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            b = node[x]
            f = bfreq[b] + 1
            nx = bnext[b]
            if nx < 0 or bfreq[nx] != f:      # open the bucket f after b
                nfree -= 1
                nx = free[nfree]
                bfreq[nx] = f
                heads[nx] = -1
                tails[nx] = -1
                bprev[nx] = b
                bnext[nx] = bnext[b]
                if bnext[b] >= 0:
                    bprev[bnext[b]] = nx
                bnext[b] = nx
            _unlink(link, heads, tails, x, b)
            _append(link, heads, tails, x, nx)
            node[x] = nx
            if heads[b] < 0:                  # b is empty: close it
                if bprev[b] >= 0:
                    bnext[bprev[b]] = bnext[b]
                else:
                    low = bnext[b]
                bprev[bnext[b]] = bprev[b]    # bnext[b] is nx, never -1
                free[nfree] = b
                nfree += 1
        elif a == NEED_FRAME:
            if used == frames:
                v = np.int64(heads[low])
                _unlink(link, heads, tails, v, low)
                node[v] = -1
                if heads[low] < 0:
                    b = low
                    low = bnext[b]
                    if low >= 0:
                        bprev[low] = -1
                    free[nfree] = b
                    nfree += 1
                evict(st, v, demand, cnt)
            else:
                used += 1
            if low < 0 or bfreq[low] != 1:    # open the bucket 1 at the bottom
                nfree -= 1
                b = free[nfree]
                bfreq[b] = 1
                heads[b] = -1
                tails[b] = -1
                bprev[b] = -1
                bnext[b] = low
                if low >= 0:
                    bprev[low] = b
                low = b
            _append(link, heads, tails, x, low)
            node[x] = low
    return cnt
