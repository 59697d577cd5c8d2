"""Simulated time and a CPU scheduler: tasks run programs; a major fault waits for the disk
while another task gets the CPU (在处理页故障的过程中……操作系统会选择另外一个进程进入执行状态).

    m = pw.Machine(memory="32MiB", cpus=1, disk="hdd")
    m.spawn("scan", program=pw.programs.file_scan(f))
    m.spawn("calc", program=pw.programs.compute(0.5))
    report = m.run()                     # every program to its end (or run(until=s))

The memory model stays synchronous; time is an overlay. A *program* is a
generator function over a task: ``program(task)`` yields small *actions*
(``Access`` pages, ``Compute`` for a while, ``Sleep``, ``Syscall``; a bare
``yield`` is a preemption point after the program called the task's API
itself). The scheduler executes one action of the current task through the
normal untimed API, measures what it cost from the counters that changed (the
task's min_flt/maj_flt, vmstat pgpgin/pgpgout, pgreuse, RSS for copy-on-write
copies), charges that CPU time (``Config.cost_*``), and if the action read
from the disk the task blocks in state "D" until the disk (kernel/disk.py) has
served the request. Writes (reclaim's swap-outs, writeback) are queued on the
same disk ahead of the read that caused them and do not block the writer.
Simplification: the reads an action starts, readahead included, are waited for
by the task that started them.

Scheduling: one FIFO run queue shared by ``Config.cpus`` CPUs, round robin with
``time_slice``; blocking or sleeping is a voluntary context switch (nvcsw), a
slice that expires while another task waits is an involuntary one (nivcsw), as
/proc/PID/status counts them. Events live in a heap of ``(time, seq, kind,
object)``, so the same machine, programs and seeds give the same timeline, event
for event. Times are integer nanoseconds inside, seconds outside.

Working sets (Denning's WS(t, tau), in the task's virtual time): every
``ws_interval`` of a task's CPU time its present PTEs are tested and cleared for
the accessed bit (``clear_refs_young``, like writing 1 to /proc/PID/clear_refs;
as there, reclaim then sees those pages as not recently referenced), and the
working set is the union of the pages found referenced in the last ``ws_tau``.
``load_control``: when the working sets of the active tasks exceed memory, the
task with the largest (nice, working set, pid) is suspended (state "T") until
the others' working sets leave room, as a medium-term scheduler does.
"""

from __future__ import annotations

import contextlib
import heapq
import math
from collections import deque
from collections.abc import Callable, Generator, Iterable
from typing import Any

from ..arch.pte import _A, _P
from ..errors import InvalidArgument, Signal
from ..mm.pagetable import pte_range
from .disk import Disk, disk_model
from .traps import user_access

NS = 1_000_000_000

_WAKE, _STEP = 0, 1
# Outcomes of executing a piece of a task.
_RUN, _BLOCK, _SLEEP, _EXIT = 0, 1, 2, 3


def to_ns(seconds: float) -> int:
    """Seconds (float) to integer nanoseconds."""
    return round(seconds * NS)


# -- actions a program yields --------------------------------------------------------------
class Action:
    """Something a program asks the scheduler to do for it (see subclasses)."""

    __slots__ = ()


class Access(Action):
    """One access to each virtual page number in ``vpns``, in order; ``work``
    seconds of computation after each access (the program's own instructions)."""

    __slots__ = ("vpns", "work", "write")

    def __init__(self, vpns: Iterable[int], write: bool = False, work: float = 0.0) -> None:
        self.vpns = vpns if isinstance(vpns, range | list | tuple) else list(vpns)
        self.write = bool(write)
        self.work = float(work)

    def __repr__(self) -> str:
        return f"Access({len(self.vpns)} pages, write={self.write}, work={self.work})"


class Compute(Action):
    """Run on the CPU for ``seconds`` without touching memory.

    Also a program: ``m.spawn("calc", program=Compute(0.5))`` computes for 0.5 s."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidArgument(f"compute: seconds={seconds!r}; give a number >= 0")
        self.seconds = float(seconds)

    def __call__(self, task) -> Generator[Action, Any, None]:
        yield self

    def __repr__(self) -> str:
        return f"compute({self.seconds})"


class Sleep(Action):
    """Wait ``seconds`` off the CPU (state "S": a terminal, the network, a timer)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidArgument(f"sleep: seconds={seconds!r}; give a number >= 0")
        self.seconds = float(seconds)

    def __repr__(self) -> str:
        return f"sleep({self.seconds})"


class Syscall(Action):
    """Call ``fn(*args, **kwargs)`` (usually a task method: ``t.mmap``, ``f.read``);
    its result is what the ``yield`` returns. A ``SyscallError`` is thrown into
    the program at the ``yield``."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __repr__(self) -> str:
        return f"Syscall({getattr(self.fn, '__name__', self.fn)!r})"


# -- the timeline ------------------------------------------------------------------------
class Event(tuple):
    """One timeline entry: ``(time, kind, task, cpu, detail)``; time in seconds.

    kinds: run (got a CPU), preempt (slice over: back to the run queue), block
    (state D, waiting for the disk), sleep (state S), wake (runnable again),
    suspend / resume (load control), exit, idle (a CPU with nothing to run)."""

    __slots__ = ()

    def __new__(cls, time: float, kind: str, task: str, cpu: int, detail: str = "") -> Event:
        return tuple.__new__(cls, (time, kind, task, cpu, detail))

    time = property(lambda self: self[0])
    kind = property(lambda self: self[1])
    task = property(lambda self: self[2])
    cpu = property(lambda self: self[3])
    detail = property(lambda self: self[4])


class SchedEntity:
    """The scheduler's view of one task running a program (struct sched_entity and
    the task's run state). ``state``: R runnable, O on a CPU, D blocked on the disk,
    S sleeping, T suspended by load control, X done."""

    __slots__ = ("action", "activated", "blocked_ns", "cpu_ns", "end_ns", "error", "gen", "label",
                 "next_sample", "nice", "pos", "program", "remaining", "runnable_ns", "running_ns",
                 "send", "since", "sleep_ns", "start_ns", "state", "suspended",
                 "suspended_ns", "swapin", "task", "throw", "ws", "ws_hist", "ws_peak", "ws_series")

    def __init__(self, task, gen: Generator, nice: int, label: str, now: int) -> None:
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
        self.suspended = False
        self.swapin = False
        self.next_sample = 0
        self.ws = self.ws_peak = 0
        self.activated = 0
        self.ws_hist: deque[set[int]] = deque()
        self.ws_series: list[tuple[float, int]] = []

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
    __slots__ = ("busy_ns", "curr", "id", "idle", "last", "overhead_ns", "slice_left")

    def __init__(self, i: int) -> None:
        self.id = i
        self.curr: SchedEntity | None = None
        self.last: SchedEntity | None = None
        self.idle = True
        self.slice_left = 0
        self.busy_ns = 0
        self.overhead_ns = 0


# -- working sets ---------------------------------------------------------------------------
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


def as_generator(program: Any, task) -> Generator:
    """The generator a program runs as: ``program(task)`` for a program or a generator
    function, or ``program`` itself if it already is a generator."""
    if isinstance(program, Generator):
        return program
    if callable(program):
        gen = program(task)
        if isinstance(gen, Generator):
            return gen
        raise InvalidArgument(f"program {program!r} returned {type(gen).__name__}, not a "
                              "generator; write it as a generator function (with yield)")
    raise InvalidArgument(f"program={program!r}: give a pw.programs program or a generator "
                          "function taking the task")


class Scheduler:
    """The machine's clock, disk, CPUs and run queue (one per ``Machine``)."""

    def __init__(self, machine) -> None:
        cfg = machine.config
        self.machine = machine
        self.clock = 0                                  # ns
        self.disk = Disk(disk_model(cfg.disk))
        self.cpus = [Cpu(i) for i in range(cfg.cpus)]
        self.runqueue: deque[SchedEntity] = deque()
        self.entities: list[SchedEntity] = []
        self.suspended: deque[SchedEntity] = deque()
        self.heap: list[tuple[int, int, int, Any]] = []
        self.wakes: list[int] = []                      # times of pending wake-ups
        self.seq = 0
        self.timeline: list[Event] = []
        self.until: int | None = None
        self.slice = max(1, to_ns(cfg.time_slice))
        self.c_access = to_ns(cfg.cost_mem_access)
        self.c_walk = to_ns(cfg.cost_tlb_miss)
        self.c_minor = to_ns(cfg.cost_minor_fault)
        self.c_major = to_ns(cfg.cost_major_fault)
        self.c_cow = to_ns(cfg.cost_cow_copy)
        self.c_cs = to_ns(cfg.cost_context_switch)
        self.c_sys = to_ns(cfg.cost_syscall)
        self.ws_interval = to_ns(cfg.ws_interval)
        self.ws_keep = max(1, round(cfg.ws_tau / cfg.ws_interval)) if cfg.ws_interval else 0
        self.load_control = cfg.load_control
        self._untimed = self._global_counts()

    # -- clock ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the machine started (after charging untimed work)."""
        self.sync()
        return self.clock / NS

    def _global_counts(self) -> tuple[int, int, int, int]:
        v = self.machine.vmstat
        return v["pgfault"], v["pgmajfault"], v["pgpgin"], v["pgpgout"]

    def sync(self) -> None:
        """Advance the clock for work done through the untimed API since the last
        look (t.read/t.write/t.touch outside m.run): fault costs, then the disk
        reads waited for synchronously; writes are queued without waiting."""
        now = self._global_counts()
        faults, majors, pgin, pgout = (a - b for a, b in zip(now, self._untimed, strict=True))
        self._untimed = now
        if not (faults or pgin or pgout):
            return
        t = self.clock + (faults - majors) * self.c_minor + majors * self.c_major
        self.disk.submit(t, pgout // 4, write=True)
        if pgin:
            t = self.disk.submit(t, pgin // 4, write=False)
        self.clock = t

    # -- tasks -----------------------------------------------------------------------------
    def attach(self, task, program: Any, nice: int = 0) -> SchedEntity:
        """Give ``task`` a program to run at the next ``run``; it starts runnable."""
        if isinstance(nice, bool) or not isinstance(nice, int) or not -20 <= nice <= 19:
            raise InvalidArgument(f"nice={nice!r}; give an int from -20 to 19")
        gen = as_generator(program, task)
        label = task.name if all(e.label != task.name for e in self.entities) \
            else f"{task.name}[{task.pid}]"
        self.sync()
        se = SchedEntity(task, gen, nice, label, self.clock)
        if not isinstance(program, Generator):
            se.program = getattr(program, "__name__", None) or repr(program)
        se.next_sample = self.ws_interval
        self.entities.append(se)
        self.runqueue.append(se)
        return se

    def live(self) -> list[SchedEntity]:
        return [e for e in self.entities if e.state != "X"]

    # -- the event loop --------------------------------------------------------------------
    def _push(self, t: int, kind: int, obj: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, obj))
        if kind == _WAKE:
            heapq.heappush(self.wakes, t)

    def _log(self, t: int, kind: str, se: SchedEntity | None, cpu: int = -1,
             detail: str = "") -> None:
        self.timeline.append(Event(t / NS, kind, se.label if se else "", cpu, detail))

    def run(self, until: float | None = None):
        """Run every program to its end, or until simulated time ``until`` (seconds,
        absolute). Returns a ``RunReport`` (observe/report.py) of this interval."""
        from ..observe.report import RunReport
        self.sync()
        start = self.clock
        if until is not None:
            if isinstance(until, bool) or not isinstance(until, int | float) \
                    or not math.isfinite(until) or abs(until) > 1e9:
                raise InvalidArgument(f"run: until={until!r}; give simulated seconds "
                                      "(a finite number up to 1e9)")
            self.until = to_ns(until)
            if self.until < start:
                raise InvalidArgument(f"run: until={until} is in the past (now is "
                                      f"{start / NS:.6f} s)")
        else:
            self.until = None
        first_event = len(self.timeline)
        running = [e for e in self.entities if e.state != "X"]
        busy0 = [c.busy_ns for c in self.cpus]
        self._kick()
        heap = self.heap
        while heap:
            t = heap[0][0]
            if self.until is not None and t > self.until:
                break
            t, _, kind, obj = heapq.heappop(heap)
            self.clock = max(self.clock, t)
            if kind == _STEP:
                self._cpu_step(obj)
            else:
                self._wake(obj)
        if self.until is not None and (heap or self.live()):
            self.clock = max(self.clock, self.until)
        end = self.clock
        for se in self.entities:                    # close the state buckets at ``end``
            if se.state != "X":
                st = se.state
                se.set_state(st, end)
        self._untimed = self._global_counts()
        return RunReport.build(self, running, start, end, busy0, first_event)

    def _kick(self) -> None:
        """Start idle CPUs while runnable tasks wait."""
        waiting = len(self.runqueue)
        for cpu in self.cpus:
            if not waiting:
                return
            if cpu.idle and cpu.curr is None:
                cpu.idle = False
                self._push(self.clock, _STEP, cpu)
                waiting -= 1

    def _wake(self, se: SchedEntity) -> None:
        """I/O done or sleep over: runnable again (or suspended, if load control says so)."""
        if se.state == "X":
            return
        if se.suspended:
            se.set_state("T", self.clock)
            self._log(self.clock, "wake", se, detail="suspended")
            return
        se.set_state("R", self.clock)
        self.runqueue.append(se)
        self._log(self.clock, "wake", se)
        self._kick()

    def _cpu_step(self, cpu: Cpu) -> None:
        now = self.clock
        se = cpu.curr
        if se is not None and se.suspended:         # load control took it off meanwhile
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
                self._log(now, "preempt", se, cpu.id)
                se = None
            else:
                cpu.slice_left = self.slice
        start = now
        if se is None:
            if not self.runqueue:
                cpu.idle = True
                self._log(now, "idle", None, cpu.id)
                return
            se = self.runqueue.popleft()
            if cpu.last is not se and cpu.last is not None:
                start += self.c_cs
                cpu.busy_ns += self.c_cs
                cpu.overhead_ns += self.c_cs
            se.set_state("O", now)
            cpu.curr = cpu.last = se
            cpu.slice_left = self.slice
            cpu.idle = False
            self._log(now, "run", se, cpu.id)
        budget = cpu.slice_left
        wakes = self.wakes                          # run up to the next wake-up; other
        while wakes and wakes[0] < start:           # CPUs' steps do not cut a piece
            heapq.heappop(wakes)
        if wakes:
            budget = min(budget, wakes[0] - start)
        if self.until is not None:
            budget = min(budget, self.until - start)
        cost, outcome, arg = self._execute(se, start, max(budget, 1))
        finish = start + cost
        se.cpu_ns += cost
        cpu.busy_ns += cost
        cpu.slice_left -= cost
        if outcome == _EXIT:
            se.set_state("X", finish)
            se.end_ns = finish
            cpu.curr = None
            self._log(finish, "exit", se, cpu.id, se.error or "")
        else:
            if self.ws_keep and se.cpu_ns >= se.next_sample:
                self._sample(se, finish)
            if outcome in (_BLOCK, _SLEEP):
                state = "D" if outcome == _BLOCK else "S"
                se.set_state(state, finish)
                se.task.stats.nvcsw += 1
                cpu.curr = None
                self._log(finish, "block" if state == "D" else "sleep", se, cpu.id)
                self._push(max(arg, finish), _WAKE, se)
        if self.load_control and (outcome != _RUN or cpu.slice_left <= 0):
            self._load_control(finish)
        self._push(finish, _STEP, cpu)

    # -- executing a program ----------------------------------------------------------------
    def _snap(self, task) -> tuple[int, ...]:
        v = self.machine.vmstat
        s = task.stats
        mm = task.mm
        return (s.min_flt, s.maj_flt, v["pgpgin"], v["pgpgout"], v["pgreuse"],
                mm.get_rss() if mm is not None else 0)

    def _charge(self, before: tuple[int, ...], task, t: int, write: bool) -> tuple[int, int]:
        """CPU cost of what changed since ``before`` and, if pages were read, the time
        the reads complete (0: none). Writes are queued first, without waiting."""
        after = self._snap(task)
        dmin = after[0] - before[0]
        dmaj = after[1] - before[1]
        cost = dmin * self.c_minor + dmaj * self.c_major
        if write and dmin and after[4] == before[4] and after[5] == before[5]:
            cost += self.c_cow                    # a write fault that left RSS alone: a copy
        pgout = (after[3] - before[3]) >> 2
        pgin = (after[2] - before[2]) >> 2
        if pgout:
            self.disk.submit(t + cost, pgout, write=True)
        done = self.disk.submit(t + cost, pgin, write=False) if pgin else 0
        return cost, done

    def _finish(self, se: SchedEntity, error: str | None = None) -> None:
        """The program ended: the task exits (status 0, as when main returns) unless a
        signal killed it already; a zombie until its parent waits, as usual."""
        se.error = error
        se.action = None
        se.gen.close()
        if se.task.alive:
            se.task.exit(0 if error is None else 1)

    def _execute(self, se: SchedEntity, start: int, budget: int) -> tuple[int, int, int]:
        """Run ``se`` from ``start`` for about ``budget`` ns (at least one step).
        Returns (cost, outcome, wake time for BLOCK/SLEEP)."""
        task = se.task
        cost = 0
        if se.swapin:                               # back from load control: swap in
            se.swapin = False
            cost, done = self._swap_in(se, start)
            if done:
                return cost, _BLOCK, done
        while True:
            act = se.action
            if act is None:
                if not task.alive:
                    self._finish(se, f"task died ({task.killed_by or task.exit_code})")
                    return cost, _EXIT, 0
                before = self._snap(task)
                try:
                    if se.throw is not None:
                        exc, se.throw = se.throw, None
                        act = se.gen.throw(exc)
                    else:
                        act = se.gen.send(se.send)
                except StopIteration:
                    act = None
                    c, done = self._charge(before, task, start + cost, False)
                    self._finish(se)
                    return cost + c, _EXIT, 0
                except Signal as sig:
                    self._finish(se, f"{sig.signal} {sig.code}")
                    return cost, _EXIT, 0
                se.send = None
                c, done = self._charge(before, task, start + cost, False)
                cost += c
                se.action = act
                if isinstance(act, Compute):
                    se.remaining = to_ns(act.seconds)
                se.pos = 0
                if done:
                    return cost, _BLOCK, done
                if act is None:                     # a bare yield: a preemption point
                    cost += self.c_access
                    if cost >= budget:
                        return cost, _RUN, 0
                    continue
            if isinstance(act, Access):
                c, outcome, arg = self._access(se, act, start + cost, budget - cost)
                cost += c
                if outcome != _RUN:
                    return cost, outcome, arg
            elif isinstance(act, Compute):
                take = min(se.remaining, max(budget - cost, 1))
                cost += take
                se.remaining -= take
                if se.remaining <= 0:
                    se.action = None
            elif isinstance(act, Sleep):
                se.action = None
                return cost, _SLEEP, start + cost + to_ns(act.seconds)
            elif isinstance(act, Syscall):
                se.action = None
                before = self._snap(task)
                try:
                    se.send = act.fn(*act.args, **act.kwargs)
                except Signal as sig:
                    self._finish(se, f"{sig.signal} {sig.code}")
                    return cost, _EXIT, 0
                except OSError as exc:
                    se.throw = exc
                c, done = self._charge(before, task, start + cost, False)
                cost += self.c_sys + c
                if done:
                    return cost, _BLOCK, done
            else:
                self._finish(se, f"yielded {act!r}")
                raise InvalidArgument(f"program of {se.label} yielded {act!r}; yield an "
                                      "action (pw.programs.access, compute, sleep, syscall) "
                                      "or nothing")
            if cost >= budget:
                return cost, _RUN, 0

    def _access(self, se: SchedEntity, act: Access, t0: int, budget: int
                ) -> tuple[int, int, int]:
        task = se.task
        mm = task.mm
        write = act.write
        tlb = mm.tlb_w if write else mm.tlb_r
        vpns = act.vpns
        n = len(vpns)
        pos = se.pos
        hit = self.c_access + to_ns(act.work)
        miss = hit + self.c_walk
        cost = 0
        while pos < n and cost < budget:
            vpn = vpns[pos]
            pos += 1
            if vpn in tlb:
                cost += hit
                continue
            before = self._snap(task)
            try:
                user_access(task, vpn << 12, write)
            except Signal as sig:
                self._finish(se, f"{sig.signal} {sig.code} at {vpn << 12:#x}")
                return cost, _EXIT, 0
            c, done = self._charge(before, task, t0 + cost, write)
            cost += miss + c
            if mm is not task.mm:                   # exec'd meanwhile (cannot, but be safe)
                break
            if done:
                se.pos = pos
                if pos >= n:
                    se.action = None
                return cost, _BLOCK, done
        se.pos = pos
        if pos >= n:
            se.action = None
        return cost, _RUN, 0

    # -- working sets and load control ------------------------------------------------------
    def _sample(self, se: SchedEntity, t: int) -> None:
        """Denning's WS(t, tau) of ``se`` from its accessed bits (virtual time)."""
        while se.next_sample <= se.cpu_ns:
            se.next_sample += self.ws_interval
        if not se.task.alive:
            return
        se.ws_hist.append(clear_refs_young(se.task.mm))
        while len(se.ws_hist) > self.ws_keep:
            se.ws_hist.popleft()
        ws = len(set().union(*se.ws_hist))
        se.ws = ws
        se.ws_peak = max(se.ws_peak, ws)
        se.ws_series.append((t / NS, ws))
        if self.load_control:
            self._load_control(t)

    def capacity(self) -> int:
        """Pages the working sets may use: memory less the kernel's reserve (the high
        watermark) and the page tables."""
        m = self.machine
        return m.phys.nr_frames - m.reclaim.watermarks.high - m.nr_pagetable

    def _load_control(self, t: int) -> None:
        """Suspend while the active working sets exceed ``capacity()``: the victim is the
        task of lowest priority (highest nice), among equals the one activated last
        (it has the least invested in memory). Resume suspended tasks, first
        suspended first, when their largest working set seen fits beside the others."""
        cap = self.capacity()
        active = [e for e in self.entities if e.state != "X" and not e.suspended]
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
            if active and total + cand.ws_peak > cap:
                break
            self.suspended.popleft()
            active.append(cand)
            total += cand.ws_peak
            self._resume(cand, t)

    def _swap_in(self, se: SchedEntity, t: int) -> tuple[int, int]:
        """The swapper brings a resumed task back: one read of all its swapped pages
        (MADV_WILLNEED), then each is mapped again (minor faults on the swap cache).
        Returns (CPU cost, when the reads complete)."""
        done = self._madvise_anon(se, "willneed", t)
        task = se.task
        if not task.alive:
            return 0, done
        before = self._snap(task)
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
        cost, done2 = self._charge(before, task, t, False)
        return cost + self.c_sys, max(done, done2)

    def _demand(self, se: SchedEntity) -> int:
        """The frames ``se`` needs: its working set; before it has run for tau (the
        window is not full yet) its footprint (resident and swapped pages) if larger."""
        if len(se.ws_hist) >= self.ws_keep or not se.task.alive:
            return se.ws
        st = se.task.stats
        return max(se.ws, st.rss + st.swap)

    def _suspend(self, se: SchedEntity, t: int) -> None:
        """Take ``se`` off the CPUs and swap its anonymous memory out (MADV_PAGEOUT):
        the medium-term scheduler frees its frames for the others at once."""
        se.suspended = True
        self.suspended.append(se)
        se.ws_peak = max(se.ws_peak, self._demand(se))
        self._log(t, "suspend", se, detail=f"ws={se.ws_peak}")
        if se.state == "R":
            self.runqueue.remove(se)
            se.set_state("T", t)
        self._madvise_anon(se, "pageout", t)

    def _madvise_anon(self, se: SchedEntity, advice: str, t: int) -> int:
        """``advice`` over every private anonymous VMA of ``se``; the I/O it caused is
        queued on the disk at ``t``. Returns when its reads complete (0: none)."""
        task = se.task
        if not task.alive:
            return 0
        before = self._snap(task)
        for vma in list(task.mm.mmap):
            if vma.vm_file is None:
                with contextlib.suppress(OSError, ValueError):
                    task.madvise(vma.vm_start, vma.vm_end - vma.vm_start, advice)
        return self._charge(before, task, t, False)[1]

    def _resume(self, se: SchedEntity, t: int) -> None:
        """Let ``se`` run again; its first step swaps its memory back in (MADV_WILLNEED)."""
        se.suspended = False
        se.swapin = True
        se.ws_hist.clear()                          # its window starts again
        self.seq += 1
        se.activated = self.seq
        self._log(t, "resume", se, detail=f"ws={se.ws_peak}")
        if se.state == "T":
            se.set_state("R", t)
            self.runqueue.append(se)
            self._kick()
