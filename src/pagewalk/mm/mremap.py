"""mremap (mm/mremap.c): grow, shrink or move a mapping by moving its page tables.

    sys_mremap(addr, old_len, new_len, flags, new_addr)
      check_mremap_params      flags, alignment, lengths: EINVAL
      vma_lookup(addr)         no VMA at addr: EFAULT
      shrink                   old_len >= new_len: unmap the tail, stay (any VMAs)
      expand in place          [addr, addr+old_len) ends its VMA and the gap above
                               is free: vma_merge_extend (merges with the next VMA)
      move_vma                 MREMAP_MAYMOVE (or FIXED / DONTUNMAP): copy_vma at
                               the new place (merging there), move_page_tables,
                               then unmap the old range (DONTUNMAP: keep it, empty)

The pages never move: ``move_page_tables`` moves page-table *entries* (PTEs one
by one, or a whole PTE table by its PMD entry — move_normal_pmd — when both
addresses are 2 MiB aligned and a whole table's span moves; a huge PMD moves as
one entry). So the bytes arrive intact and no fault is taken on the next access.

Errnos follow the 6.18 host kernel, measured (see tests/mm/test_mremap.py):
EINVAL for bad flags, an unaligned address, a zero or over-TASK_SIZE length,
overlapping or out-of-range targets, old_len 0 on a private mapping; EFAULT when
addr is unmapped or the range to grow crosses the end of its VMA; ENOMEM when it
cannot grow in place without MREMAP_MAYMOVE or no free range exists; EAGAIN when
a locked mapping would grow beyond RLIMIT_MEMLOCK. A move-only MREMAP_FIXED
(old_len == new_len) may span several VMAs and holes (6.17+).
Every check runs before anything changes.
"""

from __future__ import annotations

import errno
import re

from ..arch.pte import _P, _PSE
from ..errors import InvalidArgument, SyscallError
from .mmap import (
    PMD_SIZE,
    do_munmap,
    get_unmapped_area,
    page_align,
    thp_get_unmapped_area,
    try_merge_around,
)
from .pagetable import walk
from .rmap import anon_vma_clone, unlink_anon_vmas
from .vma import VM, VMA

MREMAP_MAYMOVE = 1
MREMAP_FIXED = 2
MREMAP_DONTUNMAP = 4
_NAMES = {"maymove": MREMAP_MAYMOVE, "fixed": MREMAP_FIXED, "dontunmap": MREMAP_DONTUNMAP}
FLAGS_HELP = ('flags are "" or names joined by "|": maymove, fixed, dontunmap '
              '(e.g. "maymove|fixed")')
VM_LOCKED_MASK = int(VM.LOCKED | VM.LOCKONFAULT)


def parse_mremap_flags(flags: str | int) -> int:
    """"maymove|fixed" -> MREMAP_* bits; unknown names raise InvalidArgument."""
    if isinstance(flags, bool) or not isinstance(flags, str | int):
        raise InvalidArgument(f"mremap: flags {flags!r}; {FLAGS_HELP}")
    if isinstance(flags, int):
        if flags & ~7 or flags < 0:
            raise InvalidArgument(f"mremap: flags {flags:#x} have unknown bits; {FLAGS_HELP}")
        return flags
    value = 0
    for word in filter(None, re.split(r"[|,+\s]+", flags.strip().lower())):
        word = word.removeprefix("mremap_")
        if word not in _NAMES:
            raise InvalidArgument(f"mremap: unknown flag {word!r}; {FLAGS_HELP}")
        value |= _NAMES[word]
    return value


def _fail(err: int, why: str) -> SyscallError:
    if err == errno.EINVAL:
        return InvalidArgument(f"mremap: {why}")
    return SyscallError(err, f"mremap: {why}")


def do_mremap(task, addr: int, old_len: int, new_len: int, flags: int,
              new_addr: int | None) -> int:
    """sys_mremap; returns the new address or raises with the kernel's errno. A
    tracepoint event ("mremap", {...}) tells --explain what moved."""
    stats = {"ptes": 0, "tables": 0, "huge": 0, "how": "moved"}
    new = _do_mremap(task, addr, old_len, new_len, flags, new_addr, stats)
    task.machine.record_event("mremap", old=addr, old_len=page_align(old_len),
                              new=new, new_len=page_align(new_len), **stats)
    return new


def _do_mremap(task, addr: int, old_len: int, new_len: int, flags: int,
               new_addr: int | None, stats: dict) -> int:
    mm = task.mm
    task_size = mm.task_size
    if flags & MREMAP_FIXED and not flags & MREMAP_MAYMOVE:
        raise _fail(errno.EINVAL, "'fixed' needs 'maymove' too")
    if flags & MREMAP_DONTUNMAP and not flags & MREMAP_MAYMOVE:
        raise _fail(errno.EINVAL, "'dontunmap' needs 'maymove' too")
    if flags & MREMAP_DONTUNMAP and old_len != new_len:
        raise _fail(errno.EINVAL, "'dontunmap' needs old_len == new_len")
    if addr % 4096:
        raise _fail(errno.EINVAL, f"address {addr:#x} is not page aligned")
    old_len, new_len = page_align(old_len), page_align(new_len)
    if new_len == 0:
        raise _fail(errno.EINVAL, "new_len is 0; give at least one byte")
    if old_len > task_size or new_len > task_size:
        raise _fail(errno.EINVAL, "a length is larger than the address space (TASK_SIZE)")
    fixed = bool(flags & MREMAP_FIXED)
    if fixed:
        if new_addr is None or new_addr % 4096:
            raise _fail(errno.EINVAL, f"'fixed' needs a page-aligned new_addr, not {new_addr!r}")
        if new_addr + new_len > task_size:
            raise _fail(errno.EINVAL, f"[{new_addr:#x}, +{new_len:#x}) is beyond TASK_SIZE")
        if new_addr < addr + old_len and addr < new_addr + new_len:
            raise _fail(errno.EINVAL, "the new range overlaps the old one")
    vma = mm.mmap.find_vma(addr)
    if vma is None or vma.vm_start > addr:
        raise SyscallError(errno.EFAULT, f"mremap: nothing is mapped at {addr:#x}")
    if old_len == 0 and not vma.vm_flags & VM.MAYSHARE:
        raise _fail(errno.EINVAL, "old_len 0 (duplicate a mapping) works only for "
                    "shared mappings")
    if fixed and old_len == new_len:
        return _move_multi(task, addr, old_len, new_addr, flags, stats)
    if fixed or flags & MREMAP_DONTUNMAP:
        return _mremap_to(task, vma, addr, old_len, new_len, new_addr, flags, stats)
    if old_len >= new_len:                  # shrinking always works, across any VMAs
        stats["how"] = "shrunk in place" if old_len > new_len else "unchanged"
        if old_len > new_len:
            do_munmap(mm, addr + new_len, old_len - new_len)
        return addr
    _vma_to_resize(task, vma, addr, old_len, new_len)
    delta = new_len - old_len
    if addr + old_len == vma.vm_end and _vma_expandable(mm, vma, delta):
        end = vma.vm_end
        stats["how"] = "grown in place"
        mm.mmap.set_bounds(vma, vma.vm_start, vma.vm_end + delta)   # vma_merge_extend
        merged = try_merge_around(mm, vma)
        if merged.vm_flags & VM.LOCKED:
            _populate_locked(task, merged, end, end + delta)
        return addr
    if not flags & MREMAP_MAYMOVE:
        raise SyscallError(errno.ENOMEM, f"mremap: cannot grow [{addr:#x}, +{old_len:#x}) in "
                           "place (the next mapping is in the way); pass flags='maymove'")
    target = _unmapped_area(task, vma, new_len)
    return move_vma(task, vma, addr, old_len, new_len, target, flags, stats)


def _vma_to_resize(task, vma: VMA, addr: int, old_len: int, new_len: int) -> None:
    """vma_to_resize / resize_is_valid: may [addr, +old_len) of ``vma`` become new_len?"""
    if old_len > vma.vm_end - addr:
        raise SyscallError(errno.EFAULT, f"mremap: [{addr:#x}, +{old_len:#x}) crosses the "
                           f"end of its mapping at {vma.vm_end:#x}")
    if new_len > old_len:
        if vma.vm_flags & (VM.DONTEXPAND | VM.PFNMAP):
            raise SyscallError(errno.EFAULT, "mremap: this mapping may not grow")
        if vma.vm_flags & VM.ACCOUNT:
            from .overcommit import vm_enough_memory
            if not vm_enough_memory(task.machine, task.mm, (new_len - old_len) >> 12):
                raise SyscallError(errno.ENOMEM, "mremap: committing the growth is refused "
                                   "(overcommit)")
        if vma.vm_flags & VM.LOCKED:
            from .mlock import mlock_future_ok
            if not mlock_future_ok(task, new_len - old_len):
                raise SyscallError(errno.EAGAIN, "mremap: growing a locked mapping beyond "
                                   "RLIMIT_MEMLOCK")


def _vma_expandable(mm, vma: VMA, delta: int) -> bool:
    end = vma.vm_end + delta
    return end <= mm.task_size and not mm.mmap.overlapping(vma.vm_end, end)


def _unmapped_area(task, vma: VMA, length: int) -> int:
    mm = task.mm
    machine = task.machine
    if (vma.vm_file is None and not vma.vm_flags & VM.MAYSHARE and length % PMD_SIZE == 0
            and machine.config.thp_align and machine.thp.enabled):
        start = thp_get_unmapped_area(mm, length)
    else:
        start = get_unmapped_area(mm, length)
    if start is None:
        raise SyscallError(errno.ENOMEM, f"mremap: no free range of {length:#x} bytes")
    return start


def _mremap_to(task, vma: VMA, addr: int, old_len: int, new_len: int,
               new_addr: int | None, flags: int, stats: dict) -> int:
    """mremap_to: move to ``new_addr`` (FIXED) or anywhere (DONTUNMAP)."""
    mm = task.mm
    use_len = min(old_len, new_len)
    _vma_to_resize(task, vma, addr, use_len, new_len)
    if flags & MREMAP_FIXED:
        do_munmap(mm, new_addr, new_len)
    if old_len > new_len:
        do_munmap(mm, addr + new_len, old_len - new_len)
        old_len = new_len
    vma = mm.mmap.find_vma(addr)
    if not flags & MREMAP_FIXED:
        new_addr = _unmapped_area(task, vma, new_len)
    return move_vma(task, vma, addr, old_len, new_len, new_addr, flags, stats)


def _move_multi(task, addr: int, length: int, new_addr: int, flags: int,
                stats: dict) -> int:
    """A move-only MREMAP_FIXED: every VMA piece in [addr, +length) goes to the same
    offset from new_addr; holes stay holes (6.17 remap_move)."""
    mm = task.mm
    pieces = [(max(v.vm_start, addr), min(v.vm_end, addr + length))
              for v in mm.mmap.overlapping(addr, addr + length)]
    do_munmap(mm, new_addr, length)
    for lo, hi in pieces:
        vma = mm.mmap.find_vma(lo)
        move_vma(task, vma, lo, hi - lo, hi - lo, new_addr + (lo - addr), flags, stats)
    return new_addr


def copy_vma(vma: VMA, addr: int, length: int, pgoff: int) -> VMA:
    """The VMA at the new place, merged with its new neighbours where the rules allow."""
    mm = vma.vm_mm
    if vma.vm_file is None and vma.anon_vma is None:
        pgoff = addr >> 12                  # unfaulted: take the new place's pgoff
    new = VMA(mm, addr, addr + length, vma.vm_flags, pgoff, vma.vm_file, vma.name,
              vma.vm_page_prot)
    new.shmem = vma.shmem
    if vma.anon_vma is not None:
        anon_vma_clone(new, vma)
    if vma.vm_file is not None:
        vma.vm_file.mapping.i_mmap[new] = None
    mm.mmap.insert(new)
    return try_merge_around(mm, new)


def move_vma(task, vma: VMA, old_addr: int, old_len: int, new_len: int, new_addr: int,
             flags: int, stats: dict | None = None) -> int:
    """Give the pages of [old_addr, +old_len) a new home at new_addr (move_vma)."""
    mm = task.mm
    pgoff = vma.vm_pgoff + ((old_addr - vma.vm_start) >> 12)
    new_vma = copy_vma(vma, new_addr, new_len, pgoff)
    moved = move_page_tables(mm, old_addr, new_addr, old_len)
    if stats is not None:
        for k, v in moved.items():
            stats[k] += v
    vma = mm.mmap.find_vma(old_addr)
    if flags & MREMAP_DONTUNMAP:
        dontunmap_complete(mm, vma, old_addr, old_len)
    else:
        do_munmap(mm, old_addr, old_len)
    new_vma = mm.mmap.find_vma(new_addr)
    if new_vma.vm_flags & VM.LOCKED and new_len > old_len:
        _populate_locked(task, new_vma, new_addr + old_len, new_addr + new_len)
    return new_addr


def dontunmap_complete(mm, vma: VMA, start: int, length: int) -> None:
    """MREMAP_DONTUNMAP: the old VMA stays, empty; VM_LOCKED and VM_LOCKONFAULT are
    cleared on all of it (measured: the kernel does not split it), and if it was
    exactly the moved range its anon_vma goes, so the next access faults in a
    fresh zero-filled page."""
    from .mlock import munlock_vma_pages
    if vma.vm_flags & VM_LOCKED_MASK:
        vma.vm_flags &= ~VM_LOCKED_MASK
        munlock_vma_pages(vma, vma.vm_start, vma.vm_end)
    if vma.vm_start == start and vma.vm_end == start + length and vma.anon_vma is not None:
        unlink_anon_vmas(vma)
        vma.anon_vma = None


def _populate_locked(task, vma: VMA, start: int, end: int) -> None:
    from .mlock import populate_locked_range
    populate_locked_range(task, vma, start, end)


# -- moving page tables (move_page_tables, move_ptes, move_normal_pmd, move_huge_pmd) --
def move_page_tables(mm, old_addr: int, new_addr: int, length: int) -> dict[str, int]:
    """Move every entry of [old_addr, +length) to the same offset from new_addr;
    returns how many PTEs, whole PTE tables and huge PMDs moved."""
    moved = {"ptes": 0, "tables": 0, "huge": 0}
    machine = mm.machine
    mode = machine.mode
    span = mode.level_span(len(mode.levels) - 2)
    old_end = old_addr + length
    moved_any = False
    while old_addr < old_end:
        extent = min(span - (old_addr % span), span - (new_addr % span), old_end - old_addr)
        found = walk(mm, old_addr, level=-2)
        if found is not None and found[0][found[1]] & _P:
            table, i = found
            entry = table[i]
            whole = extent == span and old_addr % span == 0 and new_addr % span == 0
            if entry & _PSE and not whole:
                machine.thp.split_huge_pmd(mm, table, i, old_addr & ~(span - 1))
                entry = table[i]
            if whole and _move_pmd_entry(mm, table, i, entry, old_addr, new_addr):
                moved_any = True
                moved["huge" if entry & _PSE else "tables"] += 1
            else:
                if entry & _PSE:
                    machine.thp.split_huge_pmd(mm, table, i, old_addr)
                n = _move_ptes(mm, old_addr, new_addr, extent)
                moved["ptes"] += n
                moved_any |= bool(n)
        old_addr += extent
        new_addr += extent
    if moved_any:
        mm.flush_tlb_mm()
    return moved


def _move_pmd_entry(mm, table: list[int], i: int, entry: int, old_addr: int,
                    new_addr: int) -> bool:
    """move_normal_pmd / move_huge_pmd: one PMD entry (a whole PTE table, or a huge
    page) changes place. False when the destination already has a table."""
    dest = walk(mm, new_addr, level=-2, alloc=True)
    if dest is None or dest[0][dest[1]]:
        return False
    dtable, di = dest
    dtable[di] = entry
    table[i] = 0
    if entry & _PSE:
        mm.deposited[new_addr] = mm.deposited.pop(old_addr)
    return True


def _move_ptes(mm, old_addr: int, new_addr: int, extent: int) -> int:
    found = walk(mm, old_addr)
    if found is None:
        return 0
    table, i = found
    moved = 0
    for k in range(extent >> 12):
        pte = table[i + k]
        if not pte:
            continue
        dest = walk(mm, new_addr + (k << 12), alloc=True)
        if dest is None:
            raise SyscallError(errno.ENOMEM, "mremap: out of memory for page tables")
        dtable, di = dest
        dtable[di] = move_soft_dirty_pte(mm, pte)
        table[i + k] = 0
        moved += 1
    return moved


def move_soft_dirty_pte(mm, pte: int) -> int:
    """A moved entry is marked soft-dirty (the new place is 'written', for CRIU)."""
    from .soft_dirty import pte_mksoft_dirty
    return pte_mksoft_dirty(mm.machine, pte)
