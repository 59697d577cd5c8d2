"""`pagewalk run --explain` as a user types it: grouped narration, reclaim, indices,
unexpected signals, OSTEP tables, --lang zh, --json in UTF-8, classic names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pagewalk.cli", *args], capture_output=True,
                          text=True, timeout=300, env={"COLUMNS": "160", "PATH": ""})


def test_cow_fork_explain_fits_on_a_few_screens() -> None:
    r = run("run", "cow-fork", "--explain")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) < 200                     # 30,055 lines before grouping
    assert "    … and 999 more like it: do_wp_page, 0x7ffff7c18000–0x7ffff7ffe000" in lines
    assert "page-table indices (x86_64): pgd 255, pud 511, pmd 446, pte 23, offset 0x0" \
        in r.stdout


def test_explain_all_keeps_every_fault() -> None:
    grouped = run("run", "zero-page", "--explain").stdout
    every = run("run", "zero-page", "--explain-all").stdout
    assert "more like it" in grouped and "more like it" not in every
    n = every.count("page fault pid")
    assert n > 10 * grouped.count("page fault pid")
    min_flt = sum(int(w.split("=")[1]) for w in every.split() if w.startswith("min_flt="))
    maj_flt = sum(int(w.split("=")[1]) for w in every.split() if w.startswith("maj_flt="))
    assert n >= min_flt + maj_flt


def test_memory_pressure_narrates_reclaim() -> None:
    r = run("run", "memory-pressure", "--explain")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert len(out.splitlines()) < 300          # 41,534 lines before
    assert "the allocation needed a frame: kswapd woke" in out
    assert "from inactive_anon: no PTE accessed since the last scan" in out
    assert "→ written to swap slot" in out
    assert "reclaim run(s) (kswapd) freed" in out


SEGV = """
title = "a stray pointer"
tasks = ["t"]

[[steps]]
op = "touch"
addr = 4096
length = 1
{expect}
"""


@pytest.mark.parametrize(("expect", "status"), [("", 1),
                                                ('expect = { signal = "SIGSEGV" }', 0)])
def test_an_unexpected_signal_fails_the_step(tmp_path: Path, expect: str, status: int) -> None:
    f = tmp_path / "segv.toml"
    f.write_text(SEGV.format(expect=expect))
    r = run("run", str(f))
    assert r.returncode == status, r.stdout + r.stderr
    if status:
        assert "✗ step 1 touch" in r.stdout
        assert "expect signal = None: got SIGSEGV SEGV_MAPERR FAILED" in r.stdout
        assert "1 step(s) with a failed expectation" in r.stdout
    else:
        assert "every expectation held" in r.stdout


def test_replay_steps_show_the_ostep_table_and_plot_faults_against_frames(
        tmp_path: Path) -> None:
    png = tmp_path / "belady.png"
    r = run("run", "belady", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "ref  result       frames after (first in → last in)  victim" in out
    assert "      5    miss (cold)  [2 3 4 5]                          1" in out
    assert "fifo, 4 frames: 12 references, 2 hits, 10 misses (5 cold, 5 capacity)" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    long = run("run", "thrashing")
    assert "(the per-reference table of 640 references: run with --explain-all)" in long.stdout
