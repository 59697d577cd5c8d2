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


def replay_opt(ids, writes, npages, frames, demand, cnt):
    """OPT over ``ids`` without an ``n``-long next-use array: the trace is cut
    into chunks; one backward pass records, for each chunk, the next-use
    recurrence's state at the chunk's end (``npages`` values), then the replay
    computes each chunk's next uses into one reused, cache-sized buffer just
    before replaying it.  Chunks are at least 64 Ki accesses and their states
    take no more memory than the trace's ids."""
    n = ids.size
    if n == 0:
        return cnt
    dtype = np.int32 if n + npages < 2**31 else np.int64
    nch = max(1, min(-(-n // 65536), n // max(npages, 1)))
    chunk = -(-n // nch)
    nch = -(-n // chunk)
    snap_last = np.empty((nch, npages), dtype)
    snap_out = np.zeros(nch, dtype)
    _chunk_states(ids, chunk, snap_last, snap_out)
    return run_opt(ids, writes, npages, frames, demand, cnt, chunk, snap_last, snap_out,
                   np.empty(chunk, dtype))


@njit(cache=True)
def _chunk_states(ids, chunk, snap_last, snap_out):
    """For chunk ``c`` (accesses ``c*chunk ..``), the state of :func:`next_use`'s
    backward recurrence at the chunk's end: ``last[]`` and the key of the
    access just after the chunk."""
    n = ids.size
    nch = snap_out.size
    last = np.empty(snap_last.shape[1], snap_last.dtype)
    for p in range(last.size):
        last[p] = n + p
    for p in range(last.size):
        snap_last[nch - 1, p] = last[p]
    outv = last[0]
    for i in range(n - 1, 0, -1):
        p = ids[i]
        if i + 1 >= n or ids[i + 1] != p:  # else: a run shares its successor's key
            outv = last[p]
        last[p] = i
        if i % chunk == 0:  # i starts chunk i // chunk: the state at the end of the one before
            c = i // chunk - 1
            for q in range(last.size):
                snap_last[c, q] = last[q]
            snap_out[c] = outv


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _chunk_next_use(ids, start, end, last, snap_last, snap_out, c, buf):
    """``buf[i - start]`` = next use of access ``i`` for ``start <= i < end``
    (chunk ``c``), from the recurrence's state at ``end`` (copied into
    ``last``; element by element: a row view would be a new array object)."""
    n = ids.size
    for p in range(last.size):
        last[p] = snap_last[c, p]
    nxtv = snap_out[c]
    for i in range(end - 1, start - 1, -1):
        p = ids[i]
        if i + 1 >= n or ids[i + 1] != p:  # else: a run shares its successor's key
            nxtv = last[p]
        last[p] = i
        buf[i - start] = nxtv


@njit(cache=True)
def run_opt(ids, writes, npages, frames, demand, cnt, chunk, snap_last, snap_out, buf):
    st = np.zeros(npages, np.uint8)
    key = np.empty(frames, buf.dtype)
    page = np.empty(frames, np.int32)
    pos = np.full(npages, -1, np.int32)
    last = np.empty(npages, buf.dtype)
    size = 0
    prev = -1
    n = ids.size
    for c in range(snap_out.size):
        start = c * chunk
        end = min(start + chunk, n)
        _chunk_next_use(ids, start, end, last, snap_last, snap_out, c, buf)
        for i in range(start, end):
            p = np.int64(ids[i])
            if p == prev and st[p] & KIND == RESIDENT and (
                    not demand or not writes[i] or st[p] & DIRTY):
                continue  # a hit inside a run: the key is already the run's
            prev = p
            k = buf[i - start]
            w = demand and writes[i]
            a = access(st, p, w, demand, cnt)
            if a == HIT:
                j = pos[p]
                key[j] = k  # the key only grows: it was <= i
                _sift_up(key, page, pos, j)
            elif a == NEED_FRAME:
                if size < frames:
                    key[size] = k
                    page[size] = p
                    _sift_up(key, page, pos, size)
                    size += 1
                else:
                    v = page[0]
                    pos[v] = -1
                    evict(st, v, demand, cnt)
                    key[0] = k
                    page[0] = p
                    _sift_down(key, page, pos, 0, size)
    return cnt
