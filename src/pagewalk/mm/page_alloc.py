"""The page allocator's slow path (mm/page_alloc.c: __alloc_pages_slowpath).

An order-0 allocation that finds free memory at or below the min watermark::

    retry:
        direct reclaim (try_to_free_pages)
        free > min?                     -> take a page
        should_reclaim_retry?           -> retry
        __alloc_pages_may_oom           -> the OOM killer, then retry

``should_reclaim_retry`` is the kernel's: a reclaim pass that freed nothing
counts as a no-progress loop; after MAX_RECLAIM_RETRIES (16) of them in a row,
or when even reclaiming every reclaimable page (scaled down by the loops
without progress) could not lift free memory above the min watermark, reclaim
gives up. A pass that freed something resets the count: reclaim ages the lists
(young bits cleared, active pages deactivated), so a later pass can succeed
where an earlier one did not.

The OOM killer runs only for an allocation made on behalf of a user page fault
(``machine.current`` is the faulting task): it kills the worst task other than
init; if that is the faulting task itself, the allocation fails and the task
gets SIGKILL on its way out of the fault (``pagefault_out_of_memory``); if no
task can be killed the kernel panics (``pw.KernelPanic``). Other callers
(read(2), fork, create_file) get None and answer ENOMEM, changing nothing.
"""

from __future__ import annotations

from .page import Page
from .vmscan import MAX_RECLAIM_RETRIES


def zone_reclaimable_pages(machine) -> int:
    """Pages reclaim could free: the file LRU, and the anon LRU while swap has room."""
    lru = machine.lru
    n = lru.count("inactive_file") + lru.count("active_file")
    if machine.swap.get_nr_swap_pages() > 0:
        n += lru.count("inactive_anon") + lru.count("active_anon")
    return n


def should_reclaim_retry(machine, no_progress_loops: int) -> bool:
    """May another direct-reclaim pass still satisfy the allocation?"""
    if no_progress_loops > MAX_RECLAIM_RETRIES:
        return False
    available = zone_reclaimable_pages(machine) + machine.phys.nr_free
    available -= -(-no_progress_loops * available // MAX_RECLAIM_RETRIES)
    return available > machine.reclaim.watermarks.min


def alloc_pages_slowpath(machine) -> Page | None:
    """One page after reclaim (and, in a page fault, the OOM killer); None: fail."""
    phys = machine.phys
    wmin = machine.reclaim.watermarks.min
    no_progress_loops = 0
    while True:
        if phys.nr_free > wmin:
            return phys.alloc_pages(0)
        if machine.reclaim.try_to_free_pages():
            no_progress_loops = 0
            continue
        no_progress_loops += 1
        if should_reclaim_retry(machine, no_progress_loops):
            continue
        current = machine.current
        if current is None:
            return None
        victim = machine.oom.out_of_memory(current)      # raises KernelPanic if none
        if victim is current:
            return None
        no_progress_loops = 0
