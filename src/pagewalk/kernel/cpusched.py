"""The CPU scheduler (short-term scheduler): a run queue, time slices, and tasks that
block on the disk while another task gets the CPU
(在处理页故障的过程中……操作系统会选择另外一个进程进入执行状态).

    cpu = CpuScheduler(clock, cost, config)
    se = cpu.attach(task, generator, nice=0, label="scan", program="file_scan")
    clock.schedule(t, STEP, cpu.cpus[0])  ->  cpu.step(cpu.cpus[0])   (the clock's dispatch)

Contract:

* One FIFO run queue shared by ``Config.cpus`` CPUs, round robin with
  ``time_slice``. A CPU ``step`` carries out one *piece* of its current task's
  program (kernel/actions.py) through the normal untimed memory API, up to the end
  of the slice or the next pending wake-up, whichever is first, and charges what it
  cost (kernel/cost.py); then it schedules its own next step at the time the piece
  ended.
* A piece that read from the disk blocks the task in state "D" until the reads
  complete (a WAKE event); ``Sleep`` puts it in "S". Either is a voluntary context
  switch (nvcsw); a slice that expires while another task waits is an involuntary
  one (nivcsw), as /proc/PID/status counts them. A context switch costs
  ``cost_context_switch`` of CPU time, charged to the CPU, not to a task.
* Task states: R runnable, O on a CPU, D blocked on the disk, S sleeping,
  T held by the medium-term scheduler, X done. Every change is logged on the
  clock's event log, and each state's time is charged to the task's bucket.
* The CPU scheduler does not decide which tasks may compete for memory: that is the
  medium-term scheduler's (kernel/loadctl.py), which it calls through the
  ``MediumTerm`` hooks below and which may take tasks out of, and put them back
  into, the run queue (``hold`` and ``release``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any, Protocol

from ..errors import InvalidArgument, Signal
from .actions import Access, Action, Compute, Sleep, Syscall
from .clock import NS, STEP, WAKE, EventClock, to_ns
from .cost import CostModel
from .traps import user_access
from .workingset import WorkingSet

# Outcomes of executing a piece of a task.
RUN, BLOCK, SLEEP, EXIT = 0, 1, 2, 3


class SchedEntity:
    """The schedulers' view of one task running a program (struct sched_entity and
    the task's run state). ``state``: R runnable, O on a CPU, D blocked on the disk,
    S sleeping, T held by the medium-term scheduler, X done."""

    __slots__ = ("action", "activated", "admitted", "blocked_ns", "cpu_ns", "end_ns", "error",
                 "gen", "label", "nice", "pos", "prefetch", "program", "remaining",
                 "runnable_ns", "running_ns", "send", "since", "sleep_ns", "start_ns", "state",
                 "suspended", "suspended_ns", "swapin", "task", "throw", "wset")

    def __init__(self, task, gen: Generator, nice: int, label: str, now: int,
                 wset: WorkingSet) -> None:
        self.task = task
        self.gen = gen
        self.nice = nice
        self.label = label
        self.program = getattr(gen, "__name__", "program")
        self.state = "R"
        self.since = now
        self.start_ns = now
        self.end_ns: int | None = None
        self.action: Action | None = None
        self.pos = 0
        self.remaining = 0
        self.send: Any = None
        self.throw: BaseException | None = None
        self.error: str | None = None
        self.cpu_ns = self.blocked_ns = self.runnable_ns = self.running_ns = 0
        self.sleep_ns = self.suspended_ns = 0
        self.suspended = False                      # held by the medium-term scheduler
        self.admitted = True                        # ever let into memory (kernel/loadctl.py)
        self.swapin = False                         # swap in before the next piece
        self.prefetch: set[int] = set()             # the pages to swap in
        self.activated = 0
        self.wset = wset

    def set_state(self, state: str, now: int) -> None:
        """Leave the current state at ``now``, charging its time to its bucket."""
        d = max(0, now - self.since)
        old = self.state
        if old == "R":
            self.runnable_ns += d
        elif old == "O":
            self.running_ns += d
        elif old == "D":
            self.blocked_ns += d
        elif old == "S":
            self.sleep_ns += d
        elif old == "T":
            self.suspended_ns += d
        self.state = state
        self.since = max(self.since, now)

    def __repr__(self) -> str:
        return f"<SchedEntity {self.label} {self.state} cpu={self.cpu_ns / NS:.6f}s>"


class Cpu:
    """One CPU: what it runs, what it ran last (a switch costs), its busy time."""

    __slots__ = ("busy_ns", "curr", "id", "idle", "last", "overhead_ns", "slice_left")

    def __init__(self, i: int) -> None:
        self.id = i
        self.curr: SchedEntity | None = None
        self.last: SchedEntity | None = None
        self.idle = True
        self.slice_left = 0
        self.busy_ns = 0
        self.overhead_ns = 0


class MediumTerm(Protocol):
    """What the CPU scheduler asks of the medium-term scheduler (kernel/loadctl.py)."""

    def ran(self, se: SchedEntity, t: int) -> None:
        """``se`` ran a piece that ended at ``t`` (sample its working set)."""

    def balance(self, t: int) -> None:
        """A task blocked, slept, exited or used up its slice at ``t``: suspend or
        admit tasks so that the working sets of those admitted fit."""

    def swap_in(self, se: SchedEntity, t: int) -> tuple[int, int]:
        """``se`` was let back in: bring its working set back. (CPU ns, reads done)."""


class CpuScheduler:
    """The run queue and the CPUs; ``step`` is the event handler of a CPU."""

    def __init__(self, clock: EventClock, cost: CostModel, config) -> None:
        self.clock = clock
        self.cost = cost
        self.cpus = [Cpu(i) for i in range(config.cpus)]
        self.runqueue: deque[SchedEntity] = deque()
        self.entities: list[SchedEntity] = []
        self.slice = max(1, to_ns(config.time_slice))
        self.until: int | None = None               # the end of the current run (ns)
        self.medium: MediumTerm | None = None

    def attach(self, se: SchedEntity) -> SchedEntity:
        """A new task: it starts runnable, at the tail of the run queue."""
        self.entities.append(se)
        self.runqueue.append(se)
        return se

    def log(self, t: int, kind: str, se: SchedEntity | None, cpu: int = -1,
            detail: str = "") -> None:
        self.clock.record(t, kind, se.label if se else "", cpu, detail)

    # -- the run queue --------------------------------------------------------------------
    def kick(self) -> None:
        """Start idle CPUs while runnable tasks wait."""
        waiting = len(self.runqueue)
        for cpu in self.cpus:
            if not waiting:
                return
            if cpu.idle and cpu.curr is None:
                cpu.idle = False
                self.clock.schedule(self.clock.now, STEP, cpu)
                waiting -= 1

    def hold(self, se: SchedEntity, t: int) -> None:
        """Take a runnable ``se`` out of the run queue (state T). A task on a CPU leaves
        it at its next step; one in D or S goes to T when it wakes."""
        if se.state == "R":
            self.runqueue.remove(se)
            se.set_state("T", t)

    def release(self, se: SchedEntity, t: int) -> None:
        """Put a held ``se`` back into the run queue."""
        if se.state == "T":
            se.set_state("R", t)
            self.runqueue.append(se)
            self.kick()

    def wake(self, se: SchedEntity) -> None:
        """I/O done or sleep over: runnable again (or held, if the medium-term scheduler
        suspended it meanwhile)."""
        now = self.clock.now
        if se.state == "X":
            return
        if se.suspended:
            se.set_state("T", now)
            self.log(now, "wake", se, detail="suspended")
            return
        se.set_state("R", now)
        self.runqueue.append(se)
        self.log(now, "wake", se)
        self.kick()

    def step(self, cpu: Cpu) -> None:
        """The CPU's event: switch tasks if needed, run one piece, schedule the next step."""
        now = self.clock.now
        se = cpu.curr
        if se is not None and se.suspended:         # the medium-term scheduler took it off
            se.set_state("T", now)
            se.task.stats.nivcsw += 1
            cpu.curr = None
            se = None
        elif se is not None and cpu.slice_left <= 0:  # the slice is over
            if self.runqueue:
                se.set_state("R", now)
                se.task.stats.nivcsw += 1
                self.runqueue.append(se)
                cpu.curr = None
                self.log(now, "preempt", se, cpu.id)
                se = None
            else:
                cpu.slice_left = self.slice
        start = now
        if se is None:
            if not self.runqueue:
                cpu.idle = True
                self.log(now, "idle", None, cpu.id)
                return
            se = self.runqueue.popleft()
            if cpu.last is not se and cpu.last is not None:
                start += self.cost.c_cs
                cpu.busy_ns += self.cost.c_cs
                cpu.overhead_ns += self.cost.c_cs
            se.set_state("O", now)
            cpu.curr = cpu.last = se
            cpu.slice_left = self.slice
            cpu.idle = False
            self.log(now, "run", se, cpu.id)
        budget = cpu.slice_left                     # run up to the next wake-up; other
        wake = self.clock.next_wake(start)          # CPUs' steps do not cut a piece
        if wake is not None:
            budget = min(budget, wake - start)
        if self.until is not None:
            budget = min(budget, self.until - start)
        cost, outcome, arg = self.execute(se, start, max(budget, 1))
        finish = start + cost
        se.cpu_ns += cost
        cpu.busy_ns += cost
        cpu.slice_left -= cost
        if outcome == EXIT:
            se.set_state("X", finish)
            se.end_ns = finish
            cpu.curr = None
            self.log(finish, "exit", se, cpu.id, se.error or "")
        else:
            if self.medium is not None:
                self.medium.ran(se, finish)
            if outcome in (BLOCK, SLEEP):
                state = "D" if outcome == BLOCK else "S"
                se.set_state(state, finish)
                se.task.stats.nvcsw += 1
                cpu.curr = None
                self.log(finish, "block" if state == "D" else "sleep", se, cpu.id)
                self.clock.schedule(max(arg, finish), WAKE, se)
        if self.medium is not None and (outcome != RUN or cpu.slice_left <= 0):
            self.medium.balance(finish)
        self.clock.schedule(finish, STEP, cpu)

    # -- executing a program ----------------------------------------------------------------
    def finish(self, se: SchedEntity, error: str | None = None) -> None:
        """The program ended: the task exits (status 0, as when main returns) unless a
        signal killed it already; a zombie until its parent waits, as usual."""
        se.error = error
        se.action = None
        se.gen.close()
        if se.task.alive:
            se.task.exit(0 if error is None else 1)

    def execute(self, se: SchedEntity, start: int, budget: int) -> tuple[int, int, int]:
        """Run ``se`` from ``start`` for about ``budget`` ns (at least one step).
        Returns (cost, outcome, wake time for BLOCK/SLEEP)."""
        task = se.task
        charge, snap = self.cost.charge, self.cost.snap
        cost = 0
        if se.swapin and self.medium is not None:   # let back in: its working set first
            se.swapin = False
            cost, done = self.medium.swap_in(se, start)
            if done:
                return cost, BLOCK, done
        while True:
            act = se.action
            if act is None:
                if not task.alive:
                    self.finish(se, f"task died ({task.killed_by or task.exit_code})")
                    return cost, EXIT, 0
                before = snap(task)
                try:
                    if se.throw is not None:
                        exc, se.throw = se.throw, None
                        act = se.gen.throw(exc)
                    else:
                        act = se.gen.send(se.send)
                except StopIteration:
                    act = None
                    c, done = charge(before, task, start + cost, False)
                    self.finish(se)
                    return cost + c, EXIT, 0
                except Signal as sig:
                    self.finish(se, f"{sig.signal} {sig.code}")
                    return cost, EXIT, 0
                se.send = None
                c, done = charge(before, task, start + cost, False)
                cost += c
                se.action = act
                if isinstance(act, Compute):
                    se.remaining = to_ns(act.seconds)
                se.pos = 0
                if done:
                    return cost, BLOCK, done
                if act is None:                     # a bare yield: a preemption point
                    cost += self.cost.c_access
                    if cost >= budget:
                        return cost, RUN, 0
                    continue
            if isinstance(act, Access):
                c, outcome, arg = self.access(se, act, start + cost, budget - cost)
                cost += c
                if outcome != RUN:
                    return cost, outcome, arg
            elif isinstance(act, Compute):
                take = min(se.remaining, max(budget - cost, 1))
                cost += take
                se.remaining -= take
                if se.remaining <= 0:
                    se.action = None
            elif isinstance(act, Sleep):
                se.action = None
                return cost, SLEEP, start + cost + to_ns(act.seconds)
            elif isinstance(act, Syscall):
                se.action = None
                before = snap(task)
                try:
                    se.send = act.fn(*act.args, **act.kwargs)
                except Signal as sig:
                    self.finish(se, f"{sig.signal} {sig.code}")
                    return cost, EXIT, 0
                except OSError as exc:
                    se.throw = exc
                c, done = charge(before, task, start + cost, False)
                cost += self.cost.c_sys + c
                if done:
                    return cost, BLOCK, done
            else:
                self.finish(se, f"yielded {act!r}")
                raise InvalidArgument(f"program of {se.label} yielded {act!r}; yield an "
                                      "action (pw.programs.access, compute, sleep, syscall) "
                                      "or nothing")
            if cost >= budget:
                return cost, RUN, 0

    def access(self, se: SchedEntity, act: Access, t0: int, budget: int
               ) -> tuple[int, int, int]:
        """Carry out ``act`` from ``se.pos`` until the budget is spent or a fault reads
        from the disk. Returns (cost, outcome, wake time)."""
        task = se.task
        mm = task.mm
        write = act.write
        tlb = mm.tlb_w if write else mm.tlb_r
        vpns = act.vpns
        n = len(vpns)
        pos = se.pos
        hit = self.cost.c_access + to_ns(act.work)
        miss = hit + self.cost.c_walk
        charge, snap = self.cost.charge, self.cost.snap
        cost = 0
        while pos < n and cost < budget:
            vpn = vpns[pos]
            pos += 1
            if vpn in tlb:
                cost += hit
                continue
            before = snap(task)
            try:
                user_access(task, vpn << 12, write)
            except Signal as sig:
                self.finish(se, f"{sig.signal} {sig.code} at {vpn << 12:#x}")
                return cost, EXIT, 0
            c, done = charge(before, task, t0 + cost, write)
            cost += miss + c
            if mm is not task.mm:                   # exec'd meanwhile (cannot, but be safe)
                break
            if done:
                se.pos = pos
                if pos >= n:
                    se.action = None
                return cost, BLOCK, done
        se.pos = pos
        if pos >= n:
            se.action = None
        return cost, RUN, 0
