"""A temporary swap area on the host, for validating swap scenarios for real.

Contract: ``with temporary_swapfile("1GiB") as path:`` creates a swap file of
that size (in ``directory``, default the temp dir, which must be on a disk
file system, not tmpfs), runs ``mkswap`` and ``swapon`` on it, and on the way
out ALWAYS runs ``swapoff`` and deletes it: after an exception, Ctrl-C
(SIGINT) and SIGTERM/SIGHUP alike (those two are turned into ``SystemExit``
while the block runs, so the cleanup happens; the previous handlers are put
back afterwards).  Not root: ``SwapfileError`` before anything is created.
Every ``SwapfileError`` message is one line naming the problem and the fix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from ..units import parse_size

_CHUNK = 1 << 20


class SwapfileError(RuntimeError):
    """The temporary swap file could not be set up (the message says why and what to do)."""


def _run(*cmd: str) -> None:
    exe = shutil.which(cmd[0]) or shutil.which(cmd[0], path="/usr/sbin:/sbin")
    if exe is None:
        raise SwapfileError(f"{cmd[0]} not found: install util-linux (apt-get install util-linux)")
    res = subprocess.run([exe, *cmd[1:]], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SwapfileError(f"{' '.join(cmd)} failed: {res.stderr.strip() or res.stdout.strip()}")


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def temporary_swapfile(size: int | str, directory: str | os.PathLike[str] | None = None,
                       ) -> Iterator[Path]:
    """Create, mkswap and swapon a swap file; swapoff and delete it afterwards."""
    nbytes = parse_size(size, "swapfile")
    if nbytes < (40 << 10):
        raise SwapfileError(f"--swapfile {size}: too small for a swap area; give e.g. 1GiB")
    if os.geteuid() != 0:
        raise SwapfileError("--swapfile needs root (swapon(2) needs CAP_SYS_ADMIN): run as "
                            "root, or drop --swapfile and turn swap on yourself")
    handlers = {}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):       # not in the main thread: leave them
            handlers[sig] = signal.signal(sig, _raise_exit)
    fd, name = tempfile.mkstemp(prefix="pagewalk-swap-", dir=directory)
    path = Path(name)
    on = False
    try:
        os.fchmod(fd, 0o600)
        zeros = bytes(_CHUNK)
        left = nbytes - nbytes % 4096
        while left:                                 # written, not sparse: swapon refuses holes
            left -= os.write(fd, zeros[:min(left, _CHUNK)])
        os.fsync(fd)
        os.close(fd)
        fd = -1
        _run("mkswap", str(path))
        _run("swapon", str(path))
        on = True
        yield path
    finally:
        if fd >= 0:
            os.close(fd)
        try:
            if on:
                _run("swapoff", str(path))
        finally:
            path.unlink(missing_ok=True)
            for sig, old in handlers.items():
                signal.signal(sig, old)
