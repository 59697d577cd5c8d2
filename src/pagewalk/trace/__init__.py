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
"""

from __future__ import annotations

from .io import load_trace
from .model import Trace
from .mrc import MissRatioCurve, mrc
from .replay import ReplayResult, replay

__all__ = ["MissRatioCurve", "ReplayResult", "Trace", "load_trace", "mrc", "replay"]
