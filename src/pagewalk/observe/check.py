"""Machine.check(): the kernel's invariants, verified from scratch.

Each check recomputes a fact from the page tables and compares it with what
the kernel keeps incrementally (refcounts, mapcounts, RSS counters, the free
count, the TLB). The first mismatch raises ``KernelBug`` naming it.
"""

from __future__ import annotations

from collections import Counter

from ..arch.pte import _D, _P, _PROTNONE, _PSE, _RW, _SPECIAL, _USER, PFN_MASK
from ..errors import KernelBug
from ..mm.mm_types import MM
from ..mm.page import PG_anon, PG_buddy, PG_head, PG_pgtable, PG_reserved, PG_swapbacked
from ..mm.phys import ZERO_PFN


def _leaf_entries(machine, mm):
    """Yield (address, pte, is_huge) for every non-empty leaf entry of ``mm``."""
    mode = machine.mode
    tables = machine.phys.tables
    last = len(mode.levels) - 1

    def visit(pfn: int, level: int, base: int):
        shift = mode.shifts[level]
        for i, e in enumerate(tables[pfn]):
            if not e:
                continue
            addr = base + (i << shift)
            if level == last:
                yield addr, e, False
            elif e & _PSE:
                yield addr, e, True
            elif e & _P:
                yield from visit((e & PFN_MASK) >> 12, level + 1, addr)
            else:
                raise KernelBug(f"check: non-present upper-level entry {e:#x} at {addr:#x}")

    yield from visit(mm.pgd, 0, 0)


def check_machine(machine) -> None:
    phys = machine.phys
    mapcounts: Counter[int] = Counter()
    entire: Counter[int] = Counter()
    anon_writable: set[int] = set()
    swap_refs: Counter[int] = Counter()
    for task in machine.tasks.values():
        mm = task.mm
        if mm is None:
            if task.alive:
                raise KernelBug(f"check: live task {task.pid} has no mm")
            continue
        if not task.alive:
            raise KernelBug(f"check: dead task {task.pid} still has an mm")
        try:
            mm.mmap.check()
        except AssertionError as e:
            raise KernelBug(f"check: pid {task.pid}: {e}") from None
        rss = [0, 0, 0, 0]
        seen: dict[int, int] = {}
        for addr, pte, huge in _leaf_entries(machine, mm):
            vma = mm.mmap.find_vma(addr)
            if vma is None or vma.vm_start > addr:
                raise KernelBug(f"check: pid {task.pid}: entry {pte:#x} at {addr:#x} "
                                "outside every VMA")
            if not pte & (_P | _PROTNONE):
                swap_refs[pte] += 1
                rss[MM.SWAPENTS] += 1
                continue
            pfn = (pte & PFN_MASK) >> 12
            for vpn in range(addr >> 12, (addr >> 12) + (512 if huge else 1)):
                seen[vpn] = pte
            if pte & _SPECIAL:
                if pfn != ZERO_PFN and not (huge and machine.thp.is_huge_zero_pfn(pfn)):
                    raise KernelBug(f"check: special entry at {addr:#x} is not the zero page")
                if pte & _RW:
                    raise KernelBug(f"check: pid {task.pid}: the zero page is writable at "
                                    f"{addr:#x}")
                continue
            if phys.is_free(pfn):
                raise KernelBug(f"check: pid {task.pid}: {addr:#x} maps free frame {pfn:#x}")
            page = phys.mem_map[pfn]
            if page.flags & PG_pgtable:
                raise KernelBug(f"check: {addr:#x} maps page-table page {pfn:#x}")
            if huge:
                entire[pfn] += 1
                rss[MM.ANONPAGES] += 512
                if pte & _RW:
                    anon_writable.add(pfn)
                continue
            mapcounts[pfn] += 1
            if page.flags & PG_anon:
                rss[MM.ANONPAGES] += 1
                if pte & _RW:
                    anon_writable.add(pfn)
                if not vma.vm_start <= addr < vma.vm_end or \
                        vma.linear_page_index(addr) != page.index:
                    raise KernelBug(f"check: anon page {pfn:#x} at {addr:#x} has index "
                                    f"{page.index}, expected {vma.linear_page_index(addr)}")
            elif page.flags & PG_swapbacked:
                rss[MM.SHMEMPAGES] += 1
            else:
                rss[MM.FILEPAGES] += 1
        if rss != mm.rss:
            raise KernelBug(f"check: pid {task.pid}: RSS counters {mm.rss} but the page "
                            f"tables hold {rss} (file, anon, swapents, shmem)")
        for vpn, pfn in mm.tlb_r.items():
            pte = seen.get(vpn)
            if pte is None or not pte & _P or not pte & _USER or \
                    ((pte & PFN_MASK) >> 12) + ((vpn & 511) if pte & _PSE else 0) != pfn:
                raise KernelBug(f"check: pid {task.pid}: stale TLB entry {vpn << 12:#x} -> "
                                f"{pfn:#x}; the table says {pte!r}")
        for vpn in mm.tlb_w:
            pte = seen.get(vpn)
            if pte is None or not pte & _RW or not pte & _D or vpn not in mm.tlb_r:
                raise KernelBug(f"check: pid {task.pid}: TLB allows a write at {vpn << 12:#x} "
                                "that the table does not")
    # Per-frame state.
    nr_free = 0
    for pfn, page in phys.mem_map.items():
        if page.flags & PG_buddy or page.flags & PG_reserved:
            if mapcounts.get(pfn):
                raise KernelBug(f"check: frame {pfn:#x} is free or reserved yet mapped")
            continue
        if page.flags & PG_pgtable:
            if pfn not in phys.tables or page.refcount != 1:
                raise KernelBug(f"check: page-table page {page!r} is inconsistent")
            continue
        expect_map = mapcounts.get(pfn, 0)
        if page.head is not None:                       # a tail: references live on the head
            if page.mapcount != expect_map or page.refcount:
                raise KernelBug(f"check: tail {page!r}: mapcount {page.mapcount} (expected "
                                f"{expect_map}), refcount {page.refcount} (expected 0)")
            continue
        if page.flags & PG_head:
            if page.entire_mapcount != entire.get(pfn, 0):
                raise KernelBug(f"check: THP {page!r}: entire_mapcount {page.entire_mapcount}"
                                f" but {entire.get(pfn, 0)} PMDs map it")
            if page.mapcount != expect_map:
                raise KernelBug(f"check: THP head {page!r}: mapcount {page.mapcount} but "
                                f"{expect_map} PTEs map it")
            subs = sum(phys.mem_map[p].mapcount for p in range(pfn, pfn + (1 << page.order)))
            if page.refcount != page.entire_mapcount + subs:
                raise KernelBug(f"check: THP {page!r}: refcount {page.refcount}, expected "
                                f"{page.entire_mapcount + subs} (PMD + PTE mappings)")
            if page.entire_mapcount > 1 and pfn in anon_writable:
                raise KernelBug(f"check: THP {pfn:#x} is shared by {page.entire_mapcount} "
                                "PMDs but writable in one")
            continue
        if page.mapcount != expect_map:
            raise KernelBug(f"check: {page!r}: mapcount {page.mapcount} but {expect_map} "
                            "PTEs map it")
        refs = page.mapcount + machine.filemap.cache_refs(page) + machine.swap.cache_refs(page)
        if page.refcount != refs:
            raise KernelBug(f"check: {page!r}: refcount {page.refcount}, expected {refs} "
                            "(mappings + page cache + swap cache)")
        if page.flags & PG_anon and page.mapcount > 1 and pfn in anon_writable:
            raise KernelBug(f"check: COW page {pfn:#x} is shared by {page.mapcount} PTEs "
                            "but writable in one of them")
        if page.refcount == 0:
            raise KernelBug(f"check: {page!r} is neither free nor referenced (leaked)")
    for order, area in enumerate(phys.free_area):
        for start in area:
            nr_free += 1 << order
            page = phys.mem_map.get(start)
            if page is not None and not page.flags & PG_buddy:
                raise KernelBug(f"check: free block {start:#x} has a page in use")
    nr_free += phys.untouched_end - phys.untouched       # blocks never allocated
    for pfn, page in phys.mem_map.items():
        if phys.untouched <= pfn < phys.untouched_end and (page.refcount or page.mapcount):
            raise KernelBug(f"check: {page!r} is in use inside the never-allocated blocks")
    if nr_free != phys.nr_free:
        raise KernelBug(f"check: free lists hold {nr_free} frames, nr_free says {phys.nr_free}")
    if machine.nr_pagetable != len(phys.tables):
        raise KernelBug(f"check: {len(phys.tables)} page-table pages exist, "
                        f"nr_pagetable says {machine.nr_pagetable}")
    if any(phys.frames.get(ZERO_PFN, b"")):
        raise KernelBug("check: empty_zero_page is not zero")
    for f in machine.filemap.shmem_files:          # shmem pages out in swap
        for entry in f.mapping.swapped.values():
            swap_refs[entry] += 1
    machine.swap.check(swap_refs)
    machine.filemap.check()
