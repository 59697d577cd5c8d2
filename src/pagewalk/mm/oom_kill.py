"""The OOM killer (mm/oom_kill.c): when memory and swap are exhausted, kill the task
with the highest badness and free its memory, so that everyone else goes on.

``oom_badness`` is the kernel's: resident pages + swap entries + page-table pages,
plus ``oom_score_adj`` (default 0) scaled to the machine's RAM + swap in
thousandths; a task with ``oom_score_adj`` -1000 is never chosen. Init (pid 1) is
unkillable as in the kernel, except when it is the only candidate (where the real
kernel would panic, the model kills it). Ties go to the task met last in the
task list (the highest pid), as ``select_bad_process`` keeps the later of equal
scores. The victim exits with SIGKILL: its pages and swap slots are freed.
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
        """The live task with the highest badness (init only if it is the only one)."""
        total = self.totalpages()
        chosen, chosen_points = None, None
        init = None
        for t in self.machine.tasks.values():         # the task list, oldest first
            if not t.alive or t.mm is None:
                continue
            points = oom_badness(t, total)
            if points is None:
                continue
            if t.pid == 1:
                init = t
                continue
            if chosen_points is None or points >= chosen_points:
                chosen, chosen_points = t, points
        return chosen if chosen is not None else init

    def out_of_memory(self, current):
        """Kill the chosen victim; return it (None if there is none)."""
        victim = self.select_bad_process()
        if victim is None:
            return None
        machine = self.machine
        machine.vmstat["oom_kill"] += 1
        self.kills.append((victim.pid, victim.name))
        if victim is not current:
            victim.do_exit(signal="SIGKILL")
        return victim

    def pagefault_out_of_memory(self, task) -> SigInfo | None:
        """VM_FAULT_OOM from a fault: run the OOM killer; the faulting task retries
        unless it was the victim."""
        victim = self.out_of_memory(task)
        if victim is None or victim is task:
            return SigInfo("SIGKILL", "SI_KERNEL", None)
        return None
