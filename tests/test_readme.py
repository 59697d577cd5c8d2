"""The README's first example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_first_look_example_runs_as_documented():
    code = re.search(r"## A first look\n\n```python\n(.*?)```", README.read_text(), re.S)
    assert code, "README lost its '## A first look' example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code.group(1), "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "3000 4000 1000"
    assert lines[1].startswith("do_anonymous_page first write to an anonymous page")
    assert lines[2].startswith("exc_page_fault -> do_user_addr_fault -> find_vma")
    assert lines[-1] == "SIGSEGV SEGV_MAPERR 0"
