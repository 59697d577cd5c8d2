"""Issue 10's figures: the reliability review, repeated with this repository's own
inputs and seeds. Not a timing benchmark: it counts.

    python benchmarks/reliability.py [--seeds N] [--calls N]

* random programs under memory pressure (tests/kernel/random_programs.py) in
  both profiles: programs, steps, bytes checked, bytes wrong, KernelBugs,
  spurious errno, OOM kills (with swap free at the time);
* bad API calls drawn from the fuzzer's call table
  (tests/kernel/test_fuzz_bad_input.py) with seeded random values: calls tried,
  refused with a pw exception, wrong exception types, state changes on refusal;
* the issue's OOM workload (16 MiB RAM, 64 MiB swap, 48 MiB anon + 24 MiB shmem);
* resources that must not scale with declared sizes: reaped tasks, huge swap.
Run from the repository root.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.kernel import test_fuzz_bad_input as fuzz
from tests.kernel.random_programs import run_program

import pagewalk as pw

PAGE = 4096


def random_programs(seeds: int) -> None:
    for profile in ("classic", "linux"):
        for label, kw in (("2MiB/8MiB", dict(memory="2MiB", swap="8MiB", steps=120)),
                          ("16MiB/64MiB", dict(memory="16MiB", swap="64MiB", steps=80))):
            tot = collections.Counter()
            free_at_kill: list[int] = []
            failed: list[str] = []
            n = seeds if label == "2MiB/8MiB" else max(seeds // 4, 1)
            for seed in range(1000, 1000 + n):
                out = run_program(seed, profile, **kw)
                tot["programs"] += 1
                tot["steps"] += out.steps + 1
                tot["bytes checked"] += out.bytes_checked
                tot["bytes wrong"] += out.bytes_wrong
                tot["KernelBugs"] += len(out.kernel_bugs)
                tot["spurious errno"] += len(out.errors)
                tot["OOM kills"] += len(out.oom_kills)
                free_at_kill += out.oom_kills
                if not out.clean:
                    failed.append(str(seed))
            print(f"random programs {profile:7} {label:11}: " + ", ".join(
                f"{k} {v}" for k, v in tot.items())
                + (f"; swap pages free at kills {free_at_kill}" if free_at_kill else "")
                + (f"; failing seeds {' '.join(failed[:10])}" if failed else ""))


def bad_calls(n: int) -> None:
    r = random.Random(10)
    pool = [None, True, False, 0, 1, -1, 4095, 4096, 2 ** 31, 2 ** 47, 2 ** 64, -(2 ** 70),
            2 ** 70, 0.5, float("nan"), float("inf"), -float("inf"), 1e300, "", "4k", "1TiB",
            "16TiB", "1" * 400 + ".5", "rw", "shared", "dontneed", "x", b"", b"data", [],
            [1, 2], object()]
    tot = collections.Counter()
    wrong: collections.Counter = collections.Counter()
    for _ in range(n):
        m, t, a, f, z = fuzz.build()
        name = r.choice(fuzz.NAMES)
        fn = fuzz.calls(m, t, a, f, z)[name]
        args = [r.choice(pool) for _ in range(3)]
        before = fuzz.snapshot(m)
        tot["calls"] += 1
        try:
            fn(*args)
            tot["accepted"] += 1
        except pw.Signal:
            tot["signal (memory access)"] += 1
        except pw.KernelBug:
            tot["KernelBug"] += 1
        except pw.PagewalkError:
            tot["refused (pw exception)"] += 1
            if fuzz.snapshot(m) != before:
                tot["state changed on refusal"] += 1
        except Exception as exc:
            tot["wrong exception type"] += 1
            wrong[f"{name}: {type(exc).__name__}"] += 1
    for field in fuzz.CONFIG_FIELDS:
        for value in pool:
            tot["calls"] += 1
            try:
                mm = pw.Machine(**{"memory": "4MiB", "swap": "4MiB", field: value})
                tt = mm.spawn("init")
                p = tt.mmap(PAGE)
                tt.write(p, b"ok")
                tot["accepted"] += 1
            except pw.KernelBug:
                tot["KernelBug"] += 1
            except pw.PagewalkError:
                tot["refused (pw exception)"] += 1
            except Exception as exc:
                tot["wrong exception type"] += 1
                wrong[f"Machine({field}=): {type(exc).__name__}"] += 1
    print("bad API calls: " + ", ".join(f"{k} {v}" for k, v in tot.items()))
    if wrong:
        print("  wrong types: " + "; ".join(f"{k} x{v}" for k, v in wrong.most_common(12)))


def oom_workload() -> None:
    m = pw.Machine(memory="16MiB", swap="64MiB")
    init = m.spawn("init")
    t = init.fork("w")
    a = t.mmap("48MiB")
    s = t.mmap("24MiB", flags="shared|anonymous")
    try:
        for i in range(48 * 256):
            t.write(a + i * PAGE, i.to_bytes(4, "little"))
        for i in range(24 * 256):
            t.write(s + i * PAGE, i.to_bytes(4, "little"))
    except pw.Killed:
        pass
    print(f"48 MiB anon + 24 MiB shmem on 16 MiB RAM / 64 MiB swap: oom_kill "
          f"{m.vmstat['oom_kill']}, swap free {m.swap.si.nr_free * PAGE >> 20} MiB")


def resources() -> None:
    m = pw.Machine(memory="4MiB", swap=0)
    init = m.spawn("init")
    for _ in range(2000):
        c = init.fork()
        c.exit(0)
        init.wait(c)
    m2 = pw.Machine(memory="4MiB", swap="1TiB")
    print(f"after 2000 fork/exit/wait: {len(m.tasks)} task(s) in m.tasks; "
          f"swap=1TiB: {len(m2.swap.si.swap_map)} swap_map entries")
    for size in ("256GiB", "16TiB", "64TiB"):
        tracemalloc.start()
        start = time.process_time()
        big = pw.Machine(memory=size)
        cpu = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"memory={size}: built in {cpu * 1e3:.1f} ms CPU, {peak / 1024:.0f} KiB "
              f"allocated, {big.phys.nr_free} frames free")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--calls", type=int, default=3000)
    args = ap.parse_args()
    oom_workload()
    resources()
    bad_calls(args.calls)
    random_programs(args.seeds)


if __name__ == "__main__":
    main()
