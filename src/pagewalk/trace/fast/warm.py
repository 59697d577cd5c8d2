"""Compile every replay kernel once, into numba's on-disk cache.

``python -m pagewalk.trace.fast.warm`` replays a tiny trace with every policy
in both modes and computes its LRU curve, so that the kernels' machine code is
written next to their sources (``__pycache__``, ``cache=True``) and the first
replay of a fresh process loads it instead of compiling for seconds.  ``make``
runs it once after installing pagewalk; it is safe to run again (numba only
recompiles what changed).
"""

from __future__ import annotations

import numpy as np

from ..model import Trace
from ..mrc import mrc
from ..policies import MIN_FRAMES, MODES, POLICY_NAMES
from ..replay import replay


def warm() -> None:
    """Compile (or load) every kernel for the id widths traces use."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        ids = np.array([0, 1, 2, 0, 1, 3, 4, 0] * 8, dtype)
        writes = np.arange(ids.size) % 3 == 0
        tr = Trace(ids, np.arange(5, dtype=np.uint64), writes)
        for policy in POLICY_NAMES:
            for mode in MODES:
                replay(tr, frames=max(2, MIN_FRAMES.get(policy, 1)), policy=policy, mode=mode)
        mrc(tr)


if __name__ == "__main__":
    warm()
