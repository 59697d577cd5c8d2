"""What a Dask worker runs: :func:`run_chunk`, one chunk -> its result rows.

The trace is read from the file system by the worker and kept in a small
per-process cache (:func:`load_cached`, keyed by path, size and mtime), so a
worker reads each trace once however many chunks of it it runs, and nothing
bigger than a :class:`~.grid.Chunk` travels through the scheduler.  The
cluster's workers must see the traces at the same absolute paths (a shared
file system) and have pagewalk installed.

This module imports neither dask nor pandas: rows are plain dicts.
"""

from __future__ import annotations

import os
import socket
import time
from collections import OrderedDict
from collections.abc import Callable

from .. import __version__
from ..trace.io import load_trace
from ..trace.model import Trace
from ..trace.mrc import mrc
from ..trace.replay import replay
from .grid import Chunk

CACHE_BYTES = int(os.environ.get("PAGEWALK_SWEEP_CACHE_BYTES", 4 << 30))
_cache: OrderedDict[tuple, Trace] = OrderedDict()

# A testing seam: callables run before each cell as hook(chunk, frames).  The
# tests install one in a worker (client.run) that kills the worker mid-task.
CELL_HOOKS: list[Callable[[Chunk, int], None]] = []


def _nbytes(tr: Trace) -> int:
    return tr.ids.nbytes + tr.table.nbytes + tr.writes.nbytes


def load_cached(path: str, fmt: str = "auto") -> Trace:
    """The trace at ``path``, read once per process while it stays unchanged."""
    st = os.stat(path)
    key = (path, fmt, st.st_size, st.st_mtime_ns)
    tr = _cache.get(key)
    if tr is not None:
        _cache.move_to_end(key)
        return tr
    tr = load_trace(path, format=fmt, progress=False)
    _cache[key] = tr
    while len(_cache) > 1 and sum(_nbytes(t) for t in _cache.values()) > CACHE_BYTES:
        _cache.popitem(last=False)
    return tr


def _where() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _row(chunk: Chunk, frames: int, **counters: object) -> dict[str, object]:
    row: dict[str, object] = dict(trace=chunk.trace, method=chunk.method, policy=chunk.policy,
                                  mode=chunk.mode, frames=frames, seed=chunk.seed,
                                  sample_rate=chunk.sample_rate)
    row.update(counters)
    row.update(status="ok", error="", worker=_where(), version=__version__)
    return row


def run_chunk(chunk: Chunk) -> list[dict[str, object]]:
    """Compute every cell of ``chunk`` not in ``chunk.skip``: one dict per cell."""
    tr = load_cached(chunk.path, chunk.format)
    sizes = chunk.frames(tr.n_pages)
    if chunk.method == "replay":
        return [_replay_cell(chunk, tr, k) for k in sizes]
    return _curve_cells(chunk, tr, sizes)


def _replay_cell(chunk: Chunk, tr: Trace, frames: int) -> dict[str, object]:
    for hook in CELL_HOOKS:
        hook(chunk, frames)
    t0 = time.perf_counter()
    r = replay(tr, frames=frames, policy=chunk.policy, mode=chunk.mode)
    wall = time.perf_counter() - t0
    return _row(chunk, frames, accesses=r.accesses, distinct_pages=r.distinct_pages,
                minor=r.minor, major=r.major, faults=r.faults, pswpin=r.pswpin,
                pswpout=r.pswpout, zero_maps=r.zero_maps, evictions=r.evictions,
                miss_ratio=r.miss_ratio, wall_s=wall)


def _curve_cells(chunk: Chunk, tr: Trace, sizes: list[int]) -> list[dict[str, object]]:
    """LRU rows from one pass: exact (``mrc``) or SHARDS (``shards``, estimates).

    In cache mode the first access of every page is the only minor fault, so
    ``minor`` is the distinct pages and ``major`` the rest of the misses; a
    SHARDS row rounds its estimated misses to an int (``miss_ratio`` keeps the
    unrounded estimate) and leaves ``evictions`` empty.
    """
    for hook in CELL_HOOKS:
        hook(chunk, sizes[0] if sizes else 0)
    t0 = time.perf_counter()
    sampled = chunk.method == "shards"
    curve = mrc(tr, sample=chunk.sample_rate if sampled else None, seed=chunk.seed)
    wall = (time.perf_counter() - t0) / max(len(sizes), 1)
    n, pages = len(tr), tr.n_pages
    rows = []
    for k in sizes:
        misses = float(curve.misses_at(k))
        faults = round(misses)
        rows.append(_row(chunk, k, accesses=n, distinct_pages=pages, minor=min(pages, faults),
                         major=max(faults - pages, 0), faults=faults, pswpin=0, pswpout=0,
                         zero_maps=0, evictions=None if sampled else faults - min(k, pages),
                         miss_ratio=misses / n if n else 0.0, wall_s=wall))
    return rows
