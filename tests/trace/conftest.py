"""Fixtures shared by the trace tests."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

import pagewalk.trace as pt


@pytest.fixture(scope="session")
def gzip_trace(tmp_path_factory: pytest.TempPathFactory) -> pt.Trace:
    """A real program's trace, recorded once per test run: valgrind lackey on gzip
    of 20 KB of text."""
    if shutil.which("valgrind") is None or shutil.which("gzip") is None:
        pytest.fail("valgrind and gzip are needed to record a real trace "
                    "(apt-get install valgrind gzip)")
    d = tmp_path_factory.mktemp("gzip")
    rng = np.random.default_rng(1)
    words = [" ".join("abcdefghij"[int(c)] for c in rng.integers(0, 10, int(n)))
             for n in rng.integers(2, 9, 500)]
    (d / "input.txt").write_text(" ".join(words[int(i)] for i in rng.integers(0, 500, 1500)))
    log = d / "gzip.lackey"
    subprocess.run(["valgrind", "--tool=lackey", "--trace-mem=yes", f"--log-file={log}",
                    "gzip", "-c", str(d / "input.txt")], check=True, stdout=subprocess.DEVNULL)
    return pt.load_trace(log)
