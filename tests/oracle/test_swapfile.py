"""`pagewalk validate FILE --swapfile SIZE`: refused cleanly without root or with a
bad size.  (Turning swap on is never done by `make test`: that is `make
validate-host`.)"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pagewalk.oracle.swapfile import SwapfileError, temporary_swapfile


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    exe = os.path.join(os.path.dirname(sys.executable), "pagewalk")
    return subprocess.run([exe, *args], capture_output=True, text=True, check=False)


def test_not_root_is_one_clear_line_and_creates_nothing(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(SwapfileError, match="needs root"), \
            temporary_swapfile("1GiB", directory=tmp_path):
        pass
    assert list(tmp_path.iterdir()) == []


def test_bad_size_exits_2_with_one_line() -> None:
    r = _cli("validate", "swap", "--swapfile", "12")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "too small" in r.stderr
    r = _cli("validate", "swap", "--swapfile", "lots")
    assert r.returncode == 2 and "swapfile" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="runs only as a non-root user")
def test_cli_not_root_exit_2() -> None:
    r = _cli("validate", "swap", "--swapfile", "1GiB")
    assert r.returncode == 2 and "needs root" in r.stderr
