"""Miss-ratio curve throughput (LRU, one pass) on the real and Zipf traces.

Prints accesses per second of ``pagewalk.mrc`` (exact, and SHARDS at 1 %), and
checks a few points of the exact curve against per-size replay.  Targets: the
exact LRU curve at >= 100 M accesses/s on the real trace and >= 12 M/s on the
Zipf trace (10 M accesses over 1 M pages).  Wall-clock medians; on a shared
machine also read the CPU-time median printed beside it.

    python benchmarks/bench_mrc.py [--runs 3]
"""

from __future__ import annotations

import argparse
import functools
import time

import pagewalk.trace as pt
from _traces import median_time, real_trace, zipf_trace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for name, path in (("real", real_trace()["pwt"]), ("zipf", zipf_trace()["pwt"])):
        tr = pt.load_trace(path)
        pt.mrc(tr[:1000])
        c0 = time.process_time()
        t, curve = median_time(functools.partial(pt.mrc, tr), args.runs)
        cpu = (time.process_time() - c0) / args.runs
        n = len(tr)
        target = 100 if name == "real" else 12
        print(f"{name}: {n:,} accesses, {tr.n_pages:,} pages: exact LRU curve median "
              f"{t:.2f} s = {n / t / 1e6:.1f} M accesses/s wall, {n / cpu / 1e6:.1f} M/s "
              f"CPU (mean) (target >= {target})")
        for k in (tr.n_pages // 8, tr.n_pages // 2):
            assert curve.misses_at(k) == pt.replay(tr, frames=k).faults, (name, k)
        if tr.n_pages < 10_000:
            continue  # SHARDS needs many distinct pages to sample from
        ts, approx = median_time(functools.partial(pt.mrc, tr, sample=0.01), args.runs)
        k = tr.n_pages // 10
        err = abs(approx.misses_at(k) - curve.misses_at(k)) / n
        print(f"{name}: SHARDS 1 %: {ts:.2f} s = {n / ts / 1e6:.1f} M accesses/s; "
              f"miss-ratio error at {k:,} frames: {err:.4f}")


if __name__ == "__main__":
    main()
