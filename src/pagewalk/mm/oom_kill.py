"""The OOM killer (mm/oom_kill.c): when memory and swap are exhausted, kill the task
with the highest badness (RSS + swap entries + page tables, in pages) and free its
memory, so that everyone else goes on."""

from __future__ import annotations

from .fault import SigInfo
from .mm_types import MM


def oom_badness(task) -> int:
    mm = task.mm
    if mm is None:
        return -1
    return mm.get_rss() + mm.rss[MM.SWAPENTS] + mm.pgtables_bytes // 4096


class OomKiller:
    def __init__(self, machine) -> None:
        self.machine = machine
        self.kills: list[tuple[int, str]] = []

    def select_bad_process(self):
        live = [t for t in self.machine.tasks.values() if t.alive and t.mm is not None]
        if not live:
            return None
        # Highest badness; on a tie, the youngest task (highest pid), as the
        # kernel's tasklist walk would meet it last with an equal score.
        return max(live, key=lambda t: (oom_badness(t), t.pid))

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
