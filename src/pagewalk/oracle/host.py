"""The host oracle: run a scenario in real processes on this Linux kernel.

``HostMachine`` mirrors pagewalk's ``Machine``/``Task`` API (see DESIGN.md), but
each task is a real process running ``probe.c``.  Every operation reports the
page faults (``getrusage`` ``ru_minflt``/``ru_majflt``) of that operation
alone; the probe keeps its own memory fault-free around measured steps, also
right after fork and exec, flushes its TLB before each measured step and
fences each store of a touch, so a step counts the kernel's logical faults
(no spurious faults from stale TLB entries; see probe.c).

Contracts:

* ``t.last`` is the ``Delta`` of the task's last operation; ``t.stats`` sums
  the deltas of all its measured operations (not the probe's own start-up).
* A fault signal raises ``pagewalk.errors.SegmentationFault`` / ``BusError``
  (``code``, ``address``, ``pid`` set); by default the task is then dead by
  that signal, as in the model.  A failed system call raises
  ``pagewalk.errors.SyscallError`` with the kernel's errno.
* ``HostUnavailable`` is raised when the host cannot run the probe (not
  Linux, no C compiler); its message says what to install.
* ``HostMachine`` is a context manager; leaving it kills every task it
  started and removes its temporary directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import select
import shutil
import signal as _signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pagewalk.errors import BusError, SegmentationFault, Signal, SyscallError
from pagewalk.hostconfig import bracketed, disk_of, read_setting

PAGE = 4096
_DATA_MAX = 64 * 1024          # bytes per read/write command (probe.c DATA_MAX)
_SOURCE = Path(__file__).with_name("probe.c")
_CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-O2", "-Wl,-z,now"]


class HostUnavailable(RuntimeError):
    """This host cannot run the oracle; the message says why and what to do."""


class HostError(RuntimeError):
    """The probe misbehaved (died unexpectedly, answered garbage, timed out)."""


@dataclass(frozen=True)
class Delta:
    """Faults of one measured operation (getrusage deltas)."""

    min_flt: int = 0
    maj_flt: int = 0

    def __add__(self, other: Delta) -> Delta:
        return Delta(self.min_flt + other.min_flt, self.maj_flt + other.maj_flt)


@dataclass
class Stats:
    """Cumulative faults of a task's measured operations."""

    min_flt: int = 0
    maj_flt: int = 0


# --------------------------------------------------------------------------- build

def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pagewalk"


def build_probe(force: bool = False) -> Path:
    """Compile probe.c (once per source hash) and return the executable's path.

    Raises HostUnavailable if the OS is not Linux or no C compiler is found.
    """
    if sys.platform != "linux":
        raise HostUnavailable(f"the host oracle needs Linux (this is {sys.platform})")
    src = _SOURCE.read_bytes()
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc or not shutil.which(cc.split()[0]):
        raise HostUnavailable("no C compiler found to build the host probe: "
                              "install gcc: apt-get install gcc (or set $CC)")
    key = hashlib.sha256(src + " ".join(_CFLAGS).encode()).hexdigest()[:16]
    out = _cache_dir() / f"probe-{key}"
    if out.exists() and not force:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    cmd = [*cc.split(), *_CFLAGS, "-o", str(tmp), str(_SOURCE)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise HostUnavailable(f"building the host probe failed ({' '.join(cmd)}):\n"
                              f"{res.stderr.strip()}")
    os.replace(tmp, out)
    return out


# --------------------------------------------------------------------------- settings

def host_settings(tmpdir: str | None = None) -> dict[str, Any]:
    """The kernel settings that decide fault counts.

    Keys: kernel, thp (enabled mode), thp_defrag, thp_sizes (mTHP size -> mode),
    read_ahead_kb (of the disk holding ``tmpdir``), page_cluster, swap (list of
    /proc/swaps entries), fault_around_bytes (int or "unknown"),
    numa_balancing, overcommit_memory.  Unreadable values are None/"unknown".
    """
    tmpdir = tmpdir or tempfile.gettempdir()
    disk = disk_of(tmpdir)
    ra = read_setting(f"/sys/block/{disk}/queue/read_ahead_kb") if disk else None
    swaps = (read_setting("/proc/swaps") or "").splitlines()[1:]
    fab = read_setting("/sys/kernel/debug/fault_around_bytes")
    thp_sizes = {}
    thp_root = Path("/sys/kernel/mm/transparent_hugepage")
    if thp_root.is_dir():
        for d in sorted(thp_root.glob("hugepages-*kB")):
            name = d.name.removeprefix("hugepages-")
            thp_sizes[name] = bracketed(read_setting(str(d / "enabled")))
    return {
        "kernel": platform.release(),
        "thp": bracketed(read_setting(str(thp_root / "enabled"))),
        "thp_defrag": bracketed(read_setting(str(thp_root / "defrag"))),
        "thp_sizes": thp_sizes,
        "disk": disk,
        "read_ahead_kb": int(ra) if ra and ra.isdigit() else None,
        "page_cluster": int(read_setting("/proc/sys/vm/page-cluster") or -1),
        "swap": [line.split()[0] for line in swaps if line.strip()],
        "fault_around_bytes": int(fab) if fab and fab.isdigit() else "unknown",
        "numa_balancing": read_setting("/proc/sys/kernel/numa_balancing"),
        "overcommit_memory": read_setting("/proc/sys/vm/overcommit_memory"),
    }


def vmstat() -> dict[str, int]:
    """/proc/vmstat as a dict (system-wide counters)."""
    out: dict[str, int] = {}
    for line in (read_setting("/proc/vmstat") or "").splitlines():
        k, _, v = line.partition(" ")
        if v.strip().lstrip("-").isdigit():
            out[k] = int(v)
    return out


# --------------------------------------------------------------------------- tasks

def _fmt_prot(prot: str) -> str:
    bad = set(prot) - set("rwx-")
    if bad:
        raise ValueError(f"prot {prot!r}: use the letters r, w, x (or '-' for none)")
    return prot.replace("-", "") or "-"


def _num(x: int | str) -> int:
    if isinstance(x, int):
        return x
    s = x.strip().lower()
    mult = {"k": 1024, "kib": 1024, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30,
            "gib": 1 << 30, "p": PAGE}
    for suf in sorted(mult, key=len, reverse=True):
        if s.endswith(suf):
            return int(s[: -len(suf)]) * mult[suf]
    return int(s, 0)


class HostFile:
    """A file in the machine's temporary directory."""

    def __init__(self, machine: HostMachine, path: Path, size: int) -> None:
        self.machine = machine
        self.path = path
        self.size = size

    def evict(self) -> None:
        """Drop the file's clean pages from the page cache (fsync, then
        posix_fadvise DONTNEED); pages mapped by a process stay."""
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)

    def read_bytes(self) -> bytes:
        """The file's current contents (through the page cache)."""
        return self.path.read_bytes()

    def __fspath__(self) -> str:
        return str(self.path)


class HostTask:
    """A real process running the probe; mirrors pagewalk's Task."""

    def __init__(self, machine: HostMachine, tid: int, name: str, pid: int,
                 cmd: Any, parent: HostTask | None) -> None:
        self.machine = machine
        self.tid = tid
        self.name = name
        self.pid = pid
        self._cmd = cmd                     # a binary file to write commands to
        self.parent = parent
        self.alive = True
        self.exit_status: str | None = None  # "exit:N" / "signal:SIGSEGV" once waited
        self.last = Delta()
        self.stats = Stats()
        self.fatal_signals = True

    def __repr__(self) -> str:
        return f"HostTask({self.name!r}, pid={self.pid}, alive={self.alive})"

    # -- plumbing
    def _call(self, *words: object) -> dict[str, str]:
        if not self.alive:
            raise HostError(f"task {self.name} (pid {self.pid}) is dead")
        line = " ".join(str(w) for w in words) + "\n"
        try:
            self._cmd.write(line.encode())
            self._cmd.flush()
        except BrokenPipeError as e:
            self.alive = False
            raise HostError(f"task {self.name} (pid {self.pid}) went away") from e
        kind, fields = self.machine._reply(self.tid)
        delta = Delta(int(fields.get("min", 0)), int(fields.get("maj", 0)))
        self.last = delta
        self.stats.min_flt += delta.min_flt
        self.stats.maj_flt += delta.maj_flt
        if kind == "sig":
            if self.fatal_signals:
                self.alive = False
            cls: type[Signal] = {"SIGSEGV": SegmentationFault,
                                 "SIGBUS": BusError}.get(fields["sig"], Signal)
            raise cls(code=fields["code"], address=int(fields["addr"], 16), pid=self.pid)
        if kind == "err":
            err = int(fields["errno"])
            raise SyscallError(err, f"{words[0]} failed: {fields.get('ename')} "
                                    f"({os.strerror(err)})")
        return fields

    # -- memory
    def mmap(self, length: int | str, prot: str = "rw", flags: str = "private|anonymous",
             file: HostFile | str | os.PathLike[str] | None = None, offset: int = 0,
             addr: int | None = None) -> int:
        """mmap(2); returns the start address."""
        path = os.fspath(file) if file is not None else "-"
        if " " in path:
            raise ValueError("file paths with spaces are not supported by the probe")
        if file is not None:
            flags = "|".join(f for f in flags.split("|") if f not in ("anonymous", "anon"))
        f = self._call("mmap", _num(length), _fmt_prot(prot), flags or "private", path,
                       offset, hex(addr) if addr is not None else "-")
        return int(f["addr"], 16)

    def mmap_isolated(self, length: int | str, prot: str = "rw",
                      flags: str = "private|anonymous", **kw: Any) -> int:
        """mmap between two PROT_NONE guard pages, so the new VMA cannot merge
        with a neighbour.  (A new anonymous VMA that merges with an adjacent
        one inherits its anon_vma; fork then copies even its zero-page PTEs.)"""
        n = _num(length)
        base = self.mmap(n + 2 * PAGE, prot="-", flags="private|anonymous|noreserve")
        return self.mmap(n, prot=prot, flags=flags + "|fixed", addr=base + PAGE, **kw)

    def munmap(self, addr: int, length: int | str) -> None:
        self._call("munmap", hex(addr), _num(length))

    def mprotect(self, addr: int, length: int | str, prot: str) -> None:
        self._call("mprotect", hex(addr), _num(length), _fmt_prot(prot))

    def madvise(self, addr: int, length: int | str, advice: str) -> None:
        """advice: dontneed free pageout willneed random sequential hugepage
        nohugepage cold normal remove populate_read populate_write collapse ..."""
        self._call("madvise", hex(addr), _num(length), advice)

    def msync(self, addr: int, length: int | str, mode: str = "sync") -> None:
        self._call("msync", hex(addr), _num(length), mode)

    def mremap(self, old_addr: int, old_len: int | str, new_len: int | str,
               flags: str = "", new_addr: int | None = None) -> int:
        """mremap(2); returns the new address."""
        f = self._call("mremap", hex(old_addr), _num(old_len), _num(new_len), flags or "-",
                       hex(new_addr) if new_addr is not None else "-")
        return int(f["addr"], 16)

    def mlock(self, addr: int, length: int | str) -> None:
        self._call("mlock", hex(addr), _num(length))

    def mlock2(self, addr: int, length: int | str, flags: str = "") -> None:
        self._call("mlock", hex(addr), _num(length), flags or "-")

    def munlock(self, addr: int, length: int | str) -> None:
        self._call("munlock", hex(addr), _num(length))

    def mlockall(self, flags: str = "current|future") -> None:
        self._call("mlockall", flags)

    def munlockall(self) -> None:
        self._call("munlockall")

    def mincore(self, addr: int, length: int | str) -> list[int]:
        """mincore(2): one 0/1 per page (at most 1024 pages per call)."""
        f = self._call("mincore", hex(addr), _num(length))
        return [int(c) for c in f.get("vec", "")]

    def clear_refs(self, value: int | str) -> None:
        """Write ``value`` to /proc/PID/clear_refs."""
        self._call("clearrefs", value)

    def touch(self, addr: int, length: int | str, write: bool = False, stride: int = PAGE,
              reverse: bool = False, natural: bool = False) -> Delta:
        """One access (read, or write of 0xa5) per page of [addr, addr+length)
        (per ``stride`` bytes if given); returns the faults.

        By default the count is the kernel's logical one: the probe flushes the
        process's TLB before the step and fences every store, so no stale TLB
        entry adds a spurious fault.  ``natural=True`` measures as a plain
        program would run (no flush, no fences): after a huge-page reuse on a
        VM that fractures huge pages in the TLB it may count spurious write
        faults (see ``pagewalk.oracle.classify``)."""
        self._call("touch", hex(addr), _num(length), "w" if write else "r", stride,
                   "rev" if reverse else "fwd", "natural" if natural else "fenced")
        return self.last

    def read(self, addr: int, n: int) -> bytes:
        """Read n bytes (memcpy out of the task); faults summed over chunks."""
        chunks, total = [], Delta()
        for off in range(0, n, _DATA_MAX):
            k = min(_DATA_MAX, n - off)
            f = self._call("read", hex(addr + off), k)
            total += self.last
            chunks.append(bytes.fromhex(f["data"]))
        self.last = total
        return b"".join(chunks)

    def write(self, addr: int, data: bytes) -> None:
        """Write the bytes (memcpy into the task); faults summed over chunks."""
        total = Delta()
        for off in range(0, len(data), _DATA_MAX):
            self._call("write", hex(addr + off), data[off:off + _DATA_MAX].hex())
            total += self.last
        self.last = total

    def fill(self, addr: int, length: int | str, byte: int = 0) -> None:
        self._call("fill", hex(addr), _num(length), byte)

    def brk(self, new_end: int = 0) -> int:
        """Raw brk(2); returns the new break (brk(0) queries it)."""
        return int(self._call("brk", hex(new_end))["brk"], 16)

    def sbrk(self, increment: int | str) -> int:
        """Move the break by ``increment``; returns the old break, like sbrk(3)."""
        return int(self._call("sbrk", _num(increment))["old"], 16)

    def stack(self, depth: int | str, write: bool = True) -> Delta:
        """Access every page from the current frame down to ``depth`` bytes below
        it (the probe pre-touched 64 KiB of that range)."""
        self._call("stack", _num(depth), "w" if write else "r")
        return self.last

    def nop(self) -> Delta:
        """An empty measured step (hygiene check: must be 0 faults)."""
        self._call("nop")
        return self.last

    # -- processes
    def fork(self, name: str | None = None) -> HostTask:
        """fork(2): a child task that takes its own commands."""
        return self.machine._fork(self, name)

    def exec(self) -> None:
        """Re-exec the probe: fresh address space, same task and pid.  ``last``
        holds the faults of exec plus the new image's start-up."""
        self._cmd.write(b"exec\n")
        self._cmd.flush()
        kind, fields = self.machine._reply(self.tid)
        if kind == "err":
            raise SyscallError(int(fields["errno"]), f"exec failed: {fields.get('ename')}")
        if kind != "ready":
            raise HostError(f"exec failed: {kind} {fields}")
        self.last = Delta(int(fields.get("exec_min", 0)), int(fields.get("exec_maj", 0)))

    def exit(self, code: int = 0) -> None:
        """_exit(code); the parent should wait() for it."""
        self._cmd.write(f"exit {code}\n".encode())
        self._cmd.flush()
        self.machine._reply(self.tid)          # "bye"
        self.alive = False
        self._close()

    def wait(self, child: HostTask) -> str:
        """waitpid for a child; returns "exit:N" or "signal:NAME"."""
        f = self._call("wait", child.pid)
        child.exit_status = f.get("status")
        child.alive = False
        child._close()
        return child.exit_status or ""

    def kill(self, sig: int = _signal.SIGKILL) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
        self.alive = False

    def _close(self) -> None:
        if self.tid != 0:
            with contextlib.suppress(OSError):
                self._cmd.close()

    def sigmode(self, fatal: bool) -> None:
        """fatal=True (default): a fault signal kills the task; False: it is
        reported and the task goes on."""
        self._call("sigmode", "fatal" if fatal else "continue")
        self.fatal_signals = fatal

    def maps(self) -> str:
        return Path(f"/proc/{self.pid}/maps").read_text()

    def present_pages(self, addr: int, length: int | str) -> int:
        """How many pages of [addr, addr+length) have a present PTE (or PMD):
        bit 63 of /proc/PID/pagemap (readable without privileges)."""
        first, last = addr // PAGE, (addr + _num(length) - 1) // PAGE
        with open(f"/proc/{self.pid}/pagemap", "rb") as f:
            f.seek(first * 8)
            raw = f.read((last - first + 1) * 8)
        return sum(int.from_bytes(raw[i:i + 8], "little") >> 63
                   for i in range(0, len(raw), 8))

    def smaps_rollup(self) -> dict[str, int]:
        out = {}
        for line in Path(f"/proc/{self.pid}/smaps_rollup").read_text().splitlines()[1:]:
            k, _, v = line.partition(":")
            parts = v.split()
            if parts and parts[0].isdigit():
                out[k] = int(parts[0])
        return out


class HostMachine:
    """A set of real probe processes on this host; mirrors pagewalk's Machine."""

    def __init__(self, tmpdir: str | os.PathLike[str] | None = None,
                 timeout: float = 120.0) -> None:
        self.probe = build_probe()
        self._own_tmp = tmpdir is None
        self.dir = Path(tempfile.mkdtemp(prefix="pagewalk-host-", dir=tmpdir))
        self.timeout = timeout
        self.tasks: list[HostTask] = []
        self._next_tid = 0
        self._pending: dict[int, list[tuple[str, dict[str, str]]]] = {}
        self._buf = b""
        self._root: subprocess.Popen[bytes] | None = None
        self._stdout_fd: int | None = None
        self.settings = host_settings(str(self.dir))

    def __enter__(self) -> HostMachine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- results
    def _readline(self) -> bytes:
        assert self._stdout_fd is not None
        while b"\n" not in self._buf:
            r, _, _ = select.select([self._stdout_fd], [], [], self.timeout)
            if not r:
                raise HostError(f"no answer from the probe within {self.timeout}s")
            chunk = os.read(self._stdout_fd, 1 << 20)
            if not chunk:
                raise HostError("the probe's result pipe closed (all tasks died?)")
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def _reply(self, tid: int) -> tuple[str, dict[str, str]]:
        """The next result line of task ``tid`` (others are queued)."""
        q = self._pending.setdefault(tid, [])
        while not q:
            parts = self._readline().decode().split()
            if len(parts) < 2:
                raise HostError(f"bad probe line: {parts!r}")
            fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
            self._pending.setdefault(int(parts[0]), []).append((parts[1], fields))
        return q.pop(0)

    # -- tasks
    def spawn(self, name: str = "init") -> HostTask:
        """Start a new root task (a fresh process running the probe)."""
        if self._root is not None:
            raise HostError("one root task per HostMachine; fork() for more tasks")
        env = dict(os.environ, GLIBC_TUNABLES="glibc.pthread.rseq=0", LD_BIND_NOW="1")
        self._root = subprocess.Popen([str(self.probe), "--task", "0"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env)
        assert self._root.stdout is not None
        self._stdout_fd = self._root.stdout.fileno()
        kind, fields = self._reply(0)
        if kind != "ready":
            raise HostError(f"probe did not start: {kind} {fields}")
        t = HostTask(self, 0, name, int(fields["pid"]), self._root.stdin, None)
        self._next_tid = 1
        self.tasks.append(t)
        return t

    def _fork(self, parent: HostTask, name: str | None) -> HostTask:
        tid = self._next_tid
        self._next_tid += 1
        fifo = self.dir / f"task-{tid}.fifo"
        os.mkfifo(fifo)
        f = parent._call("fork", tid, fifo)
        pid = int(f["pid"])
        cmd = open(fifo, "wb", buffering=0)  # noqa: SIM115 - owned by the task
        kind, fields = self._reply(tid)
        if kind != "ready":
            raise HostError(f"child did not start: {kind} {fields}")
        os.unlink(fifo)
        child = HostTask(self, tid, name or f"{parent.name}.{tid}", pid, cmd, parent)
        self.tasks.append(child)
        return child

    # -- files and caches
    def create_file(self, name: str, size: int | str | None = None,
                    data: bytes | None = None, chunk: int | None = None) -> HostFile:
        """Create a file in the temp dir by write(): ``data``, or ``size`` bytes
        where page k holds the byte (k + 1) & 0xff (as probe mkfile).

        ``chunk``: bytes per write() call (default: one call).  On a kernel
        whose file system caches large folios (ext4 on 6.18) this decides the
        folio sizes in the page cache, and so how many pages one file fault
        maps (a whole folio, up to a PMD)."""
        if (size is None) == (data is None):
            raise ValueError("give exactly one of size= or data=")
        if data is None:
            n = _num(size)  # type: ignore[arg-type]
            data = b"".join(bytes([(k + 1) & 0xFF]) * PAGE for k in range(-(-n // PAGE)))[:n]
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            step = chunk or max(len(data), 1)
            view = memoryview(data)
            for off in range(0, len(data), step):
                piece = view[off:off + step]
                while piece:
                    piece = piece[os.write(fd, piece):]
            # Written back now: the flusher will not lock these folios for
            # writeback later, when fault-around would skip a locked one.
            os.fsync(fd)
        finally:
            os.close(fd)
        return HostFile(self, path, len(data))

    def drop_caches(self) -> None:
        """sync; echo 1 > /proc/sys/vm/drop_caches.  Raises PermissionError if
        not allowed."""
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("1\n")

    @property
    def vmstat(self) -> dict[str, int]:
        return vmstat()

    def close(self) -> None:
        """Kill every task, reap the root, remove the temp dir."""
        for t in reversed(self.tasks):
            t.kill()
            t._close()
        if self._root is not None:
            try:
                if self._root.stdin:
                    self._root.stdin.close()
            except OSError:
                pass
            self._root.wait()
            if self._root.stdout:
                self._root.stdout.close()
            self._root = None
        for t in self.tasks:            # reap what we can (children of our probes
            with contextlib.suppress(ChildProcessError):  # are reaped by init)
                os.waitpid(t.pid, os.WNOHANG)
        if self._own_tmp:
            shutil.rmtree(self.dir, ignore_errors=True)
