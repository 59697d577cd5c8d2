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
from .format import VIEWS
from .library import builtin, resolve
from .runner import RunResult, StepResult, run_model
from .validate import Validation, validate

ScenarioArg = Annotated[str, typer.Argument(
    help="A scenario file (TOML) or the name of a built-in scenario (see `pagewalk scenarios`).",
    show_default=False)]


def _views(text: str) -> tuple[str, ...]:
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    bad = [v for v in names if v not in VIEWS]
    if bad:
        raise InvalidArgument(f"--show: unknown view {bad[0]!r}; choose from {', '.join(VIEWS)}")
    return names


def _counts(r: StepResult) -> str:
    if r.replay is not None:
        return f"faults={r.replay['faults']} hits={r.replay['hits']}"
    return f"min_flt={r.min_flt} maj_flt={r.maj_flt}"


def _console() -> Console:
    """A console that does not squeeze tables to 80 columns when piped."""
    c = Console(highlight=False)
    return c if c.is_terminal else Console(highlight=False, width=160)


def _print_step(console: Console, r: StepResult, explain_lang: str | None) -> None:
    s = r.step
    mark = "[green]✓[/]" if r.ok else "[red]✗[/]"
    head = f"{mark} [bold]step {s.index}[/] {s.op} [dim]({s.task})[/]  {_counts(r)}"
    if r.signal:
        head += f"  [red]{r.signal} {r.code}[/]"
    if r.status:
        head += f"  wait: {r.status}"
    if r.errno:
        head += f"  [red]{escape(r.error or r.errno)}[/]"
    console.print(head)
    if s.title:
        console.print(f"    [dim]{escape(s.title)}[/]")
    if r.report is not None:                    # a run step (issue 6)
        for line in r.report.show().rstrip().splitlines():
            console.print(f"    {escape(line)}")
    if r.replay is not None:
        console.print(f"    replay: {r.replay['accesses']} accesses, {r.replay['frames']} "
                      f"frames, {r.replay['policy']}")
    for c in r.checks:
        ok = "[green]ok[/]" if c.ok else "[red]FAILED[/]"
        console.print(f"    expect {c.key} = {escape(str(c.expected))}: got "
                      f"{escape(str(c.actual))} {ok}")
    if explain_lang:
        for name, fields in r.events:
            for line in explain_event(name, fields, explain_lang):
                console.print(f"    [magenta]{escape(line)}[/]")
        for rec in r.faults:
            lines = explain(rec, explain_lang)
            console.print(f"    [cyan]{escape(lines[0])}[/]")
            for line in lines[1:]:
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
            "--explain", help="Narrate every fault: error code, VMA, page tables allocated, "
                              "handler and why, result, frame.")] = False,
        lang: Annotated[str, typer.Option(
            "--lang", help="Language of --explain: en or zh (the seeds' vocabulary).")] = "en",
        show: Annotated[str, typer.Option(
            "--show", help=f"Views to print after every step: {', '.join(VIEWS)} "
                           "(comma-separated).")] = "",
        plot: Annotated[Path | None, typer.Option(
            "--plot", help="Write a PNG of RSS and cumulative faults per task.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Run a scenario in pagewalk: each step's faults, and whether each expectation held."""
        if lang not in LANGS:
            raise InvalidArgument(f"--lang {lang!r}: choose one of {', '.join(LANGS)}")
        views = _views(show)
        scn = resolve(scenario)
        console = _console()
        if not as_json:
            console.rule(f"[bold]{escape(scn.title)}[/]")
            if scn.description:
                console.print(f"[dim]{escape(scn.description.strip())}[/]\n")
        cb = None if as_json else (
            lambda r: _print_step(console, r, lang if explain_ else None))
        result: RunResult = run_model(scn, show=views, on_step=cb)
        if plot is not None:
            from .plot import plot_run
            plot_run(result, plot)
        if as_json:
            d = result.to_dict()
            if explain_:
                for sd, r in zip(d["steps"], result.steps, strict=True):
                    sd["explain"] = ([explain_event(n, f, lang) for n, f in r.events]
                                     + [explain(f, lang) for f in r.faults])
            typer.echo(json.dumps(d, indent=2))
        else:
            failed = sum(not r.ok for r in result.steps)
            console.print(f"\n{len(result.steps)} steps, "
                          + ("[green]every expectation held[/]" if not failed
                             else f"[red]{failed} step(s) with a failed expectation[/]")
                          + (f"; plot written to {plot}" if plot else ""))
        raise typer.Exit(0 if result.ok else 1)

    @app.command("validate")
    def validate_cmd(
        scenario: ScenarioArg,
        repeat: Annotated[int, typer.Option(
            "--repeat", "-n", min=1, help="Host runs, each in fresh processes.")] = 3,
        match_host: Annotated[bool, typer.Option(
            "--match-host", help="Configure the model from the host's settings (thp, "
                                 "read_ahead_kb, page_cluster, fault_around_bytes).")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    ) -> None:
        """Run a scenario on this host's Linux kernel and in pagewalk; compare step by step."""
        scn = resolve(scenario)
        v = validate(scn, repeat=repeat, match_host=match_host)
        if as_json:
            typer.echo(json.dumps(v.to_dict(), indent=2, default=str))
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
                                    "steps": len(s.steps)} for s in items], indent=2))
            return
        t = Table(title="built-in scenarios: pagewalk run NAME [--explain] | "
                        "pagewalk validate NAME")
        for col in ("name", "chapter", "title", "host"):
            t.add_column(col)
        for s in items:
            t.add_row(s.name, escape(s.chapter), escape(s.title),
                      "yes" if s.host else f"no: {escape(s.host_reason)}")
        _console().print(t)
