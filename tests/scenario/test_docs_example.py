"""The scenario example in docs/scenarios.md: a new user copies it, runs it and
validates it against the host kernel, with no Python."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pagewalk.oracle import HostUnavailable, build_probe

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def _example(tmp_path: Path) -> Path:
    toml = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S)
    assert toml, "docs/scenarios.md lost its TOML example"
    path = tmp_path / "cow.toml"
    path.write_text(toml.group(1))
    return path


def _pagewalk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pagewalk.cli", *args], capture_output=True,
                          text=True, timeout=300, env={"COLUMNS": "160", "PATH": "/usr/bin:/bin"})


def test_docs_example_runs_with_every_expectation_met(tmp_path):
    r = _pagewalk("run", str(_example(tmp_path)))
    assert r.returncode == 0, r.stdout + r.stderr


def test_docs_example_validates_against_the_host(tmp_path):
    try:
        build_probe()
    except HostUnavailable as e:
        pytest.skip(f"host oracle unavailable: {e}")
    r = _pagewalk("validate", str(_example(tmp_path)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the model matches the kernel" in r.stdout
