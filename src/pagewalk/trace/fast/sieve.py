"""SIEVE (Zhang et al., NSDI '24), with libCacheSim's exact conventions.

Pages sit in one queue, newest at the head; a page enters with its visited
bit clear and a hit sets it.  To evict, the hand starts where it stopped last
time (at the tail, the oldest page, the first time or after passing the head),
clears set bits moving toward the head (wrapping to the tail) and evicts the
first page whose bit is clear; the hand then rests on the next newer page.
The queue is a doubly linked list over page ids: ``newer``/``older``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict


@njit(cache=True)
def run_sieve(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    visited = np.zeros(npages, np.uint8)
    newer = np.full(npages, -1, np.int32)
    older = np.full(npages, -1, np.int32)
    head = -1   # newest
    tail = -1   # oldest
    hand = -1   # -1: start at the tail
    used = 0
    for i in range(ids.size):
        p = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, p, w, demand, cnt)
        if a == HIT:
            visited[p] = 1
            continue
        if a != NEED_FRAME:
            continue
        if used == frames:
            v = hand if hand >= 0 else tail
            while visited[v]:
                visited[v] = 0
                v = newer[v] if newer[v] >= 0 else tail
            o = older[v]
            nw = newer[v]
            hand = nw
            if o >= 0:
                newer[o] = nw
            else:
                tail = nw
            if nw >= 0:
                older[nw] = o
            else:
                head = o
            evict(st, v, demand, cnt)
        else:
            used += 1
        visited[p] = 0
        older[p] = head
        newer[p] = -1
        if head >= 0:
            newer[head] = p
        else:
            tail = p
        head = p
    return cnt
