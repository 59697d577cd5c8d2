"""OPT (Belady's MIN): evict the resident page whose next use is furthest away.

``next_use[i]`` is the index of the next access to the page of access ``i``
that is not part of the same run of consecutive accesses to that page; when
there is none it is ``n + id`` (n = trace length, id = the page's dense id, i.e.
its rank of first appearance), so keys never tie: among pages never used again
the one that first appeared latest is evicted.  (Which of those is evicted
cannot change any count.)  Resident pages sit in an indexed max-heap keyed by
next use.

Within a run nothing is evicted, so giving the page its after-the-run key at
the run's first access makes the same decisions as updating it at every
access, and the other accesses of the run need no heap work at all.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import DIRTY, HIT, KIND, NEED_FRAME, RESIDENT, access, evict


def next_use(ids: np.ndarray, npages: int) -> np.ndarray:
    """Index of the next access to the same page after the current run of
    accesses to it, or ``n + id`` if none; ``int32`` when every value fits
    (half the memory traffic of ``int64`` on long traces), else ``int64``."""
    dtype = np.int32 if ids.size + npages < 2**31 else np.int64
    out = np.empty(ids.size, dtype)
    _next_use(ids, np.empty(max(npages, 1), dtype), out)
    return out


@njit(cache=True)
def _next_use(ids, last, out):
    n = ids.size
    for p in range(last.size):
        last[p] = n + p
    if n == 0:
        return
    # the last access, then backwards: a run shares the key of its first access
    p = ids[n - 1]
    out[n - 1] = last[p]
    last[p] = n - 1
    for i in range(n - 2, -1, -1):
        p = ids[i]
        q = ids[i + 1]
        if q == p:
            out[i] = out[i + 1]
        else:
            out[i] = last[p]
        last[p] = i


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _sift_up(key, page, pos, j):
    k = key[j]
    pg = page[j]
    while j > 0:
        parent = (j - 1) >> 1
        if key[parent] >= k:
            break
        key[j] = key[parent]
        page[j] = page[parent]
        pos[page[j]] = j
        j = parent
    key[j] = k
    page[j] = pg
    pos[pg] = j


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _sift_down(key, page, pos, j, size):
    k = key[j]
    pg = page[j]
    while True:
        c = 2 * j + 1
        if c >= size:
            break
        if c + 1 < size and key[c + 1] > key[c]:
            c += 1
        if key[c] <= k:
            break
        key[j] = key[c]
        page[j] = page[c]
        pos[page[j]] = j
        j = c
    key[j] = k
    page[j] = pg
    pos[pg] = j


@njit(cache=True)
def run_opt(ids, writes, npages, frames, demand, cnt, nxt):
    st = np.zeros(npages, np.uint8)
    key = np.empty(frames, nxt.dtype)
    page = np.empty(frames, np.int32)
    pos = np.full(npages, -1, np.int32)
    size = 0
    prev = -1
    for i in range(ids.size):
        p = np.int64(ids[i])
        if p == prev and st[p] & KIND == RESIDENT and (
                not demand or not writes[i] or st[p] & DIRTY):
            continue  # a hit inside a run: the key is already the run's
        prev = p
        w = demand and writes[i]
        a = access(st, p, w, demand, cnt)
        if a == HIT:
            j = pos[p]
            key[j] = nxt[i]  # the key only grows: it was <= i
            _sift_up(key, page, pos, j)
        elif a == NEED_FRAME:
            if size < frames:
                key[size] = nxt[i]
                page[size] = p
                _sift_up(key, page, pos, size)
                size += 1
            else:
                v = page[0]
                pos[v] = -1
                evict(st, v, demand, cnt)
                key[0] = nxt[i]
                page[0] = p
                _sift_down(key, page, pos, 0, size)
    return cnt
