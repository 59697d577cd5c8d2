"""Recording traces of real programs with ``valgrind --tool=lackey``.

The lackey log goes through a pipe (read in large batches,
:mod:`.pipebatch`) straight into the streaming parser
(:mod:`.textstream`) and on into a :class:`~.spool.TraceSpool`, so neither the
multi-gigabyte text log nor the whole trace is ever held: memory stays at a
few blocks plus the table of distinct pages, whatever the length.

Contract:

* :func:`record_to` runs the command, writes the compact trace to ``output``
  and returns a :class:`Recording` (counts, exit status, and the command line
  of every process valgrind traced, from its ``==PID== Command:`` lines);
* :func:`record` does the same into memory and returns ``(Trace, status)``,
  for small programs and for Python callers;
* ``trace_children=True`` (the default) follows ``exec`` (valgrind's
  ``--trace-children=yes``), so a shell-script shim such as a ``python3`` that
  execs the real interpreter records the interpreter; with it off, a command
  that is a script gets a :class:`~pagewalk.errors.PagewalkWarning`;
* progress: a bar when stderr is a terminal, else one line every
  ``progress_every`` seconds (``progress=False``: silent);
* on any error, Ctrl-C or SIGTERM, valgrind is stopped and no partial output is left.

valgrind starts first: this module imports only the standard library, and the
compiled parser and page mapper (numpy, numba's cache) load while valgrind runs,
its log drained meanwhile by :class:`~.prefetch.PrefetchPipe`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidArgument, PagewalkError, PagewalkWarning
from .prefetch import PrefetchPipe

if TYPE_CHECKING:
    from .model import Trace

INSTALL_HINT = ("install it with your package manager, e.g. `apt-get install valgrind` "
                "(Debian/Ubuntu), `dnf install valgrind` (Fedora) or `brew install valgrind`")
_COMMAND = re.compile(rb"==(\d+)== Command: ([^\n]*)")
LOG_NAME = "valgrind's lackey log"  # names the log in a malformed line's error


class ToolMissing(PagewalkError):
    """An external program pagewalk needs (valgrind) is not installed."""


@dataclass
class Recording:
    """What :func:`record_to` wrote."""

    path: Path
    accesses: int
    pages: int
    writes: int
    status: int
    seconds: float
    log_bytes: int
    processes: list[tuple[int, str]] = field(default_factory=list)

    def describe(self) -> str:
        """The processes recorded, in order: ``pid 12: /bin/sh ./python3 -> ...``."""
        return " -> ".join(f"pid {pid}: {cmd}" for pid, cmd in self.processes) or "(none)"


def find_valgrind() -> str:
    """The path of ``valgrind``, or ``ToolMissing`` saying how to install it."""
    path = shutil.which("valgrind")
    if path is None:
        raise ToolMissing(f"valgrind was not found on PATH; {INSTALL_HINT}")
    return path


def _is_script(program: str) -> bool:
    path = shutil.which(program)
    try:
        with open(path or program, "rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


class _Progress:
    """A rich bar on a terminal, else a line every ``every`` seconds."""

    def __init__(self, show: bool | None, every: float, what: str) -> None:
        tty = sys.stderr.isatty()
        self.lines = show is not False and not tty
        self.every = every
        self.start = self.last = time.monotonic()
        self.bar = None
        if show is not False and tty:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn
            self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.bar.add_task(what)

    def update(self, accesses: int, pages: int, log_bytes: int) -> None:
        now = time.monotonic()
        text = (f"recorded {accesses:,} accesses, {pages:,} pages "
                f"({log_bytes / 1e9:.2f} GB of lackey log, {now - self.start:.0f} s)")
        if self.bar is not None:
            self.bar.update(self.bar.task_ids[0], description=text)
        elif self.lines and now - self.last >= self.every:
            self.last = now
            print(f"pagewalk: {text}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def record_to(command: Sequence[str], output: str | os.PathLike, *,
              progress: bool | None = None, progress_every: float = 5.0,
              trace_children: bool = True, cwd: str | os.PathLike | None = None,
              compress: str | bool | None = None) -> Recording:
    """Run ``command`` under valgrind lackey, streaming its trace into ``output``."""
    if not command:
        raise InvalidArgument("record: give the command to run, e.g. "
                              "`pagewalk record -o out.pwt -- gzip -k file`")
    valgrind = find_valgrind()
    if not trace_children and _is_script(command[0]):
        warnings.warn(f"record: {command[0]} is a script: without --trace-children its "
                      f"interpreter is recorded, not the program it runs", PagewalkWarning,
                      stacklevel=2)
    with _terminate_as_interrupt():
        return _record_to(valgrind, command, output, progress, progress_every,
                          trace_children, cwd, compress)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM cleans up like Ctrl-C: valgrind stopped, temporary files removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _record_to(valgrind: str, command: Sequence[str], output: str | os.PathLike,
               progress: bool | None, progress_every: float, trace_children: bool,
               cwd: str | os.PathLike | None, compress: str | bool | None) -> Recording:
    start = time.monotonic()
    # An anonymous pipe (--log-fd), inherited across exec by traced children: no
    # FIFO on disk whose timestamps every one of valgrind's writes would update.
    rfd, wfd = os.pipe()
    argv = [valgrind, "--tool=lackey", "--trace-mem=yes", f"--log-fd={wfd}",
            f"--trace-children={'yes' if trace_children else 'no'}", *command]
    # drained from now on, in batches: valgrind runs on while the parser loads
    stream = PrefetchPipe(rfd)
    proc = None
    try:
        try:
            proc = subprocess.Popen(argv, cwd=cwd, pass_fds=(wfd,))
        except OSError as exc:
            raise InvalidArgument(f"record: cannot run {command[0]!r}: {exc}") from None
        finally:
            # only valgrind (and its children) hold the write end now: the reader
            # sees end-of-file when the last of them exits
            os.close(wfd)
        return _stream_to(proc, stream, command, output, progress, progress_every,
                          compress, start)
    except BaseException:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    finally:
        stream.close()


def _stream_to(proc: subprocess.Popen, stream: PrefetchPipe, command: Sequence[str],
               output: str | os.PathLike, progress: bool | None, progress_every: float,
               compress: str | bool | None, start: float) -> Recording:
    """Parse valgrind's log from ``stream`` into ``output`` while ``proc`` runs."""
    from .spool import TraceSpool  # the compiled layer: loads while valgrind runs
    from .textstream import iter_accesses

    with TraceSpool(output, compress) as spool:
        result: dict[str, object] = {}
        processes: list[tuple[int, str]] = []
        log_bytes = 0
        bar = _Progress(progress, progress_every, f"recording {command[0]}")

        def on_block(data: memoryview) -> None:
            nonlocal log_bytes
            log_bytes += len(data)
            processes.extend((int(pid), cmd.decode("utf-8", "replace"))
                             for pid, cmd in _COMMAND.findall(data))
            bar.update(spool.n, spool.n_pages, log_bytes)

        def reader() -> None:
            try:
                _warm()  # load the compiled code while valgrind runs
                for pages, writes in iter_accesses(stream, b"", "lackey", LOG_NAME,
                                                   on_block):
                    spool.add(pages, writes)
            except BaseException as exc:  # handed to the caller below
                result["error"] = exc
                stream.close()  # valgrind stops on EPIPE instead of blocking on a full pipe

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        try:
            status = proc.wait()
        finally:
            thread.join()
            bar.stop()
        if "error" in result:
            error = result["error"]
            if isinstance(error, ValueError) and len({p for p, _ in processes}) > 1:
                raise ValueError(f"{error} (several processes wrote the log at once; record "
                                 f"with --no-trace-children to follow only the first)")
            raise error  # type: ignore[misc]
        if spool.n == 0:
            raise InvalidArgument(f"record: valgrind recorded no accesses (exit status "
                                  f"{status}); does {command[0]!r} exist and run?")
        n, npages, nw = spool.n, spool.n_pages, spool.n_writes
        path = spool.finish()
    return Recording(path, n, npages, nw, status, time.monotonic() - start, log_bytes,
                     processes)


def _warm() -> None:
    """Load the parser's and the page mapper's compiled code (numba's cache)."""
    import io

    import numpy as np

    from .model import PageIds
    from .textstream import iter_accesses

    for _ in iter_accesses(io.BytesIO(b"I  0,1\n"), b"", "lackey", "warm-up"):
        pass
    PageIds().map(np.zeros(1, np.uint64))


def record(command: Sequence[str], *, progress: bool | None = False,
           trace_children: bool = True,
           cwd: str | os.PathLike | None = None) -> tuple[Trace, int]:
    """Run ``command`` under ``valgrind --tool=lackey --trace-mem=yes`` and return
    its trace and the command's exit status (in memory: for small programs)."""
    from .io import load_trace
    from .model import Trace
    with tempfile.TemporaryDirectory(prefix="pagewalk-record-") as tmp:
        rec = record_to(command, Path(tmp) / "trace.pwt", progress=progress,
                        trace_children=trace_children, cwd=cwd)
        trace = load_trace(rec.path, format="binary")
        trace = Trace(trace.ids.copy(), trace.table.copy(), trace.writes.copy())
    trace.source = " ".join(command)
    return trace, rec.status
