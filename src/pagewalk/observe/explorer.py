"""The explorer's data: a run as a list of events, each with what changed.

``Recorder(machine)`` watches a machine (a ``Tracer`` with both fault
tracepoints) and cuts the run into **events**, numbered from 0:

* ``start``: the machine as the run begins (the scenario's tasks spawned);
* ``op``: one operation of the scenario (or a ``rec.op(...)`` mark from Python):
  its state is taken just before its first fault, or at its end when it has
  none (fork, munmap, madvise pageout change the machine without a fault);
* ``fault``: one page fault, its state taken when the handler is done; ``f`` is
  ``[address, error_code, kind, major, pfn, vma, signal, code]`` with ``kind``
  an index into ``kinds`` (``[handler, path, why-keys]``: ``path`` indexes
  ``paths``, the kernel functions visited; the why-keys index ``words``, the
  vocabulary of ``--explain``) and ``vma`` an index into ``vmas``;
* ``done``: what an operation changed after its last fault, when anything did.

Each event carries its **diff** against the event before it, with the old and
the new value of everything that changed, so a viewer steps both ways by
applying diffs: PTEs (``p``), frames (``f``), swap slots (``s``), tasks
(``t``), VMAs (``v``), page-table pages (``n``) and the vmstat counters that
moved (``m``).  State is found by diffing, never by trusting the code that
changed it: page-table pages are compared with a copy kept from the last
event (C-speed list equality, so only the tables that changed are read entry
by entry), frames by a tuple of their ``struct page`` fields, swap slots by
``swap_map``.  ``state_at(data, n)`` rebuilds the state at event ``n`` from
the JSON alone, as the page's script does (the tests compare the two).

The JSON (``"schema": SCHEMA``) is what ``write_html`` embeds in the page as
``<script type="application/json" id="pagewalk-data">``.  Record layouts:

* PTE ``[kind, target, flags]``: kind ``frame`` | ``zero`` | ``file`` | ``swap``;
  target the pfn (present) or the swap slot; flags the x86 bits P=1 W=2 U=4
  A=32 D=64 PSE=128 (a huge PMD) PROTNONE=256 SPECIAL=512, NX as 1024 and a
  swap entry's exclusive bit as 2048.  Keys are ``"pid:vaddr"`` (vaddr in hex).
* frame ``[kind, refcount, mapcount, flags, lru, lru_seq, owner, index, slot]``:
  kind ``anon`` | ``file`` | ``shmem`` | ``pgtable`` | ``zero`` | ``kernel``;
  flags letters (D dirty, R referenced, S swapcache, X anon-exclusive,
  W writeback, L unevictable, w workingset, F lazyfree, H huge head); lru the
  list it is on; lru_seq orders a list (higher: newer); owner a file's name or
  a page table's ``pid level``; slot the swap slot of a swap-cache page.
* swap slot ``[count, cached]`` (swap PTEs referencing it; 1 while in the swap
  cache).  task ``[name, state, ppid, rss, min_flt, maj_flt, signal]``.
  VMA ``[start, end, perms, name]``.  page table ``[pfn]`` keyed by
  ``"pid:level:base"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..arch.pte import _NX, _P, _PROTNONE, _PSE, PFN_MASK
from ..errors import InvalidArgument
from ..mm.page import (
    PG_anon,
    PG_anon_exclusive,
    PG_buddy,
    PG_dirty,
    PG_head,
    PG_lazyfree,
    PG_pgtable,
    PG_referenced,
    PG_reserved,
    PG_swapcache,
    PG_unevictable,
    PG_workingset,
    PG_writeback,
)
from ..mm.phys import ZERO_PFN
from ..mm.swapfile import SWAP_HAS_CACHE, SWP_EXCLUSIVE
from .explain import _T, _why
from .tracepoints import FaultRecord, Tracer

SCHEMA = 1
DEFAULT_MAX_EVENTS = 20000
_FLAG_BITS = 0x3FF
_FLAG_LETTERS = ((PG_dirty, "D"), (PG_referenced, "R"), (PG_swapcache, "S"),
                 (PG_anon_exclusive, "X"), (PG_writeback, "W"), (PG_unevictable, "L"),
                 (PG_workingset, "w"), (PG_lazyfree, "F"), (PG_head, "H"))
_PAGE_FIELDS = attrgetter("flags", "refcount", "mapcount", "lru_list", "private", "mapping",
                          "index", "order")
# The why-keys of explain.py: its own function, fed a table that maps each key to itself.
_KEYS = {k: k for k in _T["en"]}


def _changed(old: list, new: list, chunk: int = 64) -> list[int]:
    """Indices where ``new`` differs from ``old`` (``new`` may be longer): slices are
    compared at C speed, only a differing slice is read item by item."""
    out: list[int] = []
    n = len(old)
    for lo in range(0, min(n, len(new)), chunk):
        a, b = old[lo:lo + chunk], new[lo:lo + chunk]
        if a != b:
            out.extend(lo + i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    out.extend(range(n, len(new)))
    return out


def _pte_record(machine, e: int, huge: bool = False) -> list:
    """[kind, target, flags] of a non-zero entry."""
    flags = e & _FLAG_BITS | (1024 if e & _NX else 0)
    if not e & (_P | _PROTNONE):                              # a swap entry
        return ["swap", (e & ~SWP_EXCLUSIVE) >> 9, (2048 if e & SWP_EXCLUSIVE else 0)]
    pfn = (e & PFN_MASK) >> 12
    if pfn == ZERO_PFN:
        return ["zero", pfn, flags]
    page = machine.phys.mem_map.get(pfn)
    if huge and page is None:
        return ["zero", pfn, flags]                           # the huge zero page
    kind = "frame" if page is None or page.folio().flags & PG_anon else "file"
    return [kind, pfn, flags]


def _flag_letters(flags: int) -> str:
    return "".join(c for bit, c in _FLAG_LETTERS if flags & bit)


class _Snapshot:
    """The machine's state as the explorer draws it, and how to diff it."""

    def __init__(self, machine) -> None:
        self.m = machine
        self.ptes: dict[str, list] = {}
        self.leaves: dict[tuple[int, int], list[int]] = {}   # (pid, base) -> table copy
        self.nodes: dict[str, list] = {}
        self.frames: dict[int, list] = {}
        self.lru: dict[str, list] = {}
        self.lru_seq: dict[int, int] = {}
        self.seq = 0
        self.swap: dict[int, int] = {}   # offset -> swap_map count, sparse
        self.tasks: dict[int, list] = {}
        self.counts: dict[int, list] = {}
        self.vmas: dict[int, list] = {}
        self.vmstat: dict[str, int] = dict(machine.vmstat)
        self.table_owner: dict[int, str] = {}
        self.upper: dict[int, tuple[list[int], list[int]]] = {}
        self.huge_keys: set[str] = set()
        self.page_tuples: list[tuple] = []

    # -- page tables -------------------------------------------------------------
    def _children(self, pfn: int, table: list[int]) -> list[int]:
        """Indices of the non-zero entries of an upper table (cached while it is unchanged)."""
        hit = self.upper.get(pfn)
        if hit is not None and hit[0] == table:
            return hit[1]
        kids = [i for i, e in enumerate(table) if e]
        self.upper[pfn] = (list(table), kids)
        return kids

    def _walk(self, pid: int, pgd: int, nodes: dict, leaves: dict, huge: dict) -> None:
        mode = self.m.mode
        tables = self.m.phys.tables
        last = len(mode.levels) - 1
        owner = self.table_owner
        stack = [(pgd, 0, 0)]
        while stack:
            pfn, level, base = stack.pop()
            nodes[f"{pid}:{level}:{base:#x}"] = [pfn]
            owner[pfn] = f"{pid} {mode.levels[level]}"
            table = tables[pfn]
            if level == last:
                leaves[(pid, base)] = table
                continue
            shift = mode.shifts[level]
            for i in self._children(pfn, table):
                e = table[i]
                va = base + (i << shift)
                if e & _PSE or not e & _P:                    # a huge PMD (or its swap)
                    huge[(pid, va)] = e
                else:
                    stack.append(((e & PFN_MASK) >> 12, level + 1, va))

    def diff_ptes(self, live: list[tuple[int, int]], out: dict) -> None:
        nodes: dict[str, list] = {}
        leaves: dict[tuple[int, int], list[int]] = {}
        huge: dict[tuple[int, int], int] = {}
        self.table_owner = {}
        for pid, pgd in live:
            self._walk(pid, pgd, nodes, leaves, huge)
        n = [[k, self.nodes.get(k), v] for k, v in nodes.items() if self.nodes.get(k) != v]
        n += [[k, v, None] for k, v in self.nodes.items() if k not in nodes]
        if n:
            out["n"] = n
        self.nodes = nodes
        p = out.setdefault("p", [])
        ptes = self.ptes
        m = self.m
        old_leaves = self.leaves
        copies = {}
        for key, table in leaves.items():
            old = old_leaves.get(key)
            if old is not None and old == table:
                copies[key] = old
                continue
            copies[key] = list(table)
            pid, base = key
            idx = ([i for i, e in enumerate(table) if e] if old is None
                   else _changed(old, table))
            for i in idx:
                e = table[i]
                k = f"{pid}:{base + (i << 12):#x}"
                new = _pte_record(m, e) if e else None
                if ptes.get(k) != new:
                    p.append([k, ptes.get(k), new])
                    if new is None:
                        del ptes[k]
                    else:
                        ptes[k] = new
        for key, old in old_leaves.items():
            if key in leaves:
                continue
            pid, base = key
            for i, e in enumerate(old):
                k = f"{pid}:{base + (i << 12):#x}"
                if e and k in ptes:
                    p.append([k, ptes.pop(k), None])
        self.leaves = copies
        hk = {f"{pid}:{va:#x}": _pte_record(m, e, True) for (pid, va), e in huge.items()}
        for k in self.huge_keys - hk.keys():
            if k in ptes:
                p.append([k, ptes.pop(k), None])
        self.huge_keys = set(hk)
        for k, v in hk.items():
            if ptes.get(k) != v:
                p.append([k, ptes.get(k), v])
                ptes[k] = v
        if not p:
            del out["p"]

    # -- frames and the LRU ----------------------------------------------------------
    def _lru(self) -> set[int]:
        """Follow the LRU lists; returns the pfns (re)added at a list's newest end."""
        touched: set[int] = set()
        for name, pages in self.m.lru.lists.items():
            new = list(pages)
            old = self.lru.get(name, [])
            if new == old:
                continue
            if len(new) >= len(old) and new[:len(old)] == old:
                appended = new[len(old):]
            else:
                touched.update(p.pfn for p in set(old).difference(new))
                pos = {p: i for i, p in enumerate(old)}
                last, k = -1, len(new)
                for j, p in enumerate(new):
                    i = pos.get(p)
                    if i is None or i < last:
                        k = j
                        break
                    last = i
                appended = new[k:]
            for p in appended:
                self.seq += 1
                self.lru_seq[p.pfn] = self.seq
                touched.add(p.pfn)
            self.lru[name] = new
        return touched

    def _frame_record(self, page, st: tuple) -> list:
        flags, ref, mapc, lru, private, mapping, index, order = st
        pfn = page.pfn
        owner, slot = "", None
        if pfn == ZERO_PFN:
            kind = "zero"
        elif flags & PG_pgtable:
            kind, owner = "pgtable", self.table_owner.get(pfn, "")
        elif flags & PG_anon:
            kind = "anon"
        elif mapping is not None and hasattr(mapping, "file"):
            f = mapping.file
            kind, owner = ("shmem" if f.shmem else "file"), f.display_name
        elif flags & PG_reserved:
            kind = "kernel"
        else:
            kind = "anon" if flags & PG_swapcache else "kernel"
        if flags & PG_swapcache:
            slot = (private & ~SWP_EXCLUSIVE) >> 9
        letters = _flag_letters(flags) + ("H" if order and "H" not in _flag_letters(flags)
                                          else "")
        return [kind, ref, mapc, letters, lru or "", self.lru_seq.get(pfn, 0) if lru else 0,
                owner, index if kind in ("file", "shmem") else 0, slot]

    def diff_frames(self, out: dict, candidates: set[int] | None) -> None:
        """Frames whose record changed: all of them (``candidates`` None) or only those
        named (the pfns a fault's PTE, LRU and table changes point at)."""
        touched = self._lru()
        frames = self.frames
        mem_map = self.m.phys.mem_map
        if candidates is None:
            pages = list(mem_map.values())        # insertion order: stable
            tuples = list(map(_PAGE_FIELDS, pages))
            idx = set(_changed(self.page_tuples, tuples, 128))
            self.page_tuples = tuples
            todo = [pages[i] for i in sorted(idx)]
            todo += [mem_map[pfn] for pfn in touched if pfn in mem_map]
        else:
            todo = [mem_map[pfn] for pfn in sorted(candidates | touched) if pfn in mem_map]
        f = []
        done: set[int] = set()
        for page in todo:
            pfn = page.pfn
            if pfn in done:
                continue
            done.add(pfn)
            st = _PAGE_FIELDS(page)
            live = not st[0] & PG_buddy and pfn != 0
            new = self._frame_record(page, st) if live else None
            old = frames.get(pfn)
            if new != old:
                f.append([pfn, old, new])
                if new is None:
                    del frames[pfn]
                else:
                    frames[pfn] = new
        if f:
            out["f"] = f

    # -- swap, tasks, VMAs, vmstat ---------------------------------------------------------
    def diff_swap(self, out: dict, candidates: set[int] | None) -> None:
        si = self.m.swap.si
        if si is None:
            return
        smap = si.swap_map                      # sparse: a missing slot reads 0
        old = self.swap
        if candidates is None:
            if old == smap:
                return
            offs = sorted(o for o in set(old) | set(smap) if old.get(o, 0) != smap[o])
        else:
            offs = sorted(o for o in candidates
                          if 0 < o < si.nr_pages and old.get(o, 0) != smap[o])
        s = [[o, _slot(old.get(o, 0)), _slot(smap[o])] for o in offs if o]
        for o in offs:
            if smap[o]:
                old[o] = smap[o]
            else:
                old.pop(o, None)
        if s:
            out["s"] = s

    def diff_tasks(self, out: dict) -> None:
        t, c, v = [], [], []
        for pid, task in self.m.tasks.items():
            st = task.stats
            rec = [task.name, task.state,
                   task.parent.pid if task.parent is not None else 0, task.killed_by]
            if self.tasks.get(pid) != rec:
                t.append([pid, self.tasks.get(pid), rec])
                self.tasks[pid] = rec
            cnt = [st.rss if task.alive else 0, st.min_flt, st.maj_flt]
            if self.counts.get(pid) != cnt:
                c.append([pid, self.counts.get(pid), cnt])
                self.counts[pid] = cnt
            vmas = ([[x.vm_start, x.vm_end, _perms(x), _vma_name(x)] for x in task.mm.mmap]
                    if task.alive and task.mm is not None else [])
            if self.vmas.get(pid, []) != vmas:
                v.append([pid, self.vmas.get(pid, []), vmas])
                self.vmas[pid] = vmas
        for key, items in (("t", t), ("c", c), ("v", v)):
            if items:
                out[key] = items

    def diff_vmstat(self, out: dict) -> None:
        now = self.m.vmstat
        if now == self.vmstat:
            return
        m = {k: n - self.vmstat.get(k, 0) for k, n in now.items() if n != self.vmstat.get(k, 0)}
        self.vmstat = dict(now)
        if m:
            out["m"] = m

    def diff(self, full: bool = True) -> dict:
        """Everything that changed since the last call.  ``full`` False (inside an
        operation, after a fault): frames and swap slots are read only where the
        PTE, page-table and LRU changes point; every ``full`` call catches the rest."""
        out: dict[str, Any] = {}
        live = [(pid, t.mm.pgd) for pid, t in self.m.tasks.items()
                if t.alive and t.mm is not None and t.mm.pgd]
        self.diff_ptes(live, out)
        frames = slots = None
        if not full:
            frames, slots = set(), set()
            for _, o, n in out.get("p", ()):
                for r in (o, n):
                    if r is not None:
                        (slots if r[0] == "swap" else frames).add(r[1])
            for _, o, n in out.get("n", ()):
                for r in (o, n):
                    if r is not None:
                        frames.add(r[0])
        self.diff_frames(out, frames)
        if slots is not None:
            for _, o, n in out.get("f", ()):
                for r in (o, n):
                    if r is not None and r[8] is not None:
                        slots.add(r[8])
        self.diff_swap(out, slots)
        self.diff_tasks(out)
        self.diff_vmstat(out)
        return out


def _slot(v: int) -> list | None:
    return None if not v else [v & (SWAP_HAS_CACHE - 1), 1 if v & SWAP_HAS_CACHE else 0]


def _perms(vma) -> str:
    f = vma.vm_flags
    return ("r" if f & 1 else "-") + ("w" if f & 2 else "-") + ("x" if f & 4 else "-") + \
        ("s" if f & 8 else "p")


def _vma_name(vma) -> str:
    if vma.vm_file is not None:
        return vma.vm_file.display_name
    return vma.name or ("[stack]" if vma.vm_flags & 0x100 else "")


def _tags(kind: str, rec: FaultRecord | None, diff: dict) -> list[str]:
    """What an event is, for the viewer's jumps."""
    tags: list[str] = []
    m = diff.get("m", {})
    if rec is not None:
        s = set(rec.steps)
        tags.append("fault")
        if "wp_page_copy" in s:
            tags.append("cow-copy")
        if "wp_page_reuse" in s:
            tags.append("cow-reuse")
        if "map_zero_page" in s or "do_huge_zero_page" in s:
            tags.append("zero")
        if rec.handler == "do_swap_page":
            tags.append("swapin")
        if rec.major:
            tags.append("major")
        if rec.signal:
            tags.append("signal")
    swapped = any(o and n and o[0] != "swap" and n[0] == "swap" for _, o, n in diff.get("p", []))
    if swapped or m.get("pswpout") or m.get("pgsteal_kswapd") or m.get("pgsteal_direct"):
        tags.append("evict")
    if kind != "fault" and m.get("pswpin"):
        tags.append("swapin")
    return tags


class Recorder(Tracer):
    """Record a run on ``machine`` as explorer events (see the module doc).

    ``with Recorder(m) as rec:`` ... ``rec.op("write buf", task)`` marks an
    operation; faults are recorded by themselves.  After ``max_events`` the
    recorder keeps only operations (``data()["truncated"]`` says so).  A fault's
    frames and swap slots are read where its changes point (``_Snapshot.diff``);
    ``exact`` reads all of them after every fault (slower; the tests compare both).
    """

    def __init__(self, machine, max_events: int = DEFAULT_MAX_EVENTS,
                 title: str = "", description: str = "", exact: bool = False) -> None:
        super().__init__()
        self.exact = exact
        if not isinstance(max_events, int) or max_events < 1:
            raise InvalidArgument(f"max_events={max_events!r}: give a positive event count")
        self.machine = machine
        self.max_events = max_events
        self.title = title
        self.description = description
        self.events: list[dict] = []
        self.paths: dict[tuple[str, ...], int] = {}
        self.kinds: dict[tuple, int] = {}         # (handler, path, why-keys) -> index
        self.vmas: dict[str, int] = {}
        self.truncated = 0
        self._snap = _Snapshot(machine)
        self._pending: dict | None = None
        self._current: dict | None = None
        self._active = False

    # -- the context manager --------------------------------------------------------------
    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if not self._active:
            self.machine.tracers.append(self)
            self._active = True
            if not self.events:
                self._emit({"k": "start", "t": "start"})

    def stop(self) -> None:
        if self._active:
            self.end_op()
            diff = self._snap.diff()
            if diff:                                # changes after the last event
                self._emit({"k": "done", "t": "end"}, diff)
            self.machine.tracers.remove(self)
            self._active = False

    # -- marks --------------------------------------------------------------------------
    def op(self, label: str, task: str | None = None, step: int | None = None,
           op: str = "", title: str = "") -> None:
        """An operation begins; its event is emitted at its first fault or its end."""
        self.end_op()
        pid = None
        for t in self.machine.tasks.values():
            if t.name == task and t.alive:
                pid = t.pid
        self._pending = {"k": "op", "t": label, "op": op, "task": task, "pid": pid,
                         "s": step, "title": title}
        self._current = self._pending

    def end_op(self, info: dict | None = None) -> None:
        """The current operation is over (``info``: what to add to its event)."""
        cur = self._current
        if cur is None:
            return
        if info:
            cur.update(info)
        if self._pending is not None:
            self._emit(self._pending)
            self._pending = None
        else:
            diff = self._snap.diff()
            if diff:
                self._emit({"k": "done", "t": f"{cur['t']}: done", "op": cur.get("op"),
                            "task": cur.get("task"), "pid": cur.get("pid"), "s": cur.get("s")},
                           diff)
        self._current = None

    # -- the tracepoints ------------------------------------------------------------------
    def page_fault_user(self, task, address: int, error_code: int) -> None:
        if self._pending is not None:
            self._emit(self._pending)
            self._pending = None

    def record(self, rec: FaultRecord) -> None:
        if len(self.events) >= self.max_events:
            self.truncated += 1
            return
        cur = self._current or {}
        path = self.paths.setdefault(rec.steps, len(self.paths))
        kind = (rec.handler, path, tuple(_why(rec, _KEYS)))
        ki = self.kinds.setdefault(kind, len(self.kinds))
        vma = self.vmas.setdefault(rec.vma, len(self.vmas)) if rec.vma is not None else None
        f = [rec.address, rec.error_code, ki, int(rec.major), rec.pfn, vma, rec.signal, rec.code]
        self._emit({"k": "fault", "pid": rec.pid, "s": cur.get("s"), "f": f}, rec=rec)

    def _emit(self, ev: dict, diff: dict | None = None, rec: FaultRecord | None = None) -> None:
        if len(self.events) >= self.max_events and ev["k"] == "fault":
            self.truncated += 1
            return
        if diff is None:
            diff = self._snap.diff(full=self.exact or ev["k"] != "fault")
        ev["d"] = diff
        ev["g"] = _tags(ev["k"], rec, diff)
        self.events.append(ev)

    # -- output ---------------------------------------------------------------------------
    def data(self) -> dict:
        """The JSON-ready document (see the module doc for its layout)."""
        from .. import __version__
        m = self.machine
        mode = m.mode
        si = m.swap.si
        return {
            "schema": SCHEMA, "generator": f"pagewalk {__version__}",
            "title": self.title, "description": self.description,
            "machine": {"paging": mode.name, "levels": list(mode.levels),
                        "shifts": list(mode.shifts), "bits": mode.bits,
                        "frames": m.phys.nr_frames, "profile": m.config.profile,
                        "swap_slots": si.max_slots if si is not None else 0,
                        "zero_pfn": ZERO_PFN},
            "paths": [list(p) for p in self.paths],
            "kinds": [[h, p, list(w)] for h, p, w in self.kinds],
            "vmas": list(self.vmas),
            "words": _T,
            "truncated": self.truncated,
            "events": self.events,
        }

    def to_json(self) -> str:
        return json.dumps(self.data(), separators=(",", ":"), ensure_ascii=False)

    def write_html(self, path: str | Path) -> Path:
        return write_html(self.data(), path)


@dataclass
class Recording:
    """A scenario run with its explorer events: ``result`` (a RunResult) and ``recorder``."""

    result: Any
    recorder: Recorder

    def data(self) -> dict:
        return self.recorder.data()

    def write_html(self, path: str | Path) -> Path:
        return self.recorder.write_html(path)


def explore(scenario: Any, max_events: int = DEFAULT_MAX_EVENTS, exact: bool = False,
            **run_kw: Any) -> Recording:
    """Run a scenario (a ``Scenario``, a file or a built-in name) in the model while
    recording it; ``explore("cow-fork").write_html("out.html")``."""
    from ..scenario.engines import ModelEngine
    from ..scenario.library import resolve
    from ..scenario.runner import run
    scn = resolve(scenario) if isinstance(scenario, str | Path) else scenario
    engine = ModelEngine(scn.machine)
    rec = Recorder(engine.machine, max_events=max_events, title=scn.title,
                   description=(scn.description or "").strip(), exact=exact)
    user_step = run_kw.pop("on_step", None)

    def begin(step) -> None:
        if not rec._active:
            rec.start()
        label = f"step {step.index}: {step.op}"
        rec.op(label, step.task, step.index, step.op, step.title or "")

    def end(res) -> None:
        info: dict[str, Any] = {"min_flt": res.min_flt, "maj_flt": res.maj_flt}
        if res.signal:
            info["signal"] = f"{res.signal} {res.code}"
        if res.errno:
            info["error"] = res.error or res.errno
        if res.status:
            info["status"] = res.status
        if res.note:
            info["note"] = res.note
        rec.end_op(info)
        if user_step is not None:
            user_step(res)

    try:
        result = run(scn, engine, on_begin=begin, on_step=end, **run_kw)
    finally:
        rec.stop()
    return Recording(result, rec)


# -- the page -------------------------------------------------------------------------------

_ASSETS = Path(__file__).with_name("explorer")


def render_html(data: dict) -> str:
    """One self-contained page: the template with the script, the styles and the data
    inlined (``</`` in the JSON is escaped so it cannot close the script element)."""
    page = (_ASSETS / "explorer.html").read_text(encoding="utf-8")
    css = (_ASSETS / "explorer.css").read_text(encoding="utf-8")
    js = (_ASSETS / "explorer.js").read_text(encoding="utf-8")
    blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    title = data.get("title") or "pagewalk run"
    return (page.replace("/*PAGEWALK_CSS*/", css).replace("/*PAGEWALK_JS*/", js)
            .replace("PAGEWALK_TITLE", _html_escape(title))
            .replace("PAGEWALK_DATA", blob))


def check_html_path(path: str | Path) -> Path:
    """``path`` can be written as the page (checked before a run, not after it)."""
    path = Path(path)
    if path.is_dir():
        raise InvalidArgument(f"--html {path}: is a directory; give a file name like out.html")
    if not path.parent.exists():
        raise InvalidArgument(f"--html {path}: directory {path.parent} does not exist; "
                              "create it first or write elsewhere")
    return path


def write_html(data: dict, path: str | Path) -> Path:
    """Write the explorer page for ``data`` (``Recorder.data()``) to ``path``."""
    path = check_html_path(path)
    path.write_text(render_html(data), encoding="utf-8")
    return path


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- reading the data back (what the page does, in Python: for tests and tools) ------------

def state_at(data: dict, n: int) -> dict[str, dict]:
    """The state at event ``n``: ``{"p": ptes, "f": frames, "s": slots, "t": tasks,
    "c": task counters, "v": vmas, "n": tables}``, each keyed as in the diffs, by
    applying events 0..n."""
    events = data["events"]
    if not 0 <= n < len(events):
        raise InvalidArgument(f"event {n}: the run has events 0..{len(events) - 1}")
    st: dict[str, dict] = {k: {} for k in "pfstcvn"}
    for ev in events[:n + 1]:
        for k, changes in ev["d"].items():
            if k == "m":
                continue
            table = st[k]
            for key, _old, new in changes:
                if new is None:
                    table.pop(key, None)
                else:
                    table[key] = new
    return st
