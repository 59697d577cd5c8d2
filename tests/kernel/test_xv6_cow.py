"""xv6's copy-on-write test (user/cowtest.c) on the model, no swap.

simpletest: allocate two thirds of RAM with sbrk, write every page, fork, let the
child exit, shrink the heap; twice. Without COW the fork would need a second copy
that does not fit; with COW it needs none. threetest: three generations write
different parts of a shared heap. Then many rounds of fork-fork-exit whose
memory must read back intact. One word per page is checked, as xv6 does.
"""

from __future__ import annotations

import pagewalk as pw

PAGE = 4096
PHYS = 128 << 20


def word(v: int) -> bytes:
    return v.to_bytes(4, "little")


def write_words(t: pw.Task, start: int, end: int, value: int) -> None:
    for q in range(start, end, PAGE):
        t.write(q, word(value))


def check_words(t: pw.Task, start: int, end: int, value: int) -> None:
    for q in range(start, end, PAGE):
        assert t.read(q, 4) == word(value), f"pid {t.pid}: {q:#x}"


def machine() -> pw.Machine:
    return pw.Machine(memory=PHYS, swap=0)


def test_simpletest_fork_after_writing_two_thirds_of_memory() -> None:
    m = machine()
    p = m.spawn("cowtest")
    sz = (PHYS // 3) * 2 // PAGE * PAGE
    for _ in range(2):
        start = p.sbrk(sz)
        write_words(p, start, start + sz, p.pid)
        c = p.fork()
        assert c.stats.rss == p.stats.rss                # shared, not copied
        c.exit(0)
        p.wait(c)
        check_words(p, start, start + sz, p.pid)
        p.sbrk(-sz)
        m.check()
    assert m.vmstat["oom_kill"] == 0 and m.vmstat["pswpout"] == 0


def test_threetest_three_generations_write_different_parts() -> None:
    m = machine()
    p = m.spawn("cowtest")
    sz = PHYS // 4
    for _ in range(3):
        start = p.sbrk(sz)
        c1 = p.fork()
        c2 = c1.fork()
        write_words(c2, start, start + sz // 5 * 4, c2.pid)
        check_words(c2, start, start + sz // 5 * 4, c2.pid)
        c2.exit(0)
        c1.wait(c2)
        write_words(c1, start, start + sz // 2, 9999)
        c1.exit(0)
        write_words(p, start, start + sz, p.pid)
        p.wait(c1)
        check_words(p, start, start + sz, p.pid)
        p.sbrk(-sz)
        m.check()
    assert m.vmstat["oom_kill"] == 0


def test_hundred_rounds_of_fork_fork_exit_keep_memory_intact() -> None:
    m = machine()
    p = m.spawn("cowtest")
    n = 64
    start = p.sbrk(n * PAGE)
    for i in range(n):
        p.write(start + i * PAGE, word(i))
    for r in range(100):
        c1 = p.fork()
        c2 = c1.fork()
        write_words(c2, start + (r % 4) * PAGE * 16, start + (r % 4 + 1) * PAGE * 16, r)
        for i in range(0, n, 7):
            assert c1.read(start + i * PAGE, 4) == word(i)
        c2.exit(0)
        c1.wait(c2)
        write_words(c1, start, start + 8 * PAGE, 1000 + r)
        c1.exit(0)
        p.wait(c1)
        for i in range(n):
            assert p.read(start + i * PAGE, 4) == word(i)
    m.check()
    assert p.stats.rss_anon == n
