"""Built-in task programs for ``m.spawn(name, program=...)`` and ``m.run()``.

    import pagewalk as pw
    m = pw.Machine(memory="32MiB", disk="hdd")
    m.spawn("a", program=pw.programs.loop(pages=1000, passes=5, write=True))
    m.spawn("b", program=pw.programs.compute(0.2))
    report = m.run()

A program is any callable ``program(task)`` returning a generator that yields
actions (kernel/actions.py): ``access(addr, length)``/``pages(vpns)`` for memory
accesses, ``compute(s)`` for CPU work, ``sleep(s)`` to wait off the CPU,
``syscall(fn, *args)`` to call the task's API and get its result back; a bare
``yield`` after calling the task's API directly is also fine. So a user's own
program is a generator function::

    def writer(t):
        a = yield pw.programs.syscall(t.mmap, "100p")
        for i in range(100):
            yield pw.programs.access(a + i * 4096, write=True)
            yield pw.programs.compute(1e-4)

Every built-in is deterministic; ``random_access`` takes a ``seed``.

Load control (``Machine(load_control=True)``, kernel/loadctl.py) admits a task
while its working set fits: ``loop(..., write=True)`` declares its pages; any
other program is measured from the accessed bits, unless it declares its own:
``prog = pw.programs.Program("writer", writer); prog.working_set = 100``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable
from typing import Any

from .errors import InvalidArgument
from .kernel.actions import Access, Action, Compute, Sleep, Syscall
from .units import parse_size

PAGE = 4096

__all__ = ["Program", "access", "compute", "file_scan", "loop", "pages", "random_access",
           "replay", "sleep", "syscall"]


class Program:
    """A named program: ``Program(name, fn, **params)``; calling it with a task
    returns the generator ``fn(task, **params)``. ``working_set``: the pages the
    program declares it cycles through (None: undeclared), which load control may
    use instead of sampling (``Config.lc_working_set``)."""

    working_set: int | None = None

    def __init__(self, name: str, fn: Callable[..., Generator], **params: Any) -> None:
        self.name = name
        self.fn = fn
        self.params = params

    def __call__(self, task) -> Generator[Action, Any, None]:
        return self.fn(task, **self.params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items()
                         if not callable(v) and k != "trace")
        return f"{self.name}({args})"


def _count(value: Any, what: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(f"{what}={value!r}; give an int >= {minimum}")
    return value


def _seconds(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise InvalidArgument(f"{what}={value!r}; give seconds as a number >= 0")
    return float(value)


# -- actions ------------------------------------------------------------------------------
def access(addr: int, length: int | str = PAGE, write: bool = False,
           work: float = 0.0) -> Access:
    """One access to every page [addr, addr + length) overlaps, in order."""
    n = parse_size(length, "access length")
    if n <= 0:
        raise InvalidArgument("access: length is 0; give at least one byte")
    return Access(range(addr >> 12, ((addr + n - 1) >> 12) + 1), write, work)


def pages(vpns: Iterable[int], write: bool = False, work: float = 0.0) -> Access:
    """One access per virtual page number, in the order given."""
    return Access(vpns, write, work)


def compute(seconds: float) -> Compute:
    """Compute for ``seconds`` of CPU time. An action inside a program, and a program
    of its own: ``m.spawn("calc", program=pw.programs.compute(0.5))``."""
    return Compute(seconds)


def sleep(seconds: float) -> Sleep:
    """Wait ``seconds`` off the CPU (a voluntary context switch)."""
    return Sleep(seconds)


def syscall(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Syscall:
    """Call ``fn(*args, **kwargs)`` as a system call; the ``yield`` returns its result."""
    return Syscall(fn, *args, **kwargs)


# -- programs -----------------------------------------------------------------------------
def _loop(t, pages: int, passes: int, write: bool, work: float, think: float, seed: int):
    a = yield Syscall(t.mmap, pages * PAGE)
    vpns = range(a >> 12, (a >> 12) + pages)
    rng = random.Random(seed)
    for _ in range(passes):
        yield Access(vpns, write, work)
        if think:
            yield Sleep(rng.expovariate(1.0 / think))


def loop(pages: int, passes: int = 1, write: bool = False, work: float = 0.0,
         think: float = 0.0, seed: int = 0) -> Program:
    """A working set of ``pages`` fresh anonymous pages touched in order ``passes``
    times. ``work``: seconds of computation per page visit. ``think``: the pause
    after each pass, off the CPU, in mean seconds (exponentially distributed,
    ``random.Random(seed)``): an I/O-bound phase, a terminal, the network.

    The pause bounds what one task can do alone: a pass computes about
    ``pages * work`` seconds and then pauses ``think`` on average, so a task alone
    keeps the CPU busy at most ``pages * work / (pages * work + think)`` of the
    time (``pagewalk thrash``'s tasks: 1024 pages * 40 us = 41 ms, then 20 ms:
    about 2/3, 62% measured with the faults and the first pass); other tasks fill
    the pauses. ``think=0``: no pause, a CPU-bound loop.

    Read passes over fresh anonymous memory map the zero page and use no memory;
    ``write=True`` gives each page a frame of its own (memory pressure), and the
    program declares its working set (``Program.working_set = pages``) for load
    control."""
    prog = Program("loop", _loop, pages=_count(pages, "pages"),
                   passes=_count(passes, "passes", 0), write=bool(write),
                   work=_seconds(work, "work"), think=_seconds(think, "think"),
                   seed=int(seed))
    if write:
        prog.working_set = pages
    return prog


def _random_access(t, pages: int, accesses: int, locality: float, write: bool, work: float,
                   seed: int, chunk: int = 256):
    a = yield Syscall(t.mmap, pages * PAGE)
    base = a >> 12
    rng = random.Random(seed)
    cur = 0
    batch: list[int] = []
    for _ in range(accesses):
        cur = (cur + 1) % pages if rng.random() < locality else rng.randrange(pages)
        batch.append(base + cur)
        if len(batch) == chunk:
            yield Access(batch, write, work)
            batch = []
    if batch:
        yield Access(batch, write, work)


def random_access(pages: int, accesses: int, locality: float = 0.0, write: bool = False,
                  work: float = 0.0, seed: int = 0) -> Program:
    """``accesses`` accesses to a region of ``pages`` anonymous pages: with probability
    ``locality`` the next page after the last one (sequential locality), otherwise a
    uniformly random page (``random.Random(seed)``)."""
    if isinstance(locality, bool) or not isinstance(locality, int | float) \
            or not 0 <= locality <= 1:
        raise InvalidArgument(f"locality={locality!r}; give a probability from 0 to 1")
    return Program("random_access", _random_access, pages=_count(pages, "pages"),
                   accesses=_count(accesses, "accesses", 0), locality=float(locality),
                   write=bool(write), work=_seconds(work, "work"), seed=int(seed))


def _file_scan(t, file, work: float, passes: int):
    n = file.pages
    if n == 0:
        return
    a = yield Syscall(t.mmap, n * PAGE, "r", "private", file=file)
    for _ in range(passes):
        yield Access(range(a >> 12, (a >> 12) + n), False, work)


def file_scan(file, work: float = 0.0, passes: int = 1) -> Program:
    """Map ``file`` (from ``m.create_file``) private read-only and read every page in
    order (page-cache misses are major faults, with readahead)."""
    if not hasattr(file, "mapping") or not hasattr(file, "pages"):
        raise InvalidArgument(f"file_scan: {file!r} is not a file; give m.create_file(...)")
    return Program("file_scan", _file_scan, file=file, work=_seconds(work, "work"),
                   passes=_count(passes, "passes"))


def _replay(t, trace, work: float, chunk: int = 4096):
    import numpy as np
    pg = np.asarray(trace.pages, dtype=np.uint64)
    wr = np.asarray(trace.writes, dtype=bool)
    if pg.size == 0:
        return
    distinct, ids = np.unique(pg, return_inverse=True)
    a = yield Syscall(t.mmap, int(distinct.size) * PAGE)
    vpns = (ids.astype(np.int64) + (a >> 12)).tolist()
    writes = wr.tolist()
    i, n = 0, len(vpns)
    while i < n:                                # runs of reads / writes, at most ``chunk``
        w = writes[i]
        j = i + 1
        while j < n and j - i < chunk and writes[j] == w:
            j += 1
        yield Access(vpns[i:j], w, work)
        i = j


def replay(trace, work: float = 0.0) -> Program:
    """A recorded trace (``pw.load_trace`` / ``pw.Trace``) as the task's access stream:
    each distinct page gets a page of one fresh anonymous mapping (in page-number
    order, so neighbours stay neighbours), read or written as the trace says."""
    if not hasattr(trace, "pages") or not hasattr(trace, "writes"):
        raise InvalidArgument(f"replay: {trace!r} is not a trace; give pw.load_trace(...)")
    return Program("replay", _replay, trace=trace, work=_seconds(work, "work"))
