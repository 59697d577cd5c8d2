"""Thrashing and load control (observe/thrash.py): the shape of the classic curve."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pagewalk.observe.thrash import ThrashSetup, thrash_point

SETUP = ThrashSetup()            # 16 MiB, hdd, one CPU, working sets of memory / 4


@pytest.fixture(scope="module")
def points():
    return {(n, lc): thrash_point(n, lc, SETUP)
            for n, lc in [(1, False), (2, False), (3, False), (10, False), (10, True)]}


def test_utilization_rises_while_working_sets_fit(points):
    u = {n: points[(n, False)].cpu_utilization for n in (1, 2, 3)}
    assert u[1] < u[2] < u[3]
    assert u[2] > 0.8
    assert all(points[(n, False)].tasks[f"loop{n}"].maj_flt == 0 for n in (1, 2, 3))


def test_utilization_collapses_when_they_do_not(points):
    r = points[(10, False)]
    assert r.cpu_utilization < 0.3
    assert r.disk_utilization > 0.9                    # the disk is the bottleneck
    assert sum(t.maj_flt for t in r.tasks.values()) > 1000
    assert r.elapsed == pytest.approx(SETUP.horizon)   # cut at the horizon: no one done


def test_load_control_keeps_utilization_up(points):
    r = points[(10, True)]
    assert r.cpu_utilization > 0.6
    assert all(t.finished is not None for t in r.tasks.values())
    kinds = {e.kind for e in r.timeline}
    assert {"suspend", "resume"} <= kinds
    assert sum(t.suspended > 0 for t in r.tasks.values()) >= 5


def test_thrash_command(tmp_path):
    from pagewalk.cli import _register, app
    _register()
    out = tmp_path / "curve.png"
    res = CliRunner().invoke(app, ["thrash", "--max", "2", "--passes", "2",
                                   "--load-control", "off", "--plot", str(out)])
    assert res.exit_code == 0, res.output
    assert "CPU, no load control" in res.output and out.stat().st_size > 1000


def test_builtin_timed_scenario_and_format_errors():
    from pagewalk.scenario.format import ScenarioError, loads
    from pagewalk.scenario.library import resolve
    from pagewalk.scenario.runner import run_model
    res = run_model(resolve("thrashing-timed"))
    assert res.ok
    runs = [r for r in res.steps if r.report is not None]
    assert len(runs) == 2 and runs[0].report.cpu_utilization > 0.8
    with pytest.raises(ScenarioError, match="not a built-in program"):
        loads('tasks = ["a"]\n[[steps]]\nop = "program"\nprogram = "fly"\n')


def _pagewalk(*args: str):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "pagewalk.cli", "thrash", *args],
                          capture_output=True, text=True, timeout=300,
                          env={"COLUMNS": "120", "PATH": ""})


@pytest.mark.parametrize("args, flag", [
    (["--horizon", "-1"], "--horizon"), (["--memory", "12XB"], "--memory"),
    (["--max", "0"], "--max"), (["--workload", "read"], "--workload"),
    (["--disk", "floppy"], "--disk"), (["--think", "-0.5"], "--think"),
    (["--load-control", "maybe"], "--load-control"),
    (["--plot", "/no/such/folder/c.png"], "--plot")])
def test_thrash_bad_flags_are_named_before_anything_is_printed(args, flag):
    r = _pagewalk(*args)
    assert r.returncode == 2
    assert r.stdout == ""                                # checked before the header
    assert r.stderr.count("\n") == 1 and flag in r.stderr and "Traceback" not in r.stderr


def test_thrash_header_says_what_each_task_does():
    r = _pagewalk("--max", "1", "--passes", "1", "--load-control", "off")
    assert r.returncode == 0, r.stderr
    head = r.stdout.splitlines()[0]
    assert "1024 pages" in head and "40 us per page" in head
    assert "pauses 20 ms on average off the CPU (--think)" in head
    r = _pagewalk("--max", "1", "--passes", "1", "--think", "0", "--load-control", "off")
    assert "without a pause" in r.stdout.splitlines()[0]
    assert "100.0%" in r.stdout                          # no pause: the CPU is never idle


def test_thrash_write_workload_both_curves():
    r = _pagewalk("--workload", "write", "--max", "5", "--horizon", "0.5")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("64MiB memory, hdd") and "4096 pages" in lines[0]
    assert "CPU, no load control" in lines[1] and "CPU, load control" in lines[1]
    five = lines[-1].split()
    assert five[0] == "5" and float(five[1].rstrip("%")) < 10 and five[2] == "100.0%"
