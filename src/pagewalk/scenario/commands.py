"""The ``run``, ``validate`` and ``scenarios`` sub-commands of ``pagewalk``.

``register(app)`` adds them to the main typer app (see :mod:`pagewalk.cli`).
Exit status: 0 all expectations held / every step matched; 1 one did not;
2 the scenario is malformed (one line on stderr naming file, step and key).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import InvalidArgument
from ..observe.explain import LANGS, explain, explain_event
from ..observe.narrate import narrate
from ..observe.ostep_table import POLICIES as OSTEP_POLICIES
from ..observe.ostep_table import compute_table, format_table
from ..observe.reclaim_story import explain_reclaim
from ..outpaths import PLOT_SUFFIXES, check_output_path
from .engines import ModelEngine
from .format import VIEWS
from .library import builtin, resolve
from .runner import RunResult, StepResult, run
from .validate import Validation, validate
from .words import word

TABLE_MAX_REFS = 40         # longer replay steps print their table with --explain-all only

ScenarioArg = Annotated[str, typer.Argument(
    help="A scenario file (TOML) or the name of a built-in scenario (see `pagewalk scenarios`).",
    show_default=False)]


def _views(text: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    bad = [v for v in names if v not in VIEWS]
    if bad:
        raise InvalidArgument(f"--show: unknown view {bad[0]!r}; choose from {', '.join(VIEWS)}")
    return names


def _counts(r: StepResult, lang: str = "en") -> str:
    if r.replay is not None:
        return word("replay_counts", lang, faults=r.replay["faults"], hits=r.replay["hits"])
    return word("counts", lang, min=r.min_flt, maj=r.maj_flt)


def _console() -> Console:
    """A console that does not squeeze tables to 80 columns when piped."""
    c = Console(highlight=False)
    return c if c.is_terminal else Console(highlight=False, width=160)


class Narration:
    """How ``run`` prints a step: the language, and with --explain how to narrate
    faults (grouped or all, 2.6 names for the classic profile, the paging mode
    for the page-table indices)."""

    def __init__(self, lang: str = "en", explain: bool = False, all_: bool = False,
                 classic: bool = False, mode=None) -> None:
        self.lang, self.explain, self.all = lang, explain, all_
        self.classic, self.mode = classic, mode


def _replay_table(console: Console, r: StepResult, how: Narration) -> None:
    """The OSTEP -c view of a replay step (observe/ostep_table.py)."""
    a = r.step.args
    refs = (a["refs"] if "refs" in a else list(range(a["loop"]))) * a.get("repeat", 1)
    if a.get("mode", "cache") != "cache":
        console.print("    [dim]" + escape(word("demand_table", how.lang)) + "[/]")
        return
    if len(refs) > TABLE_MAX_REFS and not how.all:
        console.print("    [dim]" + escape(word("no_table", how.lang, n=len(refs))) + "[/]")
        return
    if a.get("policy", "lru") not in OSTEP_POLICIES:
        return  # the newer policies (sieve, 2q, s3fifo, lirs, clockpro) have no OSTEP table
    table = compute_table(refs, a["frames"], a.get("policy", "lru"))
    for line in format_table(table, how.lang).splitlines():
        console.print(f"      {escape(line)}")


def _print_step(console: Console, r: StepResult, how: Narration) -> None:
    s = r.step
    lang = how.lang
    mark = "[green]✓[/]" if r.ok else "[red]✗[/]"
    head = (f"{mark} [bold]{word('step', lang)} {s.index}[/] {s.op} [dim]({s.task})[/]  "
            f"{_counts(r, lang)}")
    if r.signal:
        head += f"  [red]{r.signal} {r.code}[/]"
    if r.status:
        head += "  " + escape(word("wait", lang, status=r.status))
    if r.errno:
        head += f"  [red]{escape(r.error or r.errno)}[/]"
    console.print(head)
    if s.title:
        console.print(f"    [dim]{escape(s.title)}[/]")
    if r.report is not None:                    # a run step (issue 6)
        for line in r.report.show().rstrip().splitlines():
            console.print(f"    {escape(line)}")
    if r.replay is not None:
        console.print("    " + escape(word("replay", lang, accesses=r.replay["accesses"],
                                            frames=r.replay["frames"],
                                            policy=r.replay["policy"])))
        _replay_table(console, r, how)
    for c in r.checks:
        ok = f"[green]{word('ok', lang)}[/]" if c.ok else f"[red]{word('failed', lang)}[/]"
        console.print("    " + escape(word("expect", lang, key=c.key, expected=c.expected,
                                            actual=c.actual)) + f" {ok}")
    if how.explain:
        for name, fields in r.events:
            for line in explain_event(name, fields, lang):
                console.print(f"    [magenta]{escape(line)}[/]")
        limit = None if how.all else 3
        for block in narrate(r.faults, lang, group=not how.all, classic=how.classic,
                             mode=how.mode, reclaim_limit=limit):
            console.print(f"    [cyan]{escape(block[0])}[/]")
            for line in block[1:]:
                console.print(f"      {escape(line)}")
        if r.reclaims:
            console.print("    [cyan]" + escape(word("reclaim", lang)) + "[/]")
            for run_ in r.reclaims:
                for line in explain_reclaim(run_, lang, limit):
                    console.print(f"      {escape(line)}")
    for name, text in r.views.items():
        console.print(f"    [bold]{name}[/]")
        for line in text.rstrip().splitlines():
            console.print(f"      {escape(line)}")


def _validation_table(console: Console, v: Validation) -> None:
    t = Table(title=f"{v.scenario.name}: kernel vs pagewalk ({v.repeat} host runs)")
    for col in ("step", "task", "kernel min", "kernel maj", "pagewalk min", "pagewalk maj",
                "match", "note"):
        t.add_column(col)
    for r in v.rows:
        def span(x: tuple[int, int] | None) -> str:
            if x is None:
                return "-"
            return str(x[0]) if x[0] == x[1] else f"{x[0]}..{x[1]}"
        kmin, kmaj = span(r.kernel_min), span(r.kernel_maj)
        if r.kernel_event:
            kmin += f" {r.kernel_event}"
        pmin = str(r.model_min) + (f" {r.model_event}" if r.model_event else "")
        if not r.compared:
            match = "[dim]not compared[/]"
        else:
            match = "[green]yes[/]" if r.match else "[red]NO[/]"
            if r.timing:
                match += " [yellow](timing)[/]"
            if any(r.tolerance):
                match += f" ±{r.tolerance[0]}/{r.tolerance[1]}"
        t.add_row(f"{r.step} {r.op}", r.task, kmin, kmaj, pmin, str(r.model_maj), match,
                  escape(r.note))
    console.print(t)


def _settings_line(v: Validation) -> str:
    s = v.settings
    swap = ", ".join(s.get("swap") or []) or "none"
    return (f"host: Linux {s.get('kernel')}, THP {s.get('thp')}, read_ahead_kb "
            f"{s.get('read_ahead_kb')}, page-cluster {s.get('page_cluster')}, swap {swap}, "
            f"fault_around_bytes {s.get('fault_around_bytes')}")


def register(app: typer.Typer) -> None:
    """Add ``run``, ``validate`` and ``scenarios`` to ``app``."""

    @app.command("run")
    def run_cmd(
        scenario: ScenarioArg,
        explain_: Annotated[bool, typer.Option(
            "--explain", help="Narrate the faults: error code, page-table indices, VMA, page "
                              "tables allocated, handler and why, reclaim, result, frame. "
                              "Consecutive faults that took the same path are narrated "
                              "once, then summed up in one line.")] = False,
        explain_all: Annotated[bool, typer.Option(
            "--explain-all", help="Like --explain, but narrate every fault, every reclaimed "
                                  "page and every replay table in full.")] = False,
        lang: Annotated[str, typer.Option(
            "--lang", help="Language of the output: en, or zh (the vocabulary of the two "
                           "Chinese texts on demand paging, 请页机制).")] = "en",
        show: Annotated[str, typer.Option(
            "--show", help=f"Views to print after every step: {', '.join(VIEWS)} "
                           "(comma-separated).")] = "",
        plot: Annotated[Path | None, typer.Option(
            "--plot", help="Write a PNG of RSS and cumulative faults per task.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        html: Annotated[Path | None, typer.Option(
            "--html", help="Write the explorer: one self-contained HTML page that steps "
                           "through every operation and fault of the run.")] = None,
    ) -> None:
        """Run a scenario in pagewalk: each step's faults, and whether each expectation held."""
        if lang not in LANGS:
            raise InvalidArgument(f"--lang {lang!r}: choose one of {', '.join(LANGS)}")
        views = _views(show)
        if plot is not None:
            check_output_path(plot, "--plot", PLOT_SUFFIXES)
        if html is not None:
            from ..observe.explorer import check_html_path
            check_html_path(html)
        scn = resolve(scenario)
        console = _console()
        explain_ = explain_ or explain_all
        engine = ModelEngine(scn.machine)
        how = Narration(lang, explain_, explain_all,
                        classic=engine.machine.config.profile == "classic",
                        mode=engine.machine.mode)
        if not as_json:
            console.rule(f"[bold]{escape(scn.title)}[/]")
            if scn.description:
                console.print(f"[dim]{escape(scn.description.strip())}[/]\n")
            if lang != "en" and not explain_:
                console.print("[dim]" + escape(word("no_explain", lang, code=lang)) + "[/]\n")
        cb = None if as_json else (lambda r: _print_step(console, r, how))
        if html is not None:
            from ..observe.explorer import explore
            recording = explore(scn, show=views, on_step=cb)
            result: RunResult = recording.result
            recording.write_html(html)
        else:
            result = run(scn, engine, show=views, on_step=cb)
        if plot is not None:
            from .plot import plot_run
            plot_run(result, plot)
        if as_json:
            d = result.to_dict()
            d["lang"] = lang
            if explain_:
                for sd, r in zip(d["steps"], result.steps, strict=True):
                    sd["explain"] = ([explain_event(n, f, lang) for n, f in r.events]
                                     + [explain(f, lang, classic=how.classic, mode=how.mode,
                                                reclaim_limit=None) for f in r.faults])
            typer.echo(json.dumps(d, indent=2, ensure_ascii=False))
        else:
            failed = sum(not r.ok for r in result.steps)
            console.print("\n" + escape(word("summary", lang, n=len(result.steps)))
                          + (f"[green]{word('all_ok', lang)}[/]" if not failed
                             else f"[red]{word('some_failed', lang, k=failed)}[/]")
                          + (escape(word("plot", lang, plot=plot)) if plot else "")
                          + ((f"; explorer written to {html}" if lang == "en"
                              else f"；浏览页面已写入 {html}") if html else ""))
        raise typer.Exit(0 if result.ok else 1)

    @app.command("validate")
    def validate_cmd(
        scenario: ScenarioArg,
        repeat: Annotated[int, typer.Option(
            "--repeat", "-n", min=1, help="Host runs, each in fresh processes.")] = 3,
        match_host: Annotated[bool, typer.Option(
            "--match-host/--no-match-host",
            help="Configure the model from the host's settings (pw.Config.from_host: thp, "
                 "read_ahead_kb, page_cluster, fault_around_bytes, swappiness, cpus); "
                 "on by default.")] = True,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
        swapfile: Annotated[str | None, typer.Option(
            "--swapfile", metavar="SIZE",
            help="Root only: validate on a temporary swap file of this size (e.g. 1GiB), "
                 "turned off and deleted afterwards, also on error or Ctrl-C.")] = None,
    ) -> None:
        """Run a scenario on this host's Linux kernel and in pagewalk; compare step by step."""
        scn = resolve(scenario)
        if swapfile is not None:
            from ..oracle.swapfile import SwapfileError, temporary_swapfile
            try:
                with temporary_swapfile(swapfile):
                    v = validate(scn, repeat=repeat, match_host=match_host)
            except (SwapfileError, ValueError) as e:
                typer.echo(f"pagewalk validate: {e}", err=True)
                raise typer.Exit(2) from None
        else:
            v = validate(scn, repeat=repeat, match_host=match_host)
        if as_json:
            typer.echo(json.dumps(v.to_dict(), indent=2, default=str, ensure_ascii=False))
            raise typer.Exit(0 if v.ok else 1)
        console = _console()
        console.print(_settings_line(v))
        if v.overrides:
            console.print("model configured from the host: "
                          + ", ".join(f"{k}={val}" for k, val in v.overrides.items()))
        if v.skipped:
            console.print(f"[yellow]{escape(scn.name)}: skipped: {escape(v.skipped)}[/]")
            raise typer.Exit(0)
        if v.error:
            console.print(f"[red]{escape(v.error)}[/]")
            raise typer.Exit(1)
        _validation_table(console, v)
        bad = [r for r in v.rows if r.compared and not r.match]
        console.print("[green]the model matches the kernel[/]" if not bad else
                      f"[red]{len(bad)} step(s) differ: "
                      + ", ".join(str(r.step) for r in bad) + "[/]")
        raise typer.Exit(0 if v.ok else 1)

    @app.command("scenarios")
    def scenarios_cmd(
        as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
    ) -> None:
        """List the built-in scenarios (run one with `pagewalk run NAME`)."""
        items = builtin()
        if as_json:
            typer.echo(json.dumps([{"name": s.name, "title": s.title, "chapter": s.chapter,
                                    "host": s.host, "host_reason": s.host_reason,
                                    "steps": len(s.steps)} for s in items], indent=2,
                                   ensure_ascii=False))
            return
        t = Table(title="built-in scenarios: pagewalk run NAME [--explain] | "
                        "pagewalk validate NAME")
        for col in ("name", "chapter", "title", "host"):
            t.add_column(col)
        for s in items:
            t.add_row(s.name, escape(s.chapter), escape(s.title),
                      "yes" if s.host else f"no: {escape(s.host_reason)}")
        _console().print(t)
