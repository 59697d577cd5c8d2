"""Malformed scenarios through ``pagewalk run`` as a user types it (issue 10): the
whole file is checked before anything runs, so each is one line naming the file
and the key, exit status 2, no traceback, nothing printed on stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAD = '[machine]\nmemory = "16MiB"\n\n'
MMAP = '[[steps]]\nop = "mmap"\nlength = "4p"\nas = "a"\n\n'

CASES = {
    "wait-missing-child": HEAD + '[[steps]]\nop = "wait"\nchild = "ghost"\n',
    "program-missing-pages": HEAD + '[[steps]]\nop = "program"\nprogram = "loop"\n',
    "op-list": HEAD + '[[steps]]\nop = ["mmap"]\n',
    "until-inf": HEAD + '[[steps]]\nop = "run"\nuntil = inf\n',
    "until-nan": HEAD + '[[steps]]\nop = "run"\nuntil = nan\n',
    "replay-repeat": HEAD + '[[steps]]\nop = "replay"\nframes = 2\nrefs = [1, 2]\n'
                            'repeat = 1000000000000\n',
    "stack-1tib": HEAD + '[[steps]]\nop = "stack"\ndepth = "1TiB"\n',
    "nested": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "memory-2-50": '[machine]\nmemory = 1125899906842624\n\n' + MMAP,
    "memory-float": '[machine]\nmemory = 1.5\n\n' + MMAP,
    "swappiness-string": '[machine]\nswappiness = "high"\n\n' + MMAP,
    "same-task-twice": HEAD + 'tasks = ["a", "a"]\n' + MMAP,
    "order-nan": "order = nan\n" + HEAD + MMAP,
    "touch-huge": HEAD + MMAP + '[[steps]]\nop = "touch"\naddr = 4096\nlength = "1TiB"\n',
    "bad-toml": "[[steps\n",
    "not-utf8": "\udcff",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_scenario_is_one_line_exit_2(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.toml"
    text = CASES[name]
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "run", str(path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.returncode, r.stdout[-300:], r.stderr[-500:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-500:]
    assert lines[0].startswith("pagewalk: error: ") and path.name in lines[0], lines
    assert r.stdout == ""
