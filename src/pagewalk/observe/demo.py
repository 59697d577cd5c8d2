"""``pagewalk demo``: the story of the two Chinese texts on Linux demand paging
(请页机制) this project implements, on a small machine, fault by fault.

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

from ..errors import Signal
from .explain import explain

LANGS = ("en", "zh")
_TEXT = {
    "rule": ("pagewalk demo — {paging}, profile {profile}, {memory} of RAM",
             "pagewalk 演示 — {paging}，{profile} 配置，{memory} 内存"),
    "intro": ("init (pid {pid}) maps 8 anonymous pages at {a:#x}: no fault yet, only a VMA "
              "(请求调页: nothing is allocated until it is touched)",
              "init（pid {pid}）在 {a:#x} 映射 8 个匿名页：还没有缺页，只有一个虚存区"
              "（请求调页：访问之前不分配任何页面）"),
    "read0": ("read page 0: a never-touched anonymous page → the shared zero page",
              "读第 0 页：从未访问过的匿名页 → 映射共享的零页"),
    "write0": ("write page 0: the zero page is read-only → copy-on-write to a zeroed page",
               "写第 0 页：零页是只读的 → 写时复制，得到一个填充为0的新页面"),
    "fresh": ("write pages 1-3 for the first time: demand-zero pages, writable and dirty",
              "第一次写第 1-3 页：请求调页，分配填充为0的页面（可写、脏）"),
    "fork": ("fork: the child shares every page; both sides are write-protected",
             "fork：子进程共享所有页面，父子双方的页表项都被写保护"),
    "shared": ("  child pid {cpid}: page 1 in parent → pfn {pp:#x}, in child → pfn {cp:#x} "
               "(shared, mapcount {mc})",
               "  子进程 pid {cpid}：第 1 页在父进程 → 物理页面 {pp:#x}，在子进程 → {cp:#x}"
               "（共享，映射计数 {mc}）"),
    "childw": ("the child writes page 1: the page has two users → copy it (写时复制)",
               "子进程写第 1 页：页面有两个使用者 → 复制（写时复制）"),
    "parentw": ("the parent writes page 1: it is now the page's only user → reuse, no copy",
                "父进程写第 1 页：它现在是该页唯一的使用者 → 直接重用，不复制"),
    "both": ("  parent reads {p!r}, child reads {c!r}", "  父进程读到 {p!r}，子进程读到 {c!r}"),
    "maperr": ("the child touches an address no VMA covers → SIGSEGV (SEGV_MAPERR)",
               "子进程访问一个不属于任何虚存区的地址 → SIGSEGV (SEGV_MAPERR)"),
    "accerr": ("the parent writes a read-only mapping → SIGSEGV (SEGV_ACCERR)",
               "父进程写只读映射 → SIGSEGV (SEGV_ACCERR)"),
    "signal": ("  {sig} ({code}) delivered at the trap boundary: task {pid} is dead, "
               "the machine goes on",
               "  在陷入返回时递送 {sig} ({code})：进程 {pid} 终止，系统继续运行"),
    "table": ("counters at the end (as getrusage and /proc/vmstat report them)",
              "最后的计数器（与 getrusage 和 /proc/vmstat 的含义相同）"),
    "ok": ("m.check(): every kernel invariant holds", "m.check()：所有内核不变式都成立"),
    "cols": ("pid|task|state|min_flt|maj_flt", "进程号|进程|状态|次缺页 min_flt|主缺页 maj_flt"),
    "alive": ("alive", "运行中"), "killed": ("killed by {sig}", "被 {sig} 终止"),
    "exited": ("exited", "已退出"),
    "free": ("free", "空闲页"),
    "classic": ("profile classic: the path is named as in the 2.6 kernel the texts describe "
                "(names marked [6.x] have no 2.6 counterpart)",
                "classic 配置：按书中描述的 2.6 内核命名处理函数（标 [6.x] 的在 2.6 中没有对应）"),
}


def _t(key: str, lang: str, **kw) -> str:
    return _TEXT[key][LANGS.index(lang)].format(**kw)


def _show_faults(console: Console, tracer, start: int, lang: str, machine) -> int:
    """Narrate the faults recorded since ``start`` (observe/explain.py's narrator)."""
    classic = machine.config.profile == "classic"
    for rec in tracer.faults[start:]:
        lines = explain(rec, lang, classic=classic, mode=machine.mode)
        console.print("  [bold]" + escape(lines[0]) + "[/]")
        for line in lines[1:]:
            console.print("    " + escape(line))
    return len(tracer.faults)


def _counters(console: Console, machine, lang: str) -> None:
    parts = []
    for t in machine.tasks.values():
        state = "" if t.alive else f" ({t.killed_by or _t('exited', lang)})"
        parts.append(f"pid {t.pid} {t.name}{state}: min_flt={t.stats.min_flt} "
                     f"maj_flt={t.stats.maj_flt} rss={t.stats.rss}")
    v = machine.vmstat
    reuse = f"pgreuse={v['pgreuse']} " if machine.config.profile != "classic" else ""
    console.print("    [dim]" + escape("; ".join(parts) + f" | pgfault={v['pgfault']} "
                                        f"{reuse}{_t('free', lang)}={machine.phys.nr_free}")
                  + "[/]")


def run_demo(memory: str = "16MiB", paging: str = "x86_64", profile: str = "linux",
             lang: str = "en", console: Console | None = None) -> None:
    from ..machine import Machine
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    console = console or Console()
    m = Machine(memory=memory, swap=0, paging=paging, profile=profile)
    console.rule("[bold]" + _t("rule", lang, paging=paging, profile=profile, memory=memory))
    if profile == "classic":
        console.print("[dim]" + escape(_t("classic", lang)) + "[/]")
    seen = 0
    with m.trace() as tr:
        def step(key: str, action: Callable[[], object]) -> object:
            nonlocal seen
            console.print(f"\n[bold yellow]▶ {escape(_t(key, lang))}[/]")
            result = None
            try:
                result = action()
            except Signal as sig:
                seen = _show_faults(console, tr, seen, lang, m)
                console.print("[red]" + escape(_t("signal", lang, sig=sig.signal,
                                                    code=sig.code, pid=sig.pid)) + "[/]")
            seen = _show_faults(console, tr, seen, lang, m)
            _counters(console, m, lang)
            return result

        p = m.spawn("init")
        a = p.mmap(8 * 4096, prot="rw", flags="private|anonymous")
        console.print(escape(_t("intro", lang, pid=p.pid, a=a)))
        console.print(escape(p.maps().rstrip()))
        step("read0", lambda: p.read(a, 8))
        step("write0", lambda: p.write(a, b"hello"))
        step("fresh", lambda: p.touch(a + 4096, 3 * 4096, write=True))
        c = step("fork", lambda: p.fork("child"))
        console.print(escape(_t("shared", lang, cpid=c.pid, pp=p.pagemap(a + 4096).pfn,
                                cp=c.pagemap(a + 4096).pfn, mc=p.pagemap(a + 4096).mapcount)))
        step("childw", lambda: c.write(a + 4096, b"child"))
        step("parentw", lambda: p.write(a + 4096, b"parent"))
        console.print(escape(_t("both", lang, p=p.read(a + 4096, 6), c=c.read(a + 4096, 5))))
        step("maperr", lambda: c.read(0x1000, 1))
        ro = p.mmap(4096, prot="r", flags="private|anonymous")
        step("accerr", lambda: p.write(ro, b"x"))
    table = Table(title=_t("table", lang))
    for col in _t("cols", lang).split("|"):
        table.add_column(col)
    for t in m.tasks.values():
        state = (_t("alive", lang) if t.alive else
                 _t("killed", lang, sig=t.killed_by) if t.killed_by else _t("exited", lang))
        table.add_row(str(t.pid), t.name, state, str(t.stats.min_flt), str(t.stats.maj_flt))
    console.print(table)
    reuse = f" pgreuse={m.vmstat['pgreuse']}" if profile != "classic" else ""
    console.print(f"vmstat: pgfault={m.vmstat['pgfault']}{reuse}")
    m.check()
    console.print("[green]" + _t("ok", lang) + "[/]")


def register(app: typer.Typer) -> None:
    @app.command()
    def demo(
        memory: str = typer.Option("16MiB", help="RAM of the demo machine (e.g. 16MiB, 4096p)."),
        paging: str = typer.Option("x86_64", help="Paging mode: x86_64, la57 or i386."),
        profile: str = typer.Option("linux", help="linux (today's 6.x kernel) or classic "
                                    "(the 2.4/2.6 kernel of the two Chinese texts on demand "
                                    "paging, narrated with 2.6 names)."),
        lang: str = typer.Option("en", help="en, or zh for the vocabulary of the two Chinese "
                                 "texts on demand paging (缺页异常, 请求调页, 零页, 写时复制)."),
    ) -> None:
        """Watch demand paging happen: the zero page, demand-zero pages, copy-on-write
        after fork (copy, then reuse) and the two kinds of SIGSEGV, each fault printed
        with its path through the kernel's handlers and the counters after it."""
        run_demo(memory=memory, paging=paging, profile=profile, lang=lang)
