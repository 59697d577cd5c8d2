"""The event clock: simulated time and the events waiting for it (a small SimPy-like engine).

    clock = EventClock()
    clock.schedule(clock.now + 5_000, WAKE, se)      # at 5 us from now
    clock.run(until=None, dispatch=handler)          # handler(kind, obj) at each event's time
    clock.record(t, "block", "scan", cpu=0)          # the event log (what happened)

Contract:

* Time is an integer count of nanoseconds (``NS`` per second); nothing here reads a
  wall clock, and ``now`` never goes back.
* Pending events live in a heap of ``(time, seq, kind, obj)``; ``seq`` counts every
  ``schedule`` call, so events at the same time fire in the order they were
  scheduled. The same machine, programs and seeds give the same timeline, event for
  event.
* ``run(until, dispatch)`` pops events in that order and calls ``dispatch(kind, obj)``
  with ``now`` set to the event's time; it stops when the heap is empty or the next
  event lies after ``until`` (absolute ns), which it leaves pending.
* The clock also keeps the *event log*: one ``Event(time, kind, task, cpu, detail)``
  per state change of a task or a CPU, appended by the schedulers
  (kernel/cpusched.py, kernel/loadctl.py) and read by the report
  (observe/report.py). The log is the only thing the observation layer needs from
  the schedulers' events; nothing here knows how it is shown.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

NS = 1_000_000_000

# Kinds of pending events.
WAKE, STEP = 0, 1


def to_ns(seconds: float) -> int:
    """Seconds (float) to integer nanoseconds."""
    return round(seconds * NS)


class Event(tuple):
    """One log entry: ``(time, kind, task, cpu, detail)``; time in seconds.

    kinds: run (got a CPU), preempt (slice over: back to the run queue), block
    (state D, waiting for the disk), sleep (state S), wake (runnable again),
    suspend / resume (the medium-term scheduler: not admitted or swapped out, and
    admitted again), exit, idle (a CPU with nothing to run)."""

    __slots__ = ()

    def __new__(cls, time: float, kind: str, task: str, cpu: int, detail: str = "") -> Event:
        return tuple.__new__(cls, (time, kind, task, cpu, detail))

    time = property(lambda self: self[0])
    kind = property(lambda self: self[1])
    task = property(lambda self: self[2])
    cpu = property(lambda self: self[3])
    detail = property(lambda self: self[4])


class EventClock:
    """Simulated time (``now``, ns), the heap of pending events and the event log."""

    __slots__ = ("heap", "log", "now", "seq", "wakes")

    def __init__(self) -> None:
        self.now = 0
        self.seq = 0
        self.heap: list[tuple[int, int, int, Any]] = []
        self.wakes: list[int] = []                  # times of pending WAKE events
        self.log: list[Event] = []

    def schedule(self, t: int, kind: int, obj: Any) -> None:
        """``obj`` gets event ``kind`` at time ``t`` (ns, absolute)."""
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, obj))
        if kind == WAKE:
            heapq.heappush(self.wakes, t)

    def next_wake(self, start: int) -> int | None:
        """The earliest pending wake-up at or after ``start`` (ns), None if none: a
        piece of a task's run does not go past it."""
        wakes = self.wakes
        while wakes and wakes[0] < start:
            heapq.heappop(wakes)
        return wakes[0] if wakes else None

    def advance(self, t: int) -> None:
        """Move ``now`` forward to ``t`` (never back)."""
        self.now = max(self.now, t)

    def run(self, until: int | None, dispatch: Callable[[int, Any], None]) -> None:
        """Fire pending events in (time, seq) order until none is left or the next
        one lies after ``until`` (ns, absolute; None: no limit)."""
        heap = self.heap
        while heap:
            if until is not None and heap[0][0] > until:
                break
            t, _, kind, obj = heapq.heappop(heap)
            self.advance(t)
            dispatch(kind, obj)

    def record(self, t: int, kind: str, task: str = "", cpu: int = -1,
               detail: str = "") -> None:
        """Append one entry to the event log (``t`` in ns)."""
        self.log.append(Event(t / NS, kind, task, cpu, detail))
