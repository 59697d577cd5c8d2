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
from ..outpaths import PLOT_SUFFIXES, check_output_path
from .numbers import ratio
from .policies import MODES, POLICY_NAMES

_POLICIES = ", ".join(POLICY_NAMES)
TraceArg = Annotated[Path, typer.Argument(
    help="Trace file: valgrind lackey output, plain text (R/W + address per line), "
         "pagewalk binary (.pwt) or numpy (.npy/.npz); .gz/.zst are read transparently.",
    show_default=False)]
FormatOpt = Annotated[str, typer.Option(
    "--format", help="Trace format: auto, lackey, text, pages, oracleGeneral, csv, binary "
                     "or numpy.")]



def _parse_policies(text: str) -> list[str]:
    names = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in names if p not in POLICY_NAMES]
    if bad:
        raise InvalidArgument(f"--policies: unknown {', '.join(bad)}; choose from {_POLICIES}")
    return names


def _replay_input(trace: Path | None, pages: str | None, seed: int | None, num_refs: int,
                  max_page: int, fmt: str, progress: bool | None):
    """The trace to replay, its name, and whether it was generated (-s)."""
    from .io import load_trace
    from .model import Trace
    from .refstring import ostep_references, parse_page_list
    given = [what for what, v in (("TRACE", trace), ("--pages", pages), ("-s/--seed", seed))
             if v is not None]
    if len(given) != 1:
        raise InvalidArgument("replay: give exactly one of a TRACE file, --pages 1,2,3,... "
                              "or -s SEED (a generated reference string)"
                              + (f"; got {' and '.join(given)}" if given else ""))
    if pages is not None:
        return Trace.from_pages(parse_page_list(pages)), "--pages", False
    if seed is not None:
        refs = ostep_references(seed, num_refs, max_page)
        return Trace.from_pages(refs), f"-s {seed} -n {num_refs}", True
    assert trace is not None
    return load_trace(trace, format=fmt, progress=progress), str(trace), False


COMPUTE_MAX = 10_000


def _print_compute(tr, frames: int | None, memory: str | None, policy: str, mode: str,
                   as_json: bool, seed: int, question: str | None) -> None:
    """``replay -c``: OSTEP's answer table (observe/ostep_table.py)."""
    from ..observe.ostep_table import POLICIES, compute_table, format_table
    from .replay import resolve_frames
    if mode != "cache":
        raise InvalidArgument("-c/--compute shows the cache view (--mode cache); leave out "
                              "--mode demand")
    if policy not in POLICIES:
        raise InvalidArgument(f"-c/--compute: policy {policy!r} has no per-reference table; "
                              f"choose one of {', '.join(POLICIES)}")
    if len(tr) > COMPUTE_MAX:
        raise InvalidArgument(f"-c/--compute prints a line per reference and this trace has "
                              f"{len(tr):,}; use it with at most {COMPUTE_MAX:,} references "
                              f"(without -c, replay prints the totals)")
    k = resolve_frames(frames, memory)
    table = compute_table(tr.pages.tolist(), k, policy, seed)
    if as_json:
        print(json.dumps(dict(policy=policy, frames=k, order=table.order, hits=table.hits,
                              misses=table.misses, cold=table.cold_misses,
                              rows=[dict(ref=r.ref, hit=r.hit, frames=list(r.frames),
                                         victim=r.victim, cold=r.cold) for r in table.rows]),
                         ensure_ascii=False))
        return
    if question is not None:
        print(f"{policy.upper()}, {k} frames, reference string ({question}):")
        print("  " + " ".join(str(int(p)) for p in tr.pages) + "\n")
    print(format_table(table), end="")


def _print_counts(res) -> None:
    """The counters in the words of the mode: a cache has cold and capacity/conflict
    misses; demand paging has minor and major faults."""
    if res.mode == "cache":
        print(f"  misses {res.misses:,} (cold {res.minor:,}, capacity/conflict {res.major:,})  "
              f"hits {res.hits:,}  hit ratio {ratio(res.hit_ratio)}  "
              f"miss ratio {ratio(res.miss_ratio)}")
        print(f"  evictions {res.evictions:,}")
        return
    print(f"  faults {res.faults:,} (minor {res.minor:,}, major {res.major:,})  "
          f"hit ratio {ratio(res.hit_ratio)}")
    print(f"  zero-page maps {res.zero_maps:,}  pswpin {res.pswpin:,}  "
          f"pswpout {res.pswpout:,}  evictions {res.evictions:,}")


def register(app: typer.Typer) -> None:
    """Add ``replay``, ``mrc`` and ``record`` to ``app``."""

    @app.command()
    def replay(
        trace: Annotated[Path | None, typer.Argument(
            help="Trace file: valgrind lackey output, plain text (R/W + address per line), "
                 "page numbers (--format pages), libCacheSim's oracleGeneral or csv, "
                 "pagewalk binary (.pwt) or numpy (.npy/.npz); .gz/.zst are read "
                 "transparently.  Leave it out with --pages or -s/-n.",
            show_default=False)] = None,
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
        pages: Annotated[str | None, typer.Option(
            "--pages", help="A reference string of page numbers instead of a trace file, "
                            "e.g. 1,2,3,4,1,2,5,1,2,3,4,5.")] = None,
        seed: Annotated[int | None, typer.Option(
            "--seed", "-s", help="Generate a random reference string with this seed, as "
                                 "OSTEP's paging-policy.py does (with -n, --max-page); "
                                 "it also seeds --policy random.")] = None,
        num_refs: Annotated[int, typer.Option(
            "--num-refs", "-n", help="How many references to generate with -s.")] = 10,
        max_page: Annotated[int, typer.Option(
            "--max-page", help="Generated pages are 0 .. MAX_PAGE-1 (with -s).")] = 10,
        compute: Annotated[bool, typer.Option(
            "--compute", "-c", help="Print the answer, OSTEP's way: per reference hit or "
                                    "miss, the frames after it in the policy's order and "
                                    "the victim; then the totals.")] = False,
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="Progress bar while parsing (default: when "
                                             "stderr is a terminal).")] = None,
    ) -> None:
        """Replay a trace against K frames and a policy: faults, swap traffic, hit ratio.

        Examples: pagewalk replay gzip.pwt --frames 256 --policy clock --mode demand;
        pagewalk replay --pages 1,2,3,4,1,2,5,1,2,3,4,5 --frames 3 --policy fifo;
        pagewalk replay -s 0 -n 10 --frames 3 --policy lru [-c] (OSTEP's homework; -c
        prints the answers).
        """
        from .replay import replay as run_replay
        if mode not in MODES:
            raise InvalidArgument(f"--mode {mode!r}; write one of {', '.join(MODES)}")
        tr, name, generated = _replay_input(trace, pages, seed, num_refs, max_page, fmt,
                                            progress)
        if compute:
            _print_compute(tr, frames, memory, policy, mode, as_json, seed or 0,
                           question=f"-s {seed} -n {num_refs} --max-page {max_page}"
                           if generated else None)
            return
        res = run_replay(tr, frames=frames, memory=memory, policy=policy, mode=mode,
                         engine=engine, seed=seed or 0)  # -s also seeds policy random
        if as_json:
            print(json.dumps(res.to_dict()))
            return
        if generated:
            print(f"Assuming a replacement policy of {res.policy.upper()}, and a memory of "
                  f"{res.frames} frames, what are the hits and misses of this reference "
                  f"string (-s {seed} -n {num_refs} --max-page {max_page})?")
            print("  " + " ".join(str(int(p)) for p in tr.pages))
            print("(-c prints the answers)")
            return
        print(f"{name}: {res.accesses:,} accesses, {res.distinct_pages:,} pages; "
              f"{res.policy}, {res.frames:,} frames, {res.mode} mode")
        _print_counts(res)

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
        if plot is not None:
            check_output_path(plot, "--plot", PLOT_SUFFIXES)
        tr = load_trace(trace, format=fmt, progress=progress)
        curve = run_mrc(tr, policy=policy, sample=sample)
        sizes = [k for k in default_sizes(tr.n_pages, points) if k >= curve.min_frames]
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
        print(header + "   (miss ratio)")
        n = max(len(tr), 1)
        for k in sizes:
            row = f"{k:>10}  {ratio(curve.misses_at(k) / n):>10}"
            for p in others:
                f, m = curve.replays[p]
                row += f"  {ratio(m[list(f).index(k)] / n):>10}"
            print(row)
        if sample and curve.min_frames > 1:
            print(f"(sizes below {curve.min_frames} frames are left out: a sample at rate "
                  f"{sample:g} cannot resolve them)")
        if plot is not None:
            print(f"plot written to {plot}")

    @app.command(context_settings={"allow_extra_args": True,
                                   "ignore_unknown_options": True})
    def record(
        ctx: typer.Context,
        output: Annotated[Path, typer.Option(
            "--output", "-o", help="Where to write the compact trace (.pwt; .pwt.zst or "
                                   ".pwt.gz to compress).")],
        trace_children: Annotated[bool, typer.Option(
            "--trace-children/--no-trace-children",
            help="Follow exec, as valgrind's --trace-children=yes: a shell-script shim "
                 "records the program it runs, not the shell.")] = True,
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="Progress while recording (default: a bar on "
                                             "a terminal, else a line every 5 s).")] = None,
    ) -> None:
        """Run a command under valgrind lackey and save its memory trace.

        Everything after -- is the command: pagewalk record -o gzip.pwt -- gzip -k data.txt
        (valgrind must be installed: apt-get install valgrind).  The trace streams to
        disk: memory stays bounded whatever the length.
        """
        from .record import record_to
        check_output_path(output, "-o/--output")
        rec = record_to(list(ctx.args), output, progress=progress,
                        trace_children=trace_children)
        print(f"{rec.path}: {rec.accesses:,} accesses, {rec.pages:,} pages, "
              f"{rec.writes:,} writes in {rec.seconds:.1f} s (command exit status "
              f"{rec.status}); recorded {rec.describe()}", file=sys.stderr)
