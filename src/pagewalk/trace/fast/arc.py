"""ARC (Megiddo & Modha, FAST '03), with libCacheSim's exact conventions.

Four lists over page ids: T1, T2 (resident) and their ghosts B1, B2; ``lst[p]``
says which list a page is on (0: none).  ``p_target`` is a float, as in
libCacheSim.  The rules (see :class:`pagewalk.trace.reference.ARC` for the
readable twin):

* hit in T1 or T2: move to the head of T2;
* miss, page in B1: ``p += max(|B2|/|B1|, 1)`` capped at ``frames``; drop it
  from B1; if all frames are used, REPLACE(in_b2=False); insert at T2 head;
* miss, page in B2: ``p -= max(|B1|/|B2|, 1)`` floored at 0; drop it from B2;
  if all frames are used, REPLACE(in_b2=True); insert at T2 head;
* other miss: if all frames are used: when ``|T1|+|B1|+1 > frames``, drop the
  B1 tail and REPLACE if B1 is not empty, else evict the T1 tail without a
  ghost; otherwise drop the B2 tail when ``|T1|+|B1|+|T2|+|B2| >= 2*frames``
  (and B2 is not empty) and REPLACE.  Insert at T1 head.
* REPLACE(in_b2): if ``|T1| > 0 and (|T1| > p or (|T1| == p and in_b2))`` or
  ``|T2| == 0``: T1 tail becomes B1 head, else T2 tail becomes B2 head.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict, list_push, list_unlink

T1 = 1
T2 = 2
B1 = 3
B2 = 4


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _replace(link, heads, tails, sizes, lst, p_target, in_b2, st, demand, cnt):
    t1 = sizes[T1]
    if (t1 > 0 and (t1 > p_target or (t1 == p_target and in_b2))) or sizes[T2] == 0:
        v = tails[T1]
        list_unlink(link, heads, tails, sizes, lst, v)
        list_push(link, heads, tails, sizes, lst, v, B1)
    else:
        v = tails[T2]
        list_unlink(link, heads, tails, sizes, lst, v)
        list_push(link, heads, tails, sizes, lst, v, B2)
    evict(st, v, demand, cnt)


@njit(cache=True)
def run_arc(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int32)
    lst = np.zeros(npages, np.int8)
    heads = np.full(5, -1, np.int64)
    tails = np.full(5, -1, np.int64)
    sizes = np.zeros(5, np.int64)
    p_target = 0.0
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            if lst[x] == T2 and heads[T2] == x:
                continue
            list_unlink(link, heads, tails, sizes, lst, x)
            list_push(link, heads, tails, sizes, lst, x, T2)
            continue
        if a != NEED_FRAME:
            continue
        full = sizes[T1] + sizes[T2] == frames
        q = lst[x]
        if q in (B1, B2):
            if q == B1:
                delta = max(sizes[B2] / sizes[B1], 1.0)
                p_target = min(p_target + delta, float(frames))
            else:
                delta = max(sizes[B1] / sizes[B2], 1.0)
                p_target = max(p_target - delta, 0.0)
            list_unlink(link, heads, tails, sizes, lst, x)
            if full:
                _replace(link, heads, tails, sizes, lst, p_target, q == B2, st, demand, cnt)
            list_push(link, heads, tails, sizes, lst, x, T2)
            continue
        if full:
            if sizes[T1] + sizes[B1] + 1 > frames:
                if sizes[B1] > 0:
                    list_unlink(link, heads, tails, sizes, lst, tails[B1])
                    _replace(link, heads, tails, sizes, lst, p_target, False, st, demand, cnt)
                else:
                    v = tails[T1]
                    list_unlink(link, heads, tails, sizes, lst, v)
                    evict(st, v, demand, cnt)
            else:
                if sizes[T1] + sizes[B1] + sizes[T2] + sizes[B2] >= 2 * frames and sizes[B2] > 0:
                    list_unlink(link, heads, tails, sizes, lst, tails[B2])
                _replace(link, heads, tails, sizes, lst, p_target, False, st, demand, cnt)
        list_push(link, heads, tails, sizes, lst, x, T1)
    return cnt
