"""Working sets: Denning's WS(t, tau), estimated from the accessed bits.

    ws = WorkingSet(interval_ns, keep=5, declared=1024)
    if ws.due(se.cpu_ns):
        ws.sample(task.mm, se.cpu_ns, now_ns)      # test and clear the accessed bits
    ws.size, ws.peak, ws.pages(), ws.full, ws.series

Denning (1968, "The working set model for program behavior") defines the working
set W(t, tau) of a process as the pages it referenced in the last tau units of its
own virtual (CPU) time. Hardware gives no reference times, only an accessed bit per
PTE, so the estimate is sampled (Denning 1980, "Working sets past and present",
section on implementations): every ``interval`` of the task's CPU time its present
PTEs are tested and cleared for the accessed bit (``clear_refs_young``, like
writing 1 to /proc/PID/clear_refs; as there, reclaim then sees those pages as not
recently referenced), and the working set is the union of the pages found
referenced in the last ``keep`` samples (tau = keep * interval).

A program may also *declare* its working set (``Program.working_set``: a loop
knows the pages it cycles through); the medium-term scheduler (kernel/loadctl.py)
uses the declaration or the estimate as its config says.

Contract: ``sample`` changes only the accessed bits and the TLB of the task's own
mm; a window with fewer than ``keep`` samples is not ``full`` yet.
"""

from __future__ import annotations

from collections import deque

from ..arch.pte import _A, _P
from ..mm.pagetable import pte_range

NS = 1_000_000_000


def clear_refs_young(mm) -> set[int]:
    """Test and clear the accessed bit (0x20) of every present PTE of ``mm``, flushing
    each cleared entry from the TLB so that the next access walks and sets it again.
    Returns the virtual page numbers that were young."""
    young: set[int] = set()
    if mm is None:
        return young
    for vma in list(mm.mmap):
        for table, i, addr in pte_range(mm, vma.vm_start, vma.vm_end):
            pte = table[i]
            if pte & _P and pte & _A:
                table[i] = pte & ~_A
                mm.flush_tlb_page(addr)
                young.add(addr >> 12)
    return young


def young_pages(mm) -> set[int]:
    """The virtual page numbers whose present PTE has the accessed bit set (a test,
    nothing cleared): referenced since the last ``clear_refs_young``."""
    if mm is None:
        return set()
    return {addr >> 12 for vma in list(mm.mmap)
            for table, i, addr in pte_range(mm, vma.vm_start, vma.vm_end)
            if table[i] & _P and table[i] & _A}


class WorkingSet:
    """One task's sampled working set (pages), its peak and its history."""

    __slots__ = ("declared", "faults", "hist", "interval", "keep", "next_sample", "peak",
                 "series", "size")

    def __init__(self, interval: int, keep: int, declared: int | None = None) -> None:
        self.interval = interval                    # ns of the task's CPU time; 0: off
        self.keep = keep                            # samples in the window tau
        self.declared = declared                    # pages the program says it uses
        self.next_sample = interval
        self.hist: deque[set[int]] = deque()
        self.size = self.peak = 0
        self.faults = 0                             # the task's faults at the last sample
        self.series: list[tuple[float, int]] = []

    @property
    def full(self) -> bool:
        """True once the window holds ``keep`` samples (a whole tau of CPU time)."""
        return len(self.hist) >= self.keep

    def due(self, cpu_ns: int) -> bool:
        """True when the task's CPU time reached the next sample."""
        return bool(self.keep) and cpu_ns >= self.next_sample

    def sample(self, mm, cpu_ns: int, t: int, faults: int = 0) -> None:
        """Take one sample at the task's CPU time ``cpu_ns`` (real time ``t``, ns);
        ``faults``: the task's page faults so far (min_flt + maj_flt)."""
        while self.next_sample <= cpu_ns:
            self.next_sample += self.interval
        if mm is None:
            return
        self.faults = faults
        self.hist.append(clear_refs_young(mm))
        while len(self.hist) > self.keep:
            self.hist.popleft()
        self.size = len(self.pages())
        self.peak = max(self.peak, self.size)
        self.series.append((t / NS, self.size))

    def pages(self) -> set[int]:
        """The virtual page numbers in the window."""
        return set().union(*self.hist)

    def now(self, mm) -> set[int]:
        """W(t, tau) at this moment: the window's pages and those referenced since its
        last sample."""
        return self.pages() | young_pages(mm)

    def restart(self) -> None:
        """Forget the window (the task was swapped out: its next tau starts afresh)."""
        self.hist.clear()
