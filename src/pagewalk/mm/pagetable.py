"""Page tables: lazy allocation, the one walker, and freeing (mm/memory.c, mm/pgtable-generic.c).

A table is a page of RAM (``PG_pgtable``) whose entries live in
``phys.tables[pfn]`` as ints. ``walk`` is the one walker for lookup and creation
(xv6's ``walk(pagetable, va, alloc)``): it descends from the pgd to the table at
``level`` and returns ``(table, index)``; with ``alloc`` it allocates missing
tables on the way (``pud_alloc``, ``pmd_alloc``, ``pte_alloc``: the source texts'
"页表可能还未分配，因此首先执行分配页目录和页表"), naming each allocation in
``steps``. ``pte_range`` visits the existing leaf slots of a range, skipping
absent tables, for zap, copy, mprotect and the /proc views.

Page-table pages are counted in ``Machine.nr_pagetable`` (meminfo PageTables, the
pgd included) and in ``mm.pgtables_bytes`` (status VmPTE, the pgd excluded).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..arch.pte import _P, _PSE, PAGE_TABLE, PFN_MASK
from ..errors import KernelBug
from .page import PG_pgtable


def alloc_table(mm) -> int | None:
    """One zeroed page-table page; None when memory is exhausted (after reclaim)."""
    machine = mm.machine
    page = machine.alloc_page()
    if page is None:
        return None
    page.flags |= PG_pgtable
    machine.phys.tables[page.pfn] = [0] * machine.mode.entries
    machine.nr_pagetable += 1
    return page.pfn


def free_table(mm, pfn: int) -> None:
    machine = mm.machine
    table = machine.phys.tables.pop(pfn)
    if any(table):
        raise KernelBug(f"free_table: table {pfn:#x} still has entries")
    page = machine.phys.page(pfn)
    page.flags &= ~PG_pgtable
    page.refcount -= 1
    machine.phys.free_pages(page)
    machine.nr_pagetable -= 1


def pgd_alloc(mm) -> bool:
    pfn = alloc_table(mm)
    if pfn is None:
        return False
    mm.pgd = pfn
    return True


def walk(mm, va: int, level: int = -1, alloc: bool = False,
         steps: list[str] | None = None) -> tuple[list[int], int] | None:
    """(table, index) of the entry for ``va`` at ``level`` (-1: the leaf pte).

    Returns None when a table on the way is missing (``alloc`` False), when one
    cannot be allocated (``alloc`` True: the caller answers VM_FAULT_OOM), or when
    a huge-page PMD entry stands where a table was expected.
    """
    mode = mm.machine.mode
    tables = mm.machine.phys.tables
    shifts = mode.shifts
    mask = (1 << mode.bits) - 1
    if level < 0:
        level += len(shifts)
    table = tables[mm.pgd]
    for lvl in range(level):
        i = (va >> shifts[lvl]) & mask
        e = table[i]
        if not e & _P:
            if not alloc:
                return None
            pfn = alloc_table(mm)
            if pfn is None:
                return None
            mm.pgtables_bytes += 4096
            table[i] = (pfn << 12) | PAGE_TABLE
            if steps is not None:
                steps.append(f"{mode.levels[lvl + 1]}_alloc")
            table = tables[pfn]
        elif e & _PSE:
            return None
        else:
            table = tables[(e & PFN_MASK) >> 12]
    return table, (va >> shifts[level]) & mask


def pte_range(mm, start: int, end: int) -> Iterator[tuple[list[int], int, int]]:
    """Yield ``(pte_table, index, address)`` for every leaf slot in [start, end)
    whose table exists, in address order."""
    mode = mm.machine.mode
    span = mode.level_span(len(mode.levels) - 2) if len(mode.levels) > 1 else 1 << 32
    addr = start
    while addr < end:
        table_end = min((addr // span + 1) * span, end)
        found = walk(mm, addr)
        if found is not None:
            table, i = found
            for a in range(addr, table_end, 4096):
                yield table, i, a
                i += 1
        addr = table_end


def free_pgd_range(mm, addr: int, end: int, floor: int, ceiling: int) -> None:
    """Free the tables under [addr, end) whose whole span lies in [floor, ceiling),
    the gap no VMA covers any more (free_pgtables). Their leaf entries must already
    be zapped."""
    _free_level(mm, mm.machine.phys.tables[mm.pgd], 0, 0, addr, end, floor, ceiling)


def _free_level(mm, table, level, base, addr, end, floor, ceiling) -> None:
    mode = mm.machine.mode
    if level >= len(mode.levels) - 1:
        return
    shift = mode.shifts[level]
    span = 1 << shift
    first = (addr - base) >> shift
    last = (end - 1 - base) >> shift
    tables = mm.machine.phys.tables
    for i in range(first, last + 1):
        e = table[i]
        if not e & _P or e & _PSE:
            continue
        lo = base + i * span
        child = (e & PFN_MASK) >> 12
        _free_level(mm, tables[child], level + 1, lo, max(addr, lo), min(end, lo + span),
                    floor, ceiling)
        if floor <= lo and lo + span <= ceiling:
            table[i] = 0
            free_table(mm, child)
            mm.pgtables_bytes -= 4096


def count_tables(mm) -> int:
    """Tables below the pgd that this mm owns (for check())."""
    mode = mm.machine.mode
    tables = mm.machine.phys.tables

    def count(pfn: int, level: int) -> int:
        if level >= len(mode.levels) - 1:
            return 0
        n = 0
        for e in tables[pfn]:
            if e & _P and not e & _PSE:
                n += 1 + count((e & PFN_MASK) >> 12, level + 1)
        return n

    return count(mm.pgd, 0)
