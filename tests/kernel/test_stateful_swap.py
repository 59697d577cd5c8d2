"""Data integrity under memory pressure: the kernel model against the bytes-per-task
reference of test_stateful.py, on a machine with little RAM and much more swap,
so that almost every run swaps pages out and back in (reclaim runs inside the
faults of the random program). Every read must return what was written and
``m.check()`` (refcounts, mapcounts, RSS, TLB, swap_map counts, LRU lists) must
hold after every step.
"""

from __future__ import annotations

from typing import ClassVar

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings, target
from hypothesis.stateful import precondition, rule, run_state_machine_as_test
from tests.kernel.test_stateful import PAGE, KernelVsReference

import pagewalk as pw

PREFILL = 480                       # pages written by init at the start: more than fits


class SwapVsReference(KernelVsReference):
    memory = "2MiB"
    swap = "16MiB"
    budget = 3000           # of RAM + swap = 512 + 4096 pages: heavy swapping, no OOM
    runs: ClassVar[list[tuple[int, int]]] = []

    def __init__(self) -> None:
        super().__init__()
        init = self.tasks[0]
        a = init.mmap(PREFILL * PAGE)
        self.regions[init.pid][a] = [PREFILL, True]
        for v in range(PREFILL):
            tag = (v * 2654435761 & 0xFFFFFFFF).to_bytes(4, "little")
            init.write(a + v * PAGE, tag)
            page = bytearray(PAGE)
            page[:4] = tag
            self.ref[init.pid][(a >> 12) + v] = page

    @precondition(lambda self: len(self.tasks) > 0 and self._pages() + 160 <= self.budget)
    @rule(data=st.data(), npages=st.integers(16, 160))
    def mmap_big(self, data, npages: int) -> None:
        self.mmap(data, npages)

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data(), value=st.integers(1, 255))
    def fill(self, data, value: int) -> None:
        """Write one byte at a random offset of every page of a region (pressure)."""
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, writable) = self._pick_region(data, t)
        if not writable:
            return
        off = data.draw(st.integers(0, PAGE - 1), label="offset in page")
        for v in range(npages):
            t.write(start + v * PAGE + off, bytes([value]))
            self.ref[t.pid][(start >> 12) + v][off] = value

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data())
    def read_all(self, data) -> None:
        """Read the first bytes of every page of a region (swap-in, readahead hits)."""
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, _) = self._pick_region(data, t)
        for v in range(npages):
            want = bytes(self.ref[t.pid][(start >> 12) + v][:8])
            assert t.read(start + v * PAGE, 8) == want, f"pid {t.pid} page {v}"

    @precondition(lambda self: any(self.regions.get(t.pid) for t in self.tasks))
    @rule(data=st.data(), advice=st.sampled_from(["pageout", "cold", "willneed"]))
    def madvise_swap(self, data, advice: str) -> None:
        """Advice that moves pages between RAM and swap but never changes a byte."""
        t = data.draw(st.sampled_from([t for t in self.tasks if self.regions[t.pid]]))
        start, (npages, _) = self._pick_region(data, t)
        t.madvise(start, npages * PAGE, advice)

    def teardown(self) -> None:
        v = self.m.vmstat
        event(f"swapped out: {v['pswpout'] > 0}, swapped in: {v['pswpin'] > 0}")
        target(float(min(v["pswpout"], v["pswpin"])), label="min(pswpout, pswpin)")
        type(self).runs.append((v["pswpout"], v["pswpin"]))


def test_swap_vs_reference() -> None:
    SwapVsReference.runs = []
    run_state_machine_as_test(SwapVsReference, settings=settings(
        max_examples=20, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    runs = SwapVsReference.runs
    assert all(out for out, _ in runs)                 # the prefill alone swaps out
    assert sum(1 for out, sin in runs if out and sin) * 2 > len(runs)


class ClassicSwapVsReference(SwapVsReference):
    """The classic profile under the same pressure (mapcount COW reuse, no THP)."""

    profile = "classic"
    runs: ClassVar[list[tuple[int, int]]] = []


def test_classic_swap_vs_reference() -> None:
    run_state_machine_as_test(ClassicSwapVsReference, settings=settings(
        max_examples=20, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert all(out for out, _ in ClassicSwapVsReference.runs)


def test_many_tasks_48mib_through_16mib_ram_fork_and_read_back() -> None:
    """16 MiB RAM, 64 MiB swap: four tasks write 12 MiB of distinct data each, each
    forks, and parents and children read everything back."""
    m = pw.Machine(memory="16MiB", swap="64MiB")
    init = m.spawn("init")
    n = 3072                                           # 12 MiB per task
    tasks = []
    for k in range(4):
        t = init.fork(f"w{k}")
        a = t.mmap(n * PAGE)
        for v in range(n):
            t.write(a + v * PAGE + (v % 64) * 8, (k << 24 | v).to_bytes(8, "little"))
        tasks.append((t, a, k))
    m.check()
    assert m.vmstat["pswpout"] > 0
    family = []
    for t, a, k in tasks:
        family += [(t, a, k), (t.fork(f"c{k}"), a, k)]
    m.check()
    for t, a, k in family:
        for v in range(n):
            got = t.read(a + v * PAGE + (v % 64) * 8, 8)
            assert got == (k << 24 | v).to_bytes(8, "little"), (t.pid, v)
    m.check()
    assert m.vmstat["pswpin"] > 0 and m.vmstat["oom_kill"] == 0
    for t, _, _ in family:
        t.exit(0)
    m.check()
    assert m.swap.si.inuse_pages == 0
