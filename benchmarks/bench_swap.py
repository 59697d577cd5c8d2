"""Swap speed under memory pressure (issue 3): faults per second while reclaim swaps
pages out, and while they are read back in.

Run: ``.venv/bin/python benchmarks/bench_swap.py [--runs 5]``. A 64 MiB machine
with 256 MiB swap; a task writes 128 MiB (32768 pages: every fault past the first
~15k allocates under kswapd, which swaps the oldest pages out), then reads it all
back (swap-in with page-cluster 3: one major + 7 swap-cache minors per 8 pages,
while reclaim keeps swapping out). The host's numbers for the same shape (a 64 MiB
cgroup): write 32768 / 0; read back 28671 minor / 4097 major. Prints the median of
several runs and the fault counts of the last one.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pagewalk as pw

PAGE = 4096


def one_run(n: int = 32768) -> tuple[float, float, dict]:
    m = pw.Machine(memory="64MiB", swap="256MiB")
    t = m.spawn()
    a = t.mmap(n * PAGE)
    start = time.perf_counter()
    t.touch(a, n * PAGE, write=True)
    out_rate = n / (time.perf_counter() - start)
    before = dict(m.vmstat)
    mn, mj = t.stats.min_flt, t.stats.maj_flt
    start = time.perf_counter()
    t.touch(a, n * PAGE)
    elapsed = time.perf_counter() - start
    faults = t.stats.min_flt - mn + t.stats.maj_flt - mj
    stats = {"write": (mn, mj), "read back": (t.stats.min_flt - mn, t.stats.maj_flt - mj)}
    stats.update({k: m.vmstat[k] - before[k] for k in
                  ("pswpin", "pswpout", "swap_ra", "swap_ra_hit", "pgmajfault")})
    stats["pswpout during write"] = before["pswpout"]
    return out_rate, faults / elapsed, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    outs, ins = [], []
    stats: dict = {}
    for _ in range(args.runs):
        o, i, stats = one_run()
        outs.append(o)
        ins.append(i)
    for name, xs in (("swap-out (write under pressure)", outs), ("swap-in (read back)", ins)):
        print(f"{name:34s} median {statistics.median(xs):9.0f} faults/s "
              f"(min {min(xs):.0f}, max {max(xs):.0f}, {len(xs)} runs)")
    print("last run:", ", ".join(f"{k} {v}" for k, v in stats.items()))


if __name__ == "__main__":
    main()
