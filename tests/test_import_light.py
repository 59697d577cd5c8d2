"""`import pagewalk` and the kernel model do not load the trace engine (numba)."""

from __future__ import annotations

import importlib
import subprocess
import sys

PROBE = """
import sys
import pagewalk as pw
m = pw.Machine(memory="64MiB", swap="64MiB")
t = m.spawn("init")
a = t.mmap(16 * 4096)
t.touch(a, 16 * 4096, write=True)
print(sorted(n for n in ("numba", "llvmlite", "pagewalk.trace") if n in sys.modules))
"""


def test_import_pagewalk_and_the_kernel_model_do_not_import_numba() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_trace_names_load_on_first_use() -> None:
    probe = ("import sys, pagewalk as pw; r = pw.replay([1, 2, 1], frames=1); "
             "print(r.faults, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["3", "True"]


def test_the_command_lines_sub_commands_register_without_numba_or_numpy() -> None:
    probe = ("import sys; from pagewalk import cli; cli._register(); "
             "print(sorted(n for n in ('numba', 'numpy') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_trace_mrc_and_replay_stay_the_functions_after_their_submodules_load() -> None:
    probe = ("import pagewalk.trace as t, pagewalk.trace.mrc, pagewalk.trace.replay; "
             "from pagewalk.trace import mrc, replay; "
             "print(callable(t.mrc), callable(t.replay), mrc is t.mrc, replay is t.replay, "
             "t.replay([1, 2, 1], frames=1).faults)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["True", "True", "True", "True", "3"]


def test_every_public_name_loads_on_first_use_and_pw_sweep_stays_the_function() -> None:
    """`import pagewalk` imports no layer; each name of __all__ then resolves to the
    object its module defines, and importing pagewalk.sweep's modules later does not
    turn pw.sweep into the package."""
    probe = ("import sys, pagewalk as pw\n"
             "print(sorted(m for m in ('pagewalk.machine', 'pagewalk.kernel.task', "
             "'pagewalk.config', 'pagewalk.sweep.spec', 'typer') if m in sys.modules))\n"
             "import pagewalk.sweep.commands, pagewalk.sweep.spec\n"
             "missing = [n for n in pw.__all__ if getattr(pw, n, None) is None]\n"
             "from pagewalk.machine import Machine\n"
             "from pagewalk.sweep import Spec, sweep\n"
             "print(missing, pw.Machine is Machine, pw.sweep is sweep, callable(pw.sweep), "
             "Spec.__name__, pw.programs.__name__, set(pw.__all__) <= set(dir(pw)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["[]", "[] True True True Spec pagewalk.programs True"]


def test_a_sub_command_imports_only_its_own_layer() -> None:
    """`pagewalk record ...` registers the trace layer's commands only: no scenario
    runner, explorer, sweep or machine model before valgrind starts."""
    probe = ("import sys; from pagewalk import cli; cli._register(['record', '--help']); "
             "print(sorted(m for m in ('pagewalk.machine', 'pagewalk.scenario', "
             "'pagewalk.sweep.commands', 'pagewalk.observe.demo') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def _commands_of(*modules: str) -> set[str]:
    """The sub-commands ``modules`` (names under pagewalk) add to a fresh app."""
    import typer

    app = typer.Typer()
    app.callback()(lambda: None)
    for module in modules:
        importlib.import_module(f"pagewalk.{module}").register(app)
    return set(typer.main.get_command(app).commands)


def test_root_help_before_a_sub_command_still_lists_every_command() -> None:
    out = subprocess.run([sys.executable, "-m", "pagewalk.cli", "--help", "record"],
                         capture_output=True, text=True, check=True,
                         env={"COLUMNS": "120", "PATH": ""}).stdout
    assert all(c in out for c in ("demo", "scenarios", "record", "sweep", "thrash"))


def test_the_command_table_names_what_each_module_registers() -> None:
    """cli.COMMAND_MODULES against the commands each module really adds to an app."""
    from pagewalk import cli

    for module in set(cli.COMMAND_MODULES.values()):
        assert _commands_of(module) == {c for c, m in cli.COMMAND_MODULES.items()
                                        if m == module}
    assert _commands_of(*cli._MODULES) == set(cli.COMMAND_MODULES)
