"""Measure the reference scenarios (a-n of the oracle brief) on this host.

Run:  .venv/bin/python tests/oracle/measure_host.py [letters] [--repeat 5] [--md FILE]

Each scenario runs ``--repeat`` times, each time in fresh processes; a step's
cell is "min/maj" when all runs agree, else "lo..hi/lo..hi".  Extra columns
carry /proc/vmstat deltas (system-wide, so the host should be idle).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pagewalk.errors import Signal, SyscallError
from pagewalk.oracle import HostMachine, host_settings, vmstat

N = 1000
PAGE = 4096
L = N * PAGE
HUGE = 2 << 20

Row = tuple[str, object]          # (step, Delta or str)
Scenario = Callable[[HostMachine], list[Row]]


def isolated(t, length: int, **kw) -> int:  # type: ignore[no-untyped-def]
    """mmap with a guard page on each side, so the VMA cannot merge with a
    neighbour (a merge would inherit the neighbour's anon_vma): PROT_NONE guards."""
    return t.mmap_isolated(length, **kw)


def sc_a(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L)
    return [("read all", t.touch(a, L)), ("then write all", t.touch(a, L, True))]


def sc_b(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L)
    return [("write all", t.touch(a, L, True)), ("then read all", t.touch(a, L))]


def sc_c(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L)
    t.touch(a, L, True)
    c = t.fork()
    rows: list[Row] = [("fork (parent)", t.last), ("nop parent / child", f"{t.nop()} {c.nop()}")]
    rows += [("child reads all", c.touch(a, L)), ("child writes all", c.touch(a, L, True)),
             ("parent writes all (child alive, child already wrote)", t.touch(a, L, True)),
             ("parent writes all again", t.touch(a, L, True))]
    c.exit(0)
    t.wait(c)
    # variant: parent writes first while the child still shares every page
    c = t.fork()
    rows += [("v2: after 2nd fork, parent writes all (child alive, untouched)",
              t.touch(a, L, True)),
             ("v2: then child writes all", c.touch(a, L, True))]
    return rows


def sc_d(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L)
    t.touch(a, L, True)
    c = t.fork()
    c.exit(0)
    t.wait(c)
    return [("child exited+waited; parent writes all", t.touch(a, L, True))]


def sc_e(h: HostMachine) -> list[Row]:
    rows: list[Row] = []
    for label, iso in (("isolated VMA", True), ("default placement, fresh process", False)):
        if not iso:
            h.close()
            h = HostMachine()
        t = h.spawn() if not h.tasks else h.tasks[0]
        a = isolated(t, L) if iso else t.mmap(L)
        t.touch(a, L)
        c = t.fork()
        rows += [(f"{label}: child reads all", c.touch(a, L)),
                 (f"{label}: child writes all", c.touch(a, L, True)),
                 (f"{label}: parent reads all", t.touch(a, L))]
        c.exit(0)
        t.wait(c)
    h.close()
    return rows


def _sig(t, fn) -> str:  # type: ignore[no-untyped-def]
    try:
        fn()
    except Signal as e:
        return (f"{e.signal} {e.code} addr={e.address:#x} "
                f"(min {t.last.min_flt} maj {t.last.maj_flt})")
    return f"no signal (min {t.last.min_flt})"


def sc_f(h: HostMachine) -> list[Row]:
    t = h.spawn()
    t.sigmode(fatal=False)
    before = vmstat()["pgfault"]
    r = t.mmap(PAGE, prot="r")
    f1 = h.create_file("one.bin", size=PAGE)
    b = t.mmap(2 * PAGE, prot="r", flags="private", file=f1)
    rows: list[Row] = [
        ("read NULL", _sig(t, lambda: t.touch(0, 1))),
        ("read 0xffffffff81000000", _sig(t, lambda: t.touch(0xFFFFFFFF81000000, 1))),
        ("read 0x0000800000000000 (non-canonical)", _sig(t, lambda: t.touch(1 << 47, 1))),
        ("read 0x00007ffffffff000 (canonical, unmapped)",
         _sig(t, lambda: t.touch(0x7FFFFFFFF000, 1))),
        ("write to PROT_READ (never read)", _sig(t, lambda: t.touch(r, PAGE, True))),
        ("read PROT_READ page", _sig(t, lambda: t.touch(r, PAGE))),
        ("write to PROT_READ (after read)", _sig(t, lambda: t.touch(r, PAGE, True))),
        ("read file page 2 of a 1-page file", _sig(t, lambda: t.touch(b + PAGE, 1))),
    ]
    rows.append(("vmstat pgfault delta (all of the above)", str(vmstat()["pgfault"] - before)))
    # a fatal one: the task dies by the signal
    c = t.fork()
    c.sigmode(fatal=True)
    rows.append(("fatal NULL read in child", _sig(c, lambda: c.touch(0, 1))))
    rows.append(("parent waits: status", t.wait(c)))
    return rows


def sc_g(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L)
    t.touch(a, L, True)
    t.mprotect(a, L, "r")
    t.mprotect(a, L, "rw")
    rows: list[Row] = [("write, mprotect r, mprotect rw; write all", t.touch(a, L, True))]
    b = isolated(t, L)
    t.touch(b, L, True)
    c = t.fork()
    t.mprotect(b, L, "r")
    t.mprotect(b, L, "rw")
    rows += [("same after fork (child alive): parent writes all", t.touch(b, L, True)),
             ("then child writes all", c.touch(b, L, True))]
    # read-only first faulted then mprotect rw
    d = isolated(t, L)
    t.touch(d, L)
    t.mprotect(d, L, "r")
    t.mprotect(d, L, "rw")
    rows.append(("read all (zero page), mprotect r/rw, write all", t.touch(d, L, True)))
    return rows


def sc_h(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L)
    t.touch(a, L, True)
    t.madvise(a, L, "dontneed")
    rows: list[Row] = [("dontneed; read all", t.touch(a, L)),
                       ("then write all", t.touch(a, L, True))]
    b = isolated(t, L)
    t.touch(b, L, True)
    t.madvise(b, L, "free")
    rows += [("MADV_FREE (no pressure); write all", t.touch(b, L, True))]
    return rows


CHUNKS = {"1 write() of 4000 KiB": None, "64 KiB write()s": 64 << 10, "4 KiB write()s": PAGE}


def _file(h: HostMachine, name: str, chunk: int | None = None):  # type: ignore[no-untyped-def]
    return h.create_file(name, size=L, chunk=chunk)


def sc_i(h: HostMachine) -> list[Row]:
    t = h.spawn()
    rows: list[Row] = []
    for cl, chunk in CHUNKS.items():
        f = _file(h, f"i-{chunk}.bin", chunk)
        orig = f.read_bytes()
        a = t.mmap(L, prot="rw", flags="private", file=f)
        rows += [(f"[{cl}] private: read all", t.touch(a, L)),
                 (f"[{cl}] private: read again", t.touch(a, L)),
                 (f"[{cl}] private: write all after reading", t.touch(a, L, True))]
        rows.append((f"[{cl}] file unchanged after private writes", str(f.read_bytes() == orig)))
        b = t.mmap(L, prot="rw", flags="shared", file=f)
        rows += [(f"[{cl}] shared: read all", t.touch(b, L)),
                 (f"[{cl}] shared: write all after reading", t.touch(b, L, True))]
        t.msync(b, L)
        rows.append((f"[{cl}] file changed after shared writes", str(f.read_bytes() != orig)))
        g = _file(h, f"i2-{chunk}.bin", chunk)
        c2 = t.mmap(L, prot="rw", flags="shared", file=g)
        rows.append((f"[{cl}] shared: write all, no read first", t.touch(c2, L, True)))
        g3 = _file(h, f"i3-{chunk}.bin", chunk)
        d = t.mmap(L, prot="rw", flags="private", file=g3)
        rows.append((f"[{cl}] private: write all, no read first", t.touch(d, L, True)))
        rows.append((f"[{cl}] private: read all after that", t.touch(d, L)))
    return rows


def _cold(h: HostMachine, advice: str | None, how: str = "fadvise") -> list[Row]:
    t = h.spawn()
    f = _file(h, "j.bin")
    if how == "fadvise":
        f.evict()
    else:
        h.drop_caches()
    a = t.mmap(L, prot="r", flags="private", file=f)
    if advice:
        t.madvise(a, L, advice)
    v0 = vmstat()
    d = t.touch(a, L)
    v1 = vmstat()
    lab = f"cold ({how}), {advice or 'no advice'}: read all"
    extra = " ".join(f"{k}+{v1.get(k, 0) - v0.get(k, 0)}" for k in ("pgpgin", "pgmajfault"))
    return [(lab, d), (lab + " vmstat", extra), (lab.replace("read all", "read again"),
                                                  t.touch(a, L))]


def sc_j(h: HostMachine) -> list[Row]:
    rows: list[Row] = []
    for adv in ("random", None, "sequential"):
        with HostMachine() as h2:
            rows += _cold(h2, adv)
    with HostMachine() as h2:
        rows += _cold(h2, None, how="drop_caches")
    return rows


def sc_k(h: HostMachine) -> list[Row]:
    t = h.spawn()
    a = isolated(t, L, flags="shared|anonymous")
    rows: list[Row] = [("read all", t.touch(a, L)), ("write all", t.touch(a, L, True))]
    c = t.fork()
    rows += [("fork; child reads all", c.touch(a, L)), ("child writes all", c.touch(a, L, True))]
    b = isolated(t, L, flags="shared|anonymous")
    rows.append(("fresh: write all (no read first)", t.touch(b, L, True)))
    return rows


def sc_l(h: HostMachine) -> list[Row]:
    t = h.spawn()
    size = 4 << 20
    raw = t.mmap(size + HUGE)
    a = (raw + HUGE - 1) & ~(HUGE - 1)
    if a > raw:
        t.munmap(raw, a - raw)
    if raw + size + HUGE > a + size:
        t.munmap(a + size, raw + size + HUGE - (a + size))
    t.madvise(a, size, "hugepage")
    keys = ("thp_fault_alloc", "thp_split_pmd", "thp_fault_fallback", "thp_split_page",
            "thp_zero_page_alloc", "thp_deferred_split_page")
    rows: list[Row] = []

    def step(label: str, fn) -> None:  # type: ignore[no-untyped-def]
        v0 = vmstat()
        d = fn()
        v1 = vmstat()
        ex = " ".join(f"{k}+{v1.get(k, 0) - v0.get(k, 0)}" for k in keys
                      if v1.get(k, 0) != v0.get(k, 0))
        rows.append((label, d))
        rows.append((label + " vmstat", ex or "-"))

    step("THP 4MiB: write all", lambda: t.touch(a, size, True))
    rows.append(("AnonHugePages kB", str(t.smaps_rollup().get("AnonHugePages"))))
    c = t.fork()
    step("fork; child writes one page", lambda: c.touch(a, 1, True))
    step("child writes all", lambda: c.touch(a, size, True))
    rows.append(("child AnonHugePages kB", str(c.smaps_rollup().get("AnonHugePages"))))
    step("parent writes all", lambda: t.touch(a, size, True))
    b = t.mmap(size + HUGE)
    bb = (b + HUGE - 1) & ~(HUGE - 1)
    t.madvise(bb, size, "hugepage")
    step("THP: read all (huge zero page?)", lambda: t.touch(bb, size))
    step("then write all", lambda: t.touch(bb, size, True))
    return rows


def sc_m(h: HostMachine) -> list[Row]:
    t = h.spawn()
    rows: list[Row] = [("stack: write 1 MiB below the frame (64 KiB pre-touched)",
                        t.stack(1 << 20)),
                       ("stack: again", t.stack(1 << 20))]
    old = t.sbrk(L)
    rows.append(("sbrk(1000 pages)", t.last))
    rows += [("brk area: write all", t.touch(old, L, True)), ("read all", t.touch(old, L))]
    old2 = t.sbrk(L)
    rows.append(("2nd sbrk(1000 pages): read all", t.touch(old2, L)))
    return rows


def sc_n(h: HostMachine) -> list[Row]:
    """Swap: a swap file plus a 64 MiB memory cgroup (v1 or v2)."""
    swapfile = "/tmp/pwswap"
    rows: list[Row] = []
    steps = [["fallocate", "-l", "256M", swapfile], ["chmod", "600", swapfile],
             ["mkswap", swapfile], ["swapon", swapfile]]
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode != 0:
            rows.append(("swap setup failed", f"{' '.join(cmd)}: {r.stderr.strip()}"))
            subprocess.run(["rm", "-f", swapfile], check=False)
            return rows
    cg = None
    try:
        if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
            cg = Path("/sys/fs/cgroup/pagewalk-oracle")
            cg.mkdir(exist_ok=True)
            (cg / "memory.max").write_text(str(64 << 20))
        else:
            cg = Path("/sys/fs/cgroup/memory/pagewalk-oracle")
            cg.mkdir(exist_ok=True)
            (cg / "memory.limit_in_bytes").write_text(str(64 << 20))
            (cg / "memory.swappiness").write_text("60")
        t = h.spawn()
        (cg / "cgroup.procs").write_text(str(t.pid))
        size = 128 << 20
        a = t.mmap(size)
        keys = ("pswpin", "pswpout", "pgmajfault", "swap_ra", "swap_ra_hit")

        def step(label: str, fn) -> None:  # type: ignore[no-untyped-def]
            v0 = vmstat()
            d = fn()
            v1 = vmstat()
            rows.append((label, d))
            rows.append((label + " vmstat",
                         " ".join(f"{k}+{v1.get(k, 0) - v0.get(k, 0)}" for k in keys)))

        step("write 128 MiB in a 64 MiB cgroup", lambda: t.touch(a, size, True))
        step("read it all back (forward)", lambda: t.touch(a, size))
        step("read it all back again", lambda: t.touch(a, size))
        t.kill()
    except (OSError, Signal, SyscallError) as e:
        rows.append(("swap scenario failed", repr(e)))
    finally:
        h.close()
        if cg is not None:
            for _ in range(50):
                try:
                    cg.rmdir()
                    break
                except OSError:
                    import time
                    time.sleep(0.1)
        r = subprocess.run(["swapoff", swapfile], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            rows.append(("swapoff", r.stderr.strip()))
        subprocess.run(["rm", "-f", swapfile], check=False)
    return rows


SCENARIOS: dict[str, Scenario] = {k[3:]: v for k, v in globals().items() if k.startswith("sc_")}


def _cell(vals: list[object]) -> str:
    if all(hasattr(v, "min_flt") for v in vals):
        mins = [v.min_flt for v in vals]  # type: ignore[attr-defined]
        majs = [v.maj_flt for v in vals]  # type: ignore[attr-defined]

        def rng(xs: list[int]) -> str:
            return str(xs[0]) if min(xs) == max(xs) else f"{min(xs)}..{max(xs)}"
        return f"{rng(mins)} / {rng(majs)}"
    uniq = sorted({str(v) for v in vals})
    return " | ".join(uniq)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("letters", nargs="?", default="abcdefghijklm")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--md", default=None)
    ns = ap.parse_args()
    out: list[str] = []
    for letter in ns.letters:
        results: list[list[Row]] = []
        reps = min(3, ns.repeat) if letter == "n" else ns.repeat
        for _ in range(reps):
            with HostMachine() as h:
                results.append(SCENARIOS[letter](h))
        for i, (label, _) in enumerate(results[0]):
            vals = [r[i][1] for r in results if i < len(r)]
            out.append(f"| {letter} | {label} | {_cell(vals)} | {len(vals)} |")
        print("\n".join(out[-len(results[0]):]), flush=True)
    if ns.md:
        st = host_settings()
        with open(ns.md, "w") as f:
            f.write(f"Kernel {st['kernel']}; settings: {st}\n\n")
            f.write("| | step | min / maj (lo..hi over runs) | runs |\n|---|---|---|---|\n")
            f.write("\n".join(out) + "\n")
    print(host_settings(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
