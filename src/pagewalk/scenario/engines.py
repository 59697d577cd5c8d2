"""Two engines that perform a scenario's operations: pagewalk's model and the host.

Both expose the same small interface, used by ``runner.run``:
``counts(task) -> (min_flt, max_flt)`` (cumulative, so a step's faults are the
difference), and one method per operation taking plain values (addresses,
lengths in bytes).  A fatal access raises ``pagewalk.Signal``; a failed system
call raises ``SyscallError``.  Neither engine knows the scenario format.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidArgument, SyscallError

PAGE = 4096
_SIGNAMES = {11: "SIGSEGV", 7: "SIGBUS", 9: "SIGKILL"}


@dataclass(frozen=True)
class TouchPlan:
    """Accesses to [start, start + length): every ``stride`` bytes, in ``order``."""

    start: int
    length: int
    stride: int = PAGE
    order: str = "seq"
    seed: int = 0

    def addresses(self) -> list[int]:
        addrs = list(range(self.start, self.start + self.length, self.stride))
        if self.order == "reverse":
            addrs.reverse()
        elif self.order == "random":
            random.Random(self.seed).shuffle(addrs)
        return addrs


def _round_up(x: int, a: int) -> int:
    return -(-x // a) * a


class _TaskEngine:
    """What both engines do the same way: the named task's own method."""

    tasks: dict[str, Any]

    def counts(self, task: str) -> tuple[int, int]:
        s = self.tasks[task].stats
        return s.min_flt, s.maj_flt

    def alive(self, task: str) -> bool:
        return self.tasks[task].alive

    def munmap(self, task: str, addr: int, length: int) -> None:
        self.tasks[task].munmap(addr, length)

    def madvise(self, task: str, addr: int, length: int, advice: str) -> None:
        self.tasks[task].madvise(addr, length, advice)

    def read(self, task: str, addr: int, n: int) -> bytes:
        return self.tasks[task].read(addr, n)

    # issue 11: the same call on the model's Task and on the host's HostTask
    def mremap(self, task: str, addr: int, old_len: int, new_len: int, flags: str,
               new_addr: int | None) -> int:
        return self.tasks[task].mremap(addr, old_len, new_len, flags, new_addr)

    def mlock(self, task: str, addr: int, length: int, onfault: bool) -> None:
        self.tasks[task].mlock2(addr, length, "onfault" if onfault else "")

    def munlock(self, task: str, addr: int, length: int) -> None:
        self.tasks[task].munlock(addr, length)

    def mlockall(self, task: str, flags: str) -> None:
        self.tasks[task].mlockall(flags)

    def munlockall(self, task: str) -> None:
        self.tasks[task].munlockall()

    def mincore(self, task: str, addr: int, length: int) -> list[int]:
        return self.tasks[task].mincore(addr, length)

    def clear_refs(self, task: str, value: int) -> None:
        self.tasks[task].clear_refs(value)

    def write(self, task: str, addr: int, data: bytes) -> None:
        self.tasks[task].write(addr, data)

    def sbrk(self, task: str, increment: int) -> int:
        return self.tasks[task].sbrk(increment)

    def fork(self, task: str, child: str) -> None:
        self.tasks[child] = self.tasks[task].fork(child)

    def exec(self, task: str) -> None:
        self.tasks[task].exec()

    def exit(self, task: str, code: int) -> None:
        self.tasks[task].exit(code)


class ModelEngine(_TaskEngine):
    """pagewalk's ``Machine``: the model under test."""

    name = "pagewalk"

    def __init__(self, machine_args: dict[str, Any], overrides: dict[str, Any] | None = None,
                 ) -> None:
        from ..machine import Machine
        args = dict(machine_args)
        args.update(overrides or {})
        self.machine = Machine(**args)
        self.tasks: dict[str, Any] = {}
        self.files: dict[str, Any] = {}
        self.tracer = None

    # -- set-up
    def create_file(self, name: str, size: int | None, data: bytes | None, chunk: int) -> None:
        if data is not None:
            self.files[name] = self.machine.create_file(name, data=data)
        else:
            self.files[name] = self.machine.create_file(name, size=size)

    def spawn(self, name: str) -> None:
        self.tasks[name] = self.machine.spawn(name)

    def close(self) -> None:
        return None

    # -- counters

    def rss(self, task: str) -> int:
        return self.tasks[task].stats.rss


    # -- memory
    def mmap(self, task: str, length: int, prot: str, flags: str, file: str | None,
             offset: int, addr: int | None, align: int | None, isolated: bool | None) -> int:
        """``isolated`` True: between PROT_NONE guard pages (as the host places it)."""
        t = self.tasks[task]
        f = self.files[file] if file is not None else None
        if isolated and not align and addr is None:
            base = t.mmap(length + 2 * PAGE, prot="none", flags="private|anonymous|noreserve")
            addr, flags = base + PAGE, flags + "|fixed"
        if align and addr is None:
            base = t.mmap(length + align + 2 * PAGE, prot="none",
                          flags="private|anonymous|noreserve")
            addr = _round_up(base + PAGE, align)
            flags = flags + "|fixed"
        return t.mmap(length, prot=prot, flags=flags, file=f, offset=offset, addr=addr)

    def mprotect(self, task: str, addr: int, length: int, prot: str) -> None:
        self.tasks[task].mprotect(addr, length, prot)

    def msync(self, task: str, addr: int, length: int, mode: str) -> None:
        t = self.tasks[task]
        if not hasattr(t, "msync"):
            raise InvalidArgument("msync is not available in the model yet")
        t.msync(addr, length, mode)

    def touch(self, task: str, plan: TouchPlan, write: bool) -> None:
        t = self.tasks[task]
        if plan.stride == PAGE and plan.order == "seq" and plan.start % PAGE == 0:
            t.touch(plan.start, plan.length, write=write)
        else:
            t.touch_pages([a >> 12 for a in plan.addresses()], write=write)

    def brk(self, task: str, end: int | None) -> int:
        return self.tasks[task].brk(end)

    def stack(self, task: str, depth: int, write: bool) -> None:
        t = self.tasks[task]
        sp = t.sp
        vpns = range((sp - 1) >> 12, ((sp - depth) >> 12) - 1, -1)
        t.touch_pages(vpns, write=write)

    # -- processes

    def wait(self, task: str, child: str | None) -> str:
        c = self.tasks[child] if child is not None else None
        code = self.tasks[task].wait(c)
        if code is not None and code < 0:
            return f"signal:{_SIGNAMES.get(-code, str(-code))}"
        return f"exit:{code}"

    # -- caches
    def drop_caches(self) -> str:
        self.machine.drop_caches()
        return ""

    def evict(self, file: str) -> None:
        f = self.files[file]
        if not hasattr(f, "evict"):
            raise InvalidArgument("evicting a file is not available in the model yet")
        f.evict()


class HostEngine(_TaskEngine):
    """Real processes on this host's kernel (``pagewalk.oracle.HostMachine``).

    Anonymous mappings are placed between PROT_NONE guard pages (``isolated``)
    so they cannot merge with ld.so's anonymous area; ``align`` reserves a
    larger PROT_NONE range and maps inside it at an aligned address.
    """

    name = "kernel"

    def __init__(self) -> None:
        from ..oracle import HostMachine
        self.host = HostMachine()
        self.tasks: dict[str, Any] = {}
        self.files: dict[str, Any] = {}

    def create_file(self, name: str, size: int | None, data: bytes | None, chunk: int) -> None:
        self.files[name] = self.host.create_file(name, size=size, data=data, chunk=chunk)

    def spawn(self, name: str) -> None:
        if self.tasks:
            raise InvalidArgument("the host runs one root task; fork the others")
        self.tasks[name] = self.host.spawn(name)

    def close(self) -> None:
        self.host.close()

    def rss(self, task: str) -> int | None:
        return None

    def mmap(self, task: str, length: int, prot: str, flags: str, file: str | None,
             offset: int, addr: int | None, align: int | None, isolated: bool | None) -> int:
        """Anonymous mappings are isolated unless ``isolated`` is False."""
        t = self.tasks[task]
        prot = "-" if prot.strip().lower() in ("", "none", "---") else prot
        f = self.files[file] if file is not None else None
        if align and addr is None:
            base = t.mmap(length + align + 2 * PAGE, prot="-", flags="private|anonymous|noreserve")
            return t.mmap(length, prot=prot, flags=flags + "|fixed", file=f, offset=offset,
                          addr=_round_up(base + PAGE, align))
        if isolated is not False and addr is None and f is None:
            return t.mmap_isolated(length, prot=prot, flags=flags)
        return t.mmap(length, prot=prot, flags=flags, file=f, offset=offset, addr=addr)

    def mprotect(self, task: str, addr: int, length: int, prot: str) -> None:
        prot = "-" if prot.strip().lower() in ("", "none", "---") else prot
        self.tasks[task].mprotect(addr, length, prot)

    def msync(self, task: str, addr: int, length: int, mode: str) -> None:
        self.tasks[task].msync(addr, length, mode)

    def touch(self, task: str, plan: TouchPlan, write: bool) -> None:
        t = self.tasks[task]
        if plan.order in ("seq", "reverse"):
            t.touch(plan.start, plan.length, write=write, stride=plan.stride,
                    reverse=plan.order == "reverse")
            return
        for a in plan.addresses():      # random: one command per access
            t.touch(a, 1, write=write)

    def brk(self, task: str, end: int | None) -> int:
        return self.tasks[task].brk(end or 0)

    def stack(self, task: str, depth: int, write: bool) -> None:
        self.tasks[task].stack(depth, write=write)

    def wait(self, task: str, child: str | None) -> str:
        t = self.tasks[task]
        if child is None:
            dead = [c for c in self.tasks.values() if c.parent is t and not c.alive
                    and c.exit_status is None]
            if not dead:
                raise SyscallError(10, "wait: no dead child to reap")
            return t.wait(dead[0])
        return t.wait(self.tasks[child])

    def drop_caches(self) -> str:
        try:
            self.host.drop_caches()
            return ""
        except OSError:
            for f in self.files.values():
                f.evict()
            return "no permission to drop caches: evicted the scenario's files instead"

    def evict(self, file: str) -> None:
        self.files[file].evict()
