"""Narrate a run of faults so that a person reads it to the end.

``narrate(records, lang, group=True)`` returns blocks of lines, one block per
narrated fault (``explain`` from :mod:`.explain`: the first line is the head).
Grouped (the default of ``run --explain``): consecutive faults that took the
same path (the same ``steps``, the same signal, the same major/minor result)
form one group; the first is narrated in full, the rest in one line::

    … and 999 more like it: do_anonymous_page, 0x7ffff7c18000–0x7ffff7fff000

Reclaim inside a fault does not split a group (under memory pressure every
25th fault wakes kswapd): the first fault of a group that reclaimed is also
narrated in full, and the one-line summary of the rest says how many reclaim
runs happened during them and where the pages went.  ``group=False``
(``--explain-all``) narrates every fault.  Runs that repeat in a short cycle
(swap-in readahead: one major fault, then seven swap-cache hits, again and
again) form one group too: the first fault of each path is narrated, the rest
counted by path in one line ("… and 510 more like these: 64 × do_swap_page
(major), 446 × do_swap_page, 0x…–0x…").
"""

from __future__ import annotations

from collections.abc import Sequence

from ..arch.paging import PagingMode
from .explain import explain
from .reclaim_story import outcomes
from .tracepoints import FaultRecord

_MORE = {
    "en": "… and {n} more like it: {handler}, {lo:#x}–{hi:#x}{pids}",
    "zh": "… 以及另外 {n} 次同样的缺页：{handler}，{lo:#x}–{hi:#x}{pids}",
}
_MORE_MIXED = {
    "en": "… and {n} more like these: {handler}, {lo:#x}–{hi:#x}{pids}",
    "zh": "… 以及另外 {n} 次同样模式的缺页：{handler}，{lo:#x}–{hi:#x}{pids}",
}
_PIDS = {"en": " (pids {pids})", "zh": "（进程 {pids}）"}
_RECLAIM = {
    "en": "; meanwhile {runs} reclaim run(s) ({who}) freed {n} pages{where}",
    "zh": "；期间 {runs} 次页面回收（{who}）释放了 {n} 页{where}",
}
_WHERE = {"en": ": {parts}", "zh": "：{parts}"}


def path_key(rec: FaultRecord) -> tuple:
    """What "the same path" compares: the steps, the signal, major or minor."""
    return (rec.steps, rec.signal, rec.major)


def _runs(records: Sequence[FaultRecord]) -> list[list[FaultRecord]]:
    """Consecutive runs of faults with the same path key."""
    out: list[list[FaultRecord]] = []
    for rec in records:
        if out and path_key(out[-1][0]) == path_key(rec):
            out[-1].append(rec)
        else:
            out.append([rec])
    return out


def groups(records: Sequence[FaultRecord], max_period: int = 4) -> list[list[FaultRecord]]:
    """Runs of the same path, with runs that repeat in a cycle merged: swap-in
    readahead gives "one major, seven minor" over and over, one group."""
    runs = _runs(records)
    keys = [path_key(r[0]) for r in runs]
    out: list[list[FaultRecord]] = []
    i = 0
    while i < len(runs):
        best = 1
        for p in range(2, max_period + 1):
            m = 0
            while i + m < len(runs) and keys[i + m] == keys[i + m % p]:
                m += 1
            if m >= 2 * p and m > best:
                best = m
        out.append([rec for run in runs[i:i + best] for rec in run])
        i += best
    return out


def _handler(rec: FaultRecord, detail: bool = False) -> str:
    """The handler (and signal); with ``detail`` what tells paths apart: major,
    page tables allocated."""
    h = rec.handler or rec.steps[-1]
    h += f" → {rec.signal}" if rec.signal else ""
    if detail:
        extra = (["major"] if rec.major else []) + [s for s in rec.steps if s.endswith("_alloc")]
        h += f" ({', '.join(extra)})" if extra else ""
    return h


def more_line(rest: Sequence[FaultRecord], lang: str = "en") -> str:
    """The one line that stands for ``rest``, the faults of a group not narrated."""
    addrs = [r.address & ~0xFFF for r in rest]
    pids = sorted({r.pid for r in rest})
    who = _PIDS[lang].format(pids=", ".join(map(str, pids))) if len(pids) > 1 else ""
    kinds: dict[tuple, list[FaultRecord]] = {}
    for r in rest:
        kinds.setdefault(path_key(r), []).append(r)
    if len(kinds) == 1:
        handler = _handler(rest[0])
        text = _MORE[lang]
    else:
        handler = ", ".join(f"{len(rs)} × {_handler(rs[0], True)}" for rs in kinds.values())
        text = _MORE_MIXED[lang]
    line = text.format(n=len(rest), handler=handler, lo=min(addrs), hi=max(addrs), pids=who)
    runs = [run for r in rest for run in r.reclaim]
    if runs:
        victims = [v for run in runs for v in run.victims]
        line += _RECLAIM[lang].format(
            runs=len(runs), who=", ".join(sorted({run.who for run in runs})), n=len(victims),
            where=_WHERE[lang].format(parts=outcomes(victims, lang)) if victims else "")
    return line


def narrate(records: Sequence[FaultRecord], lang: str = "en", *, group: bool = True,
            classic: bool = False, mode: PagingMode | None = None,
            reclaim_limit: int | None = 3) -> list[list[str]]:
    """Blocks of lines: one per narrated fault, plus a one-line block per group's rest
    (``classic``, ``mode``, ``reclaim_limit``: as :func:`.explain.explain`).  In a
    group the first fault of each path is narrated, and the first that reclaimed."""
    blocks: list[list[str]] = []
    for g in (groups(records) if group else [[r] for r in records]):
        heads: list[int] = []
        seen: set[tuple] = set()
        for i, rec in enumerate(g):
            if path_key(rec) not in seen:
                seen.add(path_key(rec))
                heads.append(i)
        if not any(g[i].reclaim for i in heads):
            first = next((i for i, r in enumerate(g) if r.reclaim), None)
            if first is not None:
                heads = sorted([*heads, first])
        for i in heads:
            blocks.append(explain(g[i], lang, classic=classic, mode=mode,
                                  reclaim_limit=reclaim_limit))
        shown = set(heads)
        rest = [r for i, r in enumerate(g) if i not in shown]
        if rest:
            blocks.append([more_line(rest, lang)])
    return blocks
