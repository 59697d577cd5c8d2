"""pagewalk against libCacheSim, end to end, interleaved, with the machine's floor.

Each measurement is a whole replay from each tool's own binary file: pagewalk
loads its compact ``.pwt`` and replays; libCacheSim opens its fastest reader
for the policy (raw uint64 ids, the valpin format, for every policy that needs
no future knowledge; oracleGeneral, which carries next-access times, for
Belady) and runs ``process_trace`` in C.  The two tools alternate run by run
(pagewalk, libCacheSim, pagewalk, ...), so a drift in the shared machine's
speed hits both; the table gives the medians and the ratio of the medians
(libCacheSim's time over pagewalk's: above 1, pagewalk is faster).  Fault
counts must be identical; a difference is printed.

The floor beside the table: reading the ``.pwt`` file alone, and a compiled
loop that only reads every id (the least any replay of the trace can cost).

    python benchmarks/bench_replay.py [--runs 5] [--quick] [--json out.json]
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from numba import njit

import pagewalk.trace as pt
from _traces import log, real_trace, zipf_trace
from pagewalk.trace.policies import MIN_FRAMES, POLICY_NAMES

# libCacheSim's class for each policy it has, with its default parameters;
# "oracle" marks the one that needs next-access times (oracleGeneral reader).
PEERS: dict[str, tuple[str, dict[str, object]]] = {
    "lru": ("LRU", {}), "fifo": ("FIFO", {}), "clock": ("Clock", {"init_freq": 1}),
    "opt": ("Belady", {}), "arc": ("ARC", {}), "lfu": ("LFU", {}),
    "s3fifo": ("S3FIFO", {}), "sieve": ("Sieve", {}), "2q": ("TwoQ", {}),
    "lirs": ("LIRS", {}),
}
# Policies measured without a peer, and why (printed in the verdict column).
NO_PEER = {"clockpro": "no peer: libCacheSim's ClockPro never evicts (docs/performance.md)",
           "mru": "no peer: no MRU class in libCacheSim's bindings",
           "random": "no peer: OSTEP's seeded RAND",
           "linux": "no peer: pagewalk's own model"}
ORACLE = {"opt"}
TARGET = {"lru": 10, "clock": 10, "fifo": 10, "opt": 4, "arc": 5, "lfu": 5}


@njit(cache=True)
def _id_loop(ids):
    """Reads every id (the compiler may vectorise it): the streaming floor."""
    s = 0
    for i in range(ids.size):
        s += ids[i]
    return s


@njit(cache=True)
def _touch_loop(ids, npages):
    """Reads every id and updates one byte of per-page state: the least work
    any policy does per access (a dependent load and store)."""
    st = np.zeros(npages, np.uint8)
    for i in range(ids.size):
        st[ids[i]] += 1
    return st


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def timed_cpu(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call (both tools run single-threaded in this
    process, so CPU time is what each used even when the machine is shared)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def libcachesim_run(paths: dict, policy: str, frames: int) -> int:
    import libcachesim as lcs
    name, kwargs = PEERS[policy]
    if policy in ORACLE:
        reader = lcs.TraceReader(str(paths["oracle"]), lcs.TraceType.ORACLE_GENERAL_TRACE)
    else:
        reader = lcs.TraceReader(str(paths["valpin"]), lcs.TraceType.VALPIN_TRACE)
    miss_ratio, _ = getattr(lcs, name)(frames, **kwargs).process_trace(reader)
    return round(miss_ratio * reader.n_total_req)


def pagewalk_run(paths: dict, policy: str, frames: int, mode: str = "cache") -> int:
    return pt.replay(pt.load_trace(paths["pwt"]), frames=frames, policy=policy,
                     mode=mode).faults


def floor(paths: dict, runs: int) -> dict[str, float]:
    tr = pt.load_trace(paths["pwt"])
    npages = max(tr.n_pages, 1)
    _id_loop(tr.ids[:10])
    _touch_loop(tr.ids[:10], npages)
    read = [timed(lambda: pt.load_trace(paths["pwt"]))[0] for _ in range(runs)]
    loop = [timed(lambda: _id_loop(tr.ids))[0] for _ in range(runs)]
    touch = [timed(lambda: _touch_loop(tr.ids, npages))[0] for _ in range(runs)]
    return {"read_s": statistics.median(read), "id_loop_s": statistics.median(loop),
            "touch_loop_s": statistics.median(touch)}


def compare(paths: dict, policy: str, frames: int, runs: int) -> dict[str, object]:
    pt.replay(pt.load_trace(paths["pwt"])[:1000], frames=frames, policy=policy)  # compile
    pw_t, lc_t, pw_c, lc_c, f_pw, f_lc = [], [], [], [], None, None
    for _ in range(runs):
        t, c, f_pw = timed_cpu(lambda: pagewalk_run(paths, policy, frames))
        pw_t.append(t)
        pw_c.append(c)
        if policy in PEERS:
            t, c, f_lc = timed_cpu(lambda: libcachesim_run(paths, policy, frames))
            lc_t.append(t)
            lc_c.append(c)
    med = statistics.median
    out = {"policy": policy, "frames": frames, "faults": f_pw,
           "pagewalk_s": med(pw_t), "pagewalk_cpu_s": med(pw_c)}
    if lc_t:
        out.update(libcachesim_s=med(lc_t), libcachesim_cpu_s=med(lc_c),
                   libcachesim_faults=f_lc, ratio=med(lc_t) / med(pw_t),
                   cpu_ratio=med(lc_c) / med(pw_c))
    return out


def demand_table(paths: dict, policies: list[str], runs: int, results: list) -> None:
    """pagewalk alone (libCacheSim has no demand paging): M accesses/s."""
    tr = pt.load_trace(paths["pwt"])
    print("\n== demand mode, real trace, 64 frames (end to end, kernel alone) ==")
    for policy in policies:
        pt.replay(tr[:1000], frames=64, policy=policy, mode="demand")
        e2e = statistics.median(
            timed(functools.partial(pagewalk_run, paths, policy, 64, "demand"))[0]
            for _ in range(runs))
        kern = statistics.median(
            timed(functools.partial(pt.replay, tr, frames=64, policy=policy, mode="demand"))[0]
            for _ in range(runs))
        print(f"{policy:>9}  {len(tr) / e2e / 1e6:8.1f} M/s end to end  "
              f"{len(tr) / kern / 1e6:8.1f} M/s replay alone")
        results.append(dict(trace="real", mode="demand", policy=policy, frames=64,
                            accesses=len(tr), pagewalk_s=e2e, replay_s=kern))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--policies", default=",".join(POLICY_NAMES))
    ap.add_argument("--quick", action="store_true",
                    help="1 M-access Zipf trace over 100 K pages (make bench's default)")
    ap.add_argument("--no-zipf", action="store_true", help="the real trace only")
    ap.add_argument("--zipf-only", action="store_true",
                    help="the Zipf trace only (no real trace, no demand-mode table)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    runs = args.runs
    policies = args.policies.split(",")
    traces = {} if args.zipf_only else {"real": real_trace()}
    if not args.no_zipf:
        traces["zipf"] = (zipf_trace(n=1_000_000, npages=100_000) if args.quick
                          else zipf_trace())
    print(f"# {platform.node()} {platform.machine()} {platform.python_version()} "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; medians of {runs}, interleaved")
    results: list[dict[str, object]] = []
    for name, paths in traces.items():
        tr = pt.load_trace(paths["pwt"])
        n, npages = len(tr), tr.n_pages
        fl = floor(paths, runs)
        results.append({"trace": name, "accesses": n, **fl})
        print(f"\n== {name}: {n:,} accesses, {npages:,} pages ==")
        print(f"floor: read .pwt {fl['read_s'] * 1e3:.1f} ms, loop over ids "
              f"{fl['id_loop_s'] * 1e3:.1f} ms, loop touching a byte per id "
              f"{fl['touch_loop_s'] * 1e3:.1f} ms")
        sizes = [23, 64] if name == "real" else [10_000]
        print(f"{'policy':>9} {'frames':>7} {'faults':>11} {'pagewalk ms':>12} "
              f"{'libCacheSim ms':>15} {'ratio':>7} {'pw cpu ms':>10} {'lcs cpu ms':>10} "
              f"{'cpu ratio':>9}  target (on the CPU ratio: the machine may be shared)")
        for frames in sizes:
            for policy in policies:
                if frames < MIN_FRAMES.get(policy, 1):
                    continue
                r = compare(paths, policy, frames, runs)
                r.update(trace=name, accesses=n)
                results.append(r)
                target = TARGET.get(policy, 3) if name == "real" else 5
                lc = f"{r['libcachesim_s'] * 1e3:>15.1f}" if "ratio" in r else f"{'-':>15}"
                ratio = f"{r['ratio']:>6.1f}x" if "ratio" in r else f"{'-':>7}"
                ratio += f" {r['pagewalk_cpu_s'] * 1e3:>10.1f}"
                ratio += (f" {r['libcachesim_cpu_s'] * 1e3:>10.1f} {r['cpu_ratio']:>8.1f}x"
                          if "ratio" in r else f" {'-':>10} {'-':>9}")
                verdict = NO_PEER.get(policy, "")
                if "ratio" in r:
                    verdict = f"{'ok' if r['cpu_ratio'] >= target else 'MISSED'} (>= {target}x)"
                    if policy != "random" and r["libcachesim_faults"] != r["faults"]:
                        verdict += f"  FAULTS DIFFER: libCacheSim {r['libcachesim_faults']:,}"
                print(f"{policy:>9} {frames:>7,} {r['faults']:>11,} "
                      f"{r['pagewalk_s'] * 1e3:>12.1f} {lc} {ratio}  {verdict}", flush=True)
    if not args.zipf_only:
        demand_table(traces["real"], policies, runs, results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    log("done")


if __name__ == "__main__":
    main()
