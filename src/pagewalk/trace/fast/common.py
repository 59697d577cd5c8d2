"""Shared pieces of the compiled replay kernels: counters and page states.

Every kernel in this package replays a trace of dense page ids (``0 ..
npages-1``) against ``frames`` frames and returns an ``int64`` counter vector
indexed by the constants below.  The kernels only decide *which* page a policy
evicts; what an access means (hit, minor fault, major fault, zero page, swap
traffic) is decided here, once, by :func:`access` and :func:`evict`, following
the rules written in :mod:`pagewalk.trace.replay` (and mirrored, line by line,
in :mod:`pagewalk.trace.reference`).

Page state, one ``uint8`` per page: the low two bits are the kind (NONE, ZERO,
RESIDENT, SWAPPED), then ``DIRTY`` and ``SWAPCOPY`` flags.  In cache mode the
same array is used with NONE = never seen, RESIDENT = cached, SWAPPED = seen
and evicted, so a miss on a NONE page is compulsory ("minor") and a miss on a
SWAPPED page is a re-fetch ("major").
"""

from __future__ import annotations

import numpy as np
from numba import njit

# counter indices
ACCESSES = 0
MINOR = 1
MAJOR = 2
PSWPIN = 3
PSWPOUT = 4
ZERO_MAPS = 5
EVICTIONS = 6
N_COUNTERS = 7

# page kinds (low two bits of the state byte) and flags
NONE = 0
ZERO = 1
RESIDENT = 2
SWAPPED = 3
KIND = 3
DIRTY = 4
SWAPCOPY = 8

# what the policy must do after :func:`access`
SKIP = 0      # nothing: zero-page read, no frame involved
HIT = 1       # the page is resident: tell the policy about the hit
NEED_FRAME = 2  # the page needs a frame: evict if all are used, then insert


# Doubly linked lists over index arrays, shared by the ARC and linux kernels:
# ``link[x] = (prev, next)``, ``heads/tails/sizes`` per list, ``lst[x]`` the list x is on.
@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def list_unlink(link, heads, tails, sizes, lst, x):
    """Take ``x`` off its list ``lst[x]`` (lists are index-linked through ``link``)."""
    q = lst[x]
    prv = link[x, 0]
    nxt = link[x, 1]
    if prv >= 0:
        link[prv, 1] = nxt
    else:
        heads[q] = nxt
    if nxt >= 0:
        link[nxt, 0] = prv
    else:
        tails[q] = prv
    sizes[q] -= 1
    lst[x] = 0


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def list_push(link, heads, tails, sizes, lst, x, q):
    """Put ``x`` at the head of list ``q``."""
    h = heads[q]
    link[x, 0] = -1
    link[x, 1] = h
    if h >= 0:
        link[h, 0] = x
    else:
        tails[q] = x
    heads[q] = x
    sizes[q] += 1
    lst[x] = q


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def access(st, p, write, demand, cnt):
    """Classify one access to page ``p``, update its state and the fault
    counters; return SKIP, HIT or NEED_FRAME."""
    s = st[p]
    kind = s & KIND
    if kind == RESIDENT:
        if demand and write:
            st[p] = s | DIRTY
        return HIT
    if not demand:
        if kind == NONE:
            cnt[MINOR] += 1
        else:
            cnt[MAJOR] += 1
        st[p] = RESIDENT
        return NEED_FRAME
    if kind == NONE:
        cnt[MINOR] += 1
        if write:
            st[p] = RESIDENT | DIRTY
            return NEED_FRAME
        st[p] = ZERO
        cnt[ZERO_MAPS] += 1
        return SKIP
    if kind == ZERO:
        if write:
            cnt[MINOR] += 1
            st[p] = RESIDENT | DIRTY
            return NEED_FRAME
        return SKIP
    # SWAPPED: a major fault reads the page back from swap
    cnt[MAJOR] += 1
    cnt[PSWPIN] += 1
    if write:
        st[p] = RESIDENT | DIRTY  # the swap slot is freed
    else:
        st[p] = RESIDENT | SWAPCOPY
    return NEED_FRAME


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def evict(st, v, demand, cnt):
    """Account for the eviction of resident page ``v``."""
    s = st[v]
    cnt[EVICTIONS] += 1
    if demand and ((s & DIRTY) or not (s & SWAPCOPY)):
        cnt[PSWPOUT] += 1
    st[v] = SWAPPED


def new_counters() -> np.ndarray:
    return np.zeros(N_COUNTERS, np.int64)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def fenwick_add(tree, i, v):
    """Add ``v`` at position ``i`` (1-based) of the Fenwick tree ``tree``
    (``tree[0]`` unused); used by the exact LRU curve and the random policy."""
    n = tree.size - 1
    while i <= n:
        tree[i] += v
        i += i & -i
