"""``pagewalk thrash``: CPU utilization against the degree of multiprogramming.

``thrash_point(n)`` runs ``n`` tasks on one machine, each a ``pw.programs.loop``
over a working set of a quarter of memory, written, so each page needs a frame of
its own, and returns the run's report. Two workloads (``WORKLOADS``):

* ``compute`` (the default, the textbook curve): 16 MiB, 20 passes, 40 us of
  computation per page visit (a pass is ~41 ms), then a pause off the CPU of
  20 ms on average after every pass (``think``: exponential, seeded, an I/O-bound
  phase). The pause is why one task alone keeps the CPU only ~62% busy; more
  tasks fill each other's pauses and utilization rises, until their working sets
  no longer fit: then every task's pages are stolen while it waits, each access
  becomes a swap-in from the disk, and utilization collapses (thrashing).
* ``write`` (write-heavy): 64 MiB, 4 passes writing 16 MiB each, no computation,
  no pause. Three working sets fit; with more, and no load control, the disk does
  all the work.

With ``load_control=True`` the medium-term scheduler (kernel/loadctl.py) admits
tasks only while their working sets fit, and utilization stays up. Each run is cut
at ``horizon`` simulated seconds (a thrashing run can take hours).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from .. import programs
from ..errors import InvalidArgument
from ..units import parse_size


@dataclass(frozen=True)
class ThrashSetup:
    """One experiment: the machine and each task's loop (the ``compute`` workload)."""

    memory: str = "16MiB"
    swap: str = "64MiB"
    disk: str = "hdd"
    cpus: int = 1
    passes: int = 20
    work: float = 40e-6          # CPU seconds per page visit: a pass is ~40 ms
    think: float = 0.02          # mean seconds of pause off the CPU after each pass
    fraction: float = 0.25       # each working set, as a fraction of memory
    horizon: float = 20.0        # simulated seconds at most per run
    profile: str = "linux"
    ws_interval: float = 50e-3   # working-set sampling, in each task's CPU time
    ws_tau: float = 100e-3

    def pages(self) -> int:
        return int(parse_size(self.memory, "memory") // 4096 * self.fraction)

    def describe(self) -> str:
        """What each task does, in a sentence (the command's header)."""
        w = self.pages()
        what = (f"each task writes {w} pages ({self.fraction:.0%} of memory) {self.passes} "
                f"times")
        if self.work:
            per = w * self.work
            what += f", computing {self.work * 1e6:g} us per page ({per * 1e3:.0f} ms a pass)"
        else:
            what += ", with no computation between accesses"
        if self.think:
            what += (f", then pauses {self.think * 1e3:g} ms on average off the CPU "
                     f"(--think): alone a task keeps the CPU busy at most "
                     f"{w * self.work / (w * self.work + self.think):.0%} of the time; "
                     "more tasks fill the pauses")
        else:
            what += ", without a pause"
        return what

    def check(self) -> None:
        """InvalidArgument naming the flag, before any work is done."""
        parse_size(self.memory, "--memory")
        parse_size(self.swap, "--swap")
        from ..kernel.disk import disk_model
        try:
            disk_model(self.disk)
        except InvalidArgument:
            raise InvalidArgument(f"--disk {self.disk!r}; choose nvme, ssd or hdd") from None
        for flag, v, ok, want in (
                ("--horizon", self.horizon, self.horizon > 0, "simulated seconds > 0"),
                ("--think", self.think, self.think >= 0, "mean seconds >= 0"),
                ("--work", self.work, self.work >= 0, "seconds per page >= 0"),
                ("--passes", self.passes, self.passes >= 1, "an int >= 1"),
                ("--cpus", self.cpus, self.cpus >= 1, "an int >= 1")):
            if not ok:
                raise InvalidArgument(f"{flag} {v}: give {want}")
        if self.pages() < 1:
            raise InvalidArgument(f"--memory {self.memory}: too small for a working set of "
                                  f"{self.fraction:.0%} of it; give at least 1MiB")


# The workloads of issue 15: the textbook curve, and a write-heavy one.
WORKLOADS: dict[str, ThrashSetup] = {
    "compute": ThrashSetup(),
    "write": ThrashSetup(memory="64MiB", swap="256MiB", passes=4, work=0.0, think=0.0,
                         horizon=200.0),
}


def thrash_machine(n: int, load_control: bool = False, setup: ThrashSetup | None = None,
                   **knobs):
    """The machine of one point, its ``n`` loop tasks spawned, not run yet; ``knobs``
    are more ``Machine`` settings (``lc_working_set="sampled"``, ...)."""
    from ..machine import Machine
    s = setup or ThrashSetup()
    m = Machine(memory=s.memory, swap=s.swap, profile=s.profile, disk=s.disk, cpus=s.cpus,
                load_control=load_control, ws_interval=s.ws_interval, ws_tau=s.ws_tau,
                **knobs)
    w = s.pages()
    for i in range(n):
        m.spawn(f"loop{i + 1}", program=programs.loop(
            pages=w, passes=s.passes, write=True, work=s.work, think=s.think, seed=i))
    return m


def thrash_point(n: int, load_control: bool = False, setup: ThrashSetup | None = None):
    """Run ``n`` loop tasks, cut at the horizon; returns the ``RunReport``."""
    s = setup or ThrashSetup()
    return thrash_machine(n, load_control, s).run(until=s.horizon)


def thrash_curve(ns: range | list[int], load_control: bool = False,
                 setup: ThrashSetup | None = None,
                 progress=None) -> list[tuple[int, float, float]]:
    """[(n, cpu_utilization, disk_utilization)] for every n in ``ns``; ``progress``
    (a callable) is called after each point."""
    out = []
    for n in ns:
        r = thrash_point(n, load_control, setup)
        out.append((n, r.cpu_utilization, r.disk_utilization))
        if progress is not None:
            progress()
    return out


def plot_curve(curves: dict[str, list[tuple[int, float, float]]], out: str | Path,
               title: str) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for label, pts in curves.items():
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=f"CPU, {label}")
        ax.plot([p[0] for p in pts], [p[2] for p in pts], linestyle=":", marker=".",
                label=f"disk, {label}")
    ax.set_xlabel("tasks (degree of multiprogramming)")
    ax.set_ylabel("utilization")
    ax.set_ylim(0, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def register(app: typer.Typer) -> None:
    @app.command("thrash")
    def thrash_cmd(
        max_tasks: Annotated[int, typer.Option("--max", "-n",
                                               help="Run N = 1 .. max tasks.")] = 12,
        workload: Annotated[str, typer.Option(
            help="compute (16MiB, 20 passes of 40 us per page and a 20 ms pause) or write "
                 "(64MiB, 4 passes writing 16MiB, no pause); the flags below override it.")
        ] = "compute",
        memory: Annotated[str | None, typer.Option(help="Machine memory.")] = None,
        disk: Annotated[str, typer.Option(help="nvme, ssd or hdd.")] = "hdd",
        cpus: Annotated[int, typer.Option(help="CPUs.")] = 1,
        passes: Annotated[int | None, typer.Option(help="Passes over each working set.")
                          ] = None,
        work: Annotated[float | None, typer.Option(help="CPU seconds per page visit.")
                        ] = None,
        think: Annotated[float | None, typer.Option(
            help="Mean seconds of pause off the CPU after each pass (0: none).")] = None,
        horizon: Annotated[float | None, typer.Option(
            help="Simulated seconds per run at most.")] = None,
        load_control: Annotated[str, typer.Option(
            "--load-control", help="off, on or both (two curves).")] = "both",
        plot: Annotated[Path | None, typer.Option("--plot", help="Write a PNG of the curve.")
                        ] = None,
    ) -> None:
        """CPU utilization against the number of tasks: it rises, then collapses when the
        working sets no longer fit (thrashing); load control keeps it up."""
        if max_tasks < 1:
            raise InvalidArgument(f"--max {max_tasks}: give an int >= 1")
        if workload not in WORKLOADS:
            raise InvalidArgument(f"--workload {workload!r}; choose {' or '.join(WORKLOADS)}")
        if load_control not in ("off", "on", "both"):
            raise InvalidArgument(f"--load-control {load_control!r}; choose off, on or both")
        given = {"memory": memory, "passes": passes, "work": work, "think": think,
                 "horizon": horizon}
        setup = dataclasses.replace(WORKLOADS[workload], disk=disk, cpus=cpus,
                                    **{k: v for k, v in given.items() if v is not None})
        setup.check()
        if plot is not None:
            from ..outpaths import PLOT_SUFFIXES, check_output_path
            check_output_path(plot, "--plot", PLOT_SUFFIXES)
        modes = {"off": [False], "on": [True], "both": [False, True]}[load_control]
        curves: dict[str, list[tuple[int, float, float]]] = {}
        typer.echo(f"{setup.memory} memory, {setup.disk}, {setup.cpus} CPU(s), runs cut at "
                   f"{setup.horizon:g} s; {setup.describe()}")
        labels = ["no load control" if not lc else "load control" for lc in modes]
        typer.echo("  N" + "".join(f"  {'CPU, ' + lab:>24}" for lab in labels))
        from rich.console import Console
        from rich.progress import Progress
        # A bar on stderr (only on a terminal): each point simulates N tasks.
        err = Console(stderr=True)
        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            job = bar.add_task("simulating", total=len(modes) * max_tasks)
            for lc, lab in zip(modes, labels, strict=True):
                curves[lab] = thrash_curve(range(1, max_tasks + 1), lc, setup,
                                           progress=lambda: bar.advance(job))
        for i in range(max_tasks):
            typer.echo(f"{i + 1:>3}" + "".join(f"  {c[i][1]:>24.1%}" for c in curves.values()))
        if plot is not None:
            plot_curve(curves, plot, f"Thrashing ({workload}): {setup.memory}, {setup.disk}, "
                                     f"working set = memory/4")
            typer.echo(f"plot written to {plot}")
