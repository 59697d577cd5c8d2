"""Malformed scenarios through ``pagewalk run`` (issue 10): the whole file is checked
before anything runs, so each is one line naming the file and the key, exit status
2, no traceback, nothing on stdout.

The corpus (tests/scenario/malformed_corpus.py, ~130 files) goes through the CLI's
``main`` in ONE subprocess under a memory and CPU limit (the code path of the
command, without 130 interpreter starts); a few go through ``pagewalk run`` as a
user types it, each in its own process."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from tests.scenario.malformed_corpus import CASES

BATCH = r"""
import contextlib, io, json, sys
from pagewalk.cli import main
results = {}
for path in sys.argv[1:]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main(["run", path])
            code = "returned"
        except SystemExit as e:
            code = e.code
        except BaseException as e:          # escaped main(): a failure of the test
            code = f"escaped {type(e).__name__}: {e}"
    results[path] = [code, err.getvalue(), out.getvalue()]
print(json.dumps(results))
"""


def _limit() -> None:                      # 2 GiB of address space, 240 s of CPU
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (240, 240))


def _write(d: Path, name: str) -> Path:
    path = d / f"{name}.toml"
    path.write_bytes(CASES[name].encode("utf-8", "surrogateescape"))
    return path


def _problem(path: Path, code, stderr: str, stdout: str) -> str | None:
    lines = stderr.strip().splitlines()
    if code != 2:
        return f"exit {code!r}: {stderr[-300:]!r}"
    if len(lines) != 1 or "Traceback" in stderr:
        return f"{len(lines)} lines on stderr: {stderr[-300:]!r}"
    if not lines[0].startswith("pagewalk: error: ") or path.name not in lines[0]:
        return f"the line does not name the file: {lines[0]!r}"
    if stdout:
        return f"printed on stdout: {stdout[:200]!r}"
    return None


def test_the_corpus_is_large() -> None:
    assert len(CASES) >= 92


def test_every_malformed_scenario_is_one_line_exit_2(tmp_path: Path) -> None:
    paths = [_write(tmp_path, name) for name in sorted(CASES)]
    r = subprocess.run([sys.executable, "-c", BATCH, *map(str, paths)], capture_output=True,
                       text=True, timeout=600, preexec_fn=_limit, cwd=tmp_path,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-1000:]
    results = json.loads(r.stdout)
    bad = {}
    for path in paths:
        problem = _problem(path, *results[str(path)])
        if problem:
            bad[path.stem] = problem
    assert not bad, "\n".join(f"{k}: {v}" for k, v in bad.items())


@pytest.mark.parametrize("name", ["wait-missing-child", "nested", "not-utf8",
                                  "replay-repeat", "memory-2-50"])
def test_as_a_user_types_it(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name)
    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "run", str(path)],
                       capture_output=True, text=True, timeout=120, preexec_fn=_limit,
                       stdin=subprocess.DEVNULL)
    assert _problem(path, r.returncode, r.stderr, r.stdout) is None
