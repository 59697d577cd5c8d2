"""Random programs under memory pressure against a plain dict-of-bytes reference
(issue 10), shared by tests/kernel/test_random_pressure.py and
benchmarks/reliability.py.

``run_program(seed, profile)`` builds a machine with little RAM and four times as
much swap, a file with known bytes, and runs a seeded random program: mmap of
anonymous, shared-anonymous (shmem), private-file and shared-file regions, writes
and reads of random bytes, read(2)/write(2) on the file, fork, exit and wait,
munmap, madvise (pageout, cold, dontneed, willneed), a hog that fills RAM and
goes away, msync, evict and drop_caches. Every read is compared with the
reference; ``m.check()`` runs every few steps and at the end. The total the
reference holds stays under three quarters of RAM + swap, so an OOM kill is
premature; it is counted with the swap free at that moment.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pagewalk as pw

PAGE = 4096
FILE_PAGES = 64


@dataclass
class Outcome:
    """What one program did and saw."""

    steps: int = 0
    bytes_checked: int = 0
    bytes_wrong: int = 0
    first_wrong: str = ""
    oom_kills: list[int] = field(default_factory=list)      # swap pages free at each
    kernel_bugs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)        # unexpected errno (ENOMEM)

    @property
    def clean(self) -> bool:
        return not (self.bytes_wrong or self.oom_kills or self.kernel_bugs or self.errors)


class Program:
    def __init__(self, seed: int, profile: str, memory: str = "4MiB", swap: str = "16MiB",
                 steps: int = 60, **knobs) -> None:
        self.r = random.Random(seed)
        self.m = pw.Machine(memory=memory, swap=swap, profile=profile, **knobs)
        self.budget = (self.m.config.memory + self.m.config.swap) // PAGE * 3 // 4
        self.steps = steps
        self.out = Outcome()
        init = self.m.spawn("init")
        data = bytes((i * 7 + i // PAGE) % 251 for i in range(FILE_PAGES * PAGE))
        self.f = self.m.create_file("data.bin", data=data)
        self.file = bytearray(data)
        self.tasks: list[pw.Task] = [init]
        # per pid: {start: [kind, npages, {page: bytearray}]}
        self.maps: dict[int, dict[int, list]] = {init.pid: {}}

    # -- the reference ---------------------------------------------------------------
    def pages(self) -> int:
        total = 0
        shmem_seen: set[int] = set()
        for maps in self.maps.values():
            for kind, npages, own in maps.values():
                if kind == "shmem":
                    if id(own) not in shmem_seen:
                        shmem_seen.add(id(own))
                        total += npages
                elif kind in ("anon", "private"):
                    total += npages
        return total

    def expected(self, pid: int, start: int, off: int, n: int) -> bytes:
        kind, _, own = self.maps[pid][start]
        out = bytearray()
        pos = off
        while len(out) < n:
            page, inpage = divmod(pos, PAGE)
            chunk = min(n - len(out), PAGE - inpage)
            if page in own:
                src = own[page]
            elif kind in ("anon", "shmem"):
                src = bytes(PAGE)
            else:
                src = self.file[page * PAGE:(page + 1) * PAGE]
            out += src[inpage:inpage + chunk]
            pos += chunk
        return bytes(out)

    def compare(self, got: bytes, want: bytes, what: str) -> None:
        self.out.bytes_checked += len(want)
        if got != want:
            wrong = sum(a != b for a, b in zip(got, want, strict=True))
            self.out.bytes_wrong += wrong
            if not self.out.first_wrong:
                self.out.first_wrong = f"step {self.out.steps}: {what}"

    # -- steps ----------------------------------------------------------------------
    def with_maps(self) -> list[pw.Task]:
        return [t for t in self.tasks if self.maps[t.pid]]

    def region(self):
        t = self.r.choice(self.with_maps())
        start = self.r.choice(sorted(self.maps[t.pid]))
        return t, start, self.maps[t.pid][start]

    def op_mmap(self) -> None:
        kind = self.r.choice(["anon", "anon", "shmem", "private", "shared"])
        npages = FILE_PAGES if kind in ("private", "shared") else self.r.choice(
            [1, 8, 64, 256, 512])
        if self.pages() + npages > self.budget:
            return
        t = self.r.choice(self.tasks)
        if kind == "anon":
            a = t.mmap(npages * PAGE)
        elif kind == "shmem":
            a = t.mmap(npages * PAGE, flags="shared|anonymous")
        else:
            a = t.mmap(npages * PAGE, flags=kind, file=self.f)
        self.maps[t.pid][a] = [kind, npages, {}]

    def op_write(self) -> None:
        t, start, (kind, npages, own) = self.region()
        if self.r.random() < 0.3:                       # one byte on every page
            off = self.r.randrange(PAGE)
            value = self.r.randrange(256)
            for v in range(npages):
                self._write(t, start, kind, own, v * PAGE + off, bytes([value]))
            return
        off = self.r.randrange(npages * PAGE)
        n = self.r.randint(1, min(3 * PAGE, npages * PAGE - off))
        self._write(t, start, kind, own, off, self.r.randbytes(n))

    def _write(self, t, start, kind, own, off, payload: bytes) -> None:
        t.write(start + off, payload)
        if kind == "shared":
            self.file[off:off + len(payload)] = payload
            return
        pos = off
        while pos < off + len(payload):
            page, inpage = divmod(pos, PAGE)
            chunk = min(off + len(payload) - pos, PAGE - inpage)
            if page not in own:
                own[page] = bytearray(self.expected(t.pid, start, page * PAGE, PAGE))
            own[page][inpage:inpage + chunk] = payload[pos - off:pos - off + chunk]
            pos += chunk

    def op_read(self) -> None:
        t, start, (kind, npages, _) = self.region()
        if self.r.random() < 0.3:                       # the head of every page
            for v in range(npages):
                self.compare(t.read(start + v * PAGE, 8),
                             self.expected(t.pid, start, v * PAGE, 8),
                             f"pid {t.pid} {kind} page {v}")
            return
        off = self.r.randrange(npages * PAGE)
        n = self.r.randint(1, min(3 * PAGE, npages * PAGE - off))
        self.compare(t.read(start + off, n), self.expected(t.pid, start, off, n),
                     f"pid {t.pid} {kind} +{off:#x}")

    def op_file_read(self) -> None:
        off = self.r.randrange(FILE_PAGES * PAGE)
        n = self.r.randint(1, 2 * PAGE)
        self.compare(self.f.read(off, n), bytes(self.file[off:off + n]), f"read(2) +{off:#x}")

    def op_file_write(self) -> None:
        off = self.r.randrange(FILE_PAGES * PAGE - 64)
        payload = self.r.randbytes(self.r.randint(1, 64))
        self.f.write(off, payload)
        self.file[off:off + len(payload)] = payload

    def op_fork(self) -> None:
        if len(self.tasks) >= 4 or 2 * self.pages() > self.budget:
            return
        t = self.r.choice(self.tasks)
        c = t.fork()
        self.tasks.append(c)
        self.maps[c.pid] = {s: [k, n, own if k == "shmem" else
                                {p: bytearray(b) for p, b in own.items()}]
                            for s, (k, n, own) in self.maps[t.pid].items()}

    def op_exit(self) -> None:
        if len(self.tasks) < 2:
            return
        t = self.r.choice(self.tasks[1:])
        t.exit(0)
        if t.parent is not None and t in t.parent.children and t.parent.alive:
            t.parent.wait(t)
        self.tasks.remove(t)
        del self.maps[t.pid]

    def op_munmap(self) -> None:
        t, start, (_, npages, _) = self.region()
        t.munmap(start, npages * PAGE)
        del self.maps[t.pid][start]

    def op_madvise(self) -> None:
        t, start, (kind, npages, own) = self.region()
        advice = self.r.choice(["pageout", "cold", "willneed", "dontneed"])
        t.madvise(start, npages * PAGE, advice)
        if advice == "dontneed" and kind in ("anon", "private"):
            own.clear()                 # private pages go: zeros, or the file again

    def op_hog(self) -> None:
        n = self.r.randint(256, 1024)
        t = self.tasks[0]
        a = t.mmap(n * PAGE)
        t.touch(a, n * PAGE, write=True)
        t.munmap(a, n * PAGE)

    def op_cache(self) -> None:
        how = self.r.choice(["evict", "drop", "msync"])
        if how == "evict":
            self.f.evict()
        elif how == "drop":
            self.m.drop_caches()
        else:
            t, start, (kind, npages, _) = self.region()
            if kind == "shared":
                t.msync(start, npages * PAGE)

    OPS = ("mmap", "mmap", "write", "write", "write", "read", "read", "read", "file_read",
           "file_write", "fork", "exit", "munmap", "madvise", "hog", "cache")

    def run(self) -> Outcome:
        for step in range(self.steps):
            self.out.steps = step
            op = self.r.choice(self.OPS)
            if op not in ("mmap", "fork", "exit", "hog", "file_read", "file_write") \
                    and not self.with_maps():
                op = "mmap"
            try:
                getattr(self, "op_" + op)()
                if step % 5 == 4:
                    self.m.check()
            except pw.Killed:
                self.out.oom_kills.append(self.m.swap.get_nr_swap_pages())
                return self.out
            except pw.KernelBug as exc:
                self.out.kernel_bugs.append(f"step {step} {op}: {exc}")
                return self.out
            except pw.SyscallError as exc:
                self.out.errors.append(f"step {step} {op}: {exc}")
                return self.out
        try:
            for t in self.with_maps():                  # read everything back
                for start, (kind, npages, _) in self.maps[t.pid].items():
                    for v in range(npages):
                        self.compare(t.read(start + v * PAGE, 16),
                                     self.expected(t.pid, start, v * PAGE, 16),
                                     f"final pid {t.pid} {kind} page {v}")
            self.m.check()
        except pw.KernelBug as exc:
            self.out.kernel_bugs.append(f"final: {exc}")
        return self.out


def run_program(seed: int, profile: str, **kw) -> Outcome:
    return Program(seed, profile, **kw).run()
