"""CLOCK-Pro (Jiang, Chen & Zhang, USENIX ATC '05) with pyclockpro's rules.

There is no libCacheSim peer (its ``ClockPro(k)`` never evicts; see
docs/performance.md), so pagewalk follows the CLOCK-Pro that most ports share:
Sami Lehtinen's Python ``pyclockpro`` and its Go port dgryski/go-clockpro,
which the tests transliterate and compare with, count for count.

One ring (a circular doubly linked list over page ids, ``nxt``/``prv``) holds
hot and cold pages (resident) and test pages (non-resident, in their test
period).  With ``k`` frames and the cold target ``m_c`` (the paper's
adaptive cold allocation; it starts at ``max(1, int(k * 0.5))``, libCacheSim's
``init_ratio_cold``):

* A hit sets the page's reference bit; nothing moves.
* A miss on a test page: ``m_c += 1`` (at most ``k``); the page leaves the ring
  and comes back as a hot page with its bit clear.  A miss on any other page:
  it enters as a cold page with its bit clear.  Either way, first, while
  ``hot + cold >= k``, ``HAND_cold`` runs; then the page goes in just behind
  ``HAND_hot`` (and if ``HAND_cold`` rests on ``HAND_hot`` it steps back, onto
  the new page).
* ``HAND_cold`` at a cold page with its bit set makes it hot (bit cleared);
  with its bit clear evicts it: it becomes a test page and, while there are
  more than ``k`` test pages, ``HAND_test`` runs.  The hand steps on, and
  while ``hot > k - m_c``, ``HAND_hot`` runs.
* ``HAND_hot`` first runs ``HAND_test`` if the two rest on the same page; at a
  hot page with its bit set clears it, with its bit clear makes it cold; it
  steps on.
* ``HAND_test`` first runs ``HAND_cold`` if the two rest on the same page; at
  a test page ends its test period (the page leaves the ring; a hand resting
  on it steps back) and ``m_c -= 1`` (at least 1); it steps on.

Differences from the paper, kept because they are pyclockpro's: every
evicted cold page becomes a test page and every referenced cold page that
``HAND_cold`` meets is promoted (the paper tracks whether a resident cold
page is still in its test period); ``HAND_hot`` ends test periods by pushing
``HAND_test`` ahead of it instead of ending them itself; and the hands run
each other as above.  A miss usually evicts one page and occasionally two
(the hands chase each other).  ``k = 1`` makes the hands run each other for
ever (pyclockpro recurses without end), so CLOCK-Pro needs ``frames >= 2``.

The hands call one another; numba kernels cannot recurse cheaply, so the
kernel runs them on an explicit stack: each frame is ``hand * 4 + step``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict

NOT_IN_RING = 0
TEST = 1
COLD = 2
HOT = 3
# hands, as procedures on the stack
RUN_COLD = 0
RUN_HOT = 1
RUN_TEST = 2
STACK_OVERFLOW = -1  # written to cnt[0]; replay raises
INIT_RATIO_COLD = 0.5  # libCacheSim's ClockPro default


def initial_cold_target(frames: int) -> int:
    """``m_c`` at the start: ``max(1, int(frames * 0.5))``."""
    return max(1, int(frames * INIT_RATIO_COLD))


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _remove(nxt, prv, kind, hands, x):
    """Take ``x`` off the ring; a hand resting on it steps back."""
    b = prv[x]
    a = nxt[x]
    for h in range(3):
        if hands[h] == x:
            hands[h] = b
    nxt[b] = a
    prv[a] = b
    kind[x] = NOT_IN_RING


@njit(cache=True)
def run_clockpro(ids, writes, npages, frames, demand, cnt, init_cold):
    st = np.zeros(npages, np.uint8)
    kind = np.zeros(npages, np.uint8)
    ref = np.zeros(npages, np.uint8)
    nxt = np.full(npages, -1, np.int32)
    prv = np.full(npages, -1, np.int32)
    hands = np.full(3, -1, np.int64)  # HAND_hot, HAND_cold, HAND_test
    ring = min(npages, 2 * frames + 1)
    stack = np.zeros(8 * ring + 64, np.int64)
    cap = stack.size
    hot = 0
    cold = 0
    test = 0
    mc = init_cold
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            ref[x] = 1
            continue
        if a != NEED_FRAME:
            continue
        new_kind = COLD
        if kind[x] == TEST:
            if mc < frames:
                mc += 1
            test -= 1
            _remove(nxt, prv, kind, hands, x)
            new_kind = HOT
        while hot + cold >= frames:  # run HAND_cold, and whatever it runs
            stack[0] = RUN_COLD * 4
            d = 0
            while d >= 0:
                proc = stack[d] >> 2
                step = stack[d] & 3
                if proc == RUN_COLD:
                    if step == 0:
                        v = hands[1]
                        stack[d] = RUN_COLD * 4 + 2
                        if kind[v] == COLD:
                            cold -= 1
                            if ref[v]:
                                kind[v] = HOT
                                ref[v] = 0
                                hot += 1
                            else:
                                kind[v] = TEST
                                test += 1
                                evict(st, v, demand, cnt)
                                stack[d] = RUN_COLD * 4 + 1  # HAND_test while test > k
                        if stack[d] & 3 == 2:
                            hands[1] = nxt[hands[1]]
                    elif step == 1:
                        if test > frames:
                            d += 1
                            if d == cap:
                                cnt[0] = STACK_OVERFLOW
                                return cnt
                            stack[d] = RUN_TEST * 4
                        else:
                            hands[1] = nxt[hands[1]]
                            stack[d] = RUN_COLD * 4 + 2
                    elif hot > frames - mc:
                        d += 1
                        if d == cap:
                            cnt[0] = STACK_OVERFLOW
                            return cnt
                        stack[d] = RUN_HOT * 4
                    else:
                        d -= 1
                elif proc == RUN_HOT:
                    if step == 0:
                        stack[d] = RUN_HOT * 4 + 1
                        if hands[0] == hands[2]:
                            d += 1
                            if d == cap:
                                cnt[0] = STACK_OVERFLOW
                                return cnt
                            stack[d] = RUN_TEST * 4
                    else:
                        v = hands[0]
                        if kind[v] == HOT:
                            if ref[v]:
                                ref[v] = 0
                            else:
                                kind[v] = COLD
                                hot -= 1
                                cold += 1
                        hands[0] = nxt[hands[0]]
                        d -= 1
                elif step == 0:  # RUN_TEST
                    stack[d] = RUN_TEST * 4 + 1
                    if hands[2] == hands[1]:
                        d += 1
                        if d == cap:
                            cnt[0] = STACK_OVERFLOW
                            return cnt
                        stack[d] = RUN_COLD * 4
                else:
                    v = hands[2]
                    if kind[v] == TEST:  # its test period ends: it leaves the ring
                        _remove(nxt, prv, kind, hands, v)
                        test -= 1
                        if mc > 1:
                            mc -= 1
                    hands[2] = nxt[hands[2]]
                    d -= 1
        h = hands[0]
        if h < 0:
            nxt[x] = x
            prv[x] = x
            hands[0] = x
            hands[1] = x
            hands[2] = x
        else:  # just behind HAND_hot
            b = prv[h]
            nxt[b] = x
            prv[x] = b
            nxt[x] = h
            prv[h] = x
        if hands[1] == hands[0]:
            hands[1] = prv[hands[1]]
        kind[x] = new_kind
        ref[x] = 0
        if new_kind == HOT:
            hot += 1
        else:
            cold += 1
    return cnt
