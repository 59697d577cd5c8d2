"""mremap, mlock, mincore, MADV_POPULATE and clear_refs: the model against the host
kernel, the same program on both (the probe gained these calls for issue 11)."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

import pagewalk as pw
from pagewalk.errors import SyscallError
from pagewalk.oracle import HostMachine

pytestmark = pytest.mark.host

P = 4096


@pytest.fixture
def both(probe: Path) -> Iterator[tuple]:
    with HostMachine() as h:
        yield h.spawn(), pw.Machine(memory="256MiB").spawn()


def isolated(t, n: int, prot: str = "rw") -> int:
    """n bytes between two PROT_NONE guard pages (so nothing merges or grows in place)."""
    base = t.mmap(n + 2 * P, prot="" if isinstance(t, pw.Task) else "-",
                  flags="private|anonymous|noreserve")
    return t.mmap(n, prot=prot, flags="private|anonymous|fixed", addr=base + P)


def faults(t, action) -> tuple[int, int]:
    before = (t.stats.min_flt, t.stats.maj_flt)
    action()
    return t.stats.min_flt - before[0], t.stats.maj_flt - before[1]


def outcome(t, action):
    """(minor, major, errno name or None) of ``action``."""
    before = (t.stats.min_flt, t.stats.maj_flt)
    err = None
    try:
        action()
    except SyscallError as e:
        err = errno.errorcode[e.errno]
    return t.stats.min_flt - before[0], t.stats.maj_flt - before[1], err


def test_mremap_move_takes_no_fault_and_keeps_residency(both):
    results = []
    for t in both:
        a = isolated(t, 64 * P)
        t.touch(a, 32 * P, write=True)
        b = t.mremap(a, 64 * P, 128 * P, "maymove")
        results.append((b != a, faults(t, lambda t=t, b=b: t.touch(b, 32 * P)),
                        t.mincore(b, 128 * P)))
    assert results[0] == results[1]
    assert results[0][1] == (0, 0) and sum(results[0][2]) == 32


def _mremap_case(t, a: int, b: int, case: int) -> int:
    args = [
        (a + 1, P, P, ""),
        (a, P, 0, ""),
        (a, 0, P, "maymove"),
        (a + 5 * P, P, 2 * P, ""),
        (a + 4 * P, 2 * P, 3 * P, "maymove"),
        (a, 2 * P, 2 * P, "maymove|fixed", a + P),
        (a + 3 * P, P, 2 * P, ""),
        (a, P, 2 * P, "maymove|dontunmap"),
        (a + 3 * P, 4 * P, 4 * P, "maymove|fixed", b),
    ][case]
    return t.mremap(*args)


@pytest.mark.parametrize("case", range(9))
def test_mremap_errnos(both, case):
    got = []
    for t in both:
        a = isolated(t, 10 * P)
        t.munmap(a + 5 * P, P)
        b = isolated(t, 10 * P)
        got.append(outcome(t, lambda t=t, a=a, b=b: _mremap_case(t, a, b, case)))
    assert got[0] == got[1]


def test_mlock_populates_like_the_kernel(both):
    got = []
    for t in both:
        a = isolated(t, 64 * P)
        t.touch(a, 16 * P, write=True)
        lock = faults(t, lambda t=t, a=a: t.mlock(a, 64 * P))
        t.munlock(a, 64 * P)
        c = isolated(t, 64 * P)
        onfault = faults(t, lambda t=t, c=c: t.mlock2(c, 64 * P, "onfault"))
        r = isolated(t, 16 * P, prot="r")
        ro = faults(t, lambda t=t, r=r: t.mlock(r, 16 * P))
        got.append((lock, onfault, ro, t.mincore(a, 64 * P), t.mincore(c, 64 * P)))
    assert got[0] == got[1]
    assert got[0][0] == (48, 0) and got[0][1] == (0, 0) and got[0][2] == (16, 0)


def test_populate_like_the_kernel(both):
    got = []
    for t in both:
        a = isolated(t, 128 * P)
        r = faults(t, lambda t=t, a=a: t.madvise(a, 128 * P, "populate_read"))
        w = faults(t, lambda t=t, a=a: t.madvise(a, 128 * P, "populate_write"))
        w2 = faults(t, lambda t=t, a=a: t.madvise(a, 128 * P, "populate_write"))
        ro = isolated(t, 4 * P, prot="r")
        e = outcome(t, lambda t=t, ro=ro: t.madvise(ro, 4 * P, "populate_write"))
        h = isolated(t, 6 * P)
        t.munmap(h + 3 * P, P)
        hole = outcome(t, lambda t=t, h=h: t.madvise(h, 6 * P, "populate_write"))
        got.append((r, w, w2, e, hole, t.mincore(h, 3 * P)))
    assert got[0] == got[1]
    assert got[0][:3] == ((128, 0), (128, 0), (0, 0))


def test_mincore_errnos(both):
    got = []
    for t in both:
        a = isolated(t, 4 * P)
        t.munmap(a + 3 * P, P)
        got.append([outcome(t, lambda t=t, x=x, n=n: t.mincore(x, n))[2]
                    for x, n in ((a + 1, P), (a, 4 * P), (a + 3 * P, P), ((1 << 47) - P, 2 * P))])
    assert got[0] == got[1] == ["EINVAL", "ENOMEM", "ENOMEM", "ENOMEM"]


def test_clear_refs_values(both):
    got = []
    for t in both:
        a = isolated(t, 4 * P)
        t.touch(a, 4 * P, write=True)
        got.append([outcome(t, lambda t=t, v=v: t.clear_refs(v))[2] for v in (1, 2, 3, 4, 5)]
                   + [faults(t, lambda t=t, a=a: t.touch(a, 4 * P, write=True))])
    assert got[0] == got[1] == [None] * 5 + [(0, 0)]
