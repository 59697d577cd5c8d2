"""``pagewalk record`` against valgrind lackey alone, as whole processes.

For each program, interleaved runs (one of each variant per round, so a drift
of the machine's speed hits all of them alike) of:

* ``lackey>null``: ``valgrind --tool=lackey --trace-mem=yes --log-file=/dev/null``;
* ``lackey>file``: the same writing its log to a file;
* ``lackey>pipe``: the same writing into a pipe that record's batched reader
  drains and discards (``_drain.py``): the floor of any recorder fed by a pipe;
* ``record``: ``pagewalk record -o out.pwt --no-progress -- PROG``;

each timed from outside: wall time, and CPU time (user + system of the process
and everything it waited for, from ``wait4``).  Prints medians and the ratios
record / lackey>null, wall and CPU.  Target (issue 12): record <= 1.5x
lackey>null.

    python benchmarks/bench_record.py [--runs 5] [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _traces import CACHE, real_trace

LACKEY = ["--tool=lackey", "--trace-mem=yes", "--trace-children=yes"]


def programs(tmp: Path) -> dict[str, list[str]]:
    """Small real programs, each a few seconds under lackey."""
    data = real_trace()["lackey"].parent.joinpath("input.txt").read_bytes()
    gzip = shutil.which("gzip") or "gzip"
    progs = {"ls": ["/bin/ls", "/usr/share/doc"], "date": ["/bin/date"]}
    for kb in (20, 60):
        (tmp / f"input-{kb}k.txt").write_bytes(data[: kb * 1000])
        progs[f"gzip{kb}k"] = [gzip, "-c", str(tmp / f"input-{kb}k.txt")]
    return progs


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``argv`` run to completion, output discarded."""
    with open(os.devnull, "wb") as null:
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=null, stderr=null)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:6]}... exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", action="append", help="a program name (ls, date, gzip20k, gzip60k)")
    args = ap.parse_args()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    pagewalk = str(Path(sys.executable).with_name("pagewalk"))
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-record-", dir=CACHE) as name:
        tmp = Path(name)
        for prog, cmd in programs(tmp).items():
            if args.only and prog not in args.only:
                continue
            variants = {
                "lackey>null": [valgrind, *LACKEY, "--log-file=/dev/null", *cmd],
                "lackey>file": [valgrind, *LACKEY, f"--log-file={tmp / 'log'}", *cmd],
                "lackey>pipe": [sys.executable, str(Path(__file__).with_name("_drain.py")),
                                *cmd],
                "record": [pagewalk, "record", "-o", str(tmp / "out.pwt"), "--no-progress",
                           "--", *cmd],
            }
            times: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
            timed(variants["lackey>null"])  # warm-up: page cache, numba's cache
            timed(variants["record"])
            for _ in range(args.runs):
                for v, argv in variants.items():
                    times[v].append(timed(argv))
            log_mb = (tmp / "log").stat().st_size / 1e6
            print(f"{prog}: {' '.join(cmd)} ({log_mb:,.0f} MB of lackey log), medians of "
                  f"{args.runs}, load average {os.getloadavg()[0]:.2f}")
            med = {v: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
                   for v, t in times.items()}
            for v, (w, c) in med.items():
                print(f"  {v:12s} wall {w:7.2f} s  cpu {c:7.2f} s")
            nw, nc = med["lackey>null"]
            w, c = med["record"]
            ratios = [(rw / lw, rc / lc) for (rw, rc), (lw, lc)
                      in zip(times["record"], times["lackey>null"], strict=True)]
            pw_, pc = med["lackey>pipe"]
            print(f"  lackey>pipe / lackey>null: wall {pw_ / nw:.2f}x, cpu {pc / nc:.2f}x")
            print(f"  record / lackey>null: wall {w / nw:.2f}x (pairwise median "
                  f"{statistics.median(r for r, _ in ratios):.2f}x), cpu {c / nc:.2f}x "
                  f"(pairwise {statistics.median(r for _, r in ratios):.2f}x)", flush=True)


if __name__ == "__main__":
    main()
