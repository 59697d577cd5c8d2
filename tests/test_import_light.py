"""`import pagewalk` and the kernel model do not load the trace engine (numba)."""

from __future__ import annotations

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
