"""S3-FIFO (Yang et al., SOSP '23) with libCacheSim's ``S3FIFO(k)`` defaults.

Three FIFO queues over page ids: ``S`` (small, resident), ``M`` (main,
resident) and ``G`` (ghost: ids only).  With ``k`` frames, S holds
``int(k * 0.1)`` pages, M the rest, G ``int(k * 0.9)`` ids; a page moves from
S to M when it was hit at least twice (``move_to_main_threshold=2``).  A page
has a hit count ``freq``, 0 when it enters a queue:

* hit (in S or M): ``freq += 1``;
* miss: if the id is in G, drop it from G (a ghost hit); if all frames are
  used, evict (below); insert at M's head after a ghost hit, or while nothing
  was ever evicted and S already holds its share; else at S's head;
* evict: if M holds more than its share or S is empty, scan M from its tail:
  a page with ``freq >= 1`` goes back to M's head with ``freq = min(freq, 3)
  - 1``, the first page with ``freq == 0`` is evicted.  Otherwise scan S from
  its tail: a page with ``freq >= 2`` moves to M's head (``freq = 0``), the
  first other page is evicted and its id enters G (dropping G's oldest id when
  G is full); if S empties without an eviction, evict from M as above.

libCacheSim admits a page to S only when S holds at least two pages, so S3-FIFO
needs ``frames >= 20`` (checked by :func:`pagewalk.trace.replay.replay`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .common import HIT, NEED_FRAME, access, evict, list_push, list_unlink

S = 1
M = 2
G = 3


@njit(cache=True)
def run_s3fifo(ids, writes, npages, frames, demand, cnt):
    st = np.zeros(npages, np.uint8)
    link = np.full((npages, 2), -1, np.int32)
    lst = np.zeros(npages, np.int8)
    freq = np.zeros(npages, np.int32)
    heads = np.full(4, -1, np.int32)
    tails = np.full(4, -1, np.int32)
    sizes = np.zeros(4, np.int64)
    s_size = np.int64(frames * 0.1)
    m_size = frames - s_size
    g_size = np.int64(frames * 0.9)
    full_once = False  # libCacheSim's has_evicted
    for i in range(ids.size):
        x = np.int64(ids[i])
        w = demand and writes[i]
        a = access(st, x, w, demand, cnt)
        if a == HIT:
            freq[x] += 1
            continue
        if a != NEED_FRAME:
            continue
        ghost = lst[x] == G
        if ghost:
            list_unlink(link, heads, tails, sizes, lst, x)
        if sizes[S] + sizes[M] == frames:
            full_once = True
            v = -1
            if sizes[M] <= m_size and sizes[S] > 0:
                while sizes[S] > 0:
                    u = np.int64(tails[S])
                    list_unlink(link, heads, tails, sizes, lst, u)
                    if freq[u] >= 2:
                        list_push(link, heads, tails, sizes, lst, u, M)
                        freq[u] = 0
                    else:
                        if sizes[G] >= g_size and sizes[G] > 0:
                            list_unlink(link, heads, tails, sizes, lst, tails[G])
                        if g_size > 0:
                            list_push(link, heads, tails, sizes, lst, u, G)
                        v = u
                        break
            while v < 0:
                u = np.int64(tails[M])
                list_unlink(link, heads, tails, sizes, lst, u)
                if freq[u] >= 1:
                    list_push(link, heads, tails, sizes, lst, u, M)
                    freq[u] = min(freq[u], 3) - 1
                else:
                    v = u
            evict(st, v, demand, cnt)
        freq[x] = 0
        to_main = ghost or (not full_once and sizes[S] >= s_size)
        list_push(link, heads, tails, sizes, lst, x, M if to_main else S)
    return cnt
