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


def _task(n: int, memory: str = "1GiB", written: bool = False):
    """A task with an ``n``-page anonymous mapping (written once if ``written``)."""
    m = pw.Machine(memory=memory, swap=0)
    t = m.spawn()
    a = t.mmap(n * PAGE)
    if written:
        t.touch(a, n * PAGE, write=True)
    return t, a


def _rate(count: int, action) -> float:
    start = time.perf_counter()
    action()
    return count / (time.perf_counter() - start)


def bench_touch_present(n: int = 100_000, passes: int = 10) -> float:
    t, a = _task(n, written=True)
    return _rate(n * passes, lambda: [t.touch(a, n * PAGE, write=True) for _ in range(passes)])


def bench_demand_faults(n: int = 100_000) -> float:
    t, a = _task(n)
    rate = _rate(n, lambda: t.touch(a, n * PAGE, write=True))
    assert t.stats.min_flt == n
    return rate


def bench_zero_page_faults(n: int = 100_000) -> float:
    t, a = _task(n)
    return _rate(n, lambda: t.touch(a, n * PAGE))


def bench_cow_faults(n: int = 100_000) -> float:
    p, a = _task(n, memory="2GiB", written=True)
    c = p.fork()
    rate = _rate(n, lambda: c.touch(a, n * PAGE, write=True))
    assert c.stats.min_flt == n
    return rate


def bench_fork(n: int = 100_000) -> float:
    """Seconds to fork a task with ``n`` resident anonymous pages."""
    p, _ = _task(n, written=True)
    return 1 / _rate(1, p.fork)


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
