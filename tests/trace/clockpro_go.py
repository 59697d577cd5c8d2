"""An independent CLOCK-Pro for the tests: dgryski/go-clockpro, transliterated.

go-clockpro (MIT, github.com/dgryski/go-clockpro, commit edc6d3e) is a Go port
of Sami Lehtinen's Python ``pyclockpro``; its test replays a trace with the
Python code's hit/miss answers.  This is its ``clockpro.go`` in Python,
function for function, with Go's ``container/ring`` spelled out: a ring
element is a ``_Ring`` with ``next``/``prev``, ``Link`` and ``Unlink`` as in
Go.  Nothing here is shared with :mod:`pagewalk.trace.reference` or the
numba kernel.  One addition: ``New(size, mem_cold=...)`` (Go's ``New`` starts
``mem_cold`` at ``size``; pagewalk's default starts it lower, see
``pagewalk.trace.fast.clockpro``).
"""

from __future__ import annotations

PT_TEST, PT_COLD, PT_HOT = 0, 1, 2


class _Entry:
    __slots__ = ("key", "ptype", "ref", "val")

    def __init__(self, key: int, val: object, ptype: int) -> None:
        self.key, self.val, self.ptype, self.ref = key, val, ptype, False


class _Ring:
    """Go's ring.Ring, as much of it as clockpro.go uses."""

    __slots__ = ("next", "prev", "value")

    def __init__(self, value: _Entry) -> None:
        self.value = value
        self.next: _Ring = self
        self.prev: _Ring = self

    def Next(self) -> _Ring:
        return self.next

    def Prev(self) -> _Ring:
        return self.prev

    def Move(self, n: int) -> _Ring:
        r = self
        for _ in range(n):
            r = r.next
        return r

    def Link(self, s: _Ring | None) -> _Ring:
        n = self.next
        if s is not None:
            p = s.prev
            self.next = s
            s.prev = self
            n.prev = p
            p.next = n
        return n

    def Unlink(self, n: int) -> _Ring | None:
        if n <= 0:
            return None
        return self.Link(self.Move(n + 1))


class Cache:
    def __init__(self, size: int, mem_cold: int | None = None) -> None:
        self.mem_max = size
        self.mem_cold = size if mem_cold is None else mem_cold
        self.keys: dict[int, _Ring] = {}
        self.hand_hot: _Ring | None = None
        self.hand_cold: _Ring | None = None
        self.hand_test: _Ring | None = None
        self.count_hot = self.count_cold = self.count_test = 0
        self.evicted: list[int] = []  # pages that left memory (for the tests' counters)

    def Get(self, key: int) -> object | None:
        r = self.keys.get(key)
        if r is None:
            return None
        mentry = r.value
        if mentry.val is None:
            return None
        mentry.ref = True
        return mentry.val

    def Set(self, key: int, value: object) -> None:
        r = self.keys.get(key)
        if r is None:
            r = _Ring(_Entry(key, value, PT_COLD))
            self.meta_add(key, r)
            self.count_cold += 1
            return
        mentry = r.value
        if mentry.val is not None:
            mentry.val = value
            mentry.ref = True
            return
        if self.mem_cold < self.mem_max:
            self.mem_cold += 1
        mentry.ref = False
        mentry.val = value
        mentry.ptype = PT_HOT
        self.count_test -= 1
        self.meta_del(r)
        self.meta_add(key, r)
        self.count_hot += 1

    def meta_add(self, key: int, r: _Ring) -> None:
        self.evict()
        self.keys[key] = r
        r.Link(self.hand_hot)
        if self.hand_hot is None:
            self.hand_hot = self.hand_cold = self.hand_test = r
        if self.hand_cold is self.hand_hot:
            self.hand_cold = self.hand_cold.Prev()

    def meta_del(self, r: _Ring) -> None:
        del self.keys[r.value.key]
        if r is self.hand_hot:
            self.hand_hot = self.hand_hot.Prev()
        if r is self.hand_cold:
            self.hand_cold = self.hand_cold.Prev()
        if r is self.hand_test:
            self.hand_test = self.hand_test.Prev()
        r.Prev().Unlink(1)

    def evict(self) -> None:
        while self.mem_max <= self.count_hot + self.count_cold:
            self.run_hand_cold()

    def run_hand_cold(self) -> None:
        mentry = self.hand_cold.value
        if mentry.ptype == PT_COLD:
            if mentry.ref:
                mentry.ptype = PT_HOT
                mentry.ref = False
                self.count_cold -= 1
                self.count_hot += 1
            else:
                mentry.ptype = PT_TEST
                mentry.val = None
                self.evicted.append(mentry.key)
                self.count_cold -= 1
                self.count_test += 1
                while self.mem_max < self.count_test:
                    self.run_hand_test()
        self.hand_cold = self.hand_cold.Next()
        while self.mem_max - self.mem_cold < self.count_hot:
            self.run_hand_hot()

    def run_hand_hot(self) -> None:
        if self.hand_hot is self.hand_test:
            self.run_hand_test()
        mentry = self.hand_hot.value
        if mentry.ptype == PT_HOT:
            if mentry.ref:
                mentry.ref = False
            else:
                mentry.ptype = PT_COLD
                self.count_hot -= 1
                self.count_cold += 1
        self.hand_hot = self.hand_hot.Next()

    def run_hand_test(self) -> None:
        if self.hand_test is self.hand_cold:
            self.run_hand_cold()
        mentry = self.hand_test.value
        if mentry.ptype == PT_TEST:
            prev = self.hand_test.Prev()
            self.meta_del(self.hand_test)
            self.hand_test = prev
            self.count_test -= 1
            if self.mem_cold > 1:
                self.mem_cold -= 1
        self.hand_test = self.hand_test.Next()


def go_misses(pages: list[int], size: int, mem_cold: int | None = None) -> tuple[int, int]:
    """(misses, evictions) of go-clockpro's ``Get``, then ``Set`` on a miss, in its
    test's order."""
    c = Cache(size, mem_cold)
    misses = 0
    for p in pages:
        if c.Get(p) is None:
            misses += 1
            c.Set(p, p)
    return misses, len(c.evicted)
