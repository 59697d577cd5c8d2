"""Reading a pipe in large batches, so a writer's many small writes are not each
a wake-up of the reader.

valgrind writes its lackey log with one ``write()`` per line (about 14 bytes).
A reader blocked in ``read()`` is woken by every one of them, and each side
pays a wake-up and a context switch per line: ``record`` ran at 3.6-4.9x the
time of lackey alone.  :class:`BatchedPipe` wraps the read end of a pipe or
FIFO and reads it the other way:

* the pipe's buffer is enlarged to ``size`` bytes (``F_SETPIPE_SZ``; 1 MiB,
  Linux's default ``/proc/sys/fs/pipe-max-size``; left as it is where that is
  refused or unsupported);
* before each read it naps ``nap`` seconds at a time while fewer than
  ``fill`` bytes (half the buffer) wait in the pipe (``FIONREAD``) and the
  pipe grew during the last nap.  A write into a pipe that is not empty wakes
  nobody, so the writer runs on undisturbed and the reader takes hundreds of
  kilobytes per read.  The writer blocks only if the pipe fills within one nap.
* the pipe is never polled: once a pipe has been polled, Linux wakes its
  readers' wait queue on *every* write (``pipe->poll_usage`` in fs/pipe.c),
  which cost valgrind ~0.1 s per 3 M lines.  The end of file is found instead
  by a non-blocking ``read()`` when the pipe is empty (``EAGAIN``: a writer is
  still connected; ``0``: none is).

:meth:`BatchedPipe.read` (and ``readinto``) returns at most ``n`` bytes, and ``b""`` only at end
of file (every writer gone and the pipe drained); the bytes are exactly the
pipe's, in order.
"""

from __future__ import annotations

import array
import fcntl
import os
import termios
import time

PIPE_SIZE = 1 << 20
NAP = 0.005  # at most 200 wake-ups a second; 1 MiB fills in 5 ms only above 200 MB/s


def _set_size(fd: int, size: int) -> int:
    """Ask for a ``size``-byte pipe buffer; returns the size the pipe has."""
    setsz = getattr(fcntl, "F_SETPIPE_SZ", None)
    getsz = getattr(fcntl, "F_GETPIPE_SZ", None)
    if setsz is not None:
        try:
            return fcntl.fcntl(fd, setsz, size)
        except OSError:  # above the system's limit, or the user's pipe quota
            pass
    if getsz is not None:
        try:
            return fcntl.fcntl(fd, getsz)
        except OSError:
            pass
    return 1 << 16


class BatchedPipe:
    """The read end ``fd`` of a pipe or FIFO, read in batches (module docstring).

    ``fd`` is made non-blocking; closing the reader closes ``fd``."""

    def __init__(self, fd: int, size: int = PIPE_SIZE, nap: float = NAP) -> None:
        self.fd = fd
        self.size = _set_size(fd, size)
        self.fill = self.size // 2
        self.nap = nap
        os.set_blocking(fd, False)
        self._avail = array.array("i", [0])

    def waiting(self) -> int:
        """Bytes waiting in the pipe now."""
        fcntl.ioctl(self.fd, termios.FIONREAD, self._avail, True)
        return self._avail[0]

    def readinto(self, into: memoryview) -> int:
        """At most ``len(into)`` bytes into ``into``, after napping while the pipe is
        below its fill level and growing; returns the number (0: end of file)."""
        want = min(len(into), self.fill)
        last = -1
        while True:
            waiting = self.waiting()
            if waiting == 0:
                try:  # a writer connected: EAGAIN; none: 0, the end of file
                    return os.readv(self.fd, [into])
                except BlockingIOError:
                    pass
            elif waiting >= want or waiting == last:  # full enough, or the writer paused
                break
            last = waiting
            time.sleep(self.nap)
        return os.readv(self.fd, [into])

    def read(self, n: int) -> bytes:
        """At most ``n`` bytes, as :meth:`readinto` (``b""``: end of file)."""
        buf = bytearray(n)
        got = self.readinto(memoryview(buf))
        return bytes(buf[:got])

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> BatchedPipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
