"""madvise (mm/madvise.c): advice about a range's future use."""

from __future__ import annotations

import errno

from .memory import reclaim_empty_pte_tables, zap_pte_range
from .vma import VM

ADVICE = {
    "normal": 0, "random": 1, "sequential": 2, "willneed": 3, "dontneed": 4,
    "free": 8, "remove": 9, "dontfork": 10, "dofork": 11, "mergeable": 12,
    "unmergeable": 13, "hugepage": 14, "nohugepage": 15, "dontdump": 16, "dodump": 17,
    "wipeonfork": 18, "keeponfork": 19, "cold": 20, "pageout": 21,
    "populate_read": 22, "populate_write": 23,
}

_FLAG_ADVICE = {
    "random": (VM.RAND_READ, VM.SEQ_READ), "sequential": (VM.SEQ_READ, VM.RAND_READ),
    "normal": (0, VM.SEQ_READ | VM.RAND_READ), "hugepage": (VM.HUGEPAGE, VM.NOHUGEPAGE),
    "nohugepage": (VM.NOHUGEPAGE, VM.HUGEPAGE), "dontfork": (VM.DONTCOPY, 0),
    "dofork": (0, VM.DONTCOPY), "wipeonfork": (VM.WIPEONFORK, 0),
    "keeponfork": (0, VM.WIPEONFORK),
}


def do_madvise(mm, start: int, end: int, advice: str) -> int:
    """Apply ``advice`` to [start, end); 0 or an errno. ENOMEM when part of the range
    is unmapped: then nothing is advised (Linux advises the mapped parts first; the
    model keeps its promise that a failed call changes nothing)."""
    from .mmap import split_vma, try_merge_around
    machine = mm.machine
    vmas = mm.mmap.overlapping(start, end)
    # madvise_walk_vmas returns a VMA's EINVAL at once but only remembers a hole
    # (ENOMEM) and goes on: an EINVAL anywhere in the range wins.
    if advice in ("dontneed", "free") and any(v.vm_flags & VM.LOCKED for v in vmas):
        return errno.EINVAL
    if advice == "free" and any(v.vm_file is not None for v in vmas):
        return errno.EINVAL                 # MADV_FREE is for private anonymous memory only
    if advice == "wipeonfork" and any(v.vm_file is not None or v.vm_flags & VM.SHARED
                                      for v in vmas):
        return errno.EINVAL                 # MADV_WIPEONFORK: private anonymous memory only
    if not mm.mmap.covers(start, end):
        return errno.ENOMEM
    for vma in vmas:
        lo, hi = max(start, vma.vm_start), min(end, vma.vm_end)
        if advice in _FLAG_ADVICE:
            if vma.vm_start < lo:
                vma = split_vma(mm, vma, lo)
            if vma.vm_end > hi:
                split_vma(mm, vma, hi)
            add, remove = _FLAG_ADVICE[advice]
            vma.vm_flags = (vma.vm_flags | int(add)) & ~int(remove)
            try_merge_around(mm, vma)
        elif advice == "dontneed":
            zap_pte_range(vma, lo, hi)
            if machine.config.pt_reclaim:
                reclaim_empty_pte_tables(vma, lo, hi)
        else:
            machine.madvise_hook(vma, lo, hi, advice)
    return 0
