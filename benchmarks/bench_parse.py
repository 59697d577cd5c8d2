"""Parsing throughput: lackey text -> Trace, in MB of text per second.

Uses the real program's lackey log from ``_traces.real_trace`` (about 520 MB of
text); medians of ``--runs`` runs, interleaved, wall and CPU time
(``time.process_time``).  Beside it, the floor on this machine: reading the
file in 8 MB blocks, and a compiled loop over its bytes (counting newlines).
Target (issue 12): toward 1 GB/s.

    python benchmarks/bench_parse.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from numba import njit

import pagewalk.trace as pt
from _traces import real_trace
from pagewalk.trace.parse import parse_lackey


@njit(cache=True)
def _count_newlines(buf):
    n = 0
    for i in range(buf.size):
        n += buf[i] == 10
    return n


def _read_blocks(path) -> int:
    n = 0
    with open(path, "rb", buffering=0) as f:
        while block := f.read(8 << 20):
            n += len(block)
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = real_trace()["lackey"]
    size = path.stat().st_size
    buf = np.frombuffer(path.read_bytes(), np.uint8)
    pages = np.empty(buf.size // 7 + 64, np.uint64)
    writes = np.empty(pages.size, np.bool_)
    shift = np.uint64(12)
    _count_newlines(buf[:10])
    parse_lackey(buf[:100], pages, writes, shift)
    pt.load_trace(path, progress=False)  # warm: page cache, compiled code
    jobs = {
        "read the file (8 MB blocks)": lambda: _read_blocks(path),
        "compiled loop over its bytes": lambda: _count_newlines(buf),
        "parse_lackey over the bytes": lambda: parse_lackey(buf, pages, writes, shift),
        "load_trace (end to end)": lambda: pt.load_trace(path, progress=False),
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in jobs}
    result = None
    for _ in range(args.runs):
        for name, job in jobs.items():
            w0, c0 = time.perf_counter(), time.process_time()
            out = job()
            times[name].append((time.perf_counter() - w0, time.process_time() - c0))
            if name.startswith("load_trace"):
                result = out
    print(f"lackey log {size / 1e6:,.0f} MB, {len(result):,} accesses, "
          f"{result.n_pages:,} pages; medians of {args.runs}, load average "
          f"{os.getloadavg()[0]:.2f}")
    for name, t in times.items():
        wall = statistics.median(w for w, _ in t)
        cpu = statistics.median(c for _, c in t)
        print(f"  {name:30s} wall {wall * 1e3:7.0f} ms  cpu {cpu * 1e3:7.0f} ms  "
              f"= {size / cpu / 1e6:6,.0f} MB/s of CPU time")
    binary = path.parent / "gzip.pwt"
    t2 = statistics.median(_cpu(lambda: pt.load_trace(binary)) for _ in range(args.runs))
    print(f"  compact binary load: {binary.stat().st_size / 1e6:,.0f} MB, cpu "
          f"{t2 * 1e3:.0f} ms = {len(result) / t2 / 1e6:,.0f} M accesses/s")


def _cpu(fn) -> float:
    c0 = time.process_time()
    fn()
    return time.process_time() - c0


if __name__ == "__main__":
    main()
