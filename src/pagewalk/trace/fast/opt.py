"""OPT (Belady's MIN): evict the resident page whose next use is furthest away.

``next_use[i]`` is the index of the next access to the page of access ``i``
that is not part of the same run of consecutive accesses to that page; when
there is none it is ``n + id`` (n = trace length, id = the page's dense id, i.e.
its rank of first appearance), so keys never tie: among pages never used again
the one that first appeared latest is evicted.  (Which of those is evicted
cannot change any count.)

Within a run nothing is evicted, so giving the page its after-the-run key at
the run's first access makes the same decisions as updating it at every
access, and the other accesses of the run need no work at all.

Resident pages sit in slots of a max-tree (:mod:`.maxtree`) whose values are
``key << sbits | slot`` (``sbits`` bits hold any slot number).  A hit only
raises its page's key (from "now" to its next use): the slot's value grows and
its ancestors follow, O(1) on average, no sifting.  An eviction reads the
largest value, whose low bits name the victim's slot, and replaces it: a few
vectorised scans of 16 to 64 values.  Since keys never tie, the victim is the
one a heap would pick.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...errors import InvalidArgument
from . import maxtree
from .common import DIRTY, HIT, KIND, NEED_FRAME, RESIDENT, access, evict
from .prefetch import prefetch

_AHEAD = 32  # prefetch the state of the page this many accesses ahead ...
_FAR = 1 << 16  # ... when the trace has at least this many pages (else it is cached)


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


_MIN_CHUNK = 65536


def replay_opt(ids, writes, npages, frames, demand, cnt):
    """OPT over ``ids`` without an ``n``-long next-use array.  The trace is cut
    into chunks of about ``chunk`` accesses, each starting at a run start (so
    no run crosses a border); one backward pass records ``last[]`` (each
    page's first access at or after the chunk's end, ``n + id`` if none) at
    every chunk's end; the replay then computes each chunk's runs with their
    keys, backwards, into two reused cache-sized buffers and replays them.
    Chunks are at least 64 Ki accesses and their states take no more memory
    than the trace's ids."""
    n = ids.size
    if n == 0:
        return cnt
    dtype = np.int32 if n + npages < 2**31 else np.int64
    nch = max(1, min(-(-n // _MIN_CHUNK), n // max(npages, 1)))
    chunk = -(-n // nch)
    sbits = (frames - 1).bit_length()
    if (n + npages) >> (63 - sbits):
        raise InvalidArgument(f"policy='opt': a trace of {n:,} accesses is too long for "
                              f"{frames:,} frames; replay at most {2**(63 - sbits):,}")
    bounds = _run_bounds(ids, chunk)
    snap = np.empty((bounds.size - 1, npages), dtype)
    _chunk_states(ids, bounds, snap)
    return run_opt(ids, writes, npages, frames, demand, cnt, bounds, snap,
                   np.empty(chunk, ids.dtype), np.empty(chunk + 1, dtype),
                   maxtree.layout(frames), sbits)


@njit(cache=True)
def _run_bounds(ids, chunk):
    """``0 = b[0] < b[1] < ... < b[-1] = n``: ``b[c]`` is the first run start
    at or after ``c * chunk``, duplicates dropped.  A chunk ``b[c] .. b[c+1]``
    then holds at most ``chunk`` runs."""
    n = ids.size
    out = np.empty(-(-n // chunk) + 1, np.int64)
    m = 1
    out[0] = 0
    for c in range(1, out.size - 1):
        j = c * chunk
        if j <= out[m - 1]:
            continue  # the previous border's run reaches past this one
        while j < n and ids[j] == ids[j - 1]:
            j += 1
        if j < n:
            out[m] = j
            m += 1
    out[m] = n
    return out[:m + 1]


@njit(cache=True)
def _chunk_states(ids, bounds, snap):
    """``snap[c, p]``: page ``p``'s first access at or after ``bounds[c+1]``
    (``n + p`` if none), by one backward pass of plain stores."""
    n = ids.size
    last = np.empty(snap.shape[1], snap.dtype)
    for p in range(last.size):
        last[p] = n + p
    for c in range(snap.shape[0] - 1, -1, -1):
        for p in range(last.size):
            snap[c, p] = last[p]
        if c == 0:
            break
        for i in range(bounds[c + 1] - 1, bounds[c] - 1, -1):
            last[ids[i]] = i


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _chunk_runs(ids, start, end, last, snap, c, bufp, bufk, far):
    """The runs of chunk ``c`` (accesses ``start .. end``, ``end`` a run start
    or ``n``) in order in ``bufp[m:], bufk[m:]`` (page, next use after the
    run); returns ``m``.  ``bufk`` has one slot more than ``bufp``.  ``last``
    is a scratch copy of the chunk's state (copied element by element: a row
    view would be a new array object).  ``far``: prefetch ``last[]`` ahead."""
    for p in range(last.size):
        last[p] = snap[c, p]
    m = bufp.size
    spare = bufp.size  # bufk's extra slot: where a repeat's key goes
    nxt = np.int64(-1)
    for i in range(end - 1, start - 1, -1):
        p = np.int64(ids[i])
        if far:
            prefetch(last, ids[max(i - _AHEAD, start)])
        e = nxt != p  # i ends a run (backwards: a new run begins)
        m -= e
        # branch-free (runs and repeats alternate unpredictably): a run's key is
        # last[p] at its end; a repeat's goes to the spare slot
        bufk[m if e else spare] = last[p]
        bufp[m] = p
        last[p] = i
        nxt = p
    return m


@njit(cache=True)
def run_opt(ids, writes, npages, frames, demand, cnt, bounds, snap, bufp, bufk, off, sbits):
    st = np.zeros(npages, np.uint8)
    tree = np.full(off[-1], -1, np.int64)  # slots' values key << sbits | slot; -1: empty
    mask = (np.int64(1) << sbits) - 1
    far = npages >= _FAR
    page = np.empty(frames, np.int32)
    pos = np.empty(npages, np.int32)           # the slot of a resident page
    last = np.empty(npages, bufk.dtype)
    size = 0
    for c in range(bounds.size - 1):
        start = bounds[c]
        end = bounds[c + 1]
        t = _chunk_runs(ids, start, end, last, snap, c, bufp, bufk, far)
        i = start  # demand mode walks every access, cache mode only the runs
        prev = np.int64(-1)
        k = np.int64(0)
        while True:
            if demand:
                if i == end:
                    break
                p = np.int64(ids[i])
                if far:
                    q = ids[min(i + _AHEAD, end - 1)]
                    prefetch(st, q)
                    prefetch(pos, q)
                if p != prev:  # a run starts: its key is the next one
                    k = np.int64(bufk[t]) << sbits
                    t += 1
                    prev = p
                elif st[p] & KIND == RESIDENT and (not writes[i] or st[p] & DIRTY):
                    i += 1
                    continue  # a hit inside a run: the key is already the run's
                w = writes[i]
                i += 1
            else:  # cache mode: only the runs matter
                if t == bufp.size:
                    break
                p = np.int64(bufp[t])
                if far:
                    q = bufp[min(t + _AHEAD, bufp.size - 1)]
                    prefetch(st, q)
                    prefetch(pos, q)
                k = np.int64(bufk[t]) << sbits
                t += 1
                w = False
            a = access(st, p, w, demand, cnt)
            if a == HIT:
                j = np.int64(pos[p])
                maxtree.raise_value(tree, off, j, k | j)  # the key only grows: it was now
            elif a == NEED_FRAME:
                if size < frames:
                    j = np.int64(size)
                    size += 1
                    maxtree.raise_value(tree, off, j, k | j)
                else:
                    j = maxtree.largest(tree, off) & mask
                    evict(st, page[j], demand, cnt)  # (pos[] is read only on hits)
                    maxtree.replace_largest(tree, off, j, k | j)
                page[j] = p
                pos[p] = j
    return cnt
