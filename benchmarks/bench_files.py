"""File read faults per second (issue 3): warm (page-cache hits, fault-around) and
cold (page-cache misses: MADV_RANDOM, one major fault per page; and read-around).

Run: ``.venv/bin/python benchmarks/bench_files.py [--runs 5]``; prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pagewalk as pw

PAGE = 4096
N = 20_000


def _setup(cold: bool, advice: str | None, fault_around: bool = True):
    m = pw.Machine(memory="512MiB", swap=0,
                   fault_around_bytes=65536 if fault_around else 4096)
    t = m.spawn()
    f = m.create_file("data", size=N * PAGE)
    if cold:
        f.evict()
    a = t.mmap(N * PAGE, prot="r", flags="private", file=f)
    if advice:
        t.madvise(a, N * PAGE, advice)
    return t, a


def faults_per_second(cold: bool, advice: str | None, fault_around: bool = True) -> float:
    t, a = _setup(cold, advice, fault_around)
    start = time.perf_counter()
    t.touch(a, N * PAGE)
    elapsed = time.perf_counter() - start
    return (t.stats.min_flt + t.stats.maj_flt) / elapsed


BENCHES = {
    "warm read faults/s (fault-around)": lambda: faults_per_second(False, None),
    "warm read faults/s (one page each)": lambda: faults_per_second(False, None, False),
    "cold read faults/s (MADV_RANDOM, major)": lambda: faults_per_second(True, "random"),
    "cold read faults/s (read-around)": lambda: faults_per_second(True, None),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"{'measure':42} {'median':>12} {'min':>12} {'max':>12}")
    for name, fn in BENCHES.items():
        values = [fn() for _ in range(args.runs)]
        print(f"{name:42} {statistics.median(values):12,.0f} {min(values):12,.0f} "
              f"{max(values):12,.0f}")


if __name__ == "__main__":
    main()
