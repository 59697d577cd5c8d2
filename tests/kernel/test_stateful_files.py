"""Data integrity with files and huge pages: the kernel model against a reference.

The reference is the file's bytes plus, per task and mapping, the pages that
task has written privately. A shared mapping reads and writes the file; a
private mapping reads the file until the task writes a page, which from then on
is the task's own copy (Linux's MAP_PRIVATE: unwritten pages follow the file).
fork copies a task's private pages; msync, evict and drop_caches never change a
byte. A THP region (madvise hugepage) behaves like plain anonymous memory.
``m.check()`` must hold after every step.
"""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import pagewalk as pw

PAGE = 4096
FILE_PAGES = 8
HUGE = 2 << 20


class FilesVsReference(RuleBasedStateMachine):
    memory = "32MiB"
    profile = "linux"
    kinds = ("shared", "private", "huge", "shmem")
    budget = 4000      # pages all tasks map together: far from RAM + swap, so no OOM

    def __init__(self) -> None:
        super().__init__()
        self.m = pw.Machine(memory=self.memory, swap="16MiB", profile=self.profile)
        init = self.m.spawn("init")
        data = bytes((i * 7) % 251 for i in range(FILE_PAGES * PAGE))
        self.f = self.m.create_file("data.bin", data=data)
        self.file = bytearray(data)
        self.tasks = [init]
        # per pid: {start: [kind, {page: bytearray}]}, kind in shared/private/huge
        self.maps: dict[int, dict[int, list]] = {init.pid: {}}

    def _pages(self) -> int:
        return sum(HUGE // PAGE if kind == "huge" else FILE_PAGES
                   for maps in self.maps.values() for kind, _ in maps.values())

    def _with_maps(self):
        return [t for t in self.tasks if self.maps[t.pid]]

    def _expected(self, pid: int, start: int, off: int, n: int) -> bytes:
        kind, own = self.maps[pid][start]
        out = bytearray()
        pos = off
        while len(out) < n:
            page, inpage = divmod(pos, PAGE)
            chunk = min(n - len(out), PAGE - inpage)
            if kind in ("huge", "shmem"):
                src = own.get(page, bytes(PAGE))
            elif kind == "private" and page in own:
                src = own[page]
            else:
                src = self.file[page * PAGE:(page + 1) * PAGE]
            out += src[inpage:inpage + chunk]
            pos += chunk
        return bytes(out)

    @precondition(lambda self: len(self.tasks) > 0
                  and self._pages() + HUGE // PAGE <= self.budget)
    @rule(data=st.data())
    def mmap(self, data) -> None:
        kind = data.draw(st.sampled_from(self.kinds), label="kind")
        t = data.draw(st.sampled_from(self.tasks))
        if kind == "huge":
            a = t.mmap(HUGE)
            t.madvise(a, HUGE, "hugepage")
        elif kind == "shmem":
            a = t.mmap(FILE_PAGES * PAGE, prot="rw", flags="shared|anonymous")
        else:
            a = t.mmap(FILE_PAGES * PAGE, prot="rw", flags=kind, file=self.f)
        self.maps[t.pid][a] = [kind, {}]

    def _region(self, data):
        t = data.draw(st.sampled_from(self._with_maps()))
        start = data.draw(st.sampled_from(sorted(self.maps[t.pid])))
        size = HUGE if self.maps[t.pid][start][0] == "huge" else FILE_PAGES * PAGE
        return t, start, size

    @precondition(lambda self: len(self._with_maps()) > 0)
    @rule(data=st.data())
    def write(self, data) -> None:
        t, start, size = self._region(data)
        off = data.draw(st.integers(0, size - 1))
        n = data.draw(st.integers(1, min(2 * PAGE, size - off)))
        payload = data.draw(st.binary(min_size=n, max_size=n))
        t.write(start + off, payload)
        kind, own = self.maps[t.pid][start]
        for i, b in enumerate(payload):
            page, inpage = divmod(off + i, PAGE)
            if kind == "shared":
                self.file[off + i] = b
            else:
                if page not in own:
                    own[page] = bytearray(self._expected(t.pid, start, page * PAGE, PAGE))
                own[page][inpage] = b

    @precondition(lambda self: len(self._with_maps()) > 0)
    @rule(data=st.data())
    def read(self, data) -> None:
        t, start, size = self._region(data)
        off = data.draw(st.integers(0, size - 1))
        n = data.draw(st.integers(1, min(2 * PAGE, size - off)))
        assert t.read(start + off, n) == self._expected(t.pid, start, off, n)

    @rule(off=st.integers(0, FILE_PAGES * PAGE - 1), n=st.integers(1, 64))
    def read_file(self, off: int, n: int) -> None:
        assert self.f.read(off, n) == bytes(self.file[off:off + n])

    @precondition(lambda self: 0 < len(self.tasks) < 4 and 2 * self._pages() <= self.budget)
    @rule(data=st.data())
    def fork(self, data) -> None:
        t = data.draw(st.sampled_from(self.tasks))
        c = t.fork()
        self.tasks.append(c)
        # private pages are copied at fork; shmem is the same object in both
        self.maps[c.pid] = {s: [k, own if k == "shmem" else
                                {p: bytearray(b) for p, b in own.items()}]
                            for s, (k, own) in self.maps[t.pid].items()}

    @precondition(lambda self: len(self.tasks) > 1)
    @rule(data=st.data())
    def exit(self, data) -> None:
        t = data.draw(st.sampled_from(self.tasks[1:]))
        t.exit(0)
        if t.parent is not None and t in t.parent.children:
            t.parent.wait(t)
        self.tasks.remove(t)
        del self.maps[t.pid]

    @precondition(lambda self: len(self._with_maps()) > 0)
    @rule(data=st.data())
    def munmap(self, data) -> None:
        t, start, size = self._region(data)
        t.munmap(start, size)
        del self.maps[t.pid][start]

    @precondition(lambda self: len(self._with_maps()) > 0)
    @rule(data=st.data())
    def msync(self, data) -> None:
        t, start, size = self._region(data)
        if self.maps[t.pid][start][0] not in ("huge", "shmem"):
            t.msync(start, size)

    @rule(how=st.sampled_from(["evict", "drop_caches"]))
    def drop(self, how: str) -> None:
        if how == "evict":
            self.f.evict()
        else:
            self.m.drop_caches()

    @invariant()
    def kernel_invariants_hold(self) -> None:
        self.m.check()


class FilesUnderPressure(FilesVsReference):
    """Little RAM: a hog forces reclaim, so dirty file pages are written back, clean
    ones dropped and private copies swapped out; no byte may change."""

    memory = "3MiB"
    kinds = ("shared", "private", "shmem")

    @rule(pages=st.integers(600, 1200))
    def hog(self, pages: int) -> None:
        t = self.tasks[0]
        a = t.mmap(pages * PAGE)
        t.touch(a, pages * PAGE, write=True)
        t.munmap(a, pages * PAGE)


class ClassicFilesUnderPressure(FilesUnderPressure):
    """The same in the classic profile: no fault-around, so every page-cache hit
    goes through filemap_fault and its async readahead (issue 10: a hit on a
    PG_readahead page must hold its page before readahead's reclaim can run)."""

    profile = "classic"


TestFilesUnderPressure = FilesUnderPressure.TestCase
TestFilesUnderPressure.settings = settings(
    max_examples=40, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestFilesVsReference = FilesVsReference.TestCase
TestFilesVsReference.settings = settings(
    max_examples=80, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TestClassicFilesUnderPressure = ClassicFilesUnderPressure.TestCase
TestClassicFilesUnderPressure.settings = TestFilesUnderPressure.settings
