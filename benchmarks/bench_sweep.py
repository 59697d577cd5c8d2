"""A sweep on a 2-worker Dask LocalCluster against the same grid in one process.

Grid: 4 synthetic traces x 7 policies x 24 sizes (log-spaced up to each
trace's distinct pages), cache mode.  Both sides are warmed first (the
compiled kernels load once per process), then timed alternately, ``--runs``
times each; the best run of each side is compared (the machine may be shared):

* ``sequential``: one process, each trace loaded once, ``pw.replay`` per cell;
* ``sweep``: ``pw.sweep`` on a running 2-worker LocalCluster (``local_cluster``, the
  one ``pw.sweep`` starts) (results written
  to Parquet as chunks finish).  Target: sweep <= 0.6 x sequential.

Also measured: the cold start of the cluster, the per-task overhead of the
scheduler (many one-cell chunks on a tiny trace, against the same calls in a
plain loop), and a simulated scale-out: the measured task durations (from the
scheduler's task stream) scheduled longest-first onto W workers, plus the
per-task overhead, for W up to 64.

    python benchmarks/bench_sweep.py [--runs 3] [--quick]
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import pagewalk as pw
from _traces import CACHE, log

POLICIES = ["lru", "clock", "fifo", "opt", "arc", "lfu", "linux"]
TARGET = 0.6


def make_traces(n: int) -> list[Path]:
    """Four traces of ``n`` accesses: Zipf 0.8 and 1.2, a loop with noise, phases."""
    d = CACHE / f"sweep-{n}"
    d.mkdir(parents=True, exist_ok=True)
    paths = [d / f"{name}.pwt" for name in ("zipf08", "zipf12", "loop", "phases")]
    if all(p.exists() for p in paths):
        return paths
    log(f"generating 4 sweep traces of {n:,} accesses ...")
    rng = np.random.default_rng(7)
    npages = 40_000

    def zipf(alpha: float, m: int, pages: int) -> np.ndarray:
        cdf = np.cumsum(1.0 / np.arange(1, pages + 1) ** alpha)
        return np.searchsorted(cdf / cdf[-1], rng.random(m))

    loop = np.tile(np.arange(12_000), n // 12_000 + 1)[:n]
    noise = rng.random(n) < 0.2
    loop[noise] = zipf(1.0, int(noise.sum()), npages)
    phases = np.concatenate([zipf(1.0, n // 4, 10_000) + 10_000 * i for i in range(4)])
    for path, ranks in zip(paths, (zipf(0.8, n, npages), zipf(1.2, n, npages), loop, phases),
                           strict=True):
        numbering = rng.permutation(int(ranks.max()) + 1).astype(np.uint64)
        pw.Trace.from_pages(numbering[ranks] + np.uint64(0x7F000),
                            rng.random(n) < 0.3).save(path)
    return paths


def sequential(paths: list[Path], points: int) -> float:
    from pagewalk.sweep.spec import SizeRule
    t0 = time.perf_counter()
    for p in paths:
        tr = pw.load_trace(p)
        for pol in POLICIES:
            for k in SizeRule(points=points).resolve(tr.n_pages):
                pw.replay(tr, frames=k, policy=pol)
    return time.perf_counter() - t0


def _noop(i: int) -> int:
    return i


def lpt_makespan(durations: list[float], workers: int, overhead: float) -> float:
    """Longest-processing-time-first list scheduling onto ``workers``."""
    heap = [0.0] * workers
    for d in sorted(durations, reverse=True):
        heapq.heappush(heap, heapq.heappop(heap) + d + overhead)
    return max(heap)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="smaller traces, one run")
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    n = 300_000 if args.quick else 1_000_000
    paths = make_traces(n)
    points = 24
    from dask.distributed import Client

    from pagewalk.sweep.run import local_cluster

    with tempfile.TemporaryDirectory() as tmp:
        spec = {"traces": [str(p) for p in paths], "policies": POLICIES,
                "sizes": {"points": points, "up_to": "distinct"},
                "output": str(Path(tmp) / "bench.parquet")}
        tiny = Path(tmp) / "tiny.pwt"
        # 300 pages: uint16 ids like the grid's traces, so the same compiled kernels warm up
        pw.Trace.from_pages(np.arange(600) % 300).save(tiny)
        warm = {"traces": [str(tiny)], "policies": POLICIES, "frames": [4],
                "modes": ["cache", "demand"], "output": str(Path(tmp) / "warm.parquet")}
        sequential([tiny], 2)  # warm this process's kernels

        t0 = time.perf_counter()
        # the cluster pw.sweep starts itself (same Dask settings), kept running across runs
        with local_cluster(2) as cluster, Client(cluster) as client:
            start = time.perf_counter() - t0
            addr = cluster.scheduler_address
            pw.sweep(warm, scheduler=addr)
            pw.sweep(warm, scheduler=addr)  # both workers warm
            seq, par = [], []
            for _ in range(runs):
                seq.append(sequential(paths, points))
                client.get_task_stream()  # start recording
                since = time.time()
                t = time.perf_counter()
                df = pw.sweep(spec, scheduler=addr)
                par.append(time.perf_counter() - t)
                stream = client.get_task_stream(start=since)
            cells = len(df)
            from pagewalk.sweep.spec import SizeRule
            expected = sum(len(POLICIES) * len(SizeRule(points=points).resolve(int(d)))
                           for d in df.groupby("trace")["distinct_pages"].first())
            assert (df["status"] == "ok").all() and cells == expected
            # the machine is shared: the least disturbed run (min) is the fair one
            ts, tp = min(seq), min(par)
            ms, mp = statistics.median(seq), statistics.median(par)
            print(f"grid: {len(paths)} traces x {len(POLICIES)} policies x {points} sizes = "
                  f"{cells} cells, {len(paths) * len(POLICIES)} tasks, {n:,} accesses each")
            print(f"cluster start (2 worker processes): {start:.2f} s")
            print(f"sequential, one process: best of {runs} {ts:.2f} s (median {ms:.2f})")
            print(f"sweep, 2-worker LocalCluster: best of {runs} {tp:.2f} s (median {mp:.2f}) "
                  f"= {tp / ts:.2f} x sequential (target <= {TARGET}; medians {mp / ms:.2f})")

            # per-task overhead: one-cell chunks on a tiny trace
            many = {"traces": [str(tiny)], "policies": POLICIES, "modes": ["cache", "demand"],
                    "frames": [4], "output": str(Path(tmp) / "many.parquet")}
            copies = []
            for i in range(15):
                q = Path(tmp) / f"tiny{i}.pwt"
                q.write_bytes(tiny.read_bytes())
                copies.append(str(q))
            many["traces"] = copies
            tasks = len(copies) * len(POLICIES) * 2
            client.get_task_stream()
            tiny_since = time.time()
            t = time.perf_counter()
            pw.sweep(many, scheduler=addr)
            t_sweep = time.perf_counter() - t
            t = time.perf_counter()
            for q in copies:
                tr = pw.load_trace(q)
                for pol in POLICIES:
                    for mode in ("cache", "demand"):
                        pw.replay(tr, frames=4, policy=pol, mode=mode)
            t_loop = time.perf_counter() - t
            tiny_stream = client.get_task_stream(start=tiny_since)
            tiny_compute = sum(s["stop"] - s["start"] for ev in tiny_stream
                               for s in ev["startstops"] if s["action"] == "compute")
            over = max(2 * t_sweep - tiny_compute, 0.0) / tasks
            print(f"per-task overhead: {tasks} one-cell tasks: sweep {t_sweep:.2f} s "
                  f"(compute in the tasks {tiny_compute:.3f} s), plain loop {t_loop:.3f} s "
                  f"-> {over * 1e3:.1f} ms per task per worker (scheduler round trip, "
                  "result transfer, Parquet part, client connect and merge amortised)")

            t = time.perf_counter()
            client.gather(client.map(_noop, range(tasks), pure=False))
            noop = (time.perf_counter() - t) / tasks
            print(f"for scale: {tasks} no-op Dask tasks: {noop * 1e3:.1f} ms each (2 workers)")

            durations = [s["stop"] - s["start"] for ev in stream
                         for s in ev["startstops"] if s["action"] == "compute"]
            busy = sum(durations)
            print(f"task stream of the last sweep: {len(durations)} tasks, "
                  f"{busy:.2f} s of compute, longest {max(durations):.2f} s")
            print("simulated scale-out (measured task durations, longest first, "
                  f"+{over * 1e3:.1f} ms per task):")
            split = [d / 4 for d in durations for _ in range(4)]  # split = 4, sizes interleaved
            for w in (1, 2, 4, 8, 16, 32, 64):
                mk = lpt_makespan(durations, w, over)
                mk4 = lpt_makespan(split, w, over)
                print(f"  {w:>3} workers: {mk:7.2f} s, speed-up {busy / mk:5.2f}; "
                      f"with split = 4: {mk4:7.2f} s, speed-up {busy / mk4:5.2f}")


if __name__ == "__main__":
    main()
