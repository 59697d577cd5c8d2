"""pagewalk against libCacheSim: end-to-end trace replay throughput.

Both sides start from their own binary trace file (pagewalk's compact .pwt,
libCacheSim's oracleGeneral) on the same accesses, and must report identical
fault counts.  Median of ``--runs`` runs; the ratio is pagewalk's throughput
over libCacheSim's.  Also: pagewalk's demand mode on the real trace.

    python benchmarks/bench_replay.py [--runs 5] [--quick]
"""

from __future__ import annotations

import argparse
import functools
import json

import pagewalk.trace as pt
from _traces import log, median_time, real_trace, zipf_trace

PEER_POLICIES = ("lru", "clock", "fifo", "opt", "arc", "lfu")
TARGET = {"real": 2.0, "zipf": 5.0}


def peer(policy: str, frames: int):
    import libcachesim as lcs
    return {"lru": lambda: lcs.LRU(frames), "fifo": lambda: lcs.FIFO(frames),
            "clock": lambda: lcs.Clock(frames, init_freq=1), "opt": lambda: lcs.Belady(frames),
            "arc": lambda: lcs.ARC(frames), "lfu": lambda: lcs.LFU(frames)}[policy]()


def run_libcachesim(path: str, policy: str, frames: int) -> int:
    import libcachesim as lcs
    reader = lcs.TraceReader(path, lcs.TraceType.ORACLE_GENERAL_TRACE)
    miss_ratio, _ = peer(policy, frames).process_trace(reader)
    return round(miss_ratio * reader.n_total_req)


def run_pagewalk(path: str, policy: str, frames: int, mode: str = "cache") -> int:
    return pt.replay(pt.load_trace(path), frames=frames, policy=policy, mode=mode).faults


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--policies", default=",".join(PEER_POLICIES))
    ap.add_argument("--quick", action="store_true", help="1 M-access Zipf trace, 3 runs")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    runs = 3 if args.quick else args.runs
    policies = args.policies.split(",")
    real = real_trace()
    zipf = zipf_trace(n=1_000_000, npages=100_000) if args.quick else zipf_trace()
    results = []
    for name, paths in (("real", real), ("zipf", zipf)):
        tr = pt.load_trace(paths["pwt"])
        n, npages = len(tr), tr.n_pages
        sizes = [max(1, npages // 8), max(1, npages // 2)] if name == "real" else [npages // 10]
        print(f"\n== {name}: {n:,} accesses, {npages:,} pages ({paths['pwt'].name}) ==")
        print(f"{'policy':>7} {'frames':>8} {'faults':>12} {'pagewalk M/s':>13} "
              f"{'libCacheSim M/s':>16} {'ratio':>7}  target")
        for frames in sizes:
            for policy in policies:
                pt.replay(tr[:1000], frames=frames, policy=policy)  # load compiled code
                t_pw, f_pw = median_time(
                    functools.partial(run_pagewalk, str(paths["pwt"]), policy, frames), runs)
                t_lc, f_lc = median_time(
                    functools.partial(run_libcachesim, str(paths["oracle"]), policy, frames), runs)
                ratio = t_lc / t_pw
                target = TARGET[name] if policy in ("lru", "clock", "fifo", "opt") else None
                ok = "" if target is None else ("ok" if ratio >= target else "MISSED") + \
                    f" (>= {target:g}x)"
                same = "" if f_pw == f_lc else f"  FAULTS DIFFER: libCacheSim {f_lc:,}"
                print(f"{policy:>7} {frames:>8,} {f_pw:>12,} {n / t_pw / 1e6:>13.1f} "
                      f"{n / t_lc / 1e6:>16.1f} {ratio:>6.1f}x  {ok}{same}", flush=True)
                results.append(dict(trace=name, policy=policy, frames=frames, accesses=n,
                                    faults=f_pw, libcachesim_faults=f_lc,
                                    pagewalk_s=t_pw, libcachesim_s=t_lc, ratio=ratio))
    tr = pt.load_trace(real["pwt"])
    frames = max(1, tr.n_pages // 8)
    print(f"\n== demand mode, real trace, {frames} frames (end to end, target >= 50 M/s) ==")
    for policy in ("lru", "clock", "fifo", "opt", "arc", "lfu", "linux"):
        pt.replay(tr[:1000], frames=frames, policy=policy, mode="demand")
        t, faults = median_time(
            functools.partial(run_pagewalk, str(real["pwt"]), policy, frames, "demand"), runs)
        print(f"{policy:>7} faults {faults:>10,}  {len(tr) / t / 1e6:8.1f} M accesses/s")
        results.append(dict(trace="real", mode="demand", policy=policy, frames=frames,
                            accesses=len(tr), faults=faults, pagewalk_s=t))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    log("done")


if __name__ == "__main__":
    main()
