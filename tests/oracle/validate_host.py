"""`make validate-host`: the whole host comparison, as Markdown.

Run:  .venv/bin/python tests/oracle/validate_host.py [--repeat 5] [--swapfile 1GiB]
                                                    [--md tests/oracle/host_numbers.md]

1. the host's settings (pw.Config.from_host) and what the model cannot follow;
2. every built-in scenario: kernel (lo..hi over the runs) vs pagewalk per step,
   with the step's class (pagewalk.oracle.classify);
3. the THP reuse after fork, fenced (the logical count) and natural, 20 runs;
4. the 1000 random programs (pytest tests/oracle/test_random_programs.py);
5. as root, with a temporary swap file (always removed): the swap scenarios and
   the MADV_PAGEOUT / read back / pageout again / read back sequence.

With --md the report replaces the part of that file between the markers
"<!-- validate-host:begin -->" and "<!-- validate-host:end -->" (appended if absent).
This script changes the host's configuration only with --swapfile, and undoes it.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
from pathlib import Path

import pagewalk as pw
from pagewalk.hostconfig import read_host_settings
from pagewalk.oracle import HostMachine
from pagewalk.scenario import builtin_names, resolve
from pagewalk.scenario.validate import validate

PAGE = 4096
HUGE = 2 << 20
BEGIN, END = "<!-- validate-host:begin -->", "<!-- validate-host:end -->"


def settings_md() -> list[str]:
    cfg = pw.Config.from_host()
    s = read_host_settings()
    out = ["### Host settings (pw.Config.from_host)", "", "| setting | value | model |",
           "|---|---|---|"]
    knobs = cfg.extra["knobs"]
    rows = [
        ("kernel", f"{s.kernel} {s.kernel_build}", "linux profile (6.x)"),
        ("CPUs", s.cpus, f"cpus={knobs.get('cpus')}"),
        ("THP enabled", s.thp, f"thp={knobs.get('thp')}"),
        ("THP defrag", s.thp_defrag, "not modelled (no fragmentation in the model)"),
        ("THP use_zero_page", s.thp_use_zero_page, "huge zero page used"),
        ("mTHP sizes", ", ".join(f"{k}={v}" for k, v in s.thp_sizes.items()), "PMD size only"),
        ("shmem_enabled", s.shmem_enabled, "no shmem THP"),
        ("swap", ", ".join(f"{d.path} ({d.type}, {d.kind}, {d.size_kb} kB)" for d in s.swap)
         or "none", f"swap_device={knobs.get('swap_device', 'instant (default)')}"),
        ("page-cluster", s.page_cluster, f"page_cluster={knobs.get('page_cluster')}"),
        (f"read_ahead_kb ({s.disk})", s.read_ahead_kb,
         f"read_ahead_kb={knobs.get('read_ahead_kb')}"),
        ("fault_around_bytes", s.fault_around_bytes if s.fault_around_bytes is not None
         else "unreadable (no debugfs)", f"fault_around_bytes={knobs.get('fault_around_bytes')}"),
        ("overcommit_memory / ratio", f"{s.overcommit_memory} / {s.overcommit_ratio}",
         "heuristic (0)"),
        ("min_free_kbytes", s.min_free_kbytes, "from the model's own memory size"),
        ("swappiness", s.swappiness, f"swappiness={knobs.get('swappiness')}"),
    ]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    bad = cfg.extra["unsupported"]
    out += ["", "Unsupported by the model: " + ("; ".join(map(str, bad)) if bad else "none"), ""]
    return out


def span(x: tuple[int, int] | None) -> str:
    if x is None:
        return "-"
    return str(x[0]) if x[0] == x[1] else f"{x[0]}..{x[1]}"


def scenarios_md(names: list[str], repeat: int) -> tuple[list[str], int]:
    out, bad = [], 0
    for name in names:
        v = validate(resolve(name), repeat=repeat)
        out.append(f"#### {name}")
        if v.skipped or v.error:
            out += ["", f"skipped: {v.skipped or v.error}", ""]
            continue
        out += ["", f"{v.repeat} host runs; "
                + ("**the model matches the kernel**" if v.ok else "**MISMATCH**"), "",
                "| step | class | kernel min/maj | pagewalk min/maj | match |",
                "|---|---|---|---|---|"]
        for r in v.rows:
            ev = f" {r.kernel_event}" if r.kernel_event else ""
            mev = f" {r.model_event}" if r.model_event else ""
            match = "not compared" if not r.compared else ("yes" if r.match else "NO")
            out.append(f"| {r.step} {r.op} | {r.kind} | {span(r.kernel_min)} / "
                       f"{span(r.kernel_maj)}{ev} | {r.model_min} / {r.model_maj}{mev} | "
                       f"{match} |")
        bad += not v.ok
        out.append("")
    return out, bad


def thp_md(runs: int = 20) -> list[str]:
    counts: dict[bool, collections.Counter[int]] = {False: collections.Counter(),
                                                    True: collections.Counter()}
    for natural in (False, True):
        for _ in range(runs):
            with HostMachine() as h:
                t = h.spawn()
                raw = t.mmap(4 * HUGE)
                a = (raw + HUGE - 1) & ~(HUGE - 1)
                t.madvise(a, 2 * HUGE, "hugepage")
                t.touch(a, 2 * HUGE, write=True)
                c = t.fork()
                c.touch(a, 2 * HUGE, write=True)
                counts[natural][t.touch(a, 2 * HUGE, write=True, natural=natural).min_flt] += 1
    fmt = lambda c: ", ".join(f"{k} faults x{n}" for k, n in sorted(c.items()))  # noqa: E731
    return ["### THP reuse after fork (parent rewrites 2 huge pages; model: 2, "
            "natural bound 2..1024)", "",
            f"- fenced, TLB flushed (the probe's default): {fmt(counts[False])}",
            f"- natural (no flush, no fences): {fmt(counts[True])}", ""]


def swap_sequence_md(runs: int = 3) -> list[str]:
    """pageout, read back, pageout again, read back: kernel vs the async model."""
    n = 1000
    rows = []
    for _ in range(runs):
        with HostMachine() as h:
            t = h.spawn()
            a = t.mmap_isolated(n * PAGE)
            t.touch(a, n * PAGE, write=True)
            v0 = h.vmstat
            t.madvise(a, n * PAGE, "pageout")
            r1 = t.touch(a, n * PAGE)
            t.madvise(a, n * PAGE, "pageout")
            r2 = t.touch(a, n * PAGE)
            v1 = h.vmstat
            rows.append((r1.min_flt, r1.maj_flt, r2.min_flt, r2.maj_flt,
                         v1["pswpout"] - v0["pswpout"], v1["pswpin"] - v0["pswpin"]))
    m = pw.Machine(memory="64MiB", swap="256MiB", swap_device="async")
    t = m.spawn("init")
    a = t.mmap(n * PAGE)
    t.touch(a, n * PAGE, write=True)
    base = (t.stats.min_flt, t.stats.maj_flt)
    t.madvise(a, n * PAGE, "pageout")
    t.touch(a, n * PAGE)
    mid = (t.stats.min_flt, t.stats.maj_flt)
    t.madvise(a, n * PAGE, "pageout")
    t.touch(a, n * PAGE)
    end = (t.stats.min_flt, t.stats.maj_flt)
    model = (mid[0] - base[0], mid[1] - base[1], end[0] - mid[0], end[1] - mid[1],
             m.vmstat["pswpout"], m.vmstat["pswpin"])
    out = ["### Swap: MADV_PAGEOUT 1000 written pages, read back, pageout again, read back",
           "", "| run | 1st read min/maj | 2nd read min/maj | pswpout | pswpin |",
           "|---|---|---|---|---|"]
    for i, r in enumerate(rows, 1):
        out.append(f"| kernel {i} | {r[0]} / {r[1]} | {r[2]} / {r[3]} | {r[4]} | {r[5]} |")
    out.append(f"| pagewalk (swap_device=async) | {model[0]} / {model[1]} | {model[2]} / "
               f"{model[3]} | {model[4]} | {model[5]} |")
    out.append("")
    return out


def random_md() -> tuple[list[str], int]:
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "tests/oracle/test_random_programs.py"], capture_output=True,
                       text=True, check=False)
    last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.stderr.strip()
    return ["### 1000 random programs", "", f"`{last}`", ""], r.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--swapfile", default=None, help="e.g. 1GiB (root only)")
    ap.add_argument("--md", type=Path, default=None)
    ap.add_argument("--skip-random", action="store_true")
    args = ap.parse_args()
    out = ["## `make validate-host` (generated by tests/oracle/validate_host.py)", ""]
    out += settings_md()
    names = builtin_names()
    body, bad = scenarios_md(names, args.repeat)
    out += ["### Built-in scenarios (no swap area)", "", *body]
    out += thp_md()
    if not args.skip_random:
        lines, rc = random_md()
        out += lines
        bad += rc != 0
    if args.swapfile and os.geteuid() == 0:
        from pagewalk.oracle.swapfile import temporary_swapfile
        with temporary_swapfile(args.swapfile):
            out += [f"### With a temporary {args.swapfile} swap file", ""]
            out += settings_md()
            swap_names = [n for n in names if "swap" in resolve(n).requires]
            body, b = scenarios_md(swap_names, args.repeat)
            out += body
            bad += b
            out += swap_sequence_md()
    elif args.swapfile:
        out += ["swap: skipped (--swapfile needs root)", ""]
    text = "\n".join(out) + "\n"
    print(text)
    if args.md:
        old = args.md.read_text() if args.md.exists() else ""
        block = f"{BEGIN}\n{text}{END}\n"
        if BEGIN in old and END in old:
            new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END) + 1:]
        else:
            new = old.rstrip("\n") + "\n\n" + block
        args.md.write_text(new)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
