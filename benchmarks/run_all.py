"""Run every benchmark in this folder, one after the other (``make bench``).

Each script prints medians over several runs and, where a peer exists, the
ratio against it measured in the same run.

By default the run is short (a few minutes on a 2-core machine): 3 runs each,
and the scripts that have a ``--quick`` form use it (bench_replay.py: the Zipf
trace shrunk to 1 M accesses over 100 K pages, whose libCacheSim runs would
otherwise take most of the time; bench_sweep.py: smaller traces, one run).
``--full`` gives the numbers docs/performance.md reports: 5 runs each and the
full-size inputs (tens of minutes).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_FORM = {"bench_replay.py", "bench_sweep.py"}  # scripts with a --quick option


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true",
                    help="5 runs and full-size inputs (the numbers of docs/performance.md)")
    ap.add_argument("--quick", action="store_true",
                    help="the default (kept for old command lines)")
    args = ap.parse_args()
    failed = []
    t0 = time.monotonic()
    for script in sorted(HERE.glob("bench_*.py")):
        argv = ["--runs", "5" if args.full else "3"]
        if not args.full and script.name in QUICK_FORM:
            argv.append("--quick")
        print(f"\n=== {script.name} {' '.join(argv)}", flush=True)
        t = time.monotonic()
        rc = subprocess.call([sys.executable, str(script), *argv])
        print(f"=== {script.name}: {time.monotonic() - t:.0f} s", flush=True)
        if rc:
            failed.append(script.name)
    print(f"\nall benchmarks: {time.monotonic() - t0:.0f} s")
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
