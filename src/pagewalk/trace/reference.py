"""The reference engine: every policy and both modes in plain Python.

This is the readable twin of :mod:`pagewalk.trace.fast`; it defines what the
kernels must compute, and ``replay(..., engine="reference")`` runs it.  It is
slow (a few hundred thousand accesses per second) and meant for reading,
teaching and the differential tests.

A policy holds at most ``frames`` pages and has two operations:

* ``hit(p, i)``: page ``p``, which it holds, is accessed (``i`` is the access's
  index in the trace);
* ``miss(p, i)``: page ``p`` needs a frame; if all ``frames`` are used the
  policy first chooses and drops a victim, which it returns (else ``None``),
  then it takes ``p``.

LIRS returns ``(gone, came)`` from both ``hit`` and ``miss``: the pages that
stopped being resident (a hit can push a resident HIR page out; a miss can cost
more than one page) and those that became resident without being accessed
(libCacheSim's LIRS moves the bottom of its stack into Q even when that page is
not resident; it then hits).  A page that comes back so is read from swap in
demand mode (pswpin, no fault), like swap readahead.

:func:`replay_reference` applies the access rules of the chosen mode (see
:mod:`pagewalk.trace.replay`) and calls the policy.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Sequence

from sortedcontainers import SortedList


class LRU:
    """Least recently used: an OrderedDict, most recent at the end."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.pages: OrderedDict[int, None] = OrderedDict()

    def hit(self, p: int, i: int) -> None:
        self.pages.move_to_end(p)

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.pages) == self.frames:
            victim, _ = self.pages.popitem(last=False)
        self.pages[p] = None
        return victim


class FIFO(LRU):
    """First in, first out: LRU that ignores hits (pages leave in arrival order)."""

    def hit(self, p: int, i: int) -> None:
        pass


class Clock:
    """Second chance: a ring of frames, a hand and a reference bit per page.

    A hit sets the bit; the page that faults in gets its bit set as well (the
    access completes after the fault).  On a miss with every frame used the
    hand clears set bits until it finds a clear one; that page is the victim,
    the new page takes its slot and the hand moves on by one.
    """

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.ring: list[int] = []
        self.hand = 0
        self.referenced: dict[int, bool] = {}

    def hit(self, p: int, i: int) -> None:
        self.referenced[p] = True

    def miss(self, p: int, i: int) -> int | None:
        self.referenced[p] = True
        if len(self.ring) < self.frames:
            self.ring.append(p)
            return None
        while self.referenced[self.ring[self.hand]]:
            self.referenced[self.ring[self.hand]] = False
            self.hand = (self.hand + 1) % self.frames
        victim = self.ring[self.hand]
        del self.referenced[victim]
        self.ring[self.hand] = p
        self.hand = (self.hand + 1) % self.frames
        return victim


def next_uses(trace: Sequence[int]) -> list[int]:
    """For each access, the index of the next access to the same page; for the
    last access to a page, ``len(trace) + rank`` where rank is the page's order
    of first appearance (so that no two keys are equal)."""
    n = len(trace)
    rank: dict[int, int] = {}
    for p in trace:
        rank.setdefault(p, len(rank))
    out = [0] * n
    last = {p: n + r for p, r in rank.items()}
    for i in range(n - 1, -1, -1):
        out[i] = last[trace[i]]
        last[trace[i]] = i
    return out


class OPT:
    """Belady's MIN: evict the page whose next use is furthest in the future."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.next_use = next_uses(trace)
        self.key: dict[int, int] = {}

    def hit(self, p: int, i: int) -> None:
        self.key[p] = self.next_use[i]

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.key) == self.frames:
            victim = max(self.key, key=self.key.__getitem__)
            del self.key[victim]
        self.key[p] = self.next_use[i]
        return victim


class ARC:
    """Adaptive Replacement Cache with libCacheSim's conventions (see
    :mod:`pagewalk.trace.fast.arc` for the rules).  OrderedDicts keep the most
    recent page at the end; ``p`` is a float."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.t1: OrderedDict[int, None] = OrderedDict()
        self.t2: OrderedDict[int, None] = OrderedDict()
        self.b1: OrderedDict[int, None] = OrderedDict()
        self.b2: OrderedDict[int, None] = OrderedDict()
        self.p = 0.0

    def hit(self, x: int, i: int) -> None:
        self.t1.pop(x, None)
        self.t2.pop(x, None)
        self.t2[x] = None

    def _replace(self, in_b2: bool) -> int:
        t1 = len(self.t1)
        if (t1 > 0 and (t1 > self.p or (t1 == self.p and in_b2))) or not self.t2:
            victim, _ = self.t1.popitem(last=False)
            self.b1[victim] = None
        else:
            victim, _ = self.t2.popitem(last=False)
            self.b2[victim] = None
        return victim

    def miss(self, x: int, i: int) -> int | None:
        full = len(self.t1) + len(self.t2) == self.frames
        victim = None
        if x in self.b1 or x in self.b2:
            in_b2 = x in self.b2
            if not in_b2:
                self.p = min(self.p + max(len(self.b2) / len(self.b1), 1.0), float(self.frames))
                del self.b1[x]
            else:
                self.p = max(self.p - max(len(self.b1) / len(self.b2), 1.0), 0.0)
                del self.b2[x]
            if full:
                victim = self._replace(in_b2)
            self.t2[x] = None
            return victim
        if full:
            if len(self.t1) + len(self.b1) + 1 > self.frames:
                if self.b1:
                    self.b1.popitem(last=False)
                    victim = self._replace(False)
                else:
                    victim, _ = self.t1.popitem(last=False)
            else:
                total = len(self.t1) + len(self.b1) + len(self.t2) + len(self.b2)
                if total >= 2 * self.frames and self.b2:
                    self.b2.popitem(last=False)
                victim = self._replace(False)
        self.t1[x] = None
        return victim


class LFU:
    """Least frequently used; ties go to the page that reached its frequency
    first (libCacheSim's order).  A SortedList of (frequency, stamp, page)."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.entries: SortedList = SortedList()
        self.entry: dict[int, tuple[int, int, int]] = {}
        self.stamp = 0

    def _set(self, p: int, freq: int) -> None:
        self.stamp += 1
        self.entry[p] = (freq, self.stamp, p)
        self.entries.add(self.entry[p])

    def hit(self, p: int, i: int) -> None:
        freq, _, _ = self.entry[p]
        self.entries.remove(self.entry[p])
        self._set(p, freq + 1)

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.entry) == self.frames:
            _, _, victim = self.entries.pop(0)
            del self.entry[victim]
        self._set(p, 1)
        return victim


class Linux:
    """Active/inactive lists (the rules are in :mod:`pagewalk.trace.policies`).
    OrderedDicts with the list head at the end, the tail at the start."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.active: OrderedDict[int, None] = OrderedDict()
        self.inactive: OrderedDict[int, None] = OrderedDict()
        self.referenced: set[int] = set()

    def hit(self, p: int, i: int) -> None:
        if p in self.inactive and p in self.referenced:
            del self.inactive[p]
            self.active[p] = None  # activate
            self.referenced.discard(p)
        else:
            self.referenced.add(p)  # mark_page_accessed's first touch

    def _reclaim(self) -> int:
        while len(self.active) > len(self.inactive):  # shrink_active_list
            page, _ = self.active.popitem(last=False)
            self.referenced.discard(page)
            self.inactive[page] = None
        while True:  # shrink_inactive_list
            page, _ = self.inactive.popitem(last=False)
            if page in self.referenced:
                self.referenced.discard(page)
                self.inactive[page] = None  # second chance
            else:
                return page

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.active) + len(self.inactive) == self.frames:
            victim = self._reclaim()
        self.referenced.discard(p)
        self.inactive[p] = None
        return victim


class MRU(LRU):
    """Most recently used: LRU's order, the other end (OSTEP's MRU)."""

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.pages) == self.frames:
            victim, _ = self.pages.popitem(last=True)
        self.pages[p] = None
        return victim


class Random:
    """OSTEP's RAND: the resident pages in a list in arrival order; a miss with
    every frame used pops ``int(random.random() * count)`` from it, with
    Python's generator seeded by ``seed``."""

    def __init__(self, frames: int, trace: Sequence[int], seed: int = 0) -> None:
        self.frames = frames
        self.memory: list[int] = []
        self.rng = random.Random(seed)

    def hit(self, p: int, i: int) -> None:
        pass

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.memory) == self.frames:
            victim = self.memory.pop(int(self.rng.random() * self.frames))
        self.memory.append(p)
        return victim


class Sieve:
    """SIEVE with libCacheSim's conventions: a queue (here a list, oldest
    first), a visited bit per page (clear on entry, set by a hit) and a hand
    that rests on a page (None: start at the oldest).  To evict, the hand
    clears set bits moving toward newer pages, wrapping to the oldest, evicts
    the first page whose bit is clear and rests on the next newer page."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.queue: list[int] = []
        self.visited: dict[int, bool] = {}
        self.hand: int | None = None

    def hit(self, p: int, i: int) -> None:
        self.visited[p] = True

    def miss(self, p: int, i: int) -> int | None:
        victim = None
        if len(self.queue) == self.frames:
            j = 0 if self.hand is None else self.queue.index(self.hand)
            while self.visited[self.queue[j]]:
                self.visited[self.queue[j]] = False
                j = (j + 1) % len(self.queue)
            victim = self.queue.pop(j)
            del self.visited[victim]
            self.hand = self.queue[j] if j < len(self.queue) else None
        self.queue.append(p)
        self.visited[p] = False
        return victim


class TwoQ:
    """2Q with libCacheSim's defaults (rules in :mod:`pagewalk.trace.fast.twoq`):
    OrderedDicts with the newest page at the end."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.kin = int(frames * 0.25)
        self.kout = int(frames * 0.5)
        self.a1in: OrderedDict[int, None] = OrderedDict()
        self.am: OrderedDict[int, None] = OrderedDict()
        self.a1out: OrderedDict[int, None] = OrderedDict()

    def hit(self, p: int, i: int) -> None:
        if p in self.am:
            self.am.move_to_end(p)

    def miss(self, p: int, i: int) -> int | None:
        ghost = p in self.a1out
        if ghost:
            del self.a1out[p]
        victim = None
        if len(self.a1in) + len(self.am) == self.frames:
            if len(self.a1in) > self.kin:
                victim, _ = self.a1in.popitem(last=False)
                if len(self.a1out) == self.kout:
                    self.a1out.popitem(last=False)
                self.a1out[victim] = None
            else:
                victim, _ = self.am.popitem(last=False)
        (self.am if ghost else self.a1in)[p] = None
        return victim


class S3FIFO:
    """S3-FIFO with libCacheSim's defaults (rules in
    :mod:`pagewalk.trace.fast.s3fifo`): OrderedDicts with the newest page at
    the end, ``freq`` per resident page."""

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.s_size = int(frames * 0.1)
        self.m_size = frames - self.s_size
        self.g_size = int(frames * 0.9)
        self.small: OrderedDict[int, None] = OrderedDict()
        self.main: OrderedDict[int, None] = OrderedDict()
        self.ghost: OrderedDict[int, None] = OrderedDict()
        self.freq: dict[int, int] = {}
        self.full_once = False  # libCacheSim's has_evicted

    def hit(self, p: int, i: int) -> None:
        self.freq[p] += 1

    def _evict_main(self) -> int:
        while True:
            u, _ = self.main.popitem(last=False)
            if self.freq[u] == 0:
                return u
            self.main[u] = None
            self.freq[u] = min(self.freq[u], 3) - 1

    def _evict(self) -> int:
        if len(self.main) > self.m_size or not self.small:
            return self._evict_main()
        while self.small:
            u, _ = self.small.popitem(last=False)
            if self.freq[u] >= 2:
                self.main[u] = None
                self.freq[u] = 0
                continue
            if self.g_size > 0:
                if len(self.ghost) >= self.g_size:
                    self.ghost.popitem(last=False)
                self.ghost[u] = None
            return u
        return self._evict_main()

    def miss(self, p: int, i: int) -> int | None:
        ghost = p in self.ghost
        if ghost:
            del self.ghost[p]
        victim = None
        if len(self.small) + len(self.main) == self.frames:
            self.full_once = True
            victim = self._evict()
            del self.freq[victim]
        to_main = ghost or (not self.full_once and len(self.small) >= self.s_size)
        (self.main if to_main else self.small)[p] = None
        self.freq[p] = 0
        return victim


class LIRS:
    """LIRS with libCacheSim's ``LIRS(k)`` (rules in :mod:`pagewalk.trace.fast.lirs`).

    Three LRU stacks as OrderedDicts, newest at the end: ``s`` (page -> [LIR,
    resident]), ``q`` (resident HIR pages) and ``nh`` (non-resident HIR pages
    of ``s``, oldest dropped first when ``s`` outgrows ``2 * frames``); the
    counters ``lirs``, ``hirs`` and ``occupied`` are libCacheSim's
    ``lirs_count``, ``hirs_count`` and ``occupied_byte``.  A page is resident
    while a hit on it would be a hit: LIR in ``s``, resident HIR in ``s``, or in
    ``q``.  ``hit`` and ``miss`` return ``(gone, came)``: the pages other than
    the accessed one that stopped being resident, and those that became
    resident without an access (a ghost moved from S's bottom into Q).
    """

    def __init__(self, frames: int, trace: Sequence[int]) -> None:
        self.frames = frames
        self.hirs_limit = max(1, int(0.01 * frames))
        self.lirs_limit = frames - self.hirs_limit
        self.s: OrderedDict[int, list[bool]] = OrderedDict()
        self.q: OrderedDict[int, None] = OrderedDict()
        self.nh: OrderedDict[int, None] = OrderedDict()
        self.lirs = self.hirs = self.occupied = 0
        self.touched: dict[int, bool] = {}  # page -> resident before this access

    def resident(self, x: int) -> bool:
        e = self.s.get(x)
        return x in self.q or (e is not None and (e[0] or e[1]))

    def _prune(self) -> None:
        while len(self.s) > 1:
            tail = next(iter(self.s))
            lir, res = self.s[tail]
            if lir:
                break
            self._touch(tail)
            if not res:
                self.nh.pop(tail, None)
            del self.s[tail]

    def _evict_hir(self) -> None:
        v = next(iter(self.q))
        self._touch(v)
        del self.q[v]
        self.hirs -= 1
        if v in self.s:
            self.s[v][1] = False
            assert v not in self.nh  # libCacheSim would hold it twice
            self.nh[v] = None
        self.occupied -= 1

    def _evict_lir(self) -> None:
        v = next(iter(self.s))
        self._touch(v)  # a non-resident page at S's bottom becomes resident in Q
        del self.s[v]
        self.lirs -= 1
        self.occupied -= 1
        while self.hirs + 1 > self.hirs_limit:
            self._evict_hir()
        assert v not in self.q  # libCacheSim would hold it twice
        self.q[v] = None
        self.hirs += 1
        self.occupied += 1
        self._prune()

    def _limit_stack(self) -> None:
        while len(self.s) > 2 * self.frames and self.nh:
            v, _ = self.nh.popitem(last=False)
            self.s.pop(v, None)

    def _touch(self, v: int) -> None:
        self.touched.setdefault(v, self.resident(v))

    def _changes(self, p: int) -> tuple[list[int], list[int]]:
        """(pages that stopped being resident, pages that became resident), p aside."""
        touched, self.touched = self.touched, {}
        touched.pop(p, None)
        gone = sorted(v for v, was in touched.items() if was and not self.resident(v))
        came = sorted(v for v, was in touched.items() if not was and self.resident(v))
        return gone, came

    def hit(self, p: int, i: int) -> tuple[list[int], list[int]]:
        in_q = p in self.q
        if p in self.s:
            self.s.move_to_end(p)
        if in_q:
            self.q.move_to_end(p)
        e = self.s.get(p)
        if e is not None and e[0]:
            self._prune()
        elif e is not None:  # a resident HIR page in s becomes LIR
            if in_q:
                del self.q[p]
                self.hirs -= 1
                self.occupied -= 1
            while self.lirs + 1 > self.lirs_limit:
                self._evict_lir()
            e[0] = True
            self.lirs += 1
            self.occupied += 1
        else:  # a resident HIR page only in q enters s, still HIR
            while self.lirs + 1 > self.lirs_limit:
                self._evict_lir()
            self.s[p] = [False, True]
        self._limit_stack()
        return self._changes(p)

    def _nonresident_hir(self, p: int) -> bool:
        e = self.s.get(p)
        return e is not None and not e[0] and not e[1]

    def miss(self, p: int, i: int) -> tuple[list[int], list[int]]:
        if p in self.s:  # a non-resident HIR page in s (LIRS_can_insert)
            self.s.move_to_end(p)
            while self.lirs + 1 > self.lirs_limit:
                self._evict_lir()
            self.nh.pop(p, None)
        elif self.lirs + 1 > self.lirs_limit and self.hirs + 1 > self.hirs_limit:
            while self.hirs + 1 > self.hirs_limit:
                self._evict_hir()
        while self.occupied + 1 > self.frames:  # LIRS_evict until there is room
            if self._nonresident_hir(p):
                while self.hirs >= self.hirs_limit:
                    self._evict_hir()
                self._evict_lir()
            elif p not in self.s and p not in self.q \
                    and self.lirs + 1 > self.lirs_limit and self.hirs + 1 > self.hirs_limit:
                self._evict_hir()
            else:
                raise AssertionError("libCacheSim's LIRS_evict would loop forever here")
        if self._nonresident_hir(p):  # LIRS_insert
            self.s[p] = [True, True]
            self.lirs += 1
            self.occupied += 1
        elif p not in self.s and p not in self.q:
            lir = self.lirs + 1 <= self.lirs_limit
            self.s[p] = [lir, True]
            if lir:
                self.lirs += 1
            else:
                self.q[p] = None
                self.hirs += 1
            self.occupied += 1
        self._limit_stack()
        return self._changes(p)

class ClockPro:
    """CLOCK-Pro (Jiang, Chen & Zhang, USENIX ATC '05) with pyclockpro's rules
    (see :mod:`pagewalk.trace.fast.clockpro` for the rules and how they differ from
    the paper).

    One ring of pages, each hot, cold (both resident) or test (a non-resident
    page in its test period), held as ``nxt``/``prv`` dicts; a new page enters
    just behind ``hand_hot``.  ``cold_target`` is the paper's adaptive ``m_c``.
    ``miss`` returns the list of pages evicted (a cold page whose reference bit
    is clear when ``hand_cold`` reaches it becomes a test page); it is usually one
    page, and can be two when the hands chase each other.
    """

    def __init__(self, frames: int, trace: Sequence[int], init_ratio_cold: float = 0.5) -> None:
        self.frames = frames
        self.cold_target = max(1, int(frames * init_ratio_cold))
        self.kind: dict[int, str] = {}      # page -> "hot", "cold" or "test"
        self.ref: dict[int, bool] = {}
        self.nxt: dict[int, int] = {}
        self.prv: dict[int, int] = {}
        self.hand_hot: int | None = None
        self.hand_cold: int | None = None
        self.hand_test: int | None = None
        self.count = {"hot": 0, "cold": 0, "test": 0}
        self.gone: list[int] = []

    def hit(self, p: int, i: int) -> None:
        self.ref[p] = True

    def miss(self, p: int, i: int) -> list[int]:
        self.gone = []
        if self.kind.get(p) == "test":  # back in its test period: it becomes hot
            self.cold_target = min(self.cold_target + 1, self.frames)
            self.count["test"] -= 1
            self._remove(p)
            self._insert(p, "hot")
        else:
            self._insert(p, "cold")
        return self.gone

    def _insert(self, p: int, kind: str) -> None:
        while self.count["hot"] + self.count["cold"] >= self.frames:
            self._run_hand_cold()
        h = self.hand_hot
        if h is None:
            self.nxt[p] = self.prv[p] = p
            self.hand_hot = self.hand_cold = self.hand_test = p
        else:  # just behind hand_hot
            before = self.prv[h]
            self.nxt[before], self.prv[p], self.nxt[p], self.prv[h] = p, before, h, p
        if self.hand_cold == self.hand_hot:
            self.hand_cold = self.prv[self.hand_cold]
        self.kind[p] = kind
        self.ref[p] = False
        self.count[kind] += 1

    def _remove(self, p: int) -> None:
        """Take ``p`` off the ring; a hand resting on it steps back."""
        before, after = self.prv.pop(p), self.nxt.pop(p)
        if self.hand_hot == p:
            self.hand_hot = before
        if self.hand_cold == p:
            self.hand_cold = before
        if self.hand_test == p:
            self.hand_test = before
        self.nxt[before], self.prv[after] = after, before
        del self.kind[p]

    def _run_hand_cold(self) -> None:
        p = self.hand_cold
        if self.kind[p] == "cold":
            self.count["cold"] -= 1
            if self.ref[p]:
                self.kind[p], self.ref[p] = "hot", False
                self.count["hot"] += 1
            else:
                self.kind[p] = "test"
                self.count["test"] += 1
                self.gone.append(p)
                while self.count["test"] > self.frames:
                    self._run_hand_test()
        self.hand_cold = self.nxt[self.hand_cold]
        while self.count["hot"] > self.frames - self.cold_target:
            self._run_hand_hot()

    def _run_hand_hot(self) -> None:
        if self.hand_hot == self.hand_test:
            self._run_hand_test()
        p = self.hand_hot
        if self.kind[p] == "hot":
            if self.ref[p]:
                self.ref[p] = False
            else:
                self.kind[p] = "cold"
                self.count["hot"] -= 1
                self.count["cold"] += 1
        self.hand_hot = self.nxt[self.hand_hot]

    def _run_hand_test(self) -> None:
        if self.hand_test == self.hand_cold:
            self._run_hand_cold()
        p = self.hand_test
        if self.kind[p] == "test":  # its test period ends: it leaves the ring
            self._remove(p)
            self.count["test"] -= 1
            if self.cold_target > 1:
                self.cold_target -= 1
        self.hand_test = self.nxt[self.hand_test]


POLICIES = {"lru": LRU, "fifo": FIFO, "clock": Clock, "opt": OPT, "arc": ARC,
            "lfu": LFU, "linux": Linux, "mru": MRU, "random": Random, "sieve": Sieve,
            "2q": TwoQ, "s3fifo": S3FIFO, "lirs": LIRS, "clockpro": ClockPro}


def replay_reference(ids: Sequence[int], writes: Sequence[bool], frames: int,
                     policy: str, demand: bool, seed: int = 0) -> dict[str, int]:
    """Replay page ids (``writes[i]`` true for a write) and return the counters:
    accesses, minor, major, pswpin, pswpout, zero_maps, evictions.

    Cache mode: every access to a page the policy does not hold is a miss;
    "minor" counts first accesses, "major" accesses to pages seen before.
    Demand mode: the rules of :mod:`pagewalk.trace.replay`, verbatim.
    """
    ids = [int(p) for p in ids]
    pol = Random(frames, ids, seed) if policy == "random" else POLICIES[policy](frames, ids)
    c = dict(accesses=len(ids), minor=0, major=0, pswpin=0, pswpout=0, zero_maps=0,
             evictions=0)
    state: dict[int, str] = {}      # absent = NONE; "zero", "resident", "swapped"
    dirty: set[int] = set()
    swap_copy: set[int] = set()

    def evict(victims: int | tuple[list[int], list[int]] | None) -> None:
        came: list[int] = []
        if isinstance(victims, tuple):  # LIRS: (pages gone, pages brought back)
            victims, came = victims
        for page in came:  # back without a fault: read from swap in demand mode
            if demand:
                c["pswpin"] += 1
                swap_copy.add(page)
            state[page] = "resident"
        for victim in [victims] if isinstance(victims, int) else victims or ():
            c["evictions"] += 1
            if demand and (victim in dirty or victim not in swap_copy):
                c["pswpout"] += 1
            dirty.discard(victim)
            swap_copy.add(victim)
            state[victim] = "swapped"

    def take_frame(p: int, i: int) -> None:
        evict(pol.miss(p, i))

    for i, (p, w) in enumerate(zip(ids, writes, strict=True)):
        s = state.get(p, "none")
        if s == "resident":
            if demand and w:
                dirty.add(p)
            evict(pol.hit(p, i))  # LIRS may let pages go on a hit
        elif not demand:
            c["minor" if s == "none" else "major"] += 1
            state[p] = "resident"
            take_frame(p, i)
        elif s == "none" and not w:
            c["minor"] += 1
            c["zero_maps"] += 1
            state[p] = "zero"                      # map the shared zero page
        elif s == "zero" and not w:
            pass                                   # reading the zero page: a hit
        elif s in ("none", "zero"):
            c["minor"] += 1                        # do_anonymous_page
            state[p] = "resident"
            dirty.add(p)
            swap_copy.discard(p)
            take_frame(p, i)
        else:                                      # do_swap_page
            c["major"] += 1
            c["pswpin"] += 1
            state[p] = "resident"
            if w:
                dirty.add(p)
                swap_copy.discard(p)               # the swap slot is freed
            else:
                swap_copy.add(p)
            take_frame(p, i)
    return c
