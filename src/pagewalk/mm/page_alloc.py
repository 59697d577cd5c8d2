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

Then ``__alloc_pages_may_oom``: every order-0 allocation without __GFP_NORETRY
calls the OOM killer (order-0 is below PAGE_ALLOC_COSTLY_ORDER): page faults,
read(2) and write(2) through the page cache (``File.read``/``File.write``,
``create_file``), fork's page tables, mremap's, the swap-in of the page a fault
needs. Readahead (``readahead_gfp_mask``: __GFP_NORETRY, ``may_oom=False``) never
does: its window just stops short. The killer kills the worst task other than
init and the allocation retries. If the victim is ``machine.current`` (the task
in a fault or a system call) the allocation fails instead (as
``tsk_is_oom_victim(current)`` sends it to ``nopage``), and the task dies of its
SIGKILL on the way back to user mode: out of the fault (``pagefault_out_of_memory``)
or out of the system call (``Task._in_kernel``); a task already chosen does not
choose again. With no killable task the kernel panics (``pw.KernelPanic``).
Allocations with no task behind them (the machine-level ``File`` and
``create_file`` calls) kill the worst task all the same.
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


def alloc_pages_slowpath(machine, may_oom: bool = True) -> Page | None:
    """One page after reclaim and, unless ``may_oom`` is False, the OOM killer;
    None: fail."""
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
        if not may_oom:
            return None                     # __GFP_NORETRY: no OOM kill for readahead
        current = machine.current
        if current is not None and current.sigkill_pending:
            return None                     # already the victim: fail, die on the way out
        victim = machine.oom.out_of_memory(current)      # raises KernelPanic if none
        if victim is current:
            return None
        no_progress_loops = 0
