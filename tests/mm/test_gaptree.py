"""The VMA tree's gap index against a trivially correct reference.

GapTree (mm/gaptree.py) against a dict scanned from the top; VmaTree's
``unmapped_area_topdown`` against the linear walk get_unmapped_area used before the
gap index (every gap from the top, the first that fits), over random inserts,
removals, moves, stacks with guard gaps and guard changes.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
)

import pagewalk as pw
from pagewalk.mm.gaptree import GapTree
from pagewalk.mm.vma import VM_GROWSDOWN, VMA, VmaTree, vm_start_gap

P = 4096
FLOOR = 16 * P
SPACE = 64           # pages in the model address space of these tests


class GapTreeVsDict(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tree = GapTree(seed=7)
        self.ref: dict[int, int] = {}

    @rule(key=st.integers(-50, 50), size=st.integers(-5, 20))
    def set(self, key, size):
        self.tree.set(key, size)
        self.ref[key] = size

    @rule(key=st.integers(-50, 50))
    def discard(self, key):
        self.tree.discard(key)
        self.ref.pop(key, None)

    @rule(limit=st.integers(-60, 60), size=st.integers(-6, 21))
    def last_fit(self, limit, size):
        want = max((k for k, v in self.ref.items() if k <= limit and v >= size), default=None)
        assert self.tree.last_fit(limit, size) == want

    @rule(key=st.integers(-50, 50))
    def get(self, key):
        assert self.tree.get(key) == self.ref.get(key)
        assert (key in self.tree) == (key in self.ref)

    @invariant()
    def same(self):
        self.tree.check()
        assert list(self.tree.items()) == sorted(self.ref.items())
        assert len(self.tree) == len(self.ref)
        assert self.tree.max_size() == (max(self.ref.values()) if self.ref else None)


TestGapTree = GapTreeVsDict.TestCase
TestGapTree.settings = settings(max_examples=150, stateful_step_count=60, deadline=None)


def reference_topdown(vmas, length, high_limit, top, guard, floor):
    """get_unmapped_area's walk before the gap index: every gap from the top."""
    for i in range(len(vmas), -1, -1):
        hi = vm_start_gap(vmas[i], guard) if i < len(vmas) else top
        lo = vmas[i - 1].vm_end if i > 0 else floor
        hi = min(hi, high_limit)
        if hi - lo >= length:
            return (hi - length) & ~(P - 1)
    return None


class VmaTreeVsLinear(RuleBasedStateMachine):
    vmas = Bundle("vmas")

    @initialize(guard=st.sampled_from([0, P, 3 * P]))
    def setup(self, guard):
        self.tree = VmaTree(guard, FLOOR)
        self.guard = guard

    def _free(self, start, end, skip=None):
        return all(v is skip or v.vm_end <= start or v.vm_start >= end for v in self.tree)

    @rule(target=vmas, start=st.integers(0, SPACE - 1), pages=st.integers(1, 8),
          stack=st.booleans())
    def insert(self, start, pages, stack):
        start, end = start * P, min(start + pages, SPACE) * P
        if not self._free(start, end):
            return None
        vma = VMA(None, start, end, VM_GROWSDOWN if stack else 0)
        self.tree.insert(vma)
        return vma

    @rule(vma=consumes(vmas))
    def remove(self, vma):
        if vma is not None:
            self.tree.remove(vma)

    @rule(vma=vmas, lo=st.integers(-4, 4), hi=st.integers(-4, 4))
    def move(self, vma, lo, hi):
        if vma is None:
            return
        start, end = vma.vm_start + lo * P, vma.vm_end + hi * P
        if 0 <= start < end <= SPACE * P and self._free(start, end, skip=vma):
            self.tree.set_bounds(vma, start, end)
            assert (vma.vm_start, vma.vm_end) == (start, end)

    @rule(guard=st.sampled_from([0, P, 3 * P]))
    def set_guard(self, guard):
        self.tree.set_guard(guard)
        self.guard = guard

    @rule(length=st.integers(1, 24), high=st.integers(0, SPACE + 8), top=st.integers(0, 8))
    def topdown(self, length, high, top):
        top = (SPACE + top) * P
        got = self.tree.unmapped_area_topdown(length * P, high * P, top)
        want = reference_topdown(list(self.tree), length * P, high * P, top, self.guard, FLOOR)
        assert got == want

    @rule(addr=st.integers(0, SPACE * P))
    def find(self, addr):
        want = next((v for v in self.tree if addr < v.vm_end), None)
        assert self.tree.find_vma(addr) is want

    @invariant()
    def consistent(self):
        if hasattr(self, "tree"):
            self.tree.check()


TestVmaTree = VmaTreeVsLinear.TestCase
TestVmaTree.settings = settings(max_examples=150, stateful_step_count=50, deadline=None)


def test_check_names_a_stale_gap():
    tree = VmaTree(0, FLOOR)
    a, b = VMA(None, 20 * P, 30 * P, 0), VMA(None, 40 * P, 50 * P, 0)
    tree.insert(a)
    tree.insert(b)
    a.vm_end = 35 * P           # behind the tree's back: the gap below b is stale
    try:
        tree.check()
    except AssertionError as e:
        assert "gap index" in str(e)
    else:
        raise AssertionError("check() missed a stale gap")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.sampled_from(["r", "rw"])), min_size=1,
                max_size=25),
       st.lists(st.integers(0, 24), max_size=8))
def test_mmap_addresses_match_the_linear_walk(calls, unmaps):
    """A task's mmaps land where the walk from the top puts them, after munmaps too."""
    m = pw.Machine(memory="4MiB")
    t = m.spawn("t")
    placed = []
    for k, (pages, prot) in enumerate(calls):
        mm = t.mm
        want = reference_topdown(list(mm.mmap), pages * P, mm.mmap_base, mm.task_size,
                                 m.config.stack_guard_gap, FLOOR)
        got = t.mmap(pages * P, prot=prot)
        assert got == want
        placed.append((got, pages))
        if k < len(unmaps) and unmaps[k] < len(placed):
            a, n = placed[unmaps[k]]
            t.munmap(a, n * P)
    m.check()
