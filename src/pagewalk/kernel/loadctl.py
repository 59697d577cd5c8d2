"""The medium-term scheduler: load control by working set (Denning's working-set policy).

Which tasks may compete for memory is decided here; which of those runs is the CPU
scheduler's business (kernel/cpusched.py). With ``Config.load_control`` off, every
task is admitted at once and only its working set is sampled (for the report).

With it on, this is the load control of Denning's working-set policy (P. J.
Denning, "The working set model for program behavior", CACM 1968; "Working sets
past and present", IEEE TSE 1980): *a task runs only while its working set is
resident, and a task is admitted only while the working sets of the admitted ones
fit in memory*. Concretely:

* **Working set** of a task: the pages it declared (``Program.working_set``, e.g. a
  loop's pages) when ``lc_working_set = "declared"`` and it declared one, otherwise
  Denning's W(t, tau) sampled from the accessed bits (kernel/workingset.py, tau =
  ``ws_tau``), plus the pages it faulted in since the last sample (they were
  referenced within tau; at most its footprint), so that a growing working set is
  seen at the next slice, not at the next sample; until a whole tau of its CPU time
  has been sampled, its footprint so far (resident and swapped pages) if larger.
  A newcomer that declares nothing (the "initial estimate" problem of the 1980
  paper) is guessed at the mean of the working sets measured so far; before any
  was measured, newcomers are admitted one at a time, each when the one before it
  is measured or done.
* **Capacity**: memory less the kernel's reserve (the high watermark) and the page
  tables, less the margin ``lc_margin`` (a fraction kept for the page cache, page
  tables and the estimate's error).
* **Admission**: tasks wait in one FIFO queue (new tasks in the order they were
  given programs, suspended tasks behind them); the head is admitted while its
  working set fits beside those admitted, or when no task is admitted (so the
  machine never stops). A waiting task holds no frames: a new one has touched
  nothing, a suspended one was paged out whole.
* **Suspension**: when the admitted working sets outgrow the capacity (a task's
  working set grew), the victim is taken out until they fit again. ``lc_victim =
  "cheapest"``: lowest priority (highest nice) first, then the task whose swap-out
  costs least: one not started yet (it holds nothing), then the fewest pages to
  write (dirty or without a swap copy), then the smallest resident set, then the
  one admitted last. ``"lowest-priority"``: highest nice, then the one admitted
  last. The victim leaves the CPUs and its memory is paged out (MADV_PAGEOUT).
* **Resumption** prefetches the working set: the first piece a resumed task runs
  reads the pages of its working set back from swap (MADV_WILLNEED, one request)
  and maps them, before its program goes on.

The page-fault-frequency policy (Chu and Opderbeck 1972, in the 1980 survey) is
the other way to estimate a resident set from the same hardware; it is not modelled.

Contract: every change is logged on the event log as "suspend" (detail: why and
the working set) and "resume"; nothing here runs a task's program.
"""

from __future__ import annotations

import contextlib
from collections import deque

from ..arch.pte import _D, _P
from ..errors import Signal
from ..mm.memory import vm_normal_page
from ..mm.page import PG_swapcache
from ..mm.pagetable import pte_range
from .cost import CostModel
from .cpusched import CpuScheduler, SchedEntity
from .traps import user_access

WORKING_SET_SOURCES = ("declared", "sampled")
VICTIM_RULES = ("cheapest", "lowest-priority")


class MediumTermScheduler:
    """Working-set sampling, and with load control admission, suspension, resumption."""

    def __init__(self, machine, cpu: CpuScheduler, cost: CostModel) -> None:
        cfg = machine.config
        self.machine = machine
        self.cpu = cpu
        self.cost = cost
        self.load_control = cfg.load_control
        self.margin = cfg.lc_margin
        self.declared = cfg.lc_working_set == "declared"
        self.victim_rule = cfg.lc_victim
        self.waiting: deque[SchedEntity] = deque()   # not admitted, or suspended: FIFO
        self.need: dict[SchedEntity, int] = {}       # working set when it was suspended
        self.guess: dict[SchedEntity, int] = {}      # a newcomer's estimate at admission
        self.growing: dict[SchedEntity, int] = {}    # largest footprint of unmeasured ones
        self.measured: list[int] = []                # working sets seen: newcomers' guess

    # -- hooks of the CPU scheduler --------------------------------------------------------
    def arrive(self, se: SchedEntity) -> None:
        """A task was given a program: with load control it waits for admission."""
        if not self.load_control:
            return
        se.admitted = False
        se.suspended = True
        self.cpu.hold(se, self.cpu.clock.now)
        self.waiting.append(se)

    def start(self, t: int) -> None:
        """A run begins at ``t``: admit what fits, log the tasks left waiting."""
        if not self.load_control:
            return
        self.balance(t)
        for se in self.waiting:
            if not se.admitted:
                self.cpu.log(t, "suspend", se,
                             detail=f"waiting for admission, ws={self.working_set(se)}")

    def ran(self, se: SchedEntity, t: int) -> None:
        """Sample ``se``'s working set when its CPU time reached the next sample."""
        ws = se.wset
        if not ws.due(se.cpu_ns):
            return
        alive = se.task.alive
        st = se.task.stats
        ws.sample(se.task.mm if alive else None, se.cpu_ns, t, st.min_flt + st.maj_flt)
        if ws.full and se in self.growing:          # a whole tau seen: measured
            del self.growing[se]
            self.measured.append(ws.size)
        if alive and self.load_control:
            self.balance(t)

    def balance(self, t: int) -> None:
        """Suspend while the admitted working sets exceed the capacity; otherwise admit
        waiting tasks, first come first served, while theirs fit."""
        if not self.load_control:
            return
        cap = self.capacity() * (1.0 - self.margin)
        for e in [e for e in self.growing if e.state == "X"]:
            self.measured.append(self.growing.pop(e))   # ended before a whole tau
        active = [e for e in self.cpu.entities if e.state != "X" and not e.suspended]
        demand = {e: self.working_set(e) for e in active}
        for e in active:
            if e.cpu_ns and not self.known(e):
                self.growing[e] = max(self.growing.get(e, 0), demand[e])
        total = sum(demand.values())
        suspended = False
        while total > cap and len(active) > 1:
            victim = self.victim(active)
            active.remove(victim)
            total -= demand[victim]
            self._suspend(victim, demand[victim], t)
            suspended = True
        while self.waiting and not suspended:
            cand = self.waiting[0]
            need = self.working_set(cand)
            if self.newcomer(cand):
                if self.measured:                   # the mean of the working sets seen
                    need = round(sum(self.measured) / len(self.measured))
                    self.guess[cand] = need
                elif any(not self.known(e) for e in active):
                    break                           # nothing seen yet: one at a time
            if active and total + need > cap:
                break
            self.waiting.popleft()
            active.append(cand)
            total += need
            self._admit(cand, need, t)

    def swap_in(self, se: SchedEntity, t: int) -> tuple[int, int]:
        """Prefetch the working set of a resumed task: read its swapped pages back in one
        request (MADV_WILLNEED), then map each (minor faults on the swap cache).
        Returns (CPU cost, when the reads complete)."""
        task = se.task
        want, se.prefetch = se.prefetch, set()
        if not task.alive or not want:
            return 0, 0
        mm = task.mm
        before = self.cost.snap(task)
        swapped: list[int] = []
        for vma in list(mm.mmap):
            if vma.vm_file is not None:
                continue
            for table, i, addr in pte_range(mm, vma.vm_start, vma.vm_end):
                if addr >> 12 in want and table[i] and not table[i] & _P:
                    swapped.append(addr)
        for lo, hi in _runs(swapped):
            with contextlib.suppress(OSError, ValueError):
                task.madvise(lo, hi - lo, "willneed")
        for addr in swapped:
            try:
                user_access(task, addr, False)
            except Signal:
                break
        cost, done = self.cost.charge(before, task, t, False)
        return cost + self.cost.c_sys, done

    # -- the policy ----------------------------------------------------------------------
    def capacity(self) -> int:
        """Pages the working sets may use: memory less the kernel's reserve (the high
        watermark) and the page tables (before the margin)."""
        m = self.machine
        return m.phys.nr_frames - m.reclaim.watermarks.high - m.nr_pagetable

    def working_set(self, se: SchedEntity) -> int:
        """The frames ``se`` needs (see the module's docstring)."""
        ws = se.wset
        if self.declared and ws.declared is not None:
            return ws.declared
        if se in self.need:                         # suspended: what it had
            return self.need[se]
        if not se.task.alive:
            return ws.size
        st = se.task.stats
        footprint = st.rss + st.swap
        if ws.full:                                 # W(t, tau), and the pages faulted in
            faults = st.min_flt + st.maj_flt - ws.faults   # since it was sampled
            return min(ws.size + faults, max(ws.size, footprint))
        return max(ws.size, footprint, self.guess.get(se, 0))

    def known(self, se: SchedEntity) -> bool:
        """``se``'s working set is known: declared (and used), or a whole tau sampled."""
        return (self.declared and se.wset.declared is not None) or se.wset.full \
            or se in self.need

    def newcomer(self, se: SchedEntity) -> bool:
        """Never ran, and its working set is not known."""
        return se.cpu_ns == 0 and not self.known(se)

    def victim(self, active: list[SchedEntity]) -> SchedEntity:
        """The task to suspend among ``active`` (``lc_victim``)."""
        if self.victim_rule == "lowest-priority":
            return max(active, key=lambda e: (e.nice, e.activated, e.task.pid))
        return min(active, key=lambda e: (-e.nice, e.cpu_ns > 0, self.swap_out_cost(e),
                                          e.task.stats.rss, -e.activated, -e.task.pid))

    def swap_out_cost(self, se: SchedEntity) -> int:
        """Pages that paging ``se`` out would write: present pages that are dirty, and
        anonymous pages without a copy in swap."""
        mm = se.task.mm
        if mm is None or not se.task.alive:
            return 0
        n = 0
        for vma in list(mm.mmap):
            anon = vma.vm_file is None
            for table, i, _addr in pte_range(mm, vma.vm_start, vma.vm_end):
                pte = table[i]
                if not pte & _P:
                    continue
                if pte & _D:
                    n += 1
                elif anon:
                    page = vm_normal_page(self.machine, pte)
                    if page is not None and not page.flags & PG_swapcache:
                        n += 1
        return n

    # -- carrying it out -----------------------------------------------------------------
    def _admit(self, se: SchedEntity, need: int, t: int) -> None:
        """Let ``se`` compete for the CPUs; a suspended task first swaps its working set
        back in (``swap_in``, at its next piece)."""
        se.suspended = False
        first = not se.admitted
        se.admitted = True
        self.need.pop(se, None)
        if se.prefetch:
            se.swapin = True
        se.wset.restart()                           # its window starts again
        self.cpu.clock.seq += 1
        se.activated = self.cpu.clock.seq
        self.cpu.log(t, "resume", se, detail=f"{'admitted' if first else 'resumed'}, "
                                             f"ws={need}")
        self.cpu.release(se, t)

    def _suspend(self, se: SchedEntity, need: int, t: int) -> None:
        """Take ``se`` off the CPUs and page it out whole (MADV_PAGEOUT on every mapping):
        it holds no frames while it waits. Its working set is remembered for the
        prefetch at resumption."""
        se.suspended = True
        self.waiting.append(se)
        self.need[se] = need
        self.cpu.log(t, "suspend", se, detail=f"ws={need}")
        self.cpu.hold(se, t)
        task = se.task
        if not task.alive or se.cpu_ns == 0:
            return
        wset = se.wset
        if wset.full:                               # W(t, tau), resident or not
            se.prefetch = wset.now(task.mm)
        else:                                       # not measured yet: what it holds
            se.prefetch = {a >> 12 for vma in task.mm.mmap
                           for table, i, a in pte_range(task.mm, vma.vm_start, vma.vm_end)
                           if table[i] & _P}
        before = self.cost.snap(task)
        for vma in list(task.mm.mmap):
            with contextlib.suppress(OSError, ValueError):
                task.madvise(vma.vm_start, vma.vm_end - vma.vm_start, "pageout")
        self.cost.charge(before, task, t, False)


def _runs(addrs: list[int]) -> list[tuple[int, int]]:
    """Sorted page addresses as [start, end) runs of neighbours."""
    out: list[tuple[int, int]] = []
    for a in sorted(addrs):
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], a + 4096)
        else:
            out.append((a, a + 4096))
    return out
