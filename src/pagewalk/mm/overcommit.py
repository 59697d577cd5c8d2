"""Overcommit accounting (mm/util.c __vm_enough_memory, mm/mmap.c accountable_mapping).

Committed_AS is the sum of every accountable VMA's size (VM_ACCOUNT: private and
writable, and not MAP_NORESERVE unless vm.overcommit_memory is 2 — which ignores
MAP_NORESERVE) over all address spaces, plus shared anonymous memory. Each new
commitment (mmap, brk, mprotect to writable, fork's copy, mremap growth, stack
growth) asks ``vm_enough_memory`` first:

    overcommit_memory 1   always yes
    overcommit_memory 0   no only for a single request larger than RAM + swap
    overcommit_memory 2   no if Committed_AS after it would reach
                          CommitLimit - admin_reserve - min(total_vm/32, user_reserve)
                          CommitLimit = RAM * overcommit_ratio / 100 (or
                          overcommit_kbytes) + swap
"""

from __future__ import annotations

from .vma import VM

PAGE_KB = 4


def _reserve(machine, value: int, cap_kb: int) -> int:
    """admin_/user_reserve_kbytes in pages; -1: sized as at boot, min(free/32, cap)."""
    if value >= 0:
        return value // PAGE_KB
    return min(machine.phys.nr_frames * PAGE_KB // 32, cap_kb) // PAGE_KB


def admin_reserve_pages(machine) -> int:
    return _reserve(machine, machine.config.admin_reserve_kbytes, 8 << 10)


def user_reserve_pages(machine) -> int:
    return _reserve(machine, machine.config.user_reserve_kbytes, 128 << 10)


def accountable(vm_flags: int, shared: bool, noreserve: bool, machine) -> bool:
    """accountable_mapping: private writable, and not NORESERVE (mode 2 ignores it)."""
    if shared or not vm_flags & VM.WRITE:
        return False
    return not (noreserve and machine.config.overcommit_memory != 2)


def committed_pages(machine) -> int:
    """Committed_AS in pages."""
    n = 0
    for t in machine.tasks.values():
        if t.mm is not None:
            n += sum(v.pages() for v in t.mm.mmap if v.vm_flags & VM.ACCOUNT)
    n += sum(f.pages for f in machine.filemap.shmem_files)
    return n


def commit_limit(machine) -> int:
    """CommitLimit in pages."""
    cfg = machine.config
    if cfg.overcommit_kbytes:
        ram = cfg.overcommit_kbytes // PAGE_KB
    else:
        ram = machine.phys.nr_frames * cfg.overcommit_ratio // 100
    return ram + cfg.swap // 4096


def vm_enough_memory(machine, mm, pages: int, pending: int = 0) -> bool:
    """May ``pages`` more be committed (by ``mm``, None for a kernel request)?
    ``pending``: pages already charged by this call but not yet in a live mm (fork)."""
    cfg = machine.config
    if pages <= 0 or cfg.overcommit_memory == 1:
        return True
    if cfg.overcommit_memory == 0:
        return pages <= machine.phys.nr_frames + cfg.swap // 4096
    allowed = commit_limit(machine) - admin_reserve_pages(machine)
    if mm is not None:
        allowed -= min(mm.total_vm() // 32, user_reserve_pages(machine))
    return committed_pages(machine) + pending + pages < allowed
