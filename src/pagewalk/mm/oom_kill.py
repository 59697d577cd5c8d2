"""The OOM killer (mm/oom_kill.c): when memory and swap are exhausted, kill the task
with the highest badness and free its memory, so that everyone else goes on.

It runs from the page allocator (mm/page_alloc.py, ``__alloc_pages_may_oom``)
once direct reclaim has given up, for any allocation but readahead's: a page
fault, read(2)/write(2) through the page cache, fork's page tables.
``oom_badness`` is the kernel's: resident pages + swap entries + page-table pages,
plus ``oom_score_adj`` (default 0) scaled to the machine's RAM + swap in
thousandths; a task with ``oom_score_adj`` -1000 is never chosen, and neither is
init (pid 1: ``is_global_init``). Ties go to the task met last in the task list
(the highest pid), as ``select_bad_process`` keeps the later of equal scores.
A victim other than the allocating task exits with SIGKILL at once (its pages
and swap slots are freed); the allocating task itself is marked
(``sigkill_pending``) and dies on its way out of the fault or system call. With
nothing left to kill the kernel panics: "Out of memory and no killable
processes...", then "System is deadlocked on memory" (``pw.KernelPanic``).

``pagefault_out_of_memory`` (since Linux 5.16) kills no one: VM_FAULT_OOM that
reaches the #PF handler only retries the fault, unless the task is the victim.
"""

from __future__ import annotations

from .fault import SigInfo
from .mm_types import MM

OOM_SCORE_ADJ_MIN = -1000


def oom_badness(task, totalpages: int) -> int | None:
    """The task's score in pages, or None when it may not be killed."""
    mm = task.mm
    adj = getattr(task, "oom_score_adj", 0)
    if mm is None or adj == OOM_SCORE_ADJ_MIN:
        return None
    points = mm.get_rss() + mm.rss[MM.SWAPENTS] + mm.pgtables_bytes // 4096
    return points + adj * (totalpages // 1000)


class OomKiller:
    def __init__(self, machine) -> None:
        self.machine = machine
        self.kills: list[tuple[int, str]] = []

    def totalpages(self) -> int:
        c = self.machine.config
        return (c.memory + c.swap) // 4096

    def select_bad_process(self):
        """The live task with the highest badness, never init; None if there is none."""
        total = self.totalpages()
        chosen, chosen_points = None, None
        for t in self.machine.tasks.values():         # the task list, oldest first
            if not t.alive or t.mm is None or t.pid == 1:
                continue
            points = oom_badness(t, total)
            if points is None:
                continue
            if chosen_points is None or points >= chosen_points:
                chosen, chosen_points = t, points
        return chosen

    def out_of_memory(self, current):
        """Kill the chosen victim and return it; panic when no task can be killed."""
        victim = self.select_bad_process()
        machine = self.machine
        if victim is None:
            machine.panic(OOM_PANIC)
        machine.vmstat["oom_kill"] += 1
        self.kills.append((victim.pid, victim.name))
        if victim is current:
            victim.sigkill_pending = True             # delivered on the way back to user mode
        else:
            victim.do_exit(signal="SIGKILL")
        return victim

    def pagefault_out_of_memory(self, task) -> SigInfo | None:
        """VM_FAULT_OOM reached the #PF handler: SIGKILL if the OOM killer chose this
        task, otherwise retry the fault (Linux 5.16+ kills no one here)."""
        if task.sigkill_pending:
            task.sigkill_pending = False
            return SigInfo("SIGKILL", "SI_KERNEL", None)
        return None


OOM_PANIC = ("Out of memory and no killable processes... Kernel panic - not syncing: "
             "System is deadlocked on memory (give the machine more memory or swap)")
