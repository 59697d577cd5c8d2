"""Address-space layout (mm/mmap.c, mm/vma.c): mmap, munmap, brk, stack growth.

These are the kernel halves of the system calls: arguments arrive validated
(kernel/syscalls.py); a failure returns an errno before anything changes, so a
failed call leaves the address space as it was.
"""

from __future__ import annotations

import errno

from .memory import zap_pte_range
from .pagetable import free_pgd_range
from .rmap import anon_vma_clone, unlink_anon_vmas
from .vma import MMAP_MIN_ADDR, VMA, vm_get_page_prot, vm_start_gap

PAGE_SIZE = 4096
_MERGE_IGNORE = 0x8000000        # VM_SOFTDIRTY does not prevent merging


def page_align(n: int) -> int:
    return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def range_is_free(mm, addr: int, length: int) -> bool:
    """No VMA (with the stack's guard gap) meets [addr, addr + length)."""
    guard = mm.machine.config.stack_guard_gap
    end = addr + length
    prev, nxt = mm.mmap.find_vma_prev(addr)
    if nxt is not None and nxt.vm_start < addr:      # addr lies inside nxt
        return False
    if nxt is not None and end > vm_start_gap(nxt, guard):
        return False
    return prev is None or prev.vm_end <= addr


PMD_SIZE = 2 << 20


def thp_get_unmapped_area(mm, length: int) -> int | None:
    """A 2 MiB-aligned free range: ask for 2 MiB more and align up within it."""
    addr = get_unmapped_area(mm, length + PMD_SIZE)
    if addr is None:
        return get_unmapped_area(mm, length)
    return (addr + PMD_SIZE - 1) & ~(PMD_SIZE - 1)


def get_unmapped_area(mm, length: int, hint: int = 0) -> int | None:
    """A free range for ``length`` bytes: the hint if it is free, else the highest
    gap below mmap_base (arch_get_unmapped_area_topdown), found in O(log n) in the
    VMA tree's gap index. None: ENOMEM."""
    if length > mm.task_size - MMAP_MIN_ADDR:
        return None
    if hint:
        addr = page_align(hint)
        if MMAP_MIN_ADDR <= addr <= mm.task_size - length and range_is_free(mm, addr, length):
            return addr
    mm.mmap.set_guard(mm.machine.config.stack_guard_gap)    # vm.stack_guard_gap may change
    return mm.mmap.unmapped_area_topdown(length, mm.mmap_base, mm.task_size)


def _mergeable(vma: VMA, flags: int, file, anon_vma) -> bool:
    if (vma.vm_flags ^ flags) & ~_MERGE_IGNORE or vma.vm_file is not file or vma.name:
        return False
    if vma.shmem:
        return False
    av = vma.anon_vma
    if av is not None and anon_vma is not None and av is not anon_vma:
        return False
    # A forked VMA keeps its own anon_vma (list_is_singular in is_mergeable_anon_vma).
    return not (av is not None and len(vma.anon_vma_chain) > 1 and anon_vma is None)


def mmap_region(mm, addr: int, length: int, vm_flags: int, file=None, pgoff: int = 0,
                name: str | None = None, shmem: bool = False) -> VMA:
    """Map [addr, addr + length), replacing what is there; merge with neighbours."""
    end = addr + length
    if mm.mmap.overlapping(addr, end):
        do_munmap(mm, addr, length)
    machine = mm.machine
    prot = vm_get_page_prot(vm_flags, machine.mode.has_nx,
                            writenotify=bool(file is not None and vm_flags & 0x8 and not shmem))
    if file is None and not shmem:
        pgoff = addr >> 12
    prev, nxt = mm.mmap.find_vma_prev(addr)
    can_prev = (prev is not None and prev.vm_end == addr and not shmem and name is None
                and _mergeable(prev, vm_flags, file, None)
                and prev.vm_pgoff + prev.pages() == pgoff)
    can_next = (nxt is not None and nxt.vm_start == end and not shmem and name is None
                and _mergeable(nxt, vm_flags, file, None)
                and nxt.vm_pgoff == pgoff + (length >> 12))
    if can_prev and can_next and (prev.anon_vma is None or nxt.anon_vma is None
                                  or prev.anon_vma is nxt.anon_vma):
        _remove_vma(mm, nxt)
        if prev.anon_vma is None and nxt.anon_vma is not None:
            anon_vma_clone(prev, nxt)
        mm.mmap.set_bounds(prev, prev.vm_start, nxt.vm_end)
        if nxt.anon_vma is not None:
            unlink_anon_vmas(nxt)
        return prev
    if can_prev:
        mm.mmap.set_bounds(prev, prev.vm_start, end)
        return prev
    if can_next:
        mm.mmap.set_bounds(nxt, addr, nxt.vm_end)
        nxt.vm_pgoff = pgoff
        return nxt
    vma = VMA(mm, addr, end, vm_flags, pgoff, file, name, prot)
    vma.shmem = shmem
    if file is not None:
        file.mapping.i_mmap[vma] = None
    mm.mmap.insert(vma)
    return vma


def _remove_vma(mm, vma: VMA) -> None:
    mm.mmap.remove(vma)
    f = vma.vm_file
    if f is not None:
        f.mapping.i_mmap.pop(vma, None)
        if f.anonymous and not f.mapping.i_mmap:
            mm.machine.filemap.truncate(f)      # the last mapping of shared anon memory


def split_vma(mm, vma: VMA, addr: int) -> VMA:
    """Split ``vma`` at ``addr``; return the upper part (the lower keeps ``vma``)."""
    if mm.nr_huge:
        mm.machine.thp.split_huge_pmd_address(mm, addr)     # vma_adjust_trans_huge
    new = VMA(mm, addr, vma.vm_end, vma.vm_flags, vma.vm_pgoff + ((addr - vma.vm_start) >> 12),
              vma.vm_file, vma.name, vma.vm_page_prot)
    new.shmem = vma.shmem
    if vma.anon_vma is not None:
        anon_vma_clone(new, vma)
    if vma.vm_file is not None:
        vma.vm_file.mapping.i_mmap[new] = None
    mm.mmap.set_bounds(vma, vma.vm_start, addr)
    mm.mmap.insert(new)
    return new


def do_munmap(mm, start: int, length: int) -> None:
    """Unmap [start, start + length): split VMAs at the edges, zap, free tables."""
    end = start + page_align(length)
    vmas = mm.mmap.overlapping(start, end)
    if not vmas:
        return
    if vmas[0].vm_start < start:
        upper = split_vma(mm, vmas[0], start)
        vmas[0] = upper
    if vmas[-1].vm_end > end:
        split_vma(mm, vmas[-1], end)
    for vma in vmas:
        zap_pte_range(vma, vma.vm_start, vma.vm_end)
        _remove_vma(mm, vma)
        unlink_anon_vmas(vma)
    prev, nxt = mm.mmap.find_vma_prev(start)
    floor = prev.vm_end if prev is not None else 0
    ceiling = nxt.vm_start if nxt is not None else mm.machine.mode.address_limit
    free_pgd_range(mm, start, end, floor, ceiling)


def try_merge_around(mm, vma: VMA) -> VMA:
    """Merge ``vma`` with equal neighbours after its flags changed (vma_modify)."""
    prev, _ = mm.mmap.find_vma_prev(vma.vm_start)
    if (prev is not None and prev.vm_end == vma.vm_start and _compatible(prev, vma)):
        _remove_vma(mm, vma)
        if prev.anon_vma is None and vma.anon_vma is not None:
            anon_vma_clone(prev, vma)
        unlink_anon_vmas(vma)
        mm.mmap.set_bounds(prev, prev.vm_start, vma.vm_end)
        vma = prev
    nxt = mm.mmap.find_vma(vma.vm_end)
    if nxt is not None and nxt.vm_start == vma.vm_end and _compatible(vma, nxt):
        _remove_vma(mm, nxt)
        if vma.anon_vma is None and nxt.anon_vma is not None:
            anon_vma_clone(vma, nxt)
        unlink_anon_vmas(nxt)
        mm.mmap.set_bounds(vma, vma.vm_start, nxt.vm_end)
    return vma


def _compatible(a: VMA, b: VMA) -> bool:
    if (a.vm_flags ^ b.vm_flags) & ~_MERGE_IGNORE or a.vm_file is not b.vm_file:
        return False
    if a.shmem or b.shmem or a.name or b.name:
        return False
    if a.vm_pgoff + a.pages() != b.vm_pgoff:
        return False
    if a.anon_vma is not None and b.anon_vma is not None:
        return a.anon_vma is b.anon_vma
    return all(v.anon_vma is None or len(v.anon_vma_chain) == 1 for v in (a, b))


def expand_stack(vma: VMA, address: int) -> bool:
    """Grow a VM_GROWSDOWN VMA down to ``address`` (expand_downwards), within
    RLIMIT_STACK and keeping stack_guard_gap from the mapping below."""
    mm = vma.vm_mm
    cfg = mm.machine.config
    address &= ~(PAGE_SIZE - 1)
    if vma.vm_end - address > cfg.rlimit_stack:
        return False
    prev, _ = mm.mmap.find_vma_prev(vma.vm_start)
    if prev is not None and prev.is_accessible() and address - prev.vm_end < cfg.stack_guard_gap:
        return False
    if address < MMAP_MIN_ADDR:
        return False
    from .rmap import anon_vma_prepare
    anon_vma_prepare(vma)
    vma.vm_pgoff -= (vma.vm_start - address) >> 12
    mm.mmap.set_bounds(vma, address, vma.vm_end)
    return True


def do_brk(mm, new_brk: int) -> int:
    """sys_brk: move the break; returns 0 or an errno (the break stays)."""
    if new_brk < mm.start_brk:
        return errno.ENOMEM
    oldbrk = page_align(mm.brk)
    newbrk = page_align(new_brk)
    if oldbrk == newbrk:
        mm.brk = new_brk
        return 0
    if new_brk < mm.brk:
        do_munmap(mm, newbrk, oldbrk - newbrk)
        mm.brk = new_brk
        return 0
    guard = mm.machine.config.stack_guard_gap
    nxt = mm.mmap.find_vma(oldbrk)
    if nxt is not None and newbrk + PAGE_SIZE > vm_start_gap(nxt, guard):
        return errno.ENOMEM
    from .overcommit import vm_enough_memory
    if not vm_enough_memory(mm.machine, mm, (newbrk - oldbrk) >> 12):
        return errno.ENOMEM
    # VM_DATA_DEFAULT_FLAGS: read, write, may read/write/exec; accounted.
    mmap_region(mm, oldbrk, newbrk - oldbrk, 0x1 | 0x2 | 0x10 | 0x20 | 0x40 | 0x100000)
    mm.brk = new_brk
    return 0
