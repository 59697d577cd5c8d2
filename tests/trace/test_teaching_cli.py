"""What a teacher types: reference strings, generated questions, warnings, ratios.

Each command runs in a subprocess exactly as a user types it."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import pagewalk as pw
import pagewalk.trace as pt
from pagewalk.trace.numbers import ratio
from pagewalk.trace.refstring import ostep_references, parse_page_list, parse_pages

BELADY = "1,2,3,4,1,2,5,1,2,3,4,5"


def pagewalk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pagewalk.cli", *args], capture_output=True,
                          text=True, timeout=300)


def test_pages_flag_gives_beladys_anomaly() -> None:
    three = pagewalk("replay", "--pages", BELADY, "--frames", "3", "--policy", "fifo", "--json")
    four = pagewalk("replay", "--pages", BELADY, "--frames", "4", "--policy", "fifo", "--json")
    assert three.returncode == four.returncode == 0, three.stderr + four.stderr
    assert json.loads(three.stdout)["faults"] == 9
    assert json.loads(four.stdout)["faults"] == 10


def test_cache_mode_names_cold_and_capacity_misses() -> None:
    out = pagewalk("replay", "--pages", BELADY, "--frames", "3", "--policy", "fifo")
    assert out.returncode == 0, out.stderr
    assert "misses 9 (cold 5, capacity/conflict 4)" in out.stdout
    assert "hit ratio 0.250" in out.stdout
    assert "minor" not in out.stdout
    d = json.loads(pagewalk("replay", "--pages", BELADY, "-k", "3", "-p", "fifo",
                            "--json").stdout)
    assert (d["cold"], d["capacity_conflict"]) == (5, 4)


def test_pages_file_and_page_zero_warning(tmp_path: Path) -> None:
    ref = tmp_path / "belady.txt"
    ref.write_text("# Belady's string\n" + BELADY.replace(",", "\n") + "\n")
    as_text = pagewalk("replay", str(ref), "-k", "3", "-p", "fifo", "--json")
    assert as_text.returncode == 0
    assert json.loads(as_text.stdout)["distinct_pages"] == 1  # bytes 1..5: one page
    assert "pagewalk: warning:" in as_text.stderr and "--format pages" in as_text.stderr
    as_pages = pagewalk("replay", str(ref), "--format", "pages", "-k", "3", "-p", "fifo",
                        "--json")
    assert json.loads(as_pages.stdout)["faults"] == 9
    assert as_pages.stderr == ""
    assert len(pw.load_trace(ref, format="pages")) == 12
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("1 2 3 4 1 2 5 1 2 3 4 5\n")
    out = pagewalk("replay", str(spaced), "-k", "3")
    assert out.returncode == 2 and "read them with --format pages" in out.stderr
    out = pagewalk("replay", str(spaced), "--format", "pages", "-k", "3", "-p", "fifo")
    assert "misses 9" in out.stdout


def test_text_trace_in_page_zero_warns_in_python(tmp_path: Path) -> None:
    ref = tmp_path / "r.txt"
    ref.write_text("1\n2\n3\n")
    with pytest.warns(pw.PagewalkWarning, match="page 0"):
        pw.load_trace(ref)
    real = tmp_path / "addr.txt"
    real.write_text("0x1000\n0x2000\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pw.load_trace(real)


def test_generated_question_is_ostep_s() -> None:
    # OSTEP: ./paging-policy.py -s 0 -n 10  -> 8 7 4 2 5 4 7 3 4 5
    assert ostep_references(0, 10, 10) == [8, 7, 4, 2, 5, 4, 7, 3, 4, 5]
    out = pagewalk("replay", "-s", "0", "-n", "10", "-k", "3", "-p", "lru")
    assert out.returncode == 0, out.stderr
    assert "8 7 4 2 5 4 7 3 4 5" in out.stdout
    assert "misses 7" not in out.stdout and "cold" not in out.stdout  # no answer given


def test_compute_prints_ostep_answer_table() -> None:
    out = pagewalk("replay", "-s", "0", "-n", "10", "-k", "3", "-p", "lru", "-c")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "8 7 4 2 5 4 7 3 4 5" in out.stdout
    table = lines[lines.index(next(x for x in lines if x.startswith("ref"))) + 1:]
    assert table[3].split() == ["2", "miss", "(cold)", "[7", "4", "2]", "8"]
    assert table[5].split() == ["4", "hit", "[2", "5", "4]", "-"]
    # OSTEP: paging-policy.py -s 0 -n 10 -p LRU -C 3 -c -> hits 2, misses 8
    assert "2 hits, 8 misses" in table[-1]
    d = json.loads(pagewalk("replay", "--pages", BELADY, "-k", "3", "-p", "fifo", "-c",
                            "--json").stdout)
    assert (d["hits"], d["misses"], d["cold"]) == (3, 9, 5)
    assert d["rows"][3] == {"ref": 4, "hit": False, "frames": [2, 3, 4], "victim": 1,
                            "cold": True}


@pytest.mark.parametrize(("args", "needle"), [
    (("replay", "--pages", "1,2", "-k", "3", "-c", "--mode", "demand"), "--mode cache"),
    (("replay", "--pages", "1,x", "-k", "3"), "'x' is not a page number"),
    (("replay", "--pages", "1,-2", "-k", "3"), "negative"),
    (("replay", "-k", "3"), "give exactly one of a TRACE file"),
    (("replay", "--pages", "1", "-s", "0", "-k", "3"), "--pages and -s/--seed"),
    (("replay", "-s", "0", "-n", "0", "-k", "3"), "-n/--num-refs 0"),
    (("mrc", "x.txt", "--plot", "/nonexistent-dir/m.png"), "does not exist"),
    (("mrc", "x.txt", "--plot", "m.txt"), "unknown file type"),
    (("record", "-o", "/nonexistent-dir/t.pwt", "--", "true"), "does not exist"),
])
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...], needle: str) -> None:
    out = pagewalk(*args)
    assert out.returncode == 2
    assert needle in out.stderr
    assert out.stderr.startswith("pagewalk: error:") and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr


def test_version_alone() -> None:
    out = pagewalk("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"pagewalk {pw.__version__}"


def test_ratio_never_rounds_to_0_or_1() -> None:
    assert ratio(1 - 1445 / 35_000_000) != "1.0000"
    assert ratio(1 - 1445 / 35_000_000).startswith("0.99995")
    assert ratio(0.0012) == "0.00120"
    assert ratio(0.5) == "0.500"
    assert (ratio(0.0), ratio(1.0)) == ("0", "1")


def test_lackey_log_cut_short_loses_only_its_last_line(tmp_path: Path) -> None:
    log = tmp_path / "cut.lackey"
    log.write_text("I  04000000,3\n L 1ffefffd58,8\n S 1ffeff")
    with pytest.warns(pw.PagewalkWarning, match=r"cut.lackey:3: the last line is cut short"):
        tr = pw.load_trace(log)
    assert len(tr) == 2
    bad = tmp_path / "bad.lackey"
    bad.write_text("I  04000000,3\n S 1ffeff\n L 1ffefffd58,8\n")
    with pytest.raises(ValueError, match=r"bad\.lackey:2"):
        pw.load_trace(bad)


def test_sampled_mrc_warns_and_leaves_out_unresolvable_sizes() -> None:
    tr = pt.Trace.from_pages(np.arange(300) % 150)
    with pytest.warns(pw.PagewalkWarning, match="fewer than 100"):
        curve = pt.mrc(tr, sample=0.1)
    assert curve.min_frames == 10
    with pytest.raises(pw.InvalidArgument):
        curve.misses_at(5)


def test_parsers_refuse_bad_tokens() -> None:
    assert parse_page_list("1, 2 3") == [1, 2, 3]
    pages, writes = parse_pages("R 1 W 2\nW3 4 # comment\n")
    assert pages.tolist() == [1, 2, 3, 4] and writes.tolist() == [False, True, True, False]
    with pytest.raises(ValueError, match=r"f:2: expected a page number"):
        parse_pages("1\nzz\n", "f")
    with pytest.raises(ValueError, match=r"f:1: expected a page number after W"):
        parse_pages("W\n", "f")


def test_log_axis_when_the_curve_spans_decades(tmp_path: Path) -> None:
    from pagewalk.trace.plot import log_axis_floor
    assert log_axis_floor([np.array([1.0, 0.5, 0.2])]) is None
    assert log_axis_floor([np.array([1.0, 0.001, 0.0])]) == pytest.approx(0.0005)


def test_replay_lirs_and_clockpro() -> None:
    ok = pagewalk("replay", "--pages", "0,1,0,1,0,1,2,2,0,1", "--frames", "2", "--policy",
                  "lirs")
    assert ok.returncode == 0, ok.stderr
    assert "misses 3" in ok.stdout
    cp = pagewalk("replay", "--pages", "0,1,0,2,1,0,1,2", "--frames", "2", "--policy",
                  "clockpro")
    assert cp.returncode == 0, cp.stderr
    assert "misses 5" in cp.stdout  # tests/trace/test_clockpro.py's small example
    no = pagewalk("replay", "--pages", "1,2,1", "--frames", "1", "--policy", "clockpro")
    assert no.returncode == 2
    assert no.stderr.count("\n") == 1 and "needs frames >= 2" in no.stderr, no.stderr
