"""Address-space calls against the number of VMAs (issue 10): mmap, munmap and
mprotect must cost O(log n), as with the maple tree, not O(n).

Run: ``.venv/bin/python benchmarks/bench_vma.py [--sizes 1000,10000,40000] [--runs 5]``.
For each size a task gets that many VMAs (one-page mappings that alternate "r" and
"rw", so none merge), then the benchmark times, in CPU time (process_time), a
batch of calls at that size and prints the median per call over the runs:

* mmap: a new one-page anonymous mapping (get_unmapped_area's top-down search);
* munmap: unmapping a page in the middle of a 3-page VMA (a split);
* mprotect: changing one page of a 3-page VMA and back (split, then merge).

To compare with another checkout: ``PYTHONPATH=/other/src python benchmarks/bench_vma.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import pagewalk as pw

PAGE = 4096


def _task_with_vmas(n: int):
    m = pw.Machine(memory="64MiB", swap=0)
    t = m.spawn()
    base = len(t.mm.mmap)
    for i in range(n - base):
        t.mmap(PAGE, prot="r" if i % 2 else "rw")
    return m, t


def _per_call(batch: int, action) -> float:
    start = time.process_time()
    for i in range(batch):
        action(i)
    return (time.process_time() - start) / batch


def measure(n: int, batch: int) -> dict[str, float]:
    _m, t = _task_with_vmas(n)
    out = {}
    out["mmap"] = _per_call(batch, lambda i: t.mmap(PAGE, prot="r" if i % 2 else "rw"))
    big = [t.mmap(3 * PAGE, prot="rw") for _ in range(batch)]
    out["munmap (split)"] = _per_call(batch, lambda i: t.munmap(big[i] + PAGE, PAGE))

    spans = [t.mmap(3 * PAGE, prot="rw") for _ in range(batch)]

    def flip(i: int) -> None:
        t.mprotect(spans[i] + PAGE, PAGE, "r")
        t.mprotect(spans[i] + PAGE, PAGE, "rw")
    out["mprotect (split+merge)"] = _per_call(batch, flip) / 2
    out["vmas"] = len(t.mm.mmap)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,40000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=200)
    args = ap.parse_args()
    print(f"pagewalk from {os.path.dirname(pw.__file__)}; load average "
          f"{os.getloadavg()[0]:.2f}; CPU time per call, median of {args.runs}")
    for n in [int(s) for s in args.sizes.split(",")]:
        runs = [measure(n, args.batch) for _ in range(args.runs)]
        cells = [f"{k} {statistics.median(r[k] for r in runs) * 1e6:8.1f} us"
                 for k in runs[0] if k != "vmas"]
        print(f"{n:>6} VMAs: " + "; ".join(cells))


if __name__ == "__main__":
    main()
