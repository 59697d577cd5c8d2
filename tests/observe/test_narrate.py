"""--explain's narration: grouping, reclaim, page-table indices, 2.6 names."""

from __future__ import annotations

import pagewalk as pw
from pagewalk.arch.paging import paging_mode
from pagewalk.observe.classic_names import classic_path
from pagewalk.observe.explain import explain, indices_line
from pagewalk.observe.narrate import groups, narrate
from pagewalk.observe.tracepoints import FaultRecord


def _rec(addr: int, steps: tuple[str, ...], major: bool = False) -> FaultRecord:
    return FaultRecord(pid=1, address=addr, error_code=6, handler=steps[-1], steps=steps,
                       result="", major=major)


A = ("exc_page_fault", "do_anonymous_page")
B = ("exc_page_fault", "do_swap_page")


def test_consecutive_same_path_is_one_group_and_one_line() -> None:
    recs = [_rec(0x1000 * i, A) for i in range(1, 1001)]
    blocks = narrate(recs)
    assert len(blocks) == 2
    assert blocks[1] == ["… and 999 more like it: do_anonymous_page, 0x2000–0x3e8000"]
    assert len(narrate(recs, group=False)) == 1000


def test_a_repeating_cycle_is_one_group() -> None:
    recs = []
    for i in range(40):
        recs.append(_rec(0x1000 * (8 * i), B, major=True))
        recs += [_rec(0x1000 * (8 * i + k), B) for k in range(1, 8)]
    assert len(groups(recs)) == 1
    blocks = narrate(recs)
    assert len(blocks) == 3             # the major one, the minor one, the rest
    assert "318 more like these: 279 × do_swap_page, 39 × do_swap_page (major)" in blocks[2][0]


def test_a_different_path_starts_a_new_group() -> None:
    recs = [_rec(0x1000, A), _rec(0x2000, A), _rec(0x3000, B), _rec(0x4000, A)]
    assert [len(g) for g in groups(recs)] == [2, 1, 1]


def test_indices_split_the_address_as_the_mmu_does() -> None:
    i386 = paging_mode("i386")
    assert indices_line(0x0804_8123, i386) == ("page-table indices (i386): pgd 32, pte 72, "
                                               "offset 0x123")
    x = paging_mode("x86_64")
    assert "pgd 255, pud 511, pmd 446, pte 23, offset 0x0" in indices_line(0x7FFFF7C17000, x)


def _pressure() -> tuple[pw.Machine, list[FaultRecord]]:
    m = pw.Machine(memory="4MiB", swap="16MiB")
    t = m.spawn("hog")
    a = t.mmap(2048 * 4096, prot="rw", flags="private|anonymous")
    with m.trace() as tr:
        t.touch(a, 2048 * 4096, write=True)
    return m, tr.faults


def test_reclaim_is_narrated_inside_the_fault_that_needed_it() -> None:
    m, faults = _pressure()
    hog = next(iter(m.tasks.values()))
    with_reclaim = [f for f in faults if f.reclaim]
    assert with_reclaim, "4 MiB of RAM, 8 MiB touched: reclaim must run"
    run = with_reclaim[0].reclaim[0]
    assert run.who in ("kswapd", "direct") and run.victims
    assert run.free_after > run.free_before
    v = run.victims[0]
    assert v.kind == "anon" and v.outcome == "swapout" and v.lru == "inactive_anon"
    (pid, addr), = v.owners
    assert pid == hog.pid
    pm = hog.pagemap(addr)          # the victim's PTE now names the slot it was written to
    assert pm.swapped and pm.swap_offset == v.slot
    lines = explain(with_reclaim[0], reclaim_limit=None)
    assert any(f"written to swap slot {v.slot}" in line and f"{addr:#x}" in line
               for line in lines)
    assert sum("→ written to swap slot" in line for line in lines) == len(run.victims)


def test_classic_path_uses_the_26_names() -> None:
    steps = ("exc_page_fault", "do_user_addr_fault", "find_vma", "handle_mm_fault",
             "pte_alloc", "handle_pte_fault", "do_fault", "do_read_fault",
             "filemap_get_folio", "filemap_read_folio", "finish_fault")
    assert classic_path(steps) == ["do_page_fault", "find_vma", "good_area", "handle_mm_fault",
                                   "pte_alloc_map", "handle_pte_fault", "do_no_page",
                                   "filemap_nopage"]
    bad = ("exc_page_fault", "do_user_addr_fault", "find_vma", "bad_area_access_error")
    assert classic_path(bad) == ["do_page_fault", "find_vma", "good_area", "bad_area"]
    assert classic_path(("exc_page_fault", "do_fault_around"))[-1] == "do_fault_around [6.x]"


def test_direct_reclaim_and_file_victims_are_told_in_words() -> None:
    from pagewalk.observe.reclaim_story import explain_reclaim
    from pagewalk.observe.tracepoints import ReclaimRecord, ReclaimVictim
    victims = (ReclaimVictim(pfn=0x42, kind="file", lru="inactive_file",
                             owners=((3, 0x400000),), outcome="dropped", file="data.bin",
                             index=7),
               ReclaimVictim(pfn=0x43, kind="anon", lru="inactive_anon", owners=(),
                             outcome="swapout", slot=9, referenced=True))
    rec = ReclaimRecord(who="direct", pid=3, free_before=10, free_after=12,
                        watermarks=(10, 12, 14), scanned=32, victims=victims)
    lines = explain_reclaim(rec, limit=1)
    assert lines[0] == ("direct reclaim by pid 3 (free 10 ≤ min 10 pages): freed 2 pages "
                        "(scanned 32), free now 12")
    assert lines[1] == ("  pfn 0x42 (pid 3 at 0x400000) from inactive_file: no PTE accessed "
                        "since the last scan (accessed bit clear), PG_referenced clear → clean "
                        "file page (data.bin, page 7): dropped from the page cache")
    assert lines[2] == "  … and 1 more: 1 written to swap (slot 9)"
    zh = explain_reclaim(rec, "zh", limit=None)
    assert "直接回收" in zh[0] and "写入交换槽 9" in zh[2]
