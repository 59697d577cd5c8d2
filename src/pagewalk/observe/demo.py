"""``pagewalk demo``: the seeds' story on a small machine, fault by fault.

A task maps anonymous memory, reads it (the zero page), writes it (copy-on-write
from the zero page), writes fresh pages (demand-zero), forks; the child writes
(a COW copy), the parent writes (reuse: it is the sole owner now); finally a
touch of an unmapped address (SIGSEGV, SEGV_MAPERR) and a write to a read-only
mapping (SEGV_ACCERR).
"""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..arch.pte import describe_error_code
from ..errors import Signal


def _show_faults(console: Console, machine, tracer, start: int) -> int:
    for rec in tracer.faults[start:]:
        kind = "signal" if rec.signal else ("major fault" if rec.major else "minor fault")
        code = f"{rec.error_code:#x}" if rec.error_code is not None else "#GP"
        ec = (describe_error_code(rec.error_code) if rec.error_code is not None
              else "general protection")
        console.print(f"  [bold]fault[/] pid {rec.pid} at [cyan]{rec.address:#x}[/]  "
                      f"error_code={code} ({ec})")
        console.print("    path: " + " → ".join(
            f"[green]{s}[/]" if s == rec.handler else s for s in rec.steps))
        result = f"{rec.signal} {rec.code}" if rec.signal else kind
        frame = f", frame {rec.pfn:#x}" if rec.pfn is not None and not rec.signal else ""
        console.print(f"    result: [magenta]{result}[/]{frame} — {rec.reason}")
    return len(tracer.faults)


def _counters(console: Console, machine) -> None:
    parts = []
    for t in machine.tasks.values():
        state = "" if t.alive else f" ({t.killed_by or 'exited'})"
        parts.append(f"pid {t.pid} {t.name}{state}: min_flt={t.stats.min_flt} "
                     f"maj_flt={t.stats.maj_flt} rss={t.stats.rss}")
    v = machine.vmstat
    console.print("    [dim]" + "; ".join(parts) + f" | pgfault={v['pgfault']} "
                  f"pgreuse={v['pgreuse']} free={machine.phys.nr_free}[/]")


def run_demo(memory: str = "16MiB", paging: str = "x86_64", profile: str = "linux",
             console: Console | None = None) -> None:
    from ..machine import Machine
    console = console or Console()
    m = Machine(memory=memory, swap=0, paging=paging, profile=profile)
    console.rule(f"[bold]pagewalk demo[/] — {paging}, profile {profile}, {memory} of RAM")
    seen = 0
    with m.trace() as tr:
        def step(title: str, action: Callable[[], object]) -> object:
            nonlocal seen
            console.print(f"\n[bold yellow]▶ {title}[/]")
            result = None
            try:
                result = action()
            except Signal as sig:
                seen = _show_faults(console, m, tr, seen)
                console.print(f"  [red]{sig.signal} ({sig.code}) delivered at the trap "
                              f"boundary: task {sig.pid} is dead, the machine goes on[/]")
            seen = _show_faults(console, m, tr, seen)
            _counters(console, m)
            return result

        p = m.spawn("init")
        a = p.mmap(8 * 4096, prot="rw", flags="private|anonymous")
        console.print(f"init (pid {p.pid}) maps 8 anonymous pages at {a:#x}: no fault yet, "
                      "only a VMA (请求调页: nothing is allocated until it is touched)")
        console.print(escape(p.maps().rstrip()))
        step("read page 0: a never-touched anonymous page → the shared zero page",
             lambda: p.read(a, 8))
        step("write page 0: the zero page is read-only → copy-on-write to a zeroed page",
             lambda: p.write(a, b"seeds"))
        step("write pages 1-3 for the first time: demand-zero pages, writable and dirty",
             lambda: p.touch(a + 4096, 3 * 4096, write=True))
        c = step("fork: the child shares every page; both sides are write-protected",
                 lambda: p.fork("child"))
        console.print(f"  child pid {c.pid}: page 1 in parent → pfn "
                      f"{p.pagemap(a + 4096).pfn:#x}, in child → pfn {c.pagemap(a + 4096).pfn:#x}"
                      f" (shared, mapcount {p.pagemap(a + 4096).mapcount})")
        step("the child writes page 1: the page has two users → copy it (写时复制)",
             lambda: c.write(a + 4096, b"child"))
        step("the parent writes page 1: it is now the page's only user → reuse, no copy",
             lambda: p.write(a + 4096, b"parent"))
        console.print(f"  parent reads {p.read(a + 4096, 6)!r}, child reads "
                      f"{c.read(a + 4096, 5)!r}")
        step("the child touches an address no VMA covers → SIGSEGV (SEGV_MAPERR)",
             lambda: c.read(0x1000, 1))
        ro = p.mmap(4096, prot="r", flags="private|anonymous")
        step("the parent writes a read-only mapping → SIGSEGV (SEGV_ACCERR)",
             lambda: p.write(ro, b"x"))
    table = Table(title="counters at the end (as getrusage and /proc/vmstat report them)")
    for col in ("pid", "task", "state", "min_flt", "maj_flt"):
        table.add_column(col)
    for t in m.tasks.values():
        table.add_row(str(t.pid), t.name, "alive" if t.alive else f"killed by {t.killed_by}",
                      str(t.stats.min_flt), str(t.stats.maj_flt))
    console.print(table)
    console.print(f"vmstat: pgfault={m.vmstat['pgfault']} pgreuse={m.vmstat['pgreuse']}")
    m.check()
    console.print("[green]m.check(): every kernel invariant holds[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        memory: str = typer.Option("16MiB", help="RAM of the demo machine (e.g. 16MiB, 4096p)."),
        paging: str = typer.Option("x86_64", help="Paging mode: x86_64, la57 or i386."),
        profile: str = typer.Option("linux", help="linux (today's 6.x kernel) or classic "
                                    "(the seeds' 2.4/2.6 kernel)."),
    ) -> None:
        """Watch demand paging happen: the zero page, demand-zero pages, copy-on-write
        after fork (copy, then reuse) and the two kinds of SIGSEGV, each fault printed
        with its path through the kernel's handlers and the counters after it."""
        run_demo(memory=memory, paging=paging, profile=profile)
