"""Recording a real (tiny) program with valgrind lackey."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

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
