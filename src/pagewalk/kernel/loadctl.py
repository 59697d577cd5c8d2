"""The medium-term scheduler: working sets, load control, suspend and resume.

Contract: it decides which tasks may compete for memory; the CPU scheduler
(kernel/cpusched.py) decides which of those runs. It samples each task's working
set (kernel/workingset.py) as the task runs, and with ``Config.load_control`` it
suspends tasks while the working sets of the active ones exceed ``capacity()``
and resumes them when theirs fits again. A suspended task is held in state T and
its anonymous memory is paged out (MADV_PAGEOUT); when it is resumed, its first
piece swaps it back in (MADV_WILLNEED) before its program goes on.
"""

from __future__ import annotations

import contextlib
from collections import deque

from ..arch.pte import _P
from ..errors import Signal
from ..mm.pagetable import pte_range
from .cost import CostModel
from .cpusched import CpuScheduler, SchedEntity
from .traps import user_access


class MediumTermScheduler:
    """Working-set sampling and load control for one machine."""

    def __init__(self, machine, cpu: CpuScheduler, cost: CostModel) -> None:
        self.machine = machine
        self.cpu = cpu
        self.cost = cost
        self.load_control = machine.config.load_control
        self.suspended: deque[SchedEntity] = deque()

    def ran(self, se: SchedEntity, t: int) -> None:
        """Sample ``se``'s working set when its CPU time reached the next sample."""
        ws = se.wset
        if not ws.due(se.cpu_ns):
            return
        alive = se.task.alive
        ws.sample(se.task.mm if alive else None, se.cpu_ns, t)
        if alive and self.load_control:
            self.balance(t)

    def capacity(self) -> int:
        """Pages the working sets may use: memory less the kernel's reserve (the high
        watermark) and the page tables."""
        m = self.machine
        return m.phys.nr_frames - m.reclaim.watermarks.high - m.nr_pagetable

    def balance(self, t: int) -> None:
        """Suspend while the active working sets exceed ``capacity()``: the victim is the
        task of lowest priority (highest nice), among equals the one activated last
        (it has the least invested in memory). Resume suspended tasks, first
        suspended first, when their largest working set seen fits beside the others."""
        if not self.load_control:
            return
        cap = self.capacity()
        active = [e for e in self.cpu.entities if e.state != "X" and not e.suspended]
        demand = {e: self._demand(e) for e in active}
        total = sum(demand.values())
        suspended = False
        while total > cap and len(active) > 1:
            victim = max(active, key=lambda e: (e.nice, e.activated, e.task.pid))
            active.remove(victim)
            total -= demand[victim]
            self._suspend(victim, t)
            suspended = True
        while self.suspended and not suspended:
            cand = self.suspended[0]
            if active and total + cand.wset.peak > cap:
                break
            self.suspended.popleft()
            active.append(cand)
            total += cand.wset.peak
            self._resume(cand, t)

    def swap_in(self, se: SchedEntity, t: int) -> tuple[int, int]:
        """The swapper brings a resumed task back: one read of all its swapped pages
        (MADV_WILLNEED), then each is mapped again (minor faults on the swap cache).
        Returns (CPU cost, when the reads complete)."""
        done = self._madvise_anon(se, "willneed", t)
        task = se.task
        if not task.alive:
            return 0, done
        before = self.cost.snap(task)
        mm = task.mm
        for vma in list(mm.mmap):
            if vma.vm_file is not None:
                continue
            swapped = [a for table, i, a in pte_range(mm, vma.vm_start, vma.vm_end)
                       if table[i] and not table[i] & _P]
            for addr in swapped:
                try:
                    user_access(task, addr, False)
                except Signal:
                    return 0, done
        cost, done2 = self.cost.charge(before, task, t, False)
        return cost + self.cost.c_sys, max(done, done2)

    def _demand(self, se: SchedEntity) -> int:
        """The frames ``se`` needs: its working set; before it has run for tau (the
        window is not full yet) its footprint (resident and swapped pages) if larger."""
        if se.wset.full or not se.task.alive:
            return se.wset.size
        st = se.task.stats
        return max(se.wset.size, st.rss + st.swap)

    def _suspend(self, se: SchedEntity, t: int) -> None:
        """Take ``se`` off the CPUs and swap its anonymous memory out (MADV_PAGEOUT):
        the medium-term scheduler frees its frames for the others at once."""
        se.suspended = True
        self.suspended.append(se)
        se.wset.peak = max(se.wset.peak, self._demand(se))
        self.cpu.log(t, "suspend", se, detail=f"ws={se.wset.peak}")
        self.cpu.hold(se, t)
        self._madvise_anon(se, "pageout", t)

    def _madvise_anon(self, se: SchedEntity, advice: str, t: int) -> int:
        """``advice`` over every private anonymous VMA of ``se``; the I/O it caused is
        queued on the disk at ``t``. Returns when its reads complete (0: none)."""
        task = se.task
        if not task.alive:
            return 0
        before = self.cost.snap(task)
        for vma in list(task.mm.mmap):
            if vma.vm_file is None:
                with contextlib.suppress(OSError, ValueError):
                    task.madvise(vma.vm_start, vma.vm_end - vma.vm_start, advice)
        return self.cost.charge(before, task, t, False)[1]

    def _resume(self, se: SchedEntity, t: int) -> None:
        """Let ``se`` run again; its first step swaps its memory back in (MADV_WILLNEED)."""
        se.suspended = False
        se.swapin = True
        se.wset.restart()                           # its window starts again
        self.cpu.clock.seq += 1
        se.activated = self.cpu.clock.seq
        self.cpu.log(t, "resume", se, detail=f"ws={se.wset.peak}")
        self.cpu.release(se, t)
