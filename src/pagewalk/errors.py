"""The exceptions pagewalk raises, modelled on what a process sees.

* ``Signal`` and its subclasses: a fatal signal delivered to a task at the
  trap boundary (the task is dead afterwards; the machine goes on).
* ``SyscallError``: a system call failed with an errno, as ``OSError`` does.
* ``InvalidArgument``: EINVAL for arguments that do not make sense; it is also a
  ``ValueError`` so that Python code can catch it the Python way.
* ``KernelPanic``: the simulated kernel stopped the machine (out of memory with
  nothing left to kill); the machine refuses every later call.
* ``PagewalkWarning`` (a warning, not an exception): input pagewalk reads,
  but probably not as meant (a text trace entirely in page 0, a lackey log
  cut short, a SHARDS sample too small to resolve small sizes).
* ``KernelBug``: a broken kernel invariant (``Machine.check``) — always a bug in
  pagewalk, never the user's fault.

Whichever is raised, the machine's state is unchanged by the failed call
(signals excepted: the task that took the signal is dead).
"""

from __future__ import annotations

import errno as _errno
import os


class PagewalkError(Exception):
    """Base of every exception pagewalk raises on purpose."""


class Signal(PagewalkError):
    """A fatal signal delivered to a task.

    Attributes follow ``siginfo_t``: ``signal`` ("SIGSEGV", "SIGBUS", "SIGKILL"),
    ``code`` (si_code: "SEGV_MAPERR", "SEGV_ACCERR", "BUS_ADRERR", "SI_KERNEL"),
    ``address`` (si_addr, or None), ``pid`` of the task that died.
    """

    signal: str = "SIGKILL"

    def __init__(self, code: str | None = None, address: int | None = None,
                 pid: int | None = None, message: str | None = None) -> None:
        self.code = code
        self.address = address
        self.pid = pid
        where = f" at {address:#x}" if address is not None else ""
        who = f" (pid {pid})" if pid is not None else ""
        text = message or f"{self.signal} {code or ''}{where}{who}".replace("  ", " ")
        super().__init__(text)


class SegmentationFault(Signal):
    """SIGSEGV: no VMA maps the address (SEGV_MAPERR) or the VMA forbids the access
    (SEGV_ACCERR)."""

    signal = "SIGSEGV"


class BusError(Signal):
    """SIGBUS: the address is mapped but there is nothing behind it (BUS_ADRERR:
    a file page wholly beyond end of file)."""

    signal = "SIGBUS"


class Killed(Signal):
    """SIGKILL: the OOM killer chose this task."""

    signal = "SIGKILL"


class SyscallError(PagewalkError, OSError):
    """A system call failed with ``errno`` (ENOMEM, EINVAL, EFAULT, ...)."""

    def __init__(self, err: int, message: str) -> None:
        OSError.__init__(self, err, message)
        self.errno = err
        self.strerror = message

    def __str__(self) -> str:
        return f"[{_errno.errorcode.get(self.errno, self.errno)}] {self.strerror}"


class InvalidArgument(SyscallError, ValueError):
    """EINVAL: an argument that cannot be right; the message says what to write."""

    def __init__(self, message: str) -> None:
        super().__init__(_errno.EINVAL, message)


class KernelBug(PagewalkError, AssertionError):
    """A kernel invariant is broken (the model's own bug), like BUG_ON()."""


class KernelPanic(PagewalkError):
    """The simulated kernel panicked (panic()), e.g. "Out of memory and no killable
    processes...": the machine is stopped, and every later call on it or its tasks
    raises this exception again. Make a new Machine (more memory or swap)."""


class PagewalkWarning(UserWarning):
    """Something the user probably did not mean, but which has a defined answer:
    pagewalk goes on and says so (the command line prints it as one line
    ``pagewalk: warning: ...``).  Turn it into an error with
    ``warnings.simplefilter("error", pw.PagewalkWarning)``."""


def enomem(message: str) -> SyscallError:
    return SyscallError(_errno.ENOMEM, message)


def efault(message: str) -> SyscallError:
    return SyscallError(_errno.EFAULT, message)


def strerror(err: int) -> str:
    return os.strerror(err)


class MissingDependency(PagewalkError, ImportError):
    """An optional feature's libraries are not installed; the message says what
    to install (e.g. ``pip install "pagewalk[sweep]"``)."""
