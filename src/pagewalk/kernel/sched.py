"""Simulated time for the machine: the event clock, the disk, the CPU scheduler and the
medium-term scheduler put together (one ``Scheduler`` per ``Machine``).

    m = pw.Machine(memory="32MiB", cpus=1, disk="hdd")
    m.spawn("scan", program=pw.programs.file_scan(f))
    m.spawn("calc", program=pw.programs.compute(0.5))
    report = m.run()                     # every program to its end (or run(until=s))

The memory model stays synchronous; time is an overlay. The rooms of the time layer:

=====================  =================================================================
kernel/clock.py        the event clock: integer ns, a deterministic heap of pending
                       events, the event log
kernel/actions.py      what a program yields (Access, Compute, Sleep, Syscall)
kernel/cost.py         what a piece of the memory model's work costs: CPU time from the
                       counters, disk requests queued
kernel/disk.py         the disk: one FIFO queue, a service time per request
kernel/cpusched.py     the CPU scheduler: run queue, time slices, blocking on the disk
kernel/workingset.py   Denning's WS(t, tau) from the accessed bits
kernel/loadctl.py      the medium-term scheduler: admission, suspension, resumption
kernel/sched.py        this module: the machine's clock and ``run``, the ``RunLog``
observe/report.py      the ``RunReport`` built from a ``RunLog`` (the layer above)
=====================  =================================================================

Contract of ``Scheduler.run(until)``: fires events until every program has ended or
simulated time ``until`` (seconds, absolute) is reached, and returns a ``RunLog`` of
that interval: the event log's new entries and each task's accounts, plain data
that the observation layer turns into a report. Times are integer nanoseconds
inside, seconds outside; the same machine, programs and seeds give the same log.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidArgument
from .actions import Access, Action, Compute, Sleep, Syscall, as_generator
from .clock import NS, STEP, Event, EventClock, to_ns
from .cost import CostModel
from .cpusched import Cpu, CpuScheduler, SchedEntity
from .disk import Disk, disk_model
from .loadctl import MediumTermScheduler
from .workingset import WorkingSet, clear_refs_young

__all__ = ["NS", "Access", "Action", "Compute", "Cpu", "Event", "RunLog", "SchedEntity",
           "Scheduler", "Sleep", "Syscall", "TaskAccount", "as_generator", "clear_refs_young",
           "to_ns"]


@dataclass(frozen=True)
class TaskAccount:
    """One task's accounts at the end of a run: ns of each state over its whole life,
    its counters, when it ended, and its sampled working set [(s, pages)]."""

    label: str
    pid: int
    program: str
    cpu_ns: int
    blocked_ns: int
    runnable_ns: int
    sleep_ns: int
    suspended_ns: int
    min_flt: int
    maj_flt: int
    nvcsw: int
    nivcsw: int
    end_ns: int | None
    error: str | None
    working_set: list[tuple[float, int]] = field(default_factory=list)


@dataclass(frozen=True)
class RunLog:
    """What one ``run`` leaves: the interval [start_ns, end_ns), the machine's CPUs and
    disk over it, the event log's entries and the accounts of the tasks that were live
    when it began."""

    start_ns: int
    end_ns: int
    cpus: int
    disk: str
    cpu_busy_ns: int
    disk_busy_ns: int
    disk_reads: int
    disk_writes: int
    events: list[Event]
    tasks: list[TaskAccount]


class Scheduler:
    """The machine's clock, disk and schedulers."""

    def __init__(self, machine) -> None:
        cfg = machine.config
        self.machine = machine
        self.clock = EventClock()
        self.disk = Disk(disk_model(cfg.disk))
        self.cost = CostModel(machine, self.disk)
        self.cpu = CpuScheduler(self.clock, self.cost, cfg)
        self.medium = MediumTermScheduler(machine, self.cpu, self.cost)
        self.cpu.medium = self.medium
        self.ws_interval = to_ns(cfg.ws_interval)
        self.ws_keep = max(1, round(cfg.ws_tau / cfg.ws_interval)) if cfg.ws_interval else 0

    # -- clock ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Simulated seconds since the machine started (after charging untimed work)."""
        self.sync()
        return self.clock.now / NS

    @property
    def timeline(self) -> list[Event]:
        """The whole event log."""
        return self.clock.log

    @property
    def entities(self) -> list[SchedEntity]:
        """Every task that was given a program, in that order."""
        return self.cpu.entities

    @property
    def cpus(self) -> list[Cpu]:
        return self.cpu.cpus

    def sync(self) -> None:
        """Advance the clock for work done through the untimed API since the last look
        (t.read/t.write/t.touch outside m.run)."""
        self.clock.now = self.cost.catch_up(self.clock.now)

    # -- tasks -----------------------------------------------------------------------------
    def attach(self, task, program: Any, nice: int = 0) -> SchedEntity:
        """Give ``task`` a program to run at the next ``run``; it starts runnable."""
        if isinstance(nice, bool) or not isinstance(nice, int) or not -20 <= nice <= 19:
            raise InvalidArgument(f"nice={nice!r}; give an int from -20 to 19")
        gen = as_generator(program, task)
        label = task.name if all(e.label != task.name for e in self.cpu.entities) \
            else f"{task.name}[{task.pid}]"
        self.sync()
        wset = WorkingSet(self.ws_interval, self.ws_keep,
                          getattr(program, "working_set", None))
        se = SchedEntity(task, gen, nice, label, self.clock.now, wset)
        if not isinstance(program, Generator):
            se.program = getattr(program, "__name__", None) or repr(program)
        self.cpu.attach(se)
        self.medium.arrive(se)
        return se

    def live(self) -> list[SchedEntity]:
        return [e for e in self.cpu.entities if e.state != "X"]

    def capacity(self) -> int:
        """Pages the working sets may use (the medium-term scheduler's capacity)."""
        return self.medium.capacity()

    # -- the run ---------------------------------------------------------------------------
    def run(self, until: float | None = None) -> RunLog:
        """Run every program to its end, or until simulated time ``until`` (seconds,
        absolute). Returns the ``RunLog`` of this interval."""
        self.sync()
        start = self.clock.now
        if until is not None:
            if isinstance(until, bool) or not isinstance(until, int | float) \
                    or not math.isfinite(until) or abs(until) > 1e9:
                raise InvalidArgument(f"run: until={until!r}; give simulated seconds "
                                      "(a finite number up to 1e9)")
            limit: int | None = to_ns(until)
            if limit < start:
                raise InvalidArgument(f"run: until={until} is in the past (now is "
                                      f"{start / NS:.6f} s)")
        else:
            limit = None
        self.cpu.until = limit
        first_event = len(self.clock.log)
        running = self.live()
        busy0 = [c.busy_ns for c in self.cpu.cpus]
        self.medium.start(start)
        self.cpu.kick()
        self.clock.run(limit, self._dispatch)
        if limit is not None and (self.clock.heap or self.live()):
            self.clock.advance(limit)
        end = self.clock.now
        for se in self.cpu.entities:                # close the state buckets at ``end``
            if se.state != "X":
                se.set_state(se.state, end)
        self.cost.untimed = self.cost.global_counts()
        return RunLog(start, end, len(self.cpu.cpus), self.disk.model.name,
                      sum(c.busy_ns - b for c, b in zip(self.cpu.cpus, busy0, strict=True)),
                      self.disk.busy_ns(start, end), self.disk.reads, self.disk.writes,
                      self.clock.log[first_event:], [_account(se) for se in running])

    def _dispatch(self, kind: int, obj: Any) -> None:
        if kind == STEP:
            self.cpu.step(obj)
        else:
            self.cpu.wake(obj)


def _account(se: SchedEntity) -> TaskAccount:
    st = se.task.stats
    return TaskAccount(se.label, se.task.pid, se.program, se.cpu_ns, se.blocked_ns,
                       se.runnable_ns, se.sleep_ns, se.suspended_ns, st.min_flt, st.maj_flt,
                       st.nvcsw, st.nivcsw, se.end_ns, se.error, list(se.wset.series))
