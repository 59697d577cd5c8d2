"""Trace replay: read memory traces of real programs and replay them, fast.

* :func:`load_trace` reads valgrind lackey output, plain text, pagewalk's
  compact binary and numpy files (gzip/zstd transparently) into a
  :class:`Trace`;
* :func:`replay` runs a trace against K frames and a policy (lru, clock, fifo,
  opt, arc, lfu, linux) in cache or demand-paging mode -> :class:`ReplayResult`;
* :func:`mrc` computes a miss-ratio curve for every frame count in one pass ->
  :class:`MissRatioCurve`.

The fast engine (``fast/``, numba) and the reference engine (``reference.py``,
plain Python) compute identical counters; ``engine="reference"`` forces the
latter.

The names above load on first use: importing ``pagewalk.trace`` or one of its
light submodules (``numbers``, ``policies``, ``commands``, ``record``) does not
import numba, so the ``pagewalk`` command starts without it.
``pagewalk.trace.mrc`` and ``pagewalk.trace.replay`` are the *functions*, as
they always were, even after their submodules of the same name are imported.
"""

from __future__ import annotations

import sys
import types
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .io import load_trace
    from .model import Trace
    from .mrc import MissRatioCurve, mrc
    from .replay import ReplayResult, replay

__all__ = ["MissRatioCurve", "ReplayResult", "Trace", "load_trace", "mrc", "replay"]

_HOME = {"load_trace": "io", "Trace": "model", "MissRatioCurve": "mrc", "mrc": "mrc",
         "ReplayResult": "replay", "replay": "replay"}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _function(name: str) -> property:
    """``name`` is the function, not the submodule the import system binds there."""

    def get(self: types.ModuleType) -> Any:
        return getattr(import_module(f"{__name__}.{name}"), name)

    def ignore(self: types.ModuleType, value: object) -> None:
        pass  # the submodule stays reachable as sys.modules[f"pagewalk.trace.{name}"]

    return property(get, ignore)


class _TracePackage(types.ModuleType):
    mrc = _function("mrc")
    replay = _function("replay")


sys.modules[__name__].__class__ = _TracePackage
