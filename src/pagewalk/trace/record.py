"""Recording traces of real programs with ``valgrind --tool=lackey``.

The lackey log goes through a named pipe straight into the streaming parser,
so a multi-gigabyte text trace never touches the disk; only the compact trace
is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from ..errors import InvalidArgument, PagewalkError
from .model import Trace

INSTALL_HINT = ("install it with your package manager, e.g. `apt-get install valgrind` "
                "(Debian/Ubuntu), `dnf install valgrind` (Fedora) or `brew install valgrind`")


class ToolMissing(PagewalkError):
    """An external program pagewalk needs (valgrind) is not installed."""


def find_valgrind() -> str:
    """The path of ``valgrind``, or ``ToolMissing`` saying how to install it."""
    path = shutil.which("valgrind")
    if path is None:
        raise ToolMissing(f"valgrind was not found on PATH; {INSTALL_HINT}")
    return path


def record(command: Sequence[str], *, progress: bool | None = False,
           cwd: str | os.PathLike | None = None) -> tuple[Trace, int]:
    """Run ``command`` under ``valgrind --tool=lackey --trace-mem=yes`` and return
    its trace and the command's exit status."""
    from .io import load_trace

    if not command:
        raise InvalidArgument("record: give the command to run, e.g. "
                              "`pagewalk record -o out.pwt -- gzip -k file`")
    valgrind = find_valgrind()
    with tempfile.TemporaryDirectory(prefix="pagewalk-record-") as tmp:
        fifo = Path(tmp) / "lackey.log"
        os.mkfifo(fifo)
        argv = [valgrind, "--tool=lackey", "--trace-mem=yes", f"--log-file={fifo}",
                *command]
        try:
            proc = subprocess.Popen(argv, cwd=cwd)
        except OSError as exc:
            raise InvalidArgument(f"record: cannot run {command[0]!r}: {exc}") from None
        result: dict[str, object] = {}

        def reader() -> None:
            try:
                result["trace"] = load_trace(fifo, format="lackey", progress=progress)
            except BaseException as exc:  # handed to the caller below
                result["error"] = exc

        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        status = proc.wait()
        if thread.is_alive():
            # valgrind died before opening the pipe: unblock the reader
            with open(fifo, "wb"):
                pass
        thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    trace = result["trace"]
    assert isinstance(trace, Trace)
    if len(trace) == 0:
        raise InvalidArgument(f"record: valgrind recorded no accesses (exit status {status}); "
                              f"does {command[0]!r} exist and run?")
    trace.source = " ".join(command)
    return trace, status
