"""The command line under bad input (issue 10): hypothesis builds command lines
from the sub-commands, their options and hostile values, runs ``pagewalk`` as a
user types it, and asserts that it either succeeds or fails with exit status 2
and exactly one line on stderr, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import hypothesis.strategies as st
from hypothesis import HealthCheck, example, given, settings

COMMANDS = ["replay", "mrc", "run", "validate", "nosuch"]
OPTIONS = ["--frames", "-k", "--memory", "-m", "--policy", "-p", "--mode", "--engine",
           "--pages", "--format", "-s", "-n", "--json", "--lang", "--until", "--bogus"]
VALUES = ["0", "-1", "1", "2", "x", "1e400", "nan", "inf", "18446744073709551616", "16TiB",
          "1" * 400, "1,2,x", "1,2,3", "lru", "opt", "nonsense", "", "/dev/zero",
          "/nonexistent", ".", "\u2603"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cmd=st.sampled_from(COMMANDS),
       rest=st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES)),
                     min_size=1, max_size=5))
@example(cmd="run", rest=["/dev/zero"])  # once read without bound: 19 GB, then killed
@example(cmd="validate", rest=["/dev/zero"])
@example(cmd="run", rest=["."])
def test_bad_command_lines_are_one_line_and_exit_2(cmd: str, rest: list[str]) -> None:
    argv = [sys.executable, "-m", "pagewalk.cli", cmd, *rest]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert "Traceback" not in r.stderr, r.stderr[-800:]
    if r.returncode == 0:
        return
    if r.returncode == 1 and cmd in ("run", "validate"):   # a scenario that ran and failed
        return
    assert r.returncode == 2, (argv, r.returncode, r.stderr[-500:])
    lines = [line for line in r.stderr.splitlines() if not line.startswith("pagewalk: warning")]
    assert len(lines) == 1 and lines[0].startswith("pagewalk: error: "), r.stderr[-500:]


def test_a_fifo_or_a_huge_file_as_a_scenario_is_one_line(tmp_path) -> None:
    import os
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    with big.open("wb") as f:
        f.truncate(5 << 20)  # sparse: 5 MiB of NULs
    for path, words in ((fifo, "not a regular file"), (big, "more than 4 MiB")):
        r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "run", str(path)],
                           capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
        assert r.returncode == 2 and words in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
