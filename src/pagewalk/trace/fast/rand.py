"""RANDOM, seeded as OSTEP's ``paging-policy.py -p RAND -s SEED``.

OSTEP keeps the resident pages in a Python list in order of arrival and, on a
miss with every frame used, evicts ``memory.pop(int(random.random() *
count))`` after ``random.seed(SEED)``.  This kernel makes the same choices:

* the random numbers are CPython's: a Mersenne Twister (MT19937) started from
  the state ``random.Random(seed).getstate()`` gives, and ``random()`` built
  from two 32-bit outputs as CPython builds it (``(a >> 5, b >> 6)`` -> 53
  bits);
* "the j-th page in arrival order" is found with a Fenwick tree over arrival
  slots (one slot per page that took a frame, marked while it stays); when the
  slots run out the live ones are renumbered in order, so the tree stays about
  twice the frame count.
"""

from __future__ import annotations

import random

import numpy as np
from numba import njit

from .common import NEED_FRAME, access, evict, fenwick_add

_M32 = np.uint64(0xFFFFFFFF)


def mt_state(seed: int) -> tuple[np.ndarray, int]:
    """The MT19937 state (624 words, position) of ``random.Random(seed)``."""
    _, internal, _ = random.Random(seed).getstate()
    return np.array(internal[:624], np.uint32), int(internal[624])


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _twist(mt):
    for k in range(624):
        y = (np.uint64(mt[k]) & np.uint64(0x80000000)) | \
            (np.uint64(mt[(k + 1) % 624]) & np.uint64(0x7FFFFFFF))
        v = np.uint64(mt[(k + 397) % 624]) ^ (y >> np.uint64(1))
        if y & np.uint64(1):
            v ^= np.uint64(0x9908B0DF)
        mt[k] = np.uint32(v & _M32)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _genrand(mt, pos):
    """The next 32-bit output; ``pos[0]`` is the position in ``mt``."""
    if pos[0] >= 624:
        _twist(mt)
        pos[0] = 0
    y = np.uint64(mt[pos[0]])
    pos[0] += 1
    y ^= y >> np.uint64(11)
    y ^= (y << np.uint64(7)) & np.uint64(0x9D2C5680)
    y ^= (y << np.uint64(15)) & np.uint64(0xEFC60000)
    y ^= y >> np.uint64(18)
    return y & _M32


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _random(mt, pos):
    """CPython's ``random.random()``."""
    a = _genrand(mt, pos) >> np.uint64(5)
    b = _genrand(mt, pos) >> np.uint64(6)
    return (float(a) * 67108864.0 + float(b)) * (1.0 / 9007199254740992.0)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _select(tree, k, top):
    """The smallest slot whose prefix count reaches ``k`` (``top``: the largest
    power of two <= the tree's size)."""
    pos = 0
    step = top
    n = tree.size - 1
    while step:
        nxt = pos + step
        if nxt <= n and tree[nxt] < k:
            pos = nxt
            k -= tree[nxt]
        step >>= 1
    return pos + 1


@njit(cache=True)
def run_random(ids, writes, npages, frames, demand, cnt, mt, mtpos):
    st = np.zeros(npages, np.uint8)
    cap = max(2 * frames, 64)
    tree = np.zeros(cap + 1, np.int32)      # Fenwick tree over arrival slots 1..cap
    slot_page = np.zeros(cap + 1, np.int32)
    slot = np.zeros(npages, np.int32)       # the page's slot, 0: holds no frame
    top = 1
    while top * 2 <= cap:
        top *= 2
    pos = np.array([mtpos], np.int64)
    mt = mt.copy()
    cur = 0
    used = 0
    for i in range(ids.size):
        p = np.int64(ids[i])
        w = demand and writes[i]
        if access(st, p, w, demand, cnt) != NEED_FRAME:
            continue
        if used == frames:
            j = int(_random(mt, pos) * frames)
            s = _select(tree, j + 1, top)
            v = np.int64(slot_page[s])
            fenwick_add(tree, s, -1)
            slot[v] = 0
            evict(st, v, demand, cnt)
        else:
            used += 1
        if cur == cap:  # renumber the live slots 1..used-1, in order
            live = 0
            for t in range(1, cap + 1):
                q = slot_page[t]
                if slot[q] == t:
                    live += 1
                    slot[q] = live
                    slot_page[live] = q
            for t in range(1, cap + 1):  # node t covers slots (t - lowbit(t), t]
                tree[t] = max(0, min(t, live) - (t - (t & -t)))
            cur = live
        cur += 1
        fenwick_add(tree, cur, 1)
        slot[p] = cur
        slot_page[cur] = p
    return cnt
