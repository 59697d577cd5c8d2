"""Reclaim (mm/vmscan.py, mm/lru.py): watermarks, kswapd and direct reclaim, the
referenced-bit rules, the two-touch rule, and what cannot be reclaimed."""

from __future__ import annotations

import pytest

import pagewalk as pw
from pagewalk.mm.page import PG
from pagewalk.mm.vmscan import ScanControl, compute_watermarks, folio_referenced, shrink_node

PAGE = 4096


@pytest.mark.parametrize("mib, kbytes, wmin, low, high", [
    (4, 255, 63, 78, 93),          # int_sqrt(1022 * 4 * 16) = 255 kB; tmp = min / 4
    (16, 511, 127, 158, 189),
    (128, 1448, 362, 452, 542),
    (16384, 16383, 4095, 8289, 12483),  # tmp = managed * 10 / 10000 (scale factor) wins
])
def test_watermarks_follow_min_free_kbytes(mib, kbytes, wmin, low, high) -> None:
    wm = compute_watermarks((mib << 8) - 2)       # frames 0 and 1 are reserved
    assert (wm.min_free_kbytes, wm.min, wm.low, wm.high) == (kbytes, wmin, low, high)


def test_kswapd_keeps_free_memory_above_min() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(2048 * PAGE)
    wm = m.reclaim.watermarks
    lowest = m.phys.nr_free
    for i in range(2048):
        t.write(a + i * PAGE, b"x")
        lowest = min(lowest, m.phys.nr_free)
    assert lowest >= wm.min
    assert m.vmstat["pgsteal_kswapd"] > 0 and m.vmstat["pageoutrun"] > 0
    assert m.vmstat["pgsteal_anon"] == m.vmstat["pgsteal_kswapd"] + m.vmstat["pgsteal_direct"]
    m.check()


def test_direct_reclaim_when_kswapd_cannot_keep_up() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    a = t.mmap(1024 * PAGE)
    for i in range(1024):
        t.write(a + i * PAGE, b"x")
    m.reclaim.kswapd_failures = 10**6          # kswapd asleep for good
    b = t.mmap(512 * PAGE)
    for i in range(512):
        t.write(b + i * PAGE, b"y")
    assert m.vmstat["allocstall_normal"] > 0 and m.vmstat["pgsteal_direct"] > 0
    assert m.vmstat["pgscan_direct"] >= m.vmstat["pgsteal_direct"]
    m.check()


def test_young_pages_survive_a_scan_and_referenced_ones_are_activated() -> None:
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn("t")
    a = t.mmap(4 * PAGE)
    t.touch(a, 4 * PAGE, write=True)
    pages = [m.phys.mem_map[t.pagemap(a + i * PAGE).pfn] for i in range(4)]
    referenced, vm_flags = folio_referenced(pages[0])
    assert referenced == 1 and vm_flags == t.mm.mmap.find_vma(a).vm_flags
    assert not t.pagemap(a).young                  # the look cleared the accessed bit
    sc = ScanControl(32, kswapd=True)
    sc.priority = 0
    shrink_node(m, sc, lambda: False)
    # Page 0 is old and unreferenced: reclaimed. The others were young: kept, marked.
    assert sc.nr_reclaimed == 1 and t.pagemap(a).swapped
    assert m.lru.count("inactive_anon") == 3
    assert all(p.flags & PG.referenced for p in pages[1:])
    t.touch(a + PAGE, PAGE)                        # used again: young + referenced
    sc = ScanControl(32, kswapd=True)
    sc.priority = 0
    shrink_node(m, sc, lambda: False)
    # Page 1 was activated; the inactive list then being empty, the end-of-pass
    # aging (inactive_is_low) moved it back: pgactivate 1, pgdeactivate 1.
    assert m.vmstat["pgactivate"] == 1 and m.vmstat["pgdeactivate"] == 1
    assert t.pagemap(a + PAGE).present and pages[1].flags & PG.workingset
    assert sc.nr_reclaimed == 2 and m.vmstat["pswpout"] == 3
    m.check()


def test_inactive_list_is_refilled_from_the_active_list() -> None:
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn("t")
    a = t.mmap(64 * PAGE)
    t.touch(a, 64 * PAGE, write=True)
    for i in range(64):
        m.lru.move(m.phys.mem_map[t.pagemap(a + i * PAGE).pfn], active=True)
    sc = ScanControl(32, kswapd=True)
    sc.priority = 0
    shrink_node(m, sc, lambda: False)
    assert m.vmstat["pgrefill"] >= 32 and m.vmstat["pgdeactivate"] >= 32
    m.check()


def test_mark_page_accessed_two_touch_rule() -> None:
    m = pw.Machine(memory="64MiB", swap="64MiB")
    t = m.spawn("t")
    a = t.mmap(PAGE)
    t.write(a, b"x")
    page = m.phys.mem_map[t.pagemap(a).pfn]
    m.mark_page_accessed(page)
    assert page.flags & PG.referenced and not page.flags & PG.active
    m.mark_page_accessed(page)
    assert page.flags & PG.active and not page.flags & PG.referenced
    assert m.lru.count("active_anon") == 1 and m.vmstat["pgactivate"] == 1
    m.check()


def test_without_swap_anonymous_memory_is_not_reclaimed() -> None:
    m = pw.Machine(memory="4MiB", swap=0)
    t = m.spawn("t")
    a = t.mmap(800 * PAGE)
    t.touch(a, 800 * PAGE, write=True)
    assert m.vmstat["pgscan_anon"] == 0 and m.vmstat["pswpout"] == 0
    assert t.stats.rss_anon == 800
    m.check()


def test_swappiness_zero_still_swaps_without_file_pages() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB", swappiness=0)
    t = m.spawn("t")
    a = t.mmap(1500 * PAGE)
    t.touch(a, 1500 * PAGE, write=True)
    assert m.vmstat["pswpout"] > 0
    m.check()


def test_file_pages_are_written_back_and_dropped_under_pressure() -> None:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("t")
    n = 600
    f = m.create_file("data.bin", size=n * PAGE)
    b = t.mmap(n * PAGE, prot="rw", flags="shared", file=f)
    for i in range(n):
        t.write(b + i * PAGE, i.to_bytes(4, "little"))
    a = t.mmap(1500 * PAGE)
    t.touch(a, 1500 * PAGE, write=True)            # pressure: the file pages go first
    m.check()
    v = m.vmstat
    assert v["pgsteal_file"] > 0 and t.stats.rss_file < n
    # Dirty PTEs moved their dirty bit to the page, which was written before dropping.
    assert v["pgpgout"] == 4 * (v["pswpout"] + v["pgsteal_file"])
    majors = t.stats.maj_flt
    for i in range(n):
        assert t.read(b + i * PAGE, 4) == i.to_bytes(4, "little")
    assert t.stats.maj_flt > majors                # read back from the disk
    m.check()


def test_clean_file_pages_are_dropped_without_io() -> None:
    m = pw.Machine(memory="4MiB", swap=0)
    t = m.spawn("t")
    f = m.create_file("ro.bin", data=bytes(range(256)) * 16 * 400)
    m.filemap.write_back(f)                        # created by write(): sync it first
    written = m.vmstat["pgpgout"]
    b = t.mmap(400 * PAGE, prot="r", flags="private", file=f)
    t.touch(b, 400 * PAGE)
    a = t.mmap(700 * PAGE)
    t.touch(a, 700 * PAGE, write=True)             # no swap: only the file can give
    m.check()
    assert m.vmstat["pgsteal_file"] > 0 and m.vmstat["pgpgout"] == written
    assert t.read(b + 399 * PAGE, 4) == bytes(range(4))
    m.check()
