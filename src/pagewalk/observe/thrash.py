"""``pagewalk thrash``: CPU utilization against the degree of multiprogramming.

``thrash_point(n)`` runs ``n`` tasks on one machine, each a ``loop`` over a
working set of a quarter of memory (written, so each page needs a frame) with an
I/O-bound pause after every pass, and returns the run's report. While the working
sets fit, more tasks overlap more of each other's pauses and utilization rises;
once they no longer fit, every task's pages are stolen while it waits, each access
becomes a swap-in from the disk, and utilization collapses (thrashing). With
``load_control=True`` the medium-term scheduler suspends tasks until the working
sets fit again, and utilization stays up.

The defaults are a small machine (16 MiB, ``hdd``) so a whole curve takes seconds;
each run is cut at ``horizon`` simulated seconds (a thrashing run would take hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from .. import programs
from ..units import parse_size


@dataclass(frozen=True)
class ThrashSetup:
    """One experiment: the machine and each task's loop."""

    memory: str = "16MiB"
    swap: str = "64MiB"
    disk: str = "hdd"
    cpus: int = 1
    passes: int = 20
    work: float = 40e-6          # CPU seconds per page visit: a pass is ~40 ms
    think: float = 0.02          # mean seconds of I/O-bound pause after each pass
    fraction: float = 0.25       # each working set, as a fraction of memory
    horizon: float = 20.0        # simulated seconds at most per run
    profile: str = "linux"
    ws_interval: float = 50e-3   # working-set sampling, in each task's CPU time
    ws_tau: float = 100e-3

    def pages(self) -> int:
        return int(parse_size(self.memory, "memory") // 4096 * self.fraction)


def thrash_point(n: int, load_control: bool = False, setup: ThrashSetup | None = None):
    """Run ``n`` loop tasks; returns the ``RunReport``."""
    from ..machine import Machine
    s = setup or ThrashSetup()
    m = Machine(memory=s.memory, swap=s.swap, profile=s.profile, disk=s.disk, cpus=s.cpus,
                load_control=load_control, ws_interval=s.ws_interval, ws_tau=s.ws_tau)
    w = s.pages()
    for i in range(n):
        m.spawn(f"loop{i + 1}", program=programs.loop(
            pages=w, passes=s.passes, write=True, work=s.work, think=s.think, seed=i))
    return m.run(until=s.horizon)


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
        max_tasks: Annotated[int, typer.Option("--max", "-n", min=1,
                                               help="Run N = 1 .. max tasks.")] = 12,
        memory: Annotated[str, typer.Option(help="Machine memory.")] = "16MiB",
        disk: Annotated[str, typer.Option(help="nvme, ssd or hdd.")] = "hdd",
        cpus: Annotated[int, typer.Option(min=1, help="CPUs.")] = 1,
        passes: Annotated[int, typer.Option(min=1, help="Passes over each working set.")] = 20,
        horizon: Annotated[float, typer.Option(help="Simulated seconds per run at most.")
                           ] = 20.0,
        load_control: Annotated[str, typer.Option(
            "--load-control", help="off, on or both (two curves).")] = "both",
        plot: Annotated[Path | None, typer.Option("--plot", help="Write a PNG of the curve.")
                        ] = None,
    ) -> None:
        """CPU utilization against the number of tasks: it rises, then collapses when the
        working sets no longer fit (thrashing); load control keeps it up."""
        if load_control not in ("off", "on", "both"):
            raise typer.BadParameter("choose off, on or both", param_hint="--load-control")
        setup = ThrashSetup(memory=memory, disk=disk, cpus=cpus, passes=passes,
                            horizon=horizon)
        modes = {"off": [False], "on": [True], "both": [False, True]}[load_control]
        curves: dict[str, list[tuple[int, float, float]]] = {}
        typer.echo(f"{memory} memory, {disk}, {cpus} CPU(s); each task loops {passes} times "
                   f"over {setup.pages()} pages (a quarter of memory), writing")
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
            plot_curve(curves, plot, f"Thrashing: {memory}, {disk}, working set = memory/4")
            typer.echo(f"plot written to {plot}")
