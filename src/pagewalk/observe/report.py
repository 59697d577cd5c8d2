"""The report of ``m.run()``: elapsed simulated time, CPU and disk utilization, per-task
times and counters, the timeline and working sets; text and plots.

Built from the ``RunLog`` that the scheduler leaves (kernel/sched.py: the event log
and each task's accounts); the scheduler does not know this module.

    report = m.run()
    report.elapsed, report.cpu_utilization, report.disk_utilization
    report.tasks["scan"].blocked, report.tasks["scan"].maj_flt
    report.timeline            # [Event(time, kind, task, cpu, detail), ...]
    report.working_sets        # {task: [(time, pages), ...]}
    print(report.show());  report.plot("run.png")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NS = 1_000_000_000


@dataclass(frozen=True)
class TaskReport:
    """One task over the run: times in simulated seconds, counters as getrusage and
    /proc/PID/status report them (for the task's whole life)."""

    name: str
    pid: int
    program: str
    cpu: float                  # on a CPU (user and system)
    blocked: float              # state D: waiting for the disk
    runnable: float             # state R: in the run queue, waiting for a CPU
    sleeping: float             # state S: sleep() actions
    suspended: float            # state T: held back by load control
    min_flt: int
    maj_flt: int
    nvcsw: int                  # voluntary context switches
    nivcsw: int                 # involuntary context switches
    finished: float | None      # simulated time it ended, None: still running
    error: str | None = None    # a signal or a program error that ended it
    working_set: list[tuple[float, int]] = field(default_factory=list)

    @property
    def context_switches(self) -> int:
        return self.nvcsw + self.nivcsw


@dataclass(frozen=True)
class RunReport:
    """What ``m.run()`` returns: the interval [start, end) of simulated time."""

    start: float
    end: float
    cpus: int
    disk: str
    cpu_busy: float             # CPU-seconds spent running tasks and switching
    disk_busy: float            # seconds the disk was serving requests
    tasks: dict[str, TaskReport]
    timeline: list = field(repr=False)
    disk_reads: int = 0
    disk_writes: int = 0

    @property
    def elapsed(self) -> float:
        """Simulated seconds from the start of the run to the last program's end."""
        return self.end - self.start

    @property
    def cpu_utilization(self) -> float:
        """Fraction of the CPUs' time spent running tasks (0..1)."""
        return self.cpu_busy / (self.elapsed * self.cpus) if self.elapsed > 0 else 0.0

    @property
    def disk_utilization(self) -> float:
        """Fraction of the elapsed time the disk was busy (0..1)."""
        return self.disk_busy / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def working_sets(self) -> dict[str, list[tuple[float, int]]]:
        """Each task's sampled working-set size (pages) over simulated time."""
        return {n: t.working_set for n, t in self.tasks.items()}

    @classmethod
    def from_log(cls, log) -> RunReport:
        """The report of one run, from the ``RunLog`` the scheduler left
        (kernel/sched.py): the interval, the event log and each task's accounts."""
        tasks: dict[str, TaskReport] = {}
        for a in log.tasks:
            tasks[a.label] = TaskReport(
                a.label, a.pid, a.program, a.cpu_ns / NS, a.blocked_ns / NS,
                a.runnable_ns / NS, a.sleep_ns / NS, a.suspended_ns / NS,
                a.min_flt, a.maj_flt, a.nvcsw, a.nivcsw,
                None if a.end_ns is None else a.end_ns / NS, a.error, list(a.working_set))
        return cls(log.start_ns / NS, log.end_ns / NS, log.cpus, log.disk,
                   log.cpu_busy_ns / NS, log.disk_busy_ns / NS, tasks, list(log.events),
                   log.disk_reads, log.disk_writes)

    # -- text -----------------------------------------------------------------------------
    def show(self) -> str:
        """A table like `time` and /proc/PID/status would print, one line per task."""
        lines = [f"elapsed {self.elapsed:.6f} s on {self.cpus} CPU(s), disk {self.disk}: "
                 f"CPU {self.cpu_utilization:.1%} busy, disk {self.disk_utilization:.1%} busy",
                 f"{'task':<14}{'cpu s':>10}{'blocked s':>11}{'runnable s':>11}"
                 f"{'susp s':>9}{'min_flt':>9}{'maj_flt':>9}{'vcsw':>7}{'ivcsw':>7}  end s"]
        for t in self.tasks.values():
            end = "running" if t.finished is None else f"{t.finished:.6f}"
            lines.append(f"{t.name:<14}{t.cpu:>10.6f}{t.blocked:>11.6f}{t.runnable:>11.6f}"
                         f"{t.suspended:>9.4f}{t.min_flt:>9}{t.maj_flt:>9}{t.nvcsw:>7}"
                         f"{t.nivcsw:>7}  {end}" + (f"  ({t.error})" if t.error else ""))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"elapsed": self.elapsed, "cpu_utilization": self.cpu_utilization,
                "disk_utilization": self.disk_utilization, "cpus": self.cpus,
                "disk": self.disk,
                "tasks": {n: {k: getattr(t, k) for k in (
                    "pid", "cpu", "blocked", "runnable", "sleeping", "suspended", "min_flt",
                    "maj_flt", "nvcsw", "nivcsw", "finished", "error")}
                    for n, t in self.tasks.items()}}

    # -- plots ----------------------------------------------------------------------------
    def intervals(self) -> dict[str, list[tuple[float, float, str]]]:
        """Per task: (start, end, state) spans rebuilt from the timeline; state is
        running, blocked, runnable, sleeping or suspended."""
        return timeline_intervals(self.timeline, self.start, self.end)

    def plot(self, out: str | Path, title: str = "") -> Path:
        """A PNG: a Gantt chart of every task's states (top) and working-set sizes
        (bottom)."""
        return plot_timeline(self, out, title)


_STATE_OF = {"run": "running", "preempt": "runnable", "wake": "runnable", "block": "blocked",
             "sleep": "sleeping", "suspend": "suspended", "resume": "runnable", "exit": None}


def timeline_intervals(timeline: list, start: float, end: float
                       ) -> dict[str, list[tuple[float, float, str]]]:
    out: dict[str, list[tuple[float, float, str]]] = {}
    state: dict[str, tuple[float, str | None]] = {}
    for ev in timeline:
        if not ev.task:
            continue
        kind = ev.kind
        if kind == "wake" and ev.detail == "suspended":
            kind = "suspend"
        if kind == "suspend" and state.get(ev.task, (0, ""))[1] in ("running", "blocked"):
            continue                                # takes effect when it leaves the CPU/disk
        new = _STATE_OF.get(kind)
        t0, old = state.get(ev.task, (start, "runnable"))
        if old is not None and ev.time > t0:
            out.setdefault(ev.task, []).append((t0, ev.time, old))
        state[ev.task] = (max(ev.time, t0), new)
    for task, (t0, old) in state.items():
        if old is not None and end > t0:
            out.setdefault(task, []).append((t0, end, old))
    return out


_COLORS = {"running": "tab:green", "blocked": "tab:red", "runnable": "tab:orange",
           "sleeping": "tab:blue", "suspended": "tab:gray"}


def plot_timeline(report: RunReport, out: str | Path, title: str = "") -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    spans = report.intervals()
    names = list(report.tasks)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 2 + 0.45 * len(names) + 3),
                                   sharex=True, height_ratios=[max(1, len(names)), 3])
    for row, name in enumerate(names):
        for t0, t1, st in spans.get(name, []):
            ax1.broken_barh([(t0, t1 - t0)], (row - 0.4, 0.8), color=_COLORS[st])
    ax1.set_yticks(range(len(names)))
    ax1.set_yticklabels(names, fontsize=8)
    ax1.invert_yaxis()
    ax1.legend(handles=[Patch(color=c, label=s) for s, c in _COLORS.items()],
               loc="upper right", fontsize=7, ncol=5)
    ax1.set_title(title or (f"{report.cpus} CPU, disk {report.disk}: CPU "
                            f"{report.cpu_utilization:.0%}, disk {report.disk_utilization:.0%}"),
                  fontsize=10)
    for name, series in report.working_sets.items():
        if series:
            ax2.step([p[0] for p in series], [p[1] for p in series], where="post",
                     label=name, linewidth=1.5)
    ax2.set_ylabel("working set (pages)")
    ax2.set_xlabel("simulated time (s)")
    ax2.grid(alpha=0.3)
    if any(report.working_sets.values()):
        ax2.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
