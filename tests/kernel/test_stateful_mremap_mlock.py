"""mremap and mlock as operations of the data-integrity state machines: bytes must
survive moves, grows, shrinks, locks, fork and swap (issue 11).

The reference is test_stateful.py's dict of bytes per task; here it also knows
which pages are locked (MADV_DONTNEED on them must be EINVAL and change nothing;
a fork does not inherit locks; under memory pressure locked pages never leave RAM).
"""

from __future__ import annotations

import errno

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, precondition, rule
from tests.kernel.test_stateful import PAGE, KernelVsReference
from tests.kernel.test_stateful_swap import SwapVsReference

import pagewalk as pw

MAX_LOCKED = 128


class MremapMlockMixin:
    """Rules added to a KernelVsReference machine."""

    def _locked(self, t: pw.Task) -> set[int]:
        return self.__dict__.setdefault("locked", {}).setdefault(t.pid, set())

    def _pinned(self, t: pw.Task) -> set[int]:
        """Locked pages populated by mlock (not onfault): they must stay in RAM."""
        return self.__dict__.setdefault("pinned", {}).setdefault(t.pid, set())

    def _with_regions(self):
        return [t for t in self.tasks if self.regions[t.pid]]

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks)
                  and self._pages() + 24 <= self.budget)
    @rule(data=st.data(), grow=st.integers(-8, 8), fixed=st.booleans())
    def mremap(self, data, grow: int, fixed: bool) -> None:
        t = data.draw(st.sampled_from(self._with_regions()), label="task")
        start, (npages, writable) = self._pick_region(data, t)
        new_n = max(1, npages + grow)
        locked = self._locked(t)
        vpns = range(start >> 12, (start >> 12) + npages)
        # a region can lie in several VMAs: partly locked here, or split by a lock the
        # parent held at fork (the child's VMAs lose VM_LOCKED but are not merged)
        several_vmas = len(t.mm.mmap.overlapping(start, start + npages * PAGE)) > 1
        try:
            if fixed and new_n == npages:
                target = t.mmap(new_n * PAGE)
                t.munmap(target, new_n * PAGE)
                for v in range(target >> 12, (target >> 12) + new_n):
                    assert v not in self.ref[t.pid]
                new = t.mremap(start, npages * PAGE, new_n * PAGE, "maymove|fixed", target)
            else:
                new = t.mremap(start, npages * PAGE, new_n * PAGE, "maymove")
        except pw.SyscallError as e:
            # growing a range that lies in two VMAs: EFAULT, as the kernel says
            assert e.errno == errno.EFAULT and several_vmas and new_n > npages
            return
        ref = self.ref[t.pid]
        pages = [ref.pop(v) for v in vpns]
        was_locked = [v in locked for v in vpns]
        pinned = self._pinned(t)
        was_pinned = [v in pinned for v in vpns]
        locked.difference_update(vpns)
        pinned.difference_update(vpns)
        base = new >> 12
        for i in range(new_n):
            ref[base + i] = pages[i] if i < npages else bytearray(PAGE)
            if (i < npages and was_locked[i]) or (i >= npages and was_locked[-1]):
                locked.add(base + i)
            if (i < npages and was_pinned[i]) or (i >= npages and was_pinned[-1]):
                pinned.add(base + i)
        del self.regions[t.pid][start]
        self.regions[t.pid][new] = [new_n, writable]

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data(), onfault=st.booleans())
    def mlock(self, data, onfault: bool) -> None:
        t = data.draw(st.sampled_from(self._with_regions()), label="task")
        start, (npages, _) = self._pick_region(data, t)
        first = data.draw(st.integers(0, npages - 1), label="first")
        count = data.draw(st.integers(1, npages - first), label="count")
        locked = self._locked(t)
        if len(locked) + count > MAX_LOCKED:
            return
        t.mlock2(start + first * PAGE, count * PAGE, "onfault" if onfault else "")
        vpns = range((start >> 12) + first, (start >> 12) + first + count)
        locked.update(vpns)
        if onfault:
            self._pinned(t).difference_update(vpns)
        else:
            self._pinned(t).update(vpns)

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def munlock(self, data) -> None:
        t = data.draw(st.sampled_from(self._with_regions()), label="task")
        start, (npages, _) = self._pick_region(data, t)
        t.munlock(start, npages * PAGE)
        self._locked(t).difference_update(range(start >> 12, (start >> 12) + npages))
        self._pinned(t).difference_update(range(start >> 12, (start >> 12) + npages))

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def madvise_dontneed(self, data) -> None:
        t = data.draw(st.sampled_from(self._with_regions()))
        start, (npages, _) = self._pick_region(data, t)
        first = data.draw(st.integers(0, npages - 1), label="first")
        count = data.draw(st.integers(1, npages - first), label="count")
        vpns = range((start >> 12) + first, (start >> 12) + first + count)
        if any(v in self._locked(t) for v in vpns):
            try:
                t.madvise(start + first * PAGE, count * PAGE, "dontneed")
            except pw.SyscallError as e:
                assert e.errno == errno.EINVAL
                return
            raise AssertionError("MADV_DONTNEED on locked memory must be EINVAL")
        t.madvise(start + first * PAGE, count * PAGE, "dontneed")
        for v in vpns:
            self.ref[t.pid][v] = bytearray(PAGE)

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def munmap(self, data) -> None:           # keep the locked set in step with munmap
        before = {t.pid: set(self.ref[t.pid]) for t in self.tasks}
        super().munmap(data)
        for t in self.tasks:
            gone = before[t.pid] - set(self.ref[t.pid])
            self._locked(t).difference_update(gone)
            self._pinned(t).difference_update(gone)

    @invariant()
    def locked_pages_are_resident(self) -> None:
        for t in self.tasks:
            for v in sorted(self._pinned(t))[:16]:
                info = t.pagemap(v << 12)
                assert not info.swapped, f"locked page {v:#x} of pid {t.pid} was swapped out"


class MremapMlockVsReference(MremapMlockMixin, KernelVsReference):
    pass


class MremapMlockSwapVsReference(MremapMlockMixin, SwapVsReference):
    pass


_SETTINGS = dict(stateful_step_count=40, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestMremapMlockVsReference = MremapMlockVsReference.TestCase
TestMremapMlockVsReference.settings = settings(max_examples=40, **_SETTINGS)
TestMremapMlockSwapVsReference = MremapMlockSwapVsReference.TestCase
TestMremapMlockSwapVsReference.settings = settings(max_examples=10, **_SETTINGS)
