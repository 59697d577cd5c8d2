"""Scenario files: a declarative description of a machine, files, tasks and steps.

* :mod:`.format` reads and checks a TOML scenario (``load``, ``loads``);
* :mod:`.runner` runs it in pagewalk (``run_model``) or on any engine;
* :mod:`.validate` runs it on the host kernel too and compares;
* :mod:`.explain` narrates each fault (English or Chinese);
* :mod:`.plot` draws RSS and faults per task; :mod:`.commands` the CLI.
"""

from __future__ import annotations

from .format import Scenario, ScenarioError, Step, load, loads
from .library import builtin, builtin_names, resolve
from .runner import RunResult, StepResult, run, run_model

__all__ = ["RunResult", "Scenario", "ScenarioError", "Step", "StepResult", "builtin",
           "builtin_names", "load", "loads", "resolve", "run", "run_model"]
