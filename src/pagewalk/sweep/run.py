"""Running a sweep on Dask distributed: the client side.

:func:`run_sweep` validates the spec, plans the chunks (:mod:`.grid`), and
submits one task per chunk (:func:`.worker.run_chunk`) to

* a ``LocalCluster`` started for the sweep (``workers`` processes, default one
  per core, one thread each: the compiled replay kernels hold the GIL), or
* an existing cluster at ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``),
  whose workers must have pagewalk installed and see the traces at the same
  paths.

Results are appended to the store (:mod:`.results`) as chunks complete, in
batches at most ``FLUSH_SECONDS`` apart (a Parquet part per finished chunk
cost the client ~10 ms of CPU that the workers' cores then miss), so a killed
sweep loses at most the chunks in flight and those finished in the last
``FLUSH_SECONDS``; an interrupted one (Ctrl-C, an error) writes what it has.

The local cluster (:func:`local_cluster`) runs with Dask's statistical
profiler, work stealing and frequent system monitoring switched off: each
task is one compiled loop holding its core, tasks are submitted longest
first, and on a machine with as many workers as cores every cycle the
bookkeeping takes is a cycle a replay waits for.  A task
that raises is retried once (``retries=1``); on the local cluster a task
whose worker dies is retried once too (``allowed-failures = 1``).  A chunk that
still fails becomes "failed" rows with the reason; the sweep goes on.
"""

from __future__ import annotations

import logging
import os
import sys
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument, MissingDependency
from .grid import Chunk, chunks
from .spec import Spec, load_spec
from .worker import run_chunk

INSTALL_HINT = 'pagewalk sweep needs dask, pandas and pyarrow: pip install "pagewalk[sweep]"'


def require() -> None:
    """Raise :class:`MissingDependency` (one line: what to install) if the
    sweep's libraries are missing."""
    missing = []
    for mod in ("distributed", "pandas", "pyarrow"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        raise MissingDependency(f"{INSTALL_HINT} (missing: {', '.join(missing)})")


FLUSH_SECONDS = 1.0

# Dask settings for the local cluster: nothing here is needed by a sweep (see above).
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": 1,   # a worker lost mid-task: retry once
    "distributed.worker.profile.enabled": False,    # a sampling thread every 10 ms
    "distributed.scheduler.work-stealing": False,   # rebalancing checks every 100 ms
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def local_cluster(n: int):
    """A ``LocalCluster`` of ``n`` worker processes, one thread each, set up for
    sweeps (:data:`LOCAL_CONFIG`); the caller closes it."""
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set(LOCAL_CONFIG):
        return LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                            dashboard_address=":0", silence_logs=logging.ERROR)


def _connect(workers: int | None, scheduler: str | None, stack: ExitStack,
             say: Callable[[str], None]):
    from dask.distributed import Client

    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if address:
        if workers is not None:
            raise InvalidArgument("sweep: workers= sizes the local cluster; with a scheduler "
                                  "the cluster's own workers run the sweep (drop --workers)")
        try:
            client = stack.enter_context(Client(address, timeout="20s"))
        except OSError as exc:
            raise ConnectionError(f"sweep: cannot reach the Dask scheduler at {address} "
                                  f"({exc}); start one (dask scheduler) or drop --scheduler "
                                  "and $DASK_SCHEDULER_ADDRESS") from None
        say(f"cluster {address}: {len(client.scheduler_info()['workers'])} workers; "
            f"dashboard {client.dashboard_link}")
        return client
    n = workers or os.cpu_count() or 1
    cluster = stack.enter_context(local_cluster(n))
    client = stack.enter_context(Client(cluster))
    say(f"local cluster: {n} worker processes; dashboard {client.dashboard_link} "
        "(pip install bokeh to view it)")
    return client


def _reason(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:300]


def failed_rows(chunk: Chunk, exc: BaseException) -> list[dict[str, object]]:
    """The rows that record a chunk that failed (after its retry)."""
    sizes = [0] if chunk.sizes.needs_trace else chunk.frames(0)
    return [dict(trace=chunk.trace, method=chunk.method, policy=chunk.policy, mode=chunk.mode,
                 frames=k, seed=chunk.seed, sample_rate=chunk.sample_rate, status="failed",
                 error=_reason(exc)) for k in sizes]


class _Progress:
    """A rich progress bar over the chunks, with cells done / failed / running."""

    def __init__(self, show: bool, total: int, workers: int) -> None:
        self.show, self.total, self.workers = show, total, workers
        self.chunks = self.cells = self.failed = 0
        self.bar = None
        if show and total:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
            self.bar = Progress(TextColumn("sweep"), BarColumn(), TextColumn("{task.fields[info]}"),
                                TimeRemainingColumn(), console=Console(stderr=True),
                                transient=False)
            self.bar.start()
            self.task = self.bar.add_task("sweep", total=total, info=self._info())

    def _info(self) -> str:
        running = min(self.total - self.chunks, self.workers)
        return (f"{self.chunks}/{self.total} tasks, {self.cells} cells done, "
                f"{running} running, {self.failed} failed")

    def update(self, cells: int, failed: int) -> None:
        self.chunks += 1
        self.cells += cells
        self.failed += failed
        if self.bar is not None:
            self.bar.update(self.task, completed=self.chunks, info=self._info())

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run_sweep(spec: str | os.PathLike | Mapping[str, Any] | Spec, workers: int | None = None,
              scheduler: str | None = None, *, resume: bool = False, csv: str | None = None,
              progress: bool | None = None, retries: int = 1):
    """Run the sweep ``spec``; the results table (a pandas DataFrame).

    See :func:`pagewalk.sweep` for the arguments.
    """
    require()
    import time

    from dask.distributed import as_completed

    from .results import ResultStore, done_cells

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise InvalidArgument(f"sweep: workers={workers!r}; write an int >= 1 (default: one "
                              "per core)")
    sp = load_spec(spec)
    csv_path = Path(csv).resolve() if csv else sp.csv
    if csv_path is not None and csv_path.suffix != ".csv":
        raise InvalidArgument(f"sweep: csv={csv!r}; write a path ending in .csv")
    store = ResultStore(sp.output, csv_path)
    show = sys.stderr.isatty() if progress is None else progress

    def say(msg: str) -> None:
        if show:
            print(msg, file=sys.stderr, flush=True)

    done, distinct = done_cells(store.read()) if resume else ({}, {})
    todo = chunks(sp, done, distinct)
    if resume and done:
        say(f"resuming: {sum(map(len, done.values()))} cells already in {sp.output.name}")
    if todo:
        with ExitStack() as stack:
            client = _connect(workers, scheduler, stack, say)
            if not resume:
                store.reset()  # only now: a bad argument or cluster leaves old results alone
            nworkers = max(len(client.scheduler_info()["workers"]), 1)
            bar = _Progress(show, len(todo), nworkers)
            stack.callback(bar.close)
            run_id = uuid.uuid4().hex[:8]
            futures = {client.submit(run_chunk, c, key=f"sweep-{c.name}-{run_id}",
                                     pure=False, retries=retries,
                                     priority=len(todo) - i): c
                       for i, c in enumerate(todo)}
            pending: list[dict[str, object]] = []
            flushed = time.monotonic()

            def flush() -> None:
                store.append(pending, sp.hash)
                pending.clear()

            stack.callback(flush)  # also on Ctrl-C or an error: keep what finished
            # results are fetched on the client's event loop as tasks finish, not one
            # blocking round trip per task; an error comes as (type, exception, traceback)
            for fut, result in as_completed(futures, with_results=True, raise_errors=False):
                chunk = futures.pop(fut)
                if fut.status == "finished":
                    rows = result
                else:
                    exc = result[1] if isinstance(result, tuple) else result
                    rows = failed_rows(chunk, exc)
                    say(f"failed: {chunk.name}: {rows[0]['error']}")
                fut.release()
                pending += rows
                if time.monotonic() - flushed >= FLUSH_SECONDS:
                    flush()
                    flushed = time.monotonic()
                bar.update(len(rows), sum(r["status"] == "failed" for r in rows))
    return store.finish()
