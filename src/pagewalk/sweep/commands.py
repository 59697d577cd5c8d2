"""The ``sweep`` and ``plot`` sub-commands of ``pagewalk``.

``register(app)`` adds them to the main typer app (see :mod:`pagewalk.cli`).
A bad spec, a missing library or an unreachable scheduler is one line on
stderr and exit status 2 (the main command prints the exception).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add ``sweep`` and ``plot`` to ``app``."""

    @app.command()
    def sweep(
        spec: Annotated[Path, typer.Argument(
            help="The sweep spec (TOML): traces, policies, frames/memory/sizes, modes, "
                 "compute, output; see docs/sweep.md.", show_default=False)],
        workers: Annotated[int | None, typer.Option(
            "--workers", "-w", help="Worker processes of the local cluster (default: one "
                                    "per core).")] = None,
        scheduler: Annotated[str | None, typer.Option(
            "--scheduler", help="Address of an existing Dask scheduler, e.g. "
                                "tcp://head:8786 (default: $DASK_SCHEDULER_ADDRESS, else "
                                "a local cluster).")] = None,
        resume: Annotated[bool, typer.Option(
            "--resume", help="Keep the cells already in the output and compute only the "
                             "rest.")] = False,
        csv: Annotated[Path | None, typer.Option(
            "--csv", help="Also write the table as CSV to this path.")] = None,
        plot: Annotated[Path | None, typer.Option(
            "--plot", help="Also draw the MRC families and heatmaps into this "
                           "directory.")] = None,
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="Progress bar and messages on stderr "
                                             "(default: when stderr is a terminal).")] = None,
    ) -> None:
        """Run a grid of traces x policies x sizes x modes on Dask; results to Parquet.

        Example: pagewalk sweep study.toml --workers 2 ; pagewalk plot results.parquet
        """
        from .run import run_sweep
        t0 = time.perf_counter()
        try:
            df = run_sweep(spec, workers, scheduler, resume=resume,
                           csv=str(csv) if csv else None, progress=progress)
        except KeyboardInterrupt:
            print("pagewalk: interrupted; finished cells are kept: rerun with --resume",
                  file=sys.stderr)
            raise typer.Exit(130) from None
        wall = time.perf_counter() - t0
        from .spec import load_spec
        out = load_spec(spec).output
        failed = int((df["status"] != "ok").sum())
        print(f"{len(df) - failed} cells ok, {failed} failed, in {wall:.1f} s -> {out}"
              + (f" and {csv}" if csv else ""))
        if failed:
            for rec in df[df["status"] != "ok"].head(5).itertuples():
                print(f"  failed: {rec.trace} {rec.method} {rec.policy} {rec.mode} "
                      f"frames {rec.frames}: {rec.error}")
        if plot is not None:
            from .plot import plot_results
            for p in plot_results(df, plot):
                print(f"plot written to {p}")

    @app.command("plot")
    def plot_cmd(
        results: Annotated[Path, typer.Argument(
            help="A results table written by pagewalk sweep (.parquet or .csv).",
            show_default=False)],
        out_dir: Annotated[Path, typer.Option(
            "--output", "-o", help="Directory for the plots.")] = Path("plots"),
        fmt: Annotated[str, typer.Option(
            "--format", help="png, svg or pdf.")] = "png",
    ) -> None:
        """Draw a sweep's results: MRC families per trace, policy-vs-policy heatmaps.

        Example: pagewalk plot results.parquet -o plots --format svg
        """
        from .run import require
        require()
        from .plot import plot_results
        for p in plot_results(results, out_dir, fmt):
            print(f"plot written to {p}")
