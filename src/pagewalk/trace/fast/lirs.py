"""LIRS (Jiang & Zhang, SIGMETRICS '02) with libCacheSim's ``LIRS(k)``, rule for rule.

libCacheSim's LIRS.c keeps three LRU stacks over page ids, newest at the head:

* ``S``, the recency stack: pages with two flags, LIR and resident (an LIR
  page is always resident; a non-resident HIR page in S is a ghost);
* ``Q``, the resident HIR pages;
* ``NH``, the non-resident HIR pages of S, oldest first out.

With ``k`` frames, ``hirs_limit = max(1, int(0.01 * k))`` (``hirs_ratio``
0.01) and ``lirs_limit = k - hirs_limit``; ``lirs``, ``hirs`` and
``occupied`` are libCacheSim's ``lirs_count``, ``hirs_count`` and
``occupied_byte``.  ``prune`` pops non-LIR pages off S's bottom (never its
head); ``evict_lir`` moves S's bottom page to Q's head as a resident HIR page
(evicting Q's oldest pages while Q is at its limit) and prunes;
``evict_hir`` drops Q's oldest page and marks its S entry a ghost (into NH).

* Every access first moves the page to the head of S and of Q where it is.
* Hit on an LIR page: prune.  Hit on a resident HIR page in S: it leaves Q,
  ``evict_lir`` while the LIR set is full, and it becomes LIR.  Hit on a page
  only in Q: ``evict_lir`` while the LIR set is full, then it enters S as a
  resident HIR page (its Q entry stays).
* Miss on a ghost in S: ``evict_lir`` while the LIR set is full and it leaves
  NH; on a page in neither stack with both sets full: ``evict_hir`` until Q
  has room.  Then, while ``occupied + 1 > k``: for a ghost, ``evict_hir``
  while Q is at its limit and ``evict_lir``; for a new page with both sets
  full, ``evict_hir``.  Then the ghost becomes LIR, or the new page enters S
  as LIR while the LIR set has room, else as resident HIR in S and Q.
* After every access, while S holds more than ``2k`` pages, NH's oldest page
  leaves NH and S.

A page is resident while an access to it would hit: LIR or resident HIR in S,
or in Q.  Pages are evicted when they stop being resident (possibly during a
hit).  Two of libCacheSim's quirks are kept, since its counts are the
contract: ``evict_lir`` moves S's bottom page to Q even when it is a ghost
(S's bottom is not always LIR there), and that page becomes resident without
an access (in demand mode it is read from swap, pswpin without a fault, like
readahead); and a page hit while only in Q can push itself out of Q and
re-enter S as a resident HIR page that no counter includes.  So this LIRS may
hold a few pages more than ``k``.  ``k = 1`` gives
``lirs_limit = 0`` and libCacheSim admits nothing, so LIRS needs ``frames >=
2`` (checked by :func:`pagewalk.trace.replay.replay`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, KIND, PSWPIN, RESIDENT, SKIP, SWAPCOPY, access, evict

S = 0
Q = 1
NH = 2
IN_S = 1
IN_Q = 2
IN_NH = 4
# scalar state, one int64 vector so the helpers can update it
LIRS = 0
HIRS = 1
OCC = 2
NLEFT = 3


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _push(link, heads, tails, sizes, mem, x, q):
    """Put ``x`` at the head (newest end) of stack ``q``."""
    h = heads[q]
    link[x, 2 * q] = -1
    link[x, 2 * q + 1] = h
    if h >= 0:
        link[h, 2 * q] = x
    else:
        tails[q] = x
    heads[q] = x
    sizes[q] += 1
    mem[x] |= 1 << q


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _unlink(link, heads, tails, sizes, mem, x, q):
    """Take ``x`` off stack ``q``."""
    newer = link[x, 2 * q]
    older = link[x, 2 * q + 1]
    if newer >= 0:
        link[newer, 2 * q + 1] = older
    else:
        heads[q] = older
    if older >= 0:
        link[older, 2 * q] = newer
    else:
        tails[q] = newer
    sizes[q] -= 1
    mem[x] &= ~(1 << q)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _to_head(link, heads, tails, sizes, mem, x, q):
    if heads[q] != x:
        _unlink(link, heads, tails, sizes, mem, x, q)
        _push(link, heads, tails, sizes, mem, x, q)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _touch(left, mark, v, x):
    """Remember that the residency of ``x`` may have changed."""
    if not mark[x]:
        mark[x] = 1
        left[v[NLEFT]] = x
        v[NLEFT] += 1


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _evict_hir(link, heads, tails, sizes, mem, sres, v, left, mark):
    t = np.int64(tails[Q])
    _unlink(link, heads, tails, sizes, mem, t, Q)
    v[HIRS] -= 1
    if mem[t] & IN_S:
        sres[t] = 0
        _push(link, heads, tails, sizes, mem, t, NH)
    v[OCC] -= 1
    _touch(left, mark, v, t)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _prune(link, heads, tails, sizes, mem, lir, sres, v, left, mark):
    while sizes[S] > 1:
        t = np.int64(tails[S])
        if lir[t]:
            break
        if not sres[t] and mem[t] & IN_NH:
            _unlink(link, heads, tails, sizes, mem, t, NH)
        _unlink(link, heads, tails, sizes, mem, t, S)
        if sres[t]:
            _touch(left, mark, v, t)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _evict_lir(link, heads, tails, sizes, mem, lir, sres, v, left, mark, hirs_limit):
    t = np.int64(tails[S])
    _unlink(link, heads, tails, sizes, mem, t, S)
    _touch(left, mark, v, t)  # a non-resident page at S's bottom becomes resident in Q
    v[LIRS] -= 1
    v[OCC] -= 1
    while v[HIRS] + 1 > hirs_limit:
        _evict_hir(link, heads, tails, sizes, mem, sres, v, left, mark)
    _push(link, heads, tails, sizes, mem, t, Q)
    v[HIRS] += 1
    v[OCC] += 1
    _prune(link, heads, tails, sizes, mem, lir, sres, v, left, mark)


@njit(cache=True)
def run_lirs(ids, writes, npages, frames, demand, cnt):
    link = np.full((npages, 6), -1, np.int32)  # (newer, older) in S, Q, NH
    heads = np.full(3, -1, np.int32)
    tails = np.full(3, -1, np.int32)
    sizes = np.zeros(3, np.int64)
    mem = np.zeros(npages, np.uint8)   # IN_S | IN_Q | IN_NH
    lir = np.zeros(npages, np.uint8)   # S entry is LIR
    sres = np.zeros(npages, np.uint8)  # S entry is resident
    left = np.zeros(npages, np.int32)  # pages that may have stopped being resident
    mark = np.zeros(npages, np.uint8)
    v = np.zeros(4, np.int64)
    st = np.zeros(npages, np.uint8)
    hirs_limit = max(np.int64(1), np.int64(0.01 * frames))
    lirs_limit = frames - hirs_limit
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == SKIP:
            continue
        if a == HIT:
            m = mem[x]
            if m & IN_S:
                _to_head(link, heads, tails, sizes, mem, x, S)
            if m & IN_Q:
                _to_head(link, heads, tails, sizes, mem, x, Q)
            if m & IN_S and lir[x]:
                _prune(link, heads, tails, sizes, mem, lir, sres, v, left, mark)
            elif m & IN_S:  # resident HIR in S: becomes LIR
                if m & IN_Q:
                    _unlink(link, heads, tails, sizes, mem, x, Q)
                    v[HIRS] -= 1
                    v[OCC] -= 1
                while v[LIRS] + 1 > lirs_limit:
                    _evict_lir(link, heads, tails, sizes, mem, lir, sres, v, left, mark,
                               hirs_limit)
                lir[x] = 1
                v[LIRS] += 1
                v[OCC] += 1
            else:  # resident HIR only in Q: enters S, still HIR
                while v[LIRS] + 1 > lirs_limit:
                    _evict_lir(link, heads, tails, sizes, mem, lir, sres, v, left, mark,
                               hirs_limit)
                _push(link, heads, tails, sizes, mem, x, S)
                lir[x] = 0
                sres[x] = 1
        else:
            if mem[x] & IN_S:  # a ghost in S
                _to_head(link, heads, tails, sizes, mem, x, S)
                while v[LIRS] + 1 > lirs_limit:
                    _evict_lir(link, heads, tails, sizes, mem, lir, sres, v, left, mark,
                               hirs_limit)
                if mem[x] & IN_NH:
                    _unlink(link, heads, tails, sizes, mem, x, NH)
            elif v[LIRS] + 1 > lirs_limit and v[HIRS] + 1 > hirs_limit:
                while v[HIRS] + 1 > hirs_limit:
                    _evict_hir(link, heads, tails, sizes, mem, sres, v, left, mark)
            while v[OCC] + 1 > frames:
                if mem[x] & IN_S and not lir[x] and not sres[x]:
                    while v[HIRS] >= hirs_limit:
                        _evict_hir(link, heads, tails, sizes, mem, sres, v, left, mark)
                    _evict_lir(link, heads, tails, sizes, mem, lir, sres, v, left, mark,
                               hirs_limit)
                elif not mem[x] & (IN_S | IN_Q) and v[LIRS] + 1 > lirs_limit \
                        and v[HIRS] + 1 > hirs_limit:
                    _evict_hir(link, heads, tails, sizes, mem, sres, v, left, mark)
                else:
                    break  # libCacheSim would loop forever; the reference raises
            if mem[x] & IN_S and not lir[x] and not sres[x]:
                lir[x] = 1
                sres[x] = 1
                v[LIRS] += 1
                v[OCC] += 1
            elif not mem[x] & (IN_S | IN_Q):
                _push(link, heads, tails, sizes, mem, x, S)
                sres[x] = 1
                if v[LIRS] + 1 <= lirs_limit:
                    lir[x] = 1
                    v[LIRS] += 1
                else:
                    lir[x] = 0
                    _push(link, heads, tails, sizes, mem, x, Q)
                    v[HIRS] += 1
                v[OCC] += 1
        while sizes[S] > 2 * frames and sizes[NH] > 0:  # limitStack
            t = np.int64(tails[NH])
            _unlink(link, heads, tails, sizes, mem, t, NH)
            if mem[t] & IN_S:
                _unlink(link, heads, tails, sizes, mem, t, S)
        for j in range(v[NLEFT]):  # page states follow the stacks
            t = np.int64(left[j])
            mark[t] = 0
            if t == x:
                continue
            now = mem[t] & IN_Q or (mem[t] & IN_S and (lir[t] or sres[t]))
            was = st[t] & KIND == RESIDENT
            if was and not now:
                evict(st, t, demand, cnt)
            elif now and not was:  # back without a fault: read from swap in demand mode
                if demand:
                    cnt[PSWPIN] += 1
                    st[t] = RESIDENT | SWAPCOPY
                else:
                    st[t] = RESIDENT
        v[NLEFT] = 0
    return cnt
