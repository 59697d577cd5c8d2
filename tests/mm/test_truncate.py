"""f.truncate (ftruncate of a mapped file), as measured on the 6.18 host: shrinking
unmaps the pages beyond EOF from shared and private mappings alike (a private COW
copy too) and a later access is SIGBUS BUS_ADRERR; the partial page's tail reads
zeros; growing again reads zeros."""

from __future__ import annotations

import pytest

import pagewalk as pw

P = 4096


@pytest.fixture
def mapped(machine, task):
    f = machine.create_file("t.bin", data=b"a" * 4 * P)
    s = task.mmap(4 * P, prot="rw", flags="shared", file=f)
    p = task.mmap(4 * P, prot="rw", flags="private", file=f)
    task.write(p + 3 * P, b"c")                   # a private COW copy of page 3
    task.read(s + 2 * P, 1)
    return machine, task, f, s, p


def test_shrink_unmaps_beyond_eof_and_zeroes_the_tail(mapped):
    m, t, f, s, p = mapped
    rss = t.stats.rss
    f.truncate(P + 100)
    assert f.size == P + 100
    assert t.read(s, 1) == b"a" and t.read(s + P + 99, 1) == b"a"
    assert t.read(s + P + 100, 1) == b"\0"
    assert t.stats.rss < rss
    for addr in (s + 2 * P, p + 3 * P):
        child = t.fork()
        with pytest.raises(pw.BusError) as e:
            child.read(addr, 1)
        assert e.value.code == "BUS_ADRERR"
        t.wait(child)
    m.check()


def test_regrow_reads_zeros(mapped):
    m, t, f, s, p = mapped
    f.truncate(P + 100)
    f.truncate(4 * P)
    assert t.read(s + 2 * P, 1) == b"\0" and t.read(s + P + 100, 1) == b"\0"
    assert t.read(p + 3 * P, 1) == b"\0"
    assert f.read(0, 2) == b"aa" and f.read(2 * P, 4) == b"\0" * 4
    m.check()


def test_truncate_to_zero_and_bad_sizes(mapped):
    m, _t, f, _s, _ = mapped
    f.truncate(0)
    assert f.cached() == 0
    with pytest.raises(pw.InvalidArgument):
        f.truncate(-1)
    with pytest.raises(pw.InvalidArgument):
        f.truncate("lots")
    assert f.size == 0
    m.check()
