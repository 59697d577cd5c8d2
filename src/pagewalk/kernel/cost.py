"""What the memory model's work costs in simulated time: CPU time from the counters
that changed, and the disk requests that the work caused.

    before = cost.snap(task)
    user_access(task, addr, write)                   # the untimed memory model
    cpu_ns, reads_done = cost.charge(before, task, t, write)

The memory model stays synchronous and knows nothing of time. The schedulers run a
piece of it, then ask this module what it cost, from the task's min_flt / maj_flt
and the machine's pgpgin / pgpgout / pgreuse and RSS (a write fault that left RSS
alone was a copy-on-write copy). Writes (reclaim's swap-outs, writeback) are queued
on the disk first and nobody waits for them; reads are queued behind them, and
``charge`` returns when they complete, so the caller can block the task until then.
Prices are the ``Config.cost_*`` fields. Simplification: the reads a piece of work
starts, readahead included, are waited for by the task that started them.

Contract: integer nanoseconds in and out; the only state changed is the disk's
queue.
"""

from __future__ import annotations

from .clock import to_ns
from .disk import Disk


class CostModel:
    """The CPU prices of the config and the disk that reads and writes are queued on."""

    __slots__ = ("c_access", "c_cow", "c_cs", "c_major", "c_minor", "c_sys", "c_walk", "disk",
                 "machine", "untimed")

    def __init__(self, machine, disk: Disk) -> None:
        cfg = machine.config
        self.machine = machine
        self.disk = disk
        self.c_access = to_ns(cfg.cost_mem_access)
        self.c_walk = to_ns(cfg.cost_tlb_miss)
        self.c_minor = to_ns(cfg.cost_minor_fault)
        self.c_major = to_ns(cfg.cost_major_fault)
        self.c_cow = to_ns(cfg.cost_cow_copy)
        self.c_cs = to_ns(cfg.cost_context_switch)
        self.c_sys = to_ns(cfg.cost_syscall)
        self.untimed = self.global_counts()

    def global_counts(self) -> tuple[int, int, int, int]:
        """The machine's pgfault, pgmajfault, pgpgin, pgpgout."""
        v = self.machine.vmstat
        return v["pgfault"], v["pgmajfault"], v["pgpgin"], v["pgpgout"]

    def catch_up(self, t: int) -> int:
        """The time after the work done through the untimed API since the last look
        (t.read/t.write/t.touch outside m.run), starting at ``t``: fault costs, then
        the disk reads waited for synchronously; writes are queued without waiting."""
        now = self.global_counts()
        faults, majors, pgin, pgout = (a - b for a, b in zip(now, self.untimed, strict=True))
        self.untimed = now
        if not (faults or pgin or pgout):
            return t
        t += (faults - majors) * self.c_minor + majors * self.c_major
        self.disk.submit(t, pgout // 4, write=True)
        if pgin:
            t = self.disk.submit(t, pgin // 4, write=False)
        return t

    def snap(self, task) -> tuple[int, ...]:
        """The counters ``charge`` compares against."""
        v = self.machine.vmstat
        s = task.stats
        mm = task.mm
        return (s.min_flt, s.maj_flt, v["pgpgin"], v["pgpgout"], v["pgreuse"],
                mm.get_rss() if mm is not None else 0)

    def charge(self, before: tuple[int, ...], task, t: int, write: bool) -> tuple[int, int]:
        """CPU cost of what changed since ``before`` and, if pages were read, the time
        the reads complete (0: none). Writes are queued first, at ``t + cost``."""
        after = self.snap(task)
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
