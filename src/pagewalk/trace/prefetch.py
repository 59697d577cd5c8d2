"""Draining a pipe from the moment its writer starts, while the reader loads.

``pagewalk record`` starts valgrind first and loads its compiled parser while
valgrind runs; a 1 MiB pipe fills in milliseconds at lackey's rate, after
which valgrind would sit blocked in ``write()`` until the parser is ready.
:class:`PrefetchPipe` takes the pipe over at once: a thread reads it in
batches (:class:`~.pipebatch.BatchedPipe`) into a queue of blocks, and the
consumer's :meth:`PrefetchPipe.readinto` serves the blocks in order.

Contract: the bytes served are exactly the pipe's, in order; ``readinto``
returns 0 only at end of file (every writer gone, the pipe drained); at most
``max_blocks`` blocks (of at most the pipe's size, 1 MiB) wait in memory,
beyond which the thread (and so the writer) waits for the consumer; an error
reading the pipe is raised by ``readinto``; :meth:`close` stops the thread and
closes the pipe (a consumer that stops early must close it, or the
writer blocks once the queue is full).  Only the standard library is imported:
it starts before numpy.
"""

from __future__ import annotations

import queue
import threading

from .pipebatch import BatchedPipe

MAX_BLOCKS = 256  # <= 256 MiB waiting: ~2-3 s of lackey's output


class PrefetchPipe:
    """The read end ``fd`` of a pipe, drained by a thread from construction on."""

    def __init__(self, fd: int, max_blocks: int = MAX_BLOCKS) -> None:
        self._pipe = BatchedPipe(fd)
        self._blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(max_blocks)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._done = False  # the thread has stopped reading
        self._orphaned = False  # close() returned first: the thread closes the pipe
        self._head = memoryview(b"")
        self._eof = False
        self._thread = threading.Thread(target=self._drain, name="pagewalk-prefetch",
                                        daemon=True)
        self._thread.start()

    def _put(self, item: bytes | BaseException | None) -> bool:
        while not self._closed.is_set():
            try:
                self._blocks.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _drain(self) -> None:
        try:
            while not self._closed.is_set():
                data = self._pipe.read(self._pipe.size)
                if not self._put(data or None) or not data:
                    return
        except BaseException as exc:  # handed to the consumer
            self._put(exc)
        finally:
            with self._lock:
                self._done = True
                if self._orphaned:
                    self._pipe.close()

    def _next(self, block: bool) -> bool:
        """Make the next queued block the head; False at end of file or (not
        ``block``) when none is queued yet."""
        if self._eof:
            return False
        try:
            item = self._blocks.get(block)
        except queue.Empty:
            return False
        if item is None or isinstance(item, BaseException):
            self._eof = True
            if item is not None:
                raise item
            return False
        self._head = memoryview(item)
        return True

    def readinto(self, into: memoryview) -> int:
        """Copy the next bytes into ``into``: all that has arrived, up to its size,
        waiting only when nothing has; returns how many (0: end of file)."""
        if not self._head and not self._next(block=True):
            return 0
        n = 0
        while n < len(into) and (self._head or self._next(block=False)):
            k = min(len(into) - n, len(self._head))
            into[n: n + k] = self._head[:k]
            self._head = self._head[k:]
            n += k
        return n

    def read(self, n: int) -> bytes:
        """At most ``n`` bytes (``b""``: end of file)."""
        buf = bytearray(n)
        got = self.readinto(memoryview(buf))
        return bytes(buf[:got])

    def close(self) -> None:
        """Stop the thread and close the pipe (the writer then gets EPIPE); again: nothing."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._thread.join(timeout=1.0)
        with self._lock:
            if self._done:
                self._pipe.close()
            else:  # napping on a quiet writer: the thread closes the pipe when it wakes
                self._orphaned = True

    def __enter__(self) -> PrefetchPipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
