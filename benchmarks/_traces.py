"""Benchmark inputs, generated once into a cache directory outside the repo.

* ``real``: valgrind lackey trace of ``gzip -c`` compressing ~200 KB of
  generated text (seeded), kept as lackey text (for the parser benchmark),
  pagewalk's compact binary and libCacheSim's oracleGeneral binary;
* ``zipf``: 10 M accesses over 1 M pages, Zipf(1.0) popularity with a seeded
  random page numbering.

The cache directory is ``$PAGEWALK_BENCH_CACHE`` or ``~/.cache/pagewalk-bench``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import pagewalk.trace as pt
from pagewalk.trace.libcachesim_formats import next_access

CACHE = Path(os.environ.get("PAGEWALK_BENCH_CACHE", Path.home() / ".cache" / "pagewalk-bench"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def write_oracle_general(trace: pt.Trace, path: Path) -> None:
    """libCacheSim's oracleGeneral records (24 bytes): uint32 time, uint64 object
    id (page number + 1), uint32 size (1), int64 next access index (-1: none)."""
    n = len(trace)
    rec = np.zeros(n, dtype=[("t", "<u4"), ("id", "<u8"), ("size", "<u4"), ("next", "<i8")])
    rec["id"] = trace.pages + np.uint64(1)
    rec["size"] = 1
    rec["next"] = next_access(trace.ids)
    tmp = path.with_suffix(".tmp")
    rec.tofile(tmp)
    tmp.rename(path)


def write_valpin(trace: pt.Trace, path: Path) -> None:
    """libCacheSim's valpin binary: one uint64 object id (page number + 1) per
    access, 8 bytes a record; its cheapest reader for policies that need no
    next-access times."""
    tmp = path.with_suffix(".tmp")
    (trace.pages + np.uint64(1)).astype("<u8").tofile(tmp)
    tmp.rename(path)


def _gzip_input(path: Path, size: int = 200_000, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)
    words = [bytes(rng.choice(letters, int(rng.integers(2, 10)))) for _ in range(3000)]
    out = bytearray()
    while len(out) < size:
        line = b" ".join(words[int(i)] for i in rng.integers(0, len(words), 12))
        out += line + b"\n"
    path.write_bytes(bytes(out[:size]))


def real_trace() -> dict[str, Path]:
    """Paths of the real program's trace: 'lackey', 'pwt', 'oracle', 'valpin'."""
    d = CACHE / "gzip"
    d.mkdir(parents=True, exist_ok=True)
    paths = {"lackey": d / "gzip.lackey", "pwt": d / "gzip.pwt",
             "oracle": d / "gzip.oracleGeneral.bin", "valpin": d / "gzip.valpin.bin"}
    if not paths["lackey"].exists():
        valgrind = shutil.which("valgrind")
        gzip = shutil.which("gzip")
        if valgrind is None or gzip is None:
            raise SystemExit("valgrind and gzip are needed for the real trace "
                             "(apt-get install valgrind gzip)")
        _gzip_input(d / "input.txt")
        log("recording gzip under valgrind lackey (once; about a minute) ...")
        tmp = d / "gzip.lackey.tmp"
        subprocess.run([valgrind, "--tool=lackey", "--trace-mem=yes", f"--log-file={tmp}",
                        gzip, "-c", "-6", str(d / "input.txt")], check=True,
                       stdout=subprocess.DEVNULL)
        tmp.rename(paths["lackey"])
    if not paths["pwt"].exists() or not paths["oracle"].exists():
        tr = pt.load_trace(paths["lackey"])
        tr.save(paths["pwt"])
        write_oracle_general(tr, paths["oracle"])
    if not paths["valpin"].exists():
        write_valpin(pt.load_trace(paths["pwt"]), paths["valpin"])
    return paths


def zipf_trace(n: int = 10_000_000, npages: int = 1_000_000, alpha: float = 1.0,
               seed: int = 42) -> dict[str, Path]:
    """Paths of the synthetic Zipf trace: 'pwt', 'oracle', 'valpin'."""
    d = CACHE / f"zipf-{n}-{npages}-{alpha}-{seed}"
    d.mkdir(parents=True, exist_ok=True)
    paths = {"pwt": d / "zipf.pwt", "oracle": d / "zipf.oracleGeneral.bin",
             "valpin": d / "zipf.valpin.bin"}
    if not paths["pwt"].exists() or not paths["oracle"].exists():
        log(f"generating a Zipf({alpha}) trace: {n:,} accesses over {npages:,} pages ...")
        rng = np.random.default_rng(seed)
        cdf = np.cumsum(1.0 / np.arange(1, npages + 1) ** alpha)
        cdf /= cdf[-1]
        ranks = np.searchsorted(cdf, rng.random(n))
        numbering = rng.permutation(npages).astype(np.uint64) + np.uint64(0x7F0000000)
        tr = pt.Trace.from_pages(numbering[ranks], rng.random(n) < 0.3)
        tr.save(paths["pwt"])
        write_oracle_general(tr, paths["oracle"])
    if not paths["valpin"].exists():
        write_valpin(pt.load_trace(paths["pwt"]), paths["valpin"])
    return paths


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time of ``runs`` calls of ``fn`` and the last result."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result
