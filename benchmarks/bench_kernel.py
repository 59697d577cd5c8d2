"""Reference-engine speed (issue 2): present-page touches, demand faults, COW faults, fork.

Run: ``.venv/bin/python benchmarks/bench_kernel.py [--runs 5]``. Prints the median
of several runs for each measure, with the spread; the machine is shared and
noisy, so only medians are quoted. Targets: >= 1 M present-page touches/s,
>= 100 k demand faults/s, >= 50 k COW faults/s.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pagewalk as pw

PAGE = 4096


def bench_touch_present(n: int = 100_000, passes: int = 10) -> float:
    m = pw.Machine(memory="1GiB", swap=0)
    t = m.spawn()
    a = t.mmap(n * PAGE)
    t.touch(a, n * PAGE, write=True)
    start = time.perf_counter()
    for _ in range(passes):
        t.touch(a, n * PAGE, write=True)
    return n * passes / (time.perf_counter() - start)


def bench_demand_faults(n: int = 100_000) -> float:
    m = pw.Machine(memory="1GiB", swap=0)
    t = m.spawn()
    a = t.mmap(n * PAGE)
    start = time.perf_counter()
    t.touch(a, n * PAGE, write=True)
    elapsed = time.perf_counter() - start
    assert t.stats.min_flt == n
    return n / elapsed


def bench_zero_page_faults(n: int = 100_000) -> float:
    m = pw.Machine(memory="1GiB", swap=0)
    t = m.spawn()
    a = t.mmap(n * PAGE)
    start = time.perf_counter()
    t.touch(a, n * PAGE)
    return n / (time.perf_counter() - start)


def bench_cow_faults(n: int = 100_000) -> float:
    m = pw.Machine(memory="2GiB", swap=0)
    p = m.spawn()
    a = p.mmap(n * PAGE)
    p.touch(a, n * PAGE, write=True)
    c = p.fork()
    start = time.perf_counter()
    c.touch(a, n * PAGE, write=True)
    elapsed = time.perf_counter() - start
    assert c.stats.min_flt == n
    return n / elapsed


def bench_fork(n: int = 100_000) -> float:
    """Seconds to fork a task with ``n`` resident anonymous pages."""
    m = pw.Machine(memory="1GiB", swap=0)
    p = m.spawn()
    a = p.mmap(n * PAGE)
    p.touch(a, n * PAGE, write=True)
    start = time.perf_counter()
    p.fork()
    return time.perf_counter() - start


BENCHES = {
    "present-page touches/s": (bench_touch_present, 1_000_000),
    "anonymous demand faults/s": (bench_demand_faults, 100_000),
    "zero-page read faults/s": (bench_zero_page_faults, None),
    "COW faults/s": (bench_cow_faults, 50_000),
    "fork of a 100k-page task (s)": (bench_fork, None),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"{'measure':32} {'median':>14} {'min':>12} {'max':>12}  target")
    for name, (fn, target) in BENCHES.items():
        values = [fn() for _ in range(args.runs)]
        med = statistics.median(values)
        verdict = ""
        if target is not None:
            verdict = f">= {target:,} {'ok' if med >= target else 'MISSED'}"
        print(f"{name:32} {med:14,.3f} {min(values):12,.3f} {max(values):12,.3f}  {verdict}")


if __name__ == "__main__":
    main()
