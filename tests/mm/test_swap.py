"""Swap (mm/swap_state.py, mm/swapfile.py): swap-out, swap-in, readahead, the swap
cache, the exclusive rule, slot counts across fork and exit, and the madvise
advice that moves anonymous pages to and from swap."""

from __future__ import annotations

import pytest
from tests.conftest import delta

import pagewalk as pw

PAGE = 4096


def fill(t: pw.Task, a: int, n: int, tag: int = 0) -> None:
    for i in range(n):
        t.write(a + i * PAGE, (tag * 100000 + i).to_bytes(4, "little"))


def verify(t: pw.Task, a: int, n: int, tag: int = 0) -> None:
    for i in range(n):
        assert t.read(a + i * PAGE, 4) == (tag * 100000 + i).to_bytes(4, "little"), i


def swapped_out(memory="4MiB", swap="16MiB", n=2048, **knobs):
    """A task whose n written pages no longer fit: most of them are in swap."""
    m = pw.Machine(memory=memory, swap=swap, **knobs)
    t = m.spawn("t")
    a = t.mmap(n * PAGE)
    fill(t, a, n)
    m.check()
    return m, t, a


@pytest.mark.parametrize("cluster, ratio", [(3, 8), (2, 4), (0, 1)])
def test_swapin_readahead_shape(cluster: int, ratio: int) -> None:
    """Reading back swapped pages: one major fault per 2**page_cluster pages and the
    rest swap-cache minors (the host, page-cluster 3: 4097 major / 28671 minor for
    32768 pages; swap_ra = 7 per major, swap_ra_hit = the minors)."""
    m, t, a = swapped_out(page_cluster=cluster)
    # Push everything out so that the read-back starts from swap.
    t.madvise(a, 2048 * PAGE, "pageout")
    m.check()
    assert t.stats.swap == 2048
    v = dict(m.vmstat)
    minor, major = delta(t, lambda: verify(t, a, 2048))
    m.check()
    d = {k: m.vmstat[k] - v[k] for k in ("pswpin", "swap_ra", "swap_ra_hit", "pgmajfault")}
    assert minor + major == 2048
    assert major == d["pgmajfault"]
    # Up to a few readahead pages reclaimed before their fault (the host: 1 in 4097).
    assert 2048 // ratio <= major <= 2048 // ratio + 8
    # Every page read is a major's target or a readahead page; a target reclaimed by
    # the readahead's own allocations is read twice (the host's pswpin: 32769).
    assert 0 <= d["pswpin"] - major - d["swap_ra"] <= 8
    assert d["swap_ra_hit"] == minor
    if cluster == 0:
        assert (minor, d["swap_ra"]) == (0, 0)
    else:
        assert minor >= 2048 - 2048 // ratio - 8


def test_swapout_counts_and_pagemap() -> None:
    m, t, a = swapped_out()
    v = m.vmstat
    assert v["pswpout"] > 0 and v["pgpgout"] == 4 * v["pswpout"]
    assert v["pgscan_kswapd"] >= v["pgsteal_kswapd"] > 0
    info = t.pagemap(a)                       # the oldest page went first
    assert info.swapped and info.swap_type == 0 and info.swap_offset >= 1
    assert t.stats.swap + t.stats.rss_anon == 2048
    mi = m.meminfo()
    assert mi["SwapTotal"] - mi["SwapFree"] == 4 * (t.stats.swap + m.swap.nr_swapcache()) or \
        mi["SwapFree"] <= mi["SwapTotal"]


def test_read_fault_maps_exclusive_page_writable_clean_and_keeps_the_slot() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(8 * PAGE)
    fill(t, a, 8)
    t.madvise(a, 8 * PAGE, "pageout")
    assert t.pagemap(a).swapped
    assert delta(t, lambda: t.read(a, 4)) == (0, 1)
    info = t.pagemap(a)
    assert info.present and info.writable and not info.dirty
    # The slots are kept: clean pages. Slots 1..7 were read (the aligned cluster
    # 0..7 of the entry; slot 0 is the swap header).
    assert t.pagemap(a + 7 * PAGE).swap_offset == 8
    assert m.swap.nr_swapcache() == 7
    assert delta(t, lambda: t.write(a, b"new!")) == (0, 0)
    assert t.pagemap(a).dirty
    m.check()
    # A write fault on the swap entry maps it dirty and frees the slot.
    assert delta(t, lambda: t.write(a + PAGE, b"xxxx")) == (1, 0)
    info = t.pagemap(a + PAGE)
    assert info.writable and info.dirty
    assert m.swap.nr_swapcache() == 6
    m.check()
    # The page written after the read fault goes to swap again when paged out.
    out = m.vmstat["pswpout"]
    t.madvise(a, 2 * PAGE, "pageout")
    assert m.vmstat["pswpout"] == out + 2
    assert t.read(a, 4) == b"new!" and t.read(a + PAGE, 4) == b"xxxx"
    m.check()


def test_clean_swapcache_page_is_dropped_without_io() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(4 * PAGE)
    fill(t, a, 4)
    t.madvise(a, 4 * PAGE, "pageout")
    verify(t, a, 4)                                 # read back: clean, still in the cache
    out = m.vmstat["pswpout"]
    t.madvise(a, 4 * PAGE, "pageout")
    assert m.vmstat["pswpout"] == out               # no write: the slot holds the data
    assert t.stats.swap == 4 and m.swap.nr_swapcache() == 0
    verify(t, a, 4)
    m.check()


def test_fork_shares_swap_slots_and_copy_on_write_after_swapin() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    p = m.spawn("p")
    a = p.mmap(4 * PAGE)
    fill(p, a, 4)
    p.madvise(a, 4 * PAGE, "pageout")
    c = p.fork()
    assert c.stats.swap == 4
    assert m.swap.swap_count(c.pagemap(a).swap_offset << 9) == 2
    m.check()
    # The parent reads: major (readahead brings all four); the child reads: minor.
    assert delta(p, lambda: p.read(a, 4)) == (0, 1)
    assert delta(c, lambda: c.read(a, 4)) == (1, 0)
    assert not p.pagemap(a).writable               # shared: read-only in both
    m.check()
    # The child writes a page it shares with the parent's swap entry: one fault, a copy.
    assert delta(c, lambda: c.write(a + PAGE, b"kid!")) == (1, 0)
    assert c.read(a + PAGE, 4) == b"kid!"
    assert p.read(a + PAGE, 4) == (1).to_bytes(4, "little")
    m.check()
    c.exit(0)
    p.wait(c)
    m.check()
    verify(p, a, 4)
    m.check()


def test_munmap_and_exit_free_swap_slots() -> None:
    m, t, a = swapped_out()
    used = m.swap.si.inuse_pages
    assert used > 0
    t.munmap(a, 1024 * PAGE)
    m.check()
    assert m.swap.si.inuse_pages < used
    t.exit(0)
    m.check()
    assert m.swap.si.inuse_pages == 0 and m.swap.nr_swapcache() == 0
    assert m.swap.nr_free_slots() == 16 * 256 - 1


def test_swap_full_keeps_pages_in_memory() -> None:
    m = pw.Machine(memory="4MiB", swap="64KiB")      # 15 usable slots
    t = m.spawn("t")
    a = t.mmap(256 * PAGE)
    fill(t, a, 256)
    t.madvise(a, 256 * PAGE, "pageout")
    assert t.stats.swap == 15 and m.swap.nr_free_slots() == 0
    verify(t, a, 256)
    m.check()


def test_madvise_free_then_write_costs_no_fault() -> None:
    """Host item h: write all, MADV_FREE (no pressure), write all: 0 / 0."""
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn("t")
    a = t.mmap(1000 * PAGE)
    t.touch(a, 1000 * PAGE, write=True)
    t.madvise(a, 1000 * PAGE, "free")
    assert m.vmstat["pglazyfree"] == 1000
    assert delta(t, lambda: t.touch(a, 1000 * PAGE, write=True)) == (0, 0)
    m.check()


def test_madvise_free_pages_are_discarded_by_reclaim_unless_written() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(8 * PAGE)
    fill(t, a, 8, tag=1)
    t.madvise(a, 8 * PAGE, "free")
    t.write(a, b"keep")                             # written again: not freeable
    t.madvise(a, 8 * PAGE, "pageout")
    m.check()
    assert m.vmstat["pglazyfreed"] == 7
    assert t.read(a, 4) == b"keep"
    assert delta(t, lambda: t.read(a + PAGE, 4)) == (1, 0)
    assert t.read(a + PAGE, 4) == bytes(4)          # discarded: reads as zeros
    m.check()


def test_madvise_willneed_reads_swap_without_faults() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(16 * PAGE)
    fill(t, a, 16)
    t.madvise(a, 16 * PAGE, "pageout")
    before = m.vmstat["pswpin"]
    assert delta(t, lambda: t.madvise(a, 16 * PAGE, "willneed")) == (0, 0)
    assert m.vmstat["pswpin"] == before + 16
    assert delta(t, lambda: verify(t, a, 16)) == (16, 0)
    m.check()


def test_madvise_cold_deactivates() -> None:
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn("t")
    a = t.mmap(8 * PAGE)
    fill(t, a, 8)
    for pfn in (t.pagemap(a + i * PAGE).pfn for i in range(8)):
        m.lru.move(m.phys.mem_map[pfn], active=True)
    t.madvise(a, 8 * PAGE, "cold")
    assert m.vmstat["pgdeactivate"] == 8
    assert m.lru.count("active_anon") == 0 and not t.pagemap(a).young
    m.check()


def test_swapoff_machine_has_no_swap() -> None:
    m = pw.Machine(memory="4MiB", swap=0)
    t = m.spawn("t")
    a = t.mmap(8 * PAGE)
    fill(t, a, 8)
    t.madvise(a, 8 * PAGE, "pageout")
    assert m.vmstat["pswpout"] == 0 and t.stats.rss_anon == 8
    assert m.meminfo()["SwapTotal"] == 0
    m.check()


def test_shmem_pages_go_to_swap_and_come_back():
    """MAP_SHARED|MAP_ANONYMOUS larger than RAM: shmem pages are swapped out
    (shmem_writeout: the page cache keeps the swap entry), faults read them back
    as major faults, fork shares them, and no byte changes."""
    m = pw.Machine(memory="4MiB", swap="16MiB")
    p = m.spawn()
    n = 2048                                        # 8 MiB of shmem on 4 MiB of RAM
    a = p.mmap(n * PAGE, prot="rw", flags="shared|anonymous")
    for i in range(n):
        p.write(a + i * PAGE, i.to_bytes(4, "little"))
    m.check()
    assert m.vmstat["pswpout"] > 0
    assert m.meminfo()["Shmem"] < n * 4             # not all of it is in memory
    c = p.fork()
    before = c.stats.maj_flt
    for i in range(n):
        assert c.read(a + i * PAGE, 4) == i.to_bytes(4, "little"), i
    assert c.stats.maj_flt > before and m.vmstat["pswpin"] > 0
    m.check()
    c.write(a, b"both")                             # shared: the parent sees it
    assert p.read(a, 4) == b"both"
    c.exit()
    p.wait(c)
    p.munmap(a, n * PAGE)                           # the last mapping: pages and slots freed
    m.check()
    assert m.swap.nr_free_slots() == m.swap.si.max_slots
