"""What a program yields: the actions a task asks the CPU scheduler to carry out.

A *program* is a generator function over a task: ``program(task)`` yields small
actions, and the CPU scheduler (kernel/cpusched.py) carries out one at a time, in
simulated time:

* ``Access(vpns, write, work)``: one access per virtual page number, in order,
  through the MMU and the fault handler; ``work`` seconds of computation after each;
* ``Compute(seconds)``: CPU time without touching memory;
* ``Sleep(seconds)``: off the CPU (state S: a terminal, the network, a timer);
* ``Syscall(fn, *args)``: call the task's API; the ``yield`` returns the result;
* a bare ``yield``: a preemption point after the program called the task's API itself.

Contract: actions are plain values (no reference to a scheduler); ``as_generator``
turns what ``m.spawn(..., program=...)`` was given into the generator that runs.
The built-in programs are in programs.py.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from typing import Any

from ..errors import InvalidArgument

__all__ = ["Access", "Action", "Compute", "Sleep", "Syscall", "as_generator"]


class Action:
    """Something a program asks the scheduler to do for it (see subclasses)."""

    __slots__ = ()


class Access(Action):
    """One access to each virtual page number in ``vpns``, in order; ``work``
    seconds of computation after each access (the program's own instructions)."""

    __slots__ = ("vpns", "work", "write")

    def __init__(self, vpns: Iterable[int], write: bool = False, work: float = 0.0) -> None:
        self.vpns = vpns if isinstance(vpns, range | list | tuple) else list(vpns)
        self.write = bool(write)
        self.work = float(work)

    def __repr__(self) -> str:
        return f"Access({len(self.vpns)} pages, write={self.write}, work={self.work})"


class Compute(Action):
    """Run on the CPU for ``seconds`` without touching memory.

    Also a program: ``m.spawn("calc", program=Compute(0.5))`` computes for 0.5 s."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidArgument(f"compute: seconds={seconds!r}; give a number >= 0")
        self.seconds = float(seconds)

    def __call__(self, task) -> Generator[Action, Any, None]:
        yield self

    def __repr__(self) -> str:
        return f"compute({self.seconds})"


class Sleep(Action):
    """Wait ``seconds`` off the CPU (state "S": a terminal, the network, a timer)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise InvalidArgument(f"sleep: seconds={seconds!r}; give a number >= 0")
        self.seconds = float(seconds)

    def __repr__(self) -> str:
        return f"sleep({self.seconds})"


class Syscall(Action):
    """Call ``fn(*args, **kwargs)`` (usually a task method: ``t.mmap``, ``f.read``);
    its result is what the ``yield`` returns. A ``SyscallError`` is thrown into
    the program at the ``yield``."""

    __slots__ = ("args", "fn", "kwargs")

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def __repr__(self) -> str:
        return f"Syscall({getattr(self.fn, '__name__', self.fn)!r})"


def as_generator(program: Any, task) -> Generator:
    """The generator a program runs as: ``program(task)`` for a program or a generator
    function, or ``program`` itself if it already is a generator."""
    if isinstance(program, Generator):
        return program
    if callable(program):
        gen = program(task)
        if isinstance(gen, Generator):
            return gen
        raise InvalidArgument(f"program {program!r} returned {type(gen).__name__}, not a "
                              "generator; write it as a generator function (with yield)")
    raise InvalidArgument(f"program={program!r}: give a pw.programs program or a generator "
                          "function taking the task")
