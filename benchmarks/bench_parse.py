"""Parsing throughput: lackey text -> Trace, in MB of text per second.

Uses the real program's lackey log from ``_traces.real_trace`` (a few hundred
MB of text); median of ``--runs`` runs.  Target: >= 200 MB/s.

    python benchmarks/bench_parse.py [--runs 5]
"""

from __future__ import annotations

import argparse
import functools

import pagewalk.trace as pt
from _traces import median_time, real_trace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    path = real_trace()["lackey"]
    size = path.stat().st_size
    pt.load_trace(path.parent / "gzip.pwt")  # warm up the page cache and compiled code
    t, tr = median_time(functools.partial(pt.load_trace, path, progress=False), args.runs)
    print(f"lackey parse: {size / 1e6:,.0f} MB, {len(tr):,} accesses, {tr.n_pages:,} pages: "
          f"median {t:.2f} s = {size / t / 1e6:,.0f} MB/s, {len(tr) / t / 1e6:.0f} M accesses/s "
          f"(target >= 200 MB/s)")
    binary = path.parent / "gzip.pwt"
    t2, _ = median_time(functools.partial(pt.load_trace, binary), args.runs)
    print(f"compact binary load: {binary.stat().st_size / 1e6:,.0f} MB, median {t2 * 1e3:.0f} ms "
          f"= {len(tr) / t2 / 1e6:,.0f} M accesses/s")


if __name__ == "__main__":
    main()
