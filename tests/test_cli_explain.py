"""`pagewalk run --explain` as a user types it: grouped narration, reclaim, indices,
unexpected signals, OSTEP tables, --lang zh, --json in UTF-8, classic names."""

from __future__ import annotations

import json
import re
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


def test_lang_zh_translates_the_run_and_says_so_without_explain() -> None:
    r = run("run", "zero-page", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "--explain" in out and "已翻译" in out          # not a silent no-op
    assert "✓ 步骤 2 touch (init)  次缺页 min_flt=1000，主缺页 maj_flt=0" in out
    assert "期望 min_flt = 1000：实际 1000 符合" in out
    assert "所有期望都成立" in out and "every expectation held" not in out
    assert "read all 1000 pages: each maps the zero page" in out   # the scenario's own text
    explained = run("run", "zero-page", "--lang", "zh", "--explain").stdout
    assert "缺页异常 pid 1" in explained and "页表索引 (x86_64)" in explained
    assert "… 以及另外 998 次同样的缺页：do_wp_page" in explained


def test_json_is_utf8_not_escapes() -> None:
    r = run("run", "zero-page", "--json", "--explain", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    assert "零页" in r.stdout and "\\u96f6" not in r.stdout
    d = json.loads(r.stdout)
    assert d["lang"] == "zh" and d["title"].endswith("(零页)")
    assert d["steps"][1]["explain"][0][0].startswith("缺页异常")
    s = run("scenarios", "--json")
    assert "请求调页" in s.stdout and "\\u" not in s.stdout.replace("\\u0000", "")


CLASSIC = """
title = "classic names"
tasks = ["t"]

[machine]
profile = "classic"
paging = "i386"

[[steps]]
op = "mmap"
length = "2p"
file = "f"
as = "m"

[[steps]]
op = "touch"
map = "m"
write = true

[[files]]
name = "f"
size = "2p"
"""


def test_classic_profile_narrates_with_26_names(tmp_path: Path) -> None:
    f = tmp_path / "classic.toml"
    f.write_text(CLASSIC)
    r = run("run", str(f), "--explain")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "path: do_page_fault → find_vma → good_area → handle_mm_fault" in out
    assert "handler do_no_page" in out
    assert "page-table indices (i386): pgd " in out
    for modern in ("exc_page_fault", "do_user_addr_fault", "do_cow_fault", "pgreuse"):
        assert modern not in out, modern
    demo = run("demo", "--profile", "classic")
    assert "do_page_fault" in demo.stdout and "pgreuse" not in demo.stdout
    assert "exc_page_fault" not in demo.stdout and "wp_page_reuse" not in demo.stdout


def test_scenarios_number_their_chapters_in_order() -> None:
    r = run("scenarios", "--json")
    chapters = [s["chapter"] for s in json.loads(r.stdout)]
    numbered = [re.match(r"(\d+)([a-z]?)\. ", c) for c in chapters]
    keys = [(int(m.group(1)), m.group(2)) for m in numbered if m]
    assert len(keys) >= 10 and keys == sorted(keys) and len(set(keys)) == len(keys)
    firsts = sorted({k[0] for k in keys})
    assert firsts == list(range(1, len(firsts) + 1))        # 1, 2, 3, ... no gap, no repeat
