"""Helpers for the scenario tests: run the ``pagewalk`` command in-process."""

from __future__ import annotations

import pytest

from pagewalk import cli


@pytest.fixture
def pagewalk(capsys):
    """``pagewalk(*args) -> (exit status, stdout, stderr)``."""
    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as e:
            cli.main(list(args))
        out = capsys.readouterr()
        code = e.value.code
        return (code if isinstance(code, int) else (0 if code is None else 1)), out.out, out.err
    return run
