"""Data integrity: the kernel model against a reference that is obviously right.

The reference keeps, per task, a dict page -> bytes (copied at fork, zeroed by
MADV_DONTNEED, dropped by munmap and exit). Hypothesis drives both with random
sequences of mmap, write, read, fork, exit, munmap, mprotect and madvise; every
read must return the reference's bytes and ``m.check()`` must hold after every
step. Failures shrink to a short replayable program.
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pagewalk as pw

PAGE = 4096


class KernelVsReference(RuleBasedStateMachine):
    memory = "8MiB"
    swap = 0
    profile = "linux"
    max_pages = 16
    # Every page a task maps may need a frame (or a swap slot): the reference's total
    # stays well inside what the machine can back, so the OOM killer never has to act
    # here (tests/mm/test_oom.py covers that regime).
    budget = 1200

    def __init__(self) -> None:
        super().__init__()
        self.m = pw.Machine(memory=self.memory, swap=self.swap, profile=self.profile)
        init = self.m.spawn("init")
        self.tasks: list[pw.Task] = [init]
        # per task: {vpn: bytearray}, and the regions {start: (npages, writable)}
        self.ref: dict[int, dict[int, bytearray]] = {init.pid: {}}
        self.regions: dict[int, dict[int, list]] = {init.pid: {}}

    # -- helpers --------------------------------------------------------------------
    def _pick(self, data) -> pw.Task:
        return data.draw(st.sampled_from(self.tasks), label="task")

    def _pick_region(self, data, t: pw.Task):
        regions = self.regions[t.pid]
        start = data.draw(st.sampled_from(sorted(regions)), label="region")
        return start, regions[start]

    # -- rules ------------------------------------------------------------------------
    def _pages(self) -> int:
        return sum(len(pages) for pages in self.ref.values())

    @precondition(lambda self: len(self.tasks) > 0 and self._pages() + 16 <= self.budget)
    @rule(data=st.data(), npages=st.integers(1, 16))
    def mmap(self, data, npages: int) -> None:
        t = self._pick(data)
        a = t.mmap(npages * PAGE, prot="rw", flags="private|anonymous")
        for v in range(npages):
            self.ref[t.pid][(a >> 12) + v] = bytearray(PAGE)
        self.regions[t.pid][a] = [npages, True]

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def write(self, data) -> None:
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, writable) = self._pick_region(data, t)
        if not writable:
            return
        off = data.draw(st.integers(0, npages * PAGE - 1), label="offset")
        n = data.draw(st.integers(1, min(3 * PAGE, npages * PAGE - off)), label="length")
        payload = data.draw(st.binary(min_size=n, max_size=n), label="bytes")
        t.write(start + off, payload)
        pos = start + off
        for i, b in enumerate(payload):
            self.ref[t.pid][(pos + i) >> 12][(pos + i) & 0xFFF] = b

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def read(self, data) -> None:
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, _) = self._pick_region(data, t)
        off = data.draw(st.integers(0, npages * PAGE - 1), label="offset")
        n = data.draw(st.integers(1, min(2 * PAGE, npages * PAGE - off)), label="length")
        got = t.read(start + off, n)
        want = bytearray()
        pos = start + off
        while len(want) < n:
            page = self.ref[t.pid][pos >> 12]
            chunk = min(n - len(want), PAGE - (pos & 0xFFF))
            want += page[pos & 0xFFF:(pos & 0xFFF) + chunk]
            pos += chunk
        assert got == bytes(want), f"pid {t.pid} read {start + off:#x}+{n}"

    @precondition(lambda self: 0 < len(self.tasks) < 6 and self._pages()
                  + max(len(pages) for pages in self.ref.values()) <= self.budget)
    @rule(data=st.data())
    def fork(self, data) -> None:
        t = self._pick(data)
        c = t.fork()
        self.tasks.append(c)
        self.ref[c.pid] = {v: bytearray(b) for v, b in self.ref[t.pid].items()}
        self.regions[c.pid] = {s: list(r) for s, r in self.regions[t.pid].items()}

    @precondition(lambda self: len(self.tasks) > 1)
    @rule(data=st.data())
    def exit(self, data) -> None:
        t = data.draw(st.sampled_from(self.tasks[1:]), label="task")
        t.exit(0)
        if t.parent is not None and t in t.parent.children:
            t.parent.wait(t)
        self.tasks.remove(t)
        del self.ref[t.pid], self.regions[t.pid]

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def munmap(self, data) -> None:
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, writable) = self._pick_region(data, t)
        first = data.draw(st.integers(0, npages - 1), label="first")
        count = data.draw(st.integers(1, npages - first), label="count")
        t.munmap(start + first * PAGE, count * PAGE)
        for v in range(count):
            del self.ref[t.pid][(start >> 12) + first + v]
        del self.regions[t.pid][start]
        if first:
            self.regions[t.pid][start] = [first, writable]
        if first + count < npages:
            self.regions[t.pid][start + (first + count) * PAGE] = [npages - first - count,
                                                                   writable]

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data(), writable=st.booleans())
    def mprotect(self, data, writable: bool) -> None:
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, region = self._pick_region(data, t)
        t.mprotect(start, region[0] * PAGE, "rw" if writable else "r")
        region[1] = writable

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def madvise_dontneed(self, data) -> None:
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, _) = self._pick_region(data, t)
        first = data.draw(st.integers(0, npages - 1), label="first")
        count = data.draw(st.integers(1, npages - first), label="count")
        t.madvise(start + first * PAGE, count * PAGE, "dontneed")
        for v in range(count):
            self.ref[t.pid][(start >> 12) + first + v] = bytearray(PAGE)

    # -- invariants --------------------------------------------------------------------
    @invariant()
    def kernel_invariants_hold(self) -> None:
        self.m.check()

    @invariant()
    def rss_never_exceeds_mapped(self) -> None:
        for t in self.tasks:
            assert t.stats.rss <= len(self.ref[t.pid]) + 64


TestKernelVsReference = KernelVsReference.TestCase
TestKernelVsReference.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


class ClassicKernelVsReference(KernelVsReference):
    profile = "classic"


TestClassicKernelVsReference = ClassicKernelVsReference.TestCase
TestClassicKernelVsReference.settings = settings(
    max_examples=30, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
