"""The command line: help, the demo, one-line errors."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import redirect_stdout

import pytest


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pagewalk.cli", *args], capture_output=True,
                          text=True, timeout=120, env={"COLUMNS": "120", "PATH": ""})


def test_help_lists_the_commands():
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("demo", "replay", "mrc", "record", "run", "validate", "scenarios"):
        assert cmd in r.stdout


def test_demo_tells_the_story():
    r = run("demo")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for needle in ("do_anonymous_page", "map_zero_page", "wp_page_copy", "wp_page_reuse",
                   "SEGV_MAPERR", "SEGV_ACCERR", "[stack]", "every kernel invariant holds"):
        assert needle in out, needle


def test_demo_i386_classic():
    r = run("demo", "--paging", "i386", "--profile", "classic")
    assert r.returncode == 0, r.stderr
    assert "pud_alloc" not in r.stdout and "pte_alloc" in r.stdout


def test_bad_option_is_one_line_not_a_traceback():
    r = run("demo", "--memory", "lots")
    assert r.returncode == 2
    assert "does not parse" in r.stderr and "Traceback" not in r.stderr
    r = run("demo", "--paging", "sparc")
    assert r.returncode == 2 and "unknown paging mode" in r.stderr


def test_demo_in_chinese_uses_the_seeds_vocabulary():
    r = run("demo", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    for needle in ("缺页异常", "请求调页", "零页", "写时复制", "SEGV_MAPERR", "do_wp_page"):
        assert needle in r.stdout, needle
    r = run("demo", "--lang", "fr")
    assert r.returncode == 2 and "unknown language" in r.stderr


def test_missing_files_and_bad_values_are_one_line(tmp_path):
    for args, needle in ((("replay", str(tmp_path / "none.trace"), "--frames", "4"),
                          "no such trace file"),
                         (("run", str(tmp_path / "none.toml")), "cannot read the scenario"),
                         (("demo", "--memory", "100"), "too small")):
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert needle in r.stderr and "Traceback" not in r.stderr and "[EINVAL]" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("how", [["-c"], ["--json"], []])
def test_the_console_script_ends_trace_commands_at_once_with_every_byte_flushed(how):
    """`pagewalk replay/mrc/record` end with os._exit after main() (cli.script): the
    output must still arrive whole, through a pipe, with main()'s exit status."""
    from pagewalk.cli import main

    args = ["replay", "-s", "7", "-n", "10000", "--max-page", "300", "-k", "40", "-p",
            "lru", *how]
    r = run(*args)
    assert r.returncode == 0, r.stderr
    with pytest.raises(SystemExit) as done, redirect_stdout(io.StringIO()) as out:
        main(args)
    assert done.value.code == 0
    assert r.stdout == out.getvalue() and len(r.stdout) > 100


def test_the_console_script_keeps_the_exit_status_of_an_error():
    bad = run("replay", "--pages", "1,2,x", "-k", "2")
    assert bad.returncode == 2 and bad.stderr.startswith("pagewalk: error:")
    assert "Traceback" not in bad.stderr
