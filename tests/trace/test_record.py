"""Recording a real (tiny) program with valgrind lackey."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk as pw
import pagewalk.trace as pt
from pagewalk.trace import record as rec

needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None,
                                    reason="valgrind is not installed (apt-get install "
                                           "valgrind); cannot record a real trace")


@needs_valgrind
def test_record_true_matches_lackey_log(tmp_path: Path) -> None:
    true = shutil.which("true") or "/bin/true"
    trace, status = rec.record([true])
    assert status == 0
    assert len(trace) > 10000 and trace.writes.any() and not trace.writes.all()
    # the same program's log file, parsed the slow way: the same kind of trace
    log = tmp_path / "true.lackey"
    subprocess.run(["valgrind", "--tool=lackey", "--trace-mem=yes", f"--log-file={log}", true],
                   check=True)
    from_log = pt.load_trace(log)
    expected = 0
    for line in log.read_text().splitlines():
        if line.startswith("=="):
            continue
        addr, size = line[2:].strip().split(",")
        a, s = int(addr, 16), int(size)
        expected += ((a + s - 1) >> 12) - (a >> 12) + 1
    assert len(from_log) == expected
    # two runs of the same program differ only slightly (ASLR, environment)
    assert abs(len(from_log) - len(trace)) < 0.05 * len(trace)
    res = pt.replay(trace, frames=16, policy="clock", mode="demand")
    assert res.faults > 0 and res.zero_maps >= 0
    path = trace.save(tmp_path / "true.pwt")
    back = pt.load_trace(path)
    assert np.array_equal(back.pages, trace.pages)


def test_missing_valgrind_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(rec.ToolMissing, match="apt-get install valgrind"):
        rec.record(["true"])


@needs_valgrind
def test_record_follows_exec_of_a_script_shim(tmp_path: Path) -> None:
    true = shutil.which("true") or "/bin/true"
    shim = tmp_path / "shim"
    shim.write_text(f"#!/bin/sh\nexec {true} \"$@\"\n")
    shim.chmod(0o755)
    out = tmp_path / "t.pwt"
    got = rec.record_to([str(shim)], out, progress=False)
    assert [cmd for _, cmd in got.processes] == [str(shim), true]
    assert len({pid for pid, _ in got.processes}) == 1  # exec keeps the pid
    with pytest.warns(pw.PagewalkWarning, match="is a script"):
        shell = rec.record_to([str(shim)], tmp_path / "s.pwt", progress=False,
                                    trace_children=False)
    assert [cmd for _, cmd in shell.processes] == [str(shim)]
    assert got.accesses > shell.accesses  # the shell, then true
    assert pt.load_trace(out).n_pages == got.pages


@needs_valgrind
def test_record_cli_prints_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    true = shutil.which("true") or "/bin/true"
    out = tmp_path / "t.pwt"
    code = ("import sys; from pagewalk.trace.record import record_to; "
            f"r = record_to([{true!r}], {str(out)!r}, progress_every=0); print(r.accesses)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "pagewalk: recorded " in proc.stderr and "accesses" in proc.stderr
    assert int(proc.stdout) == len(pt.load_trace(out))
    cli = subprocess.run([sys.executable, "-m", "pagewalk.cli", "record", "-o",
                          str(tmp_path / "c.pwt"), "--no-progress", "--", true],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert "recorded pid" in cli.stderr and "pagewalk: recorded" not in cli.stderr


@needs_valgrind
def test_failed_record_leaves_no_output(tmp_path: Path) -> None:
    out = tmp_path / "t.pwt"
    with pytest.raises(pw.InvalidArgument, match="recorded no accesses"):
        rec.record_to([str(tmp_path / "no-such-program")], out, progress=False)
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3000), st.booleans()), max_size=300),
       st.integers(1, 40), st.sampled_from(["pwt", "pwt.zst", "pwt.gz"]))
def test_spool_writes_what_a_trace_saves(tmp_path_factory, accesses, chunk: int,
                                         suffix: str) -> None:
    from pagewalk.trace.spool import TraceSpool
    tmp = tmp_path_factory.mktemp("spool")
    pages = np.array([p for p, _ in accesses], np.uint64)
    writes = np.array([w for _, w in accesses], np.bool_)
    with TraceSpool(tmp / f"s.{suffix}") as spool:
        for i in range(0, pages.size, chunk):
            spool.add(pages[i:i + chunk], writes[i:i + chunk])
        path = spool.finish()
    assert sorted(p.name for p in tmp.iterdir()) == [f"s.{suffix}"]
    back = pt.load_trace(path)
    assert back.pages.tolist() == pages.tolist()
    assert back.writes.tolist() == writes.tolist()
    expect = tmp / f"e.{suffix}"
    pt.Trace.from_pages(pages, writes).save(expect)
    if suffix == "pwt":
        assert path.read_bytes() == expect.read_bytes()
