"""Sweeps: traces x policies x sizes x modes on Dask distributed, into a tidy table.

    import pagewalk as pw
    df = pw.sweep("study.toml")                  # a LocalCluster, one worker per core
    df = pw.sweep({"traces": ["a.pwt"], "policies": ["lru", "clock"],
                   "sizes": {"points": 24, "up_to": "distinct"}}, workers=2)
    df = pw.sweep("study.toml", scheduler="tcp://head:8786")   # an existing cluster

The pieces, one concept each: :mod:`.spec` (the TOML spec and its
validation), :mod:`.grid` (cells and the chunks that compute them),
:mod:`.worker` (what a worker runs), :mod:`.results` (the Parquet table,
appended as chunks finish), :mod:`.run` (the Dask client side), :mod:`.plot`
(MRC families and policy heatmaps), :mod:`.commands` (``pagewalk sweep`` and
``pagewalk plot``).  See docs/sweep.md.

Importing this package imports neither dask nor pandas nor pyarrow (they are
the optional ``pagewalk[sweep]`` extra); :func:`sweep` imports them when called.
Note that ``pw.sweep`` is this function: reach the modules with
``import pagewalk.sweep.plot`` or ``from pagewalk.sweep import ...``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .spec import Spec, load_spec


def __getattr__(name: str) -> object:
    """``Spec`` and ``load_spec`` load with the spec's parser, on first use."""
    if name in ("Spec", "load_spec"):
        from . import spec
        return getattr(spec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sweep(spec: str | os.PathLike | Mapping[str, Any] | Spec, workers: int | None = None,
          scheduler: str | None = None, *, resume: bool = False, csv: str | None = None,
          progress: bool | None = False) -> pd.DataFrame:
    """Run a sweep and return its results table (a pandas DataFrame).

    ``spec`` is a path to a TOML spec or a dict of the same keys (see
    :mod:`pagewalk.sweep.spec`).  The grid runs on a new ``LocalCluster`` with
    ``workers`` processes (default: one per core), or on the existing cluster
    at ``scheduler`` ("tcp://host:8786"; default ``$DASK_SCHEDULER_ADDRESS``).
    Results are written to the spec's ``output`` (Parquet) as chunks finish;
    ``resume=True`` keeps the cells already there and computes only the rest.
    ``csv`` also writes the table as CSV to that path; ``progress=True`` shows a
    progress bar and the dashboard link on stderr.  A script that calls it
    starts worker processes: guard it with ``if __name__ == "__main__":``.

    The table has one row per trace x method x policy x mode x seed x frames,
    with the columns of :data:`pagewalk.sweep.results.COLUMNS`: ``trace``,
    ``policy``, ``frames``, ``mode``, ``accesses``, ``distinct_pages``,
    ``minor``, ``major``, ``faults``, ``pswpin``, ``pswpout``, ``miss_ratio``,
    ``wall_s``, ... ``status`` ("ok" or "failed") and ``error``.

    Raises ``pw.InvalidArgument`` for a bad spec (nothing is run),
    ``pw.MissingDependency`` when the ``[sweep]`` extra is not installed.
    """
    from .run import run_sweep
    return run_sweep(spec, workers, scheduler, resume=resume, csv=csv, progress=progress)


__all__ = ["Spec", "load_spec", "sweep"]
