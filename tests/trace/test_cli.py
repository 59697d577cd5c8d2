"""The replay, mrc and record sub-commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import pagewalk.trace as pt
from pagewalk.trace import commands


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    commands.register(app)

    @app.command(hidden=True)
    def _noop() -> None:  # keeps typer in multi-command mode
        pass

    return app


@pytest.fixture
def trace_file(tmp_path: Path) -> Path:
    return pt.Trace.from_pages([0, 1, 2, 0, 1, 3, 0, 3, 1, 2, 1]).save(tmp_path / "o.pwt")


def test_replay_json(app: typer.Typer, trace_file: Path) -> None:
    out = CliRunner().invoke(app, ["replay", str(trace_file), "--frames", "3", "--policy",
                                   "fifo", "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert (d["faults"], d["hits"], d["accesses"]) == (7, 4, 11)
    assert d == pt.replay(trace_file, frames=3, policy="fifo").to_dict()


def test_replay_text_and_memory(app: typer.Typer, trace_file: Path) -> None:
    out = CliRunner().invoke(app, ["replay", str(trace_file), "--memory", "12KiB",
                                   "--mode", "demand"])
    assert out.exit_code == 0, out.output
    assert "3 frames" in out.stdout and "zero-page maps" in out.stdout


def test_replay_bad_policy(app: typer.Typer, trace_file: Path) -> None:
    out = CliRunner().invoke(app, ["replay", str(trace_file), "-k", "3", "-p", "belady"])
    assert out.exit_code != 0
    assert "lru" in str(out.exception)


def test_mrc_plot(app: typer.Typer, trace_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "mrc.png"
    out = CliRunner().invoke(app, ["mrc", str(trace_file), "--plot", str(png),
                                   "--policies", "fifo,opt"])
    assert out.exit_code == 0, out.output
    assert png.stat().st_size > 1000
    assert "fifo" in out.stdout


def test_help_texts(app: typer.Typer) -> None:
    for cmd in ("replay", "mrc", "record"):
        out = CliRunner().invoke(app, [cmd, "--help"])
        assert out.exit_code == 0
        assert "Example" in out.stdout or "valgrind" in out.stdout


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_record(app: typer.Typer, tmp_path: Path) -> None:
    out_file = tmp_path / "true.pwt.zst"
    res = CliRunner().invoke(app, ["record", "-o", str(out_file), "--",
                                   shutil.which("true") or "/bin/true"])
    assert res.exit_code == 0, res.output
    assert len(pt.load_trace(out_file)) > 10000
