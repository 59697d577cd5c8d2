"""The file fault and read paths under memory pressure (issue 10): the page being
mapped or read is held by a reference before anything allocates, so reclaim woken
by readahead can never free it; every byte read is the file's."""

from __future__ import annotations

import pytest

import pagewalk as pw

PAGE = 4096


def _tagged_file(m: pw.Machine, n: int) -> pw.File:
    return m.create_file("f", data=b"".join(i.to_bytes(4, "little") * 1024 for i in range(n)))


@pytest.mark.parametrize("hog", [748, 822, 896, 915, 922])
@pytest.mark.parametrize("profile,knobs", [("classic", {}),
                                           ("linux", {"fault_around_bytes": 4096,
                                                     "read_ahead_kb": 128})])
def test_async_readahead_cannot_reclaim_the_page_being_mapped(profile, knobs, hog) -> None:
    """No fault-around, no swap, anonymous memory filling RAM: every hit on a
    PG_readahead page starts async readahead whose allocations wake kswapd; the page
    it hit must still be the one mapped (it was file page 191 at page 128 before)."""
    m = pw.Machine(memory="4MiB", swap=0, profile=profile, **knobs)
    t = m.spawn("init")
    n = 200
    f = _tagged_file(m, n)
    m.drop_caches()
    h = t.mmap(hog * PAGE)
    t.touch(h, hog * PAGE, write=True)
    a = t.mmap(n * PAGE, prot="r", flags="private", file=f)
    for i in range(n):
        assert t.read(a + i * PAGE, 4) == i.to_bytes(4, "little"), f"file page {i}"
    m.check()
    assert m.vmstat["oom_kill"] == 0


@pytest.mark.parametrize("profile", ["linux", "classic"])
@pytest.mark.parametrize("swap", [0, "64MiB"])
def test_file_read_after_anon_fills_ram_is_not_enomem(profile, swap) -> None:
    """15 MiB of anonymous writes on 16 MiB RAM, then read(2) of a cached-then-
    reclaimed file: the read-ahead window's own allocations may reclaim the target
    page; read() reads it again instead of failing with ENOMEM."""
    m = pw.Machine(memory="16MiB", swap=swap, profile=profile)
    t = m.spawn("init")
    f = m.create_file("f", data=b"abcd" * 1024 * 256)
    a = t.mmap("15MiB")
    for i in range(15 * 256):
        t.write(a + i * PAGE, b"x")
    assert f.read(0, 4) == b"abcd"
    assert f.read(4 * PAGE - 2, 4) == b"cdab"
    m.check()
