"""swap_device: "async" (disk, swap file), "sync" (zram) and the zeromap, as in
mm/page_io.c swap_writeout / swap_read_folio and mm/vmscan.c shrink_folio_list."""

from __future__ import annotations

import pytest

import pagewalk as pw

PAGE = 4096
N = 1000


def _paged_out(dev: str):
    m = pw.Machine(memory="64MiB", swap="256MiB", swap_device=dev)
    t = m.spawn("init")
    a = t.mmap(N * PAGE)
    t.touch(a, N * PAGE, write=True)              # stores 0xa5: no page is zero-filled
    t.write(a, b"kept")
    t.madvise(a, N * PAGE, "pageout")
    return m, t, a


def _faults(t, fn) -> tuple[int, int]:
    before = (t.stats.min_flt, t.stats.maj_flt)
    fn()
    return t.stats.min_flt - before[0], t.stats.maj_flt - before[1]


def test_async_pageout_keeps_pages_in_the_swap_cache_until_the_next_pass() -> None:
    m, t, a = _paged_out("async")
    assert m.vmstat["pswpout"] == N
    assert _faults(t, lambda: t.touch(a, N * PAGE)) == (N, 0)       # all swap-cache hits
    assert m.vmstat["pswpin"] == 0
    t.madvise(a, N * PAGE, "pageout")                                # clean: freed, no I/O
    assert m.vmstat["pswpout"] == N
    got = _faults(t, lambda: t.touch(a, N * PAGE))
    # swap_vma_readahead: windows of 1, 2, 4, then 8 pages (page-cluster 3) from
    # each fault on, clipped at the PMD: 3 + ceil(993 / 8) = 128, one more per
    # PMD boundary that does not fall on a window's end
    assert sum(got) == N and 128 <= got[1] <= 130
    assert m.vmstat["pswpin"] == N
    assert t.read(a, 4) == b"kept"
    m.check()


def test_vma_readahead_windows_follow_the_addresses() -> None:
    _, t, a = _paged_out("async")
    t.touch(a, N * PAGE)
    t.madvise(a, N * PAGE, "pageout")
    majors = []
    for i in range(64):
        before = t.stats.maj_flt
        t.touch(a + i * PAGE, PAGE)
        if t.stats.maj_flt > before:
            majors.append(i)
    pmd_end = (((a >> 21) + 1) << 21) - a >> 12                   # first PMD boundary
    want = [0, 1, 3] + [i for i in range(7, 64, 8) if i < pmd_end]
    assert majors[:len(want)] == want


def test_sync_device_reads_each_page_and_keeps_no_swap_cache() -> None:
    m, t, a = _paged_out("sync")
    assert _faults(t, lambda: t.touch(a, N * PAGE)) == (0, N)       # no readahead
    assert m.vmstat["swap_ra"] == 0 and m.swap.nr_swapcache() == 0
    assert t.read(a, 4) == b"kept"
    m.check()


@pytest.mark.parametrize("dev", ["async", "sync"])
def test_zero_filled_pages_go_to_the_zeromap(dev: str) -> None:
    m = pw.Machine(memory="64MiB", swap="64MiB", swap_device=dev)
    t = m.spawn("init")
    a = t.mmap(8 * PAGE)
    t.touch(a, 8 * PAGE, write=True)
    t.write(a, bytes(PAGE))                       # page 0 back to all zeros
    t.madvise(a, 8 * PAGE, "pageout")
    assert (m.vmstat["swpout_zero"], m.vmstat["pswpout"]) == (1, 7)
    t.madvise(a, 8 * PAGE, "pageout")             # async: now clean, freed without I/O
    pswpin = m.vmstat["pswpin"]
    assert _faults(t, lambda: t.touch(a, PAGE)) == (0, 1)   # major, but no read
    assert m.vmstat["swpin_zero"] >= 1
    assert m.vmstat["pswpin"] - pswpin <= 7       # only the non-zero neighbours are read
    assert t.read(a, PAGE) == bytes(PAGE)
    m.check()


def test_instant_is_the_default_and_unknown_is_refused() -> None:
    assert pw.Machine().config.swap_device == "instant"
    with pytest.raises(pw.InvalidArgument, match="swap_device"):
        pw.Machine(swap_device="nvme")
