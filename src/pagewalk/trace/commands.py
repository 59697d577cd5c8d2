"""The ``replay``, ``mrc`` and ``record`` sub-commands of ``pagewalk``.

``register(app)`` adds them to the main typer app (see :mod:`pagewalk.cli`).
User errors (bad sizes, unknown policies, malformed traces) raise
``InvalidArgument``/``ValueError``, which the main command prints as one line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InvalidArgument
from .policies import MODES, POLICY_NAMES

_POLICIES = ", ".join(POLICY_NAMES)
TraceArg = Annotated[Path, typer.Argument(
    help="Trace file: valgrind lackey output, plain text (R/W + address per line), "
         "pagewalk binary (.pwt) or numpy (.npy/.npz); .gz/.zst are read transparently.",
    show_default=False)]
FormatOpt = Annotated[str, typer.Option(
    "--format", help="Trace format: auto, lackey, text, binary or numpy.")]



def _parse_policies(text: str) -> list[str]:
    names = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in names if p not in POLICY_NAMES]
    if bad:
        raise InvalidArgument(f"--policies: unknown {', '.join(bad)}; choose from {_POLICIES}")
    return names


def register(app: typer.Typer) -> None:
    """Add ``replay``, ``mrc`` and ``record`` to ``app``."""

    @app.command()
    def replay(
        trace: TraceArg,
        frames: Annotated[int | None, typer.Option(
            "--frames", "-k", help="Number of 4 KiB frames of memory.")] = None,
        memory: Annotated[str | None, typer.Option(
            "--memory", "-m", help="Memory size instead of --frames, e.g. 64MiB, 4096p.")] = None,
        policy: Annotated[str, typer.Option(
            "--policy", "-p", help=f"Replacement policy: {_POLICIES}.")] = "lru",
        mode: Annotated[str, typer.Option(
            help="cache: every access to a non-resident page is a miss (libCacheSim's "
                 "numbers); demand: the kernel's rules for anonymous memory (zero page, "
                 "swap in/out).")] = "cache",
        engine: Annotated[str, typer.Option(
            help="fast (compiled) or reference (pure Python, slow, same numbers).")] = "fast",
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        fmt: FormatOpt = "auto",
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="Progress bar while parsing (default: when "
                                             "stderr is a terminal).")] = None,
    ) -> None:
        """Replay a trace against K frames and a policy: faults, swap traffic, hit ratio.

        Example: pagewalk replay gzip.pwt --frames 256 --policy clock --mode demand
        """
        from .io import load_trace
        from .replay import replay as run_replay
        if mode not in MODES:
            raise InvalidArgument(f"--mode {mode!r}; write one of {', '.join(MODES)}")
        tr = load_trace(trace, format=fmt, progress=progress)
        res = run_replay(tr, frames=frames, memory=memory, policy=policy, mode=mode,
                         engine=engine)
        if as_json:
            print(json.dumps(res.to_dict()))
            return
        print(f"{trace}: {res.accesses:,} accesses, {res.distinct_pages:,} pages; "
              f"{res.policy}, {res.frames:,} frames, {res.mode} mode")
        print(f"  faults {res.faults:,} (minor {res.minor:,}, major {res.major:,})  "
              f"hit ratio {res.hit_ratio:.4f}")
        if res.mode == "demand":
            print(f"  zero-page maps {res.zero_maps:,}  pswpin {res.pswpin:,}  "
                  f"pswpout {res.pswpout:,}  evictions {res.evictions:,}")
        else:
            print(f"  evictions {res.evictions:,}")

    @app.command()
    def mrc(
        trace: TraceArg,
        policy: Annotated[str, typer.Option(
            "--policy", "-p", help="Curve policy: lru is exact in one pass (Mattson stack "
                                   "distances); others are replayed per size.")] = "lru",
        sample: Annotated[float | None, typer.Option(
            help="SHARDS sampling rate for LRU (0 < rate <= 1), e.g. 0.01, for traces with "
                 "many distinct pages.")] = None,
        plot: Annotated[Path | None, typer.Option(
            help="Draw the curve to this file (.png, .svg or .pdf).")] = None,
        policies: Annotated[str, typer.Option(
            help=f"Comma-separated policies to replay at a few sizes and mark on the plot, "
                 f"e.g. fifo,clock (from {_POLICIES}).")] = "",
        points: Annotated[int, typer.Option(
            help="How many frame counts to print (and to replay for --policies).")] = 8,
        as_json: Annotated[bool, typer.Option("--json", help="Print the curve as JSON.")] = False,
        fmt: FormatOpt = "auto",
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="Progress bar while parsing.")] = None,
    ) -> None:
        """Compute the miss-ratio curve of a trace: misses for every number of frames.

        Example: pagewalk mrc gzip.pwt --plot mrc.png --policies fifo,clock,opt
        """
        from .io import load_trace
        from .mrc import default_sizes
        from .mrc import mrc as run_mrc
        if points < 1:
            raise InvalidArgument(f"--points {points}; write an int >= 1")
        others = _parse_policies(policies)
        tr = load_trace(trace, format=fmt, progress=progress)
        curve = run_mrc(tr, policy=policy, sample=sample)
        sizes = default_sizes(tr.n_pages, points)
        if others:
            curve.add_replays(tr, others, sizes)
        if plot is not None:
            curve.plot(plot, title=f"{trace.name}: {len(tr):,} accesses, {tr.n_pages:,} pages")
        if as_json:
            print(json.dumps(curve.to_dict()))
            return
        print(f"{trace}: {len(tr):,} accesses, {tr.n_pages:,} pages; {curve.policy} curve"
              + (f" (SHARDS rate {sample:g})" if sample else ""))
        header = f"{'frames':>10}  {curve.policy:>10}" + "".join(f"  {p:>10}" for p in others)
        print(header)
        for k in sizes:
            row = f"{k:>10}  {curve.misses_at(k) / max(len(tr), 1):>10.4f}"
            for p in others:
                f, m = curve.replays[p]
                row += f"  {m[list(f).index(k)] / max(len(tr), 1):>10.4f}"
            print(row)
        if plot is not None:
            print(f"plot written to {plot}")

    @app.command(context_settings={"allow_extra_args": True,
                                   "ignore_unknown_options": True})
    def record(
        ctx: typer.Context,
        output: Annotated[Path, typer.Option(
            "--output", "-o", help="Where to write the compact trace (.pwt; .pwt.zst or "
                                   ".pwt.gz to compress).")],
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="Progress bar while parsing.")] = None,
    ) -> None:
        """Run a command under valgrind lackey and save its memory trace.

        Everything after -- is the command: pagewalk record -o gzip.pwt -- gzip -k data.txt
        (valgrind must be installed: apt-get install valgrind).
        """
        from .record import record as run_record
        trace, status = run_record(list(ctx.args), progress=progress)
        path = trace.save(output)
        print(f"{path}: {len(trace):,} accesses, {trace.n_pages:,} pages, "
              f"{int(trace.writes.sum()):,} writes (command exit status {status})",
              file=sys.stderr)
