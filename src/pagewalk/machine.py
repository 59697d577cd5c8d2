"""The machine: physical memory, the MMU, the kernel's subsystems and its tasks.

    m = Machine(memory="64MiB", swap="256MiB", paging="x86_64", profile="linux")
    p = m.spawn("init")

``Machine`` owns one instance of each subsystem (``lru``, ``swap``, ``filemap``,
``thp``, ``oom``) and the process-level operations (fork, exec, exit, wait) that
tie them together. ``check()`` verifies the kernel's invariants.
"""

from __future__ import annotations

import errno as E
from collections.abc import Generator
from contextlib import contextmanager

from .arch.mmu import MMU
from .arch.paging import paging_mode
from .config import Config
from .errors import InvalidArgument, KernelPanic, SyscallError
from .kernel.sched import Scheduler
from .kernel.task import Task
from .mm.filemap import FileMap
from .mm.huge_memory import Thp
from .mm.lru import LruVec, folio_mark_accessed
from .mm.memory import copy_page_range
from .mm.mm_types import MmStruct
from .mm.mmap import do_munmap, mmap_region
from .mm.oom_kill import OomKiller
from .mm.page import Page
from .mm.page_alloc import alloc_pages_slowpath
from .mm.pagetable import free_pgd_range, pgd_alloc
from .mm.phys import PhysicalMemory
from .mm.rmap import anon_vma_fork
from .mm.swap_state import SwapSubsystem
from .mm.vma import VM, VMA
from .mm.vmscan import Reclaim, madvise_cold_or_pageout, madvise_free
from .observe.tracepoints import FaultRecord, Tracer
from .observe.vmstat import VmStat

_SIGNUMS = {"SIGSEGV": 11, "SIGBUS": 7, "SIGKILL": 9}
# VM_STACK_FLAGS on x86-64: read, write, may read/write/exec, grows down, accounted.
_STACK_FLAGS = int(VM.READ | VM.WRITE | VM.MAYREAD | VM.MAYWRITE | VM.MAYEXEC | VM.GROWSDOWN
                   | VM.ACCOUNT | VM.SOFTDIRTY)


class Machine:
    """A simulated computer running the Linux memory manager."""

    def __init__(self, memory: int | str = "64MiB", swap: int | str = "256MiB",
                 paging: str = "x86_64", profile: str = "linux", **knobs) -> None:
        self.config = Config.for_profile(profile, memory=memory, swap=swap, paging=paging,
                                         **knobs)
        self.mode = paging_mode(self.config.paging)
        self.vmstat = VmStat()
        self.phys = PhysicalMemory(self.config.memory // 4096, self.vmstat)
        self.mmu = MMU(self.mode, self.phys.tables, self.config.tlb_entries)
        self.nr_pagetable = 0
        self.lru = LruVec()
        self.swap = SwapSubsystem(self)
        self.filemap = FileMap(self)
        self.thp = Thp(self)
        self.oom = OomKiller(self)
        self.tasks: dict[int, Task] = {}
        self.current: Task | None = None        # the task in the kernel (fault or syscall)
        self.panicked: KernelPanic | None = None    # set by panic(): the machine stopped
        self.next_pid = 1
        self.tracers: list[Tracer] = []
        self.faulting = None                    # the FaultContext being handled, while traced
        self._fault_reclaims: list = []         # reclaim runs inside that fault
        self.reclaim = Reclaim(self)            # watermarks, kswapd, direct reclaim
        self.sched = Scheduler(self)            # clock, disk, CPUs (issue 6, kernel/sched.py)

    @property
    def sysctl(self):
        """/proc/sys tunables by name: ``m.sysctl["vm.overcommit_memory"] = 2``."""
        from .kernel.sysctl import Sysctl
        return Sysctl(self)

    def __repr__(self) -> str:
        c = self.config
        return (f"<Machine {c.memory >> 20}MiB swap={c.swap >> 20}MiB {c.paging} {c.profile}, "
                f"{sum(t.alive for t in self.tasks.values())} tasks>")

    # -- memory allocation (the page allocator's callers) -----------------------------
    def alloc_page(self, may_oom: bool = True) -> Page | None:
        """One frame for the kernel's use (__alloc_pages). At or below the low
        watermark kswapd runs first; at or below min, direct reclaim, then the OOM
        killer unless ``may_oom`` is False (readahead's __GFP_NORETRY); None: the
        caller answers ENOMEM / VM_FAULT_OOM."""
        wm = self.reclaim.watermarks
        phys = self.phys
        if phys.nr_free <= wm.low:
            self.reclaim.wakeup_kswapd()
        if phys.nr_free > wm.min:
            page = phys.alloc_pages(0)
            if page is not None:
                return page
        return self.reclaim_and_retry(may_oom)

    def alloc_user_page(self, vmf=None) -> Page | None:
        """A frame for a user page (alloc_page(GFP_HIGHUSER_MOVABLE)); None: VM_FAULT_OOM."""
        page = self.alloc_page()
        if page is not None and vmf is not None:
            vmf.steps.append("alloc_page")
        return page

    def reclaim_and_retry(self, may_oom: bool = True) -> Page | None:
        """The allocator's slow path (mm/page_alloc.py): direct reclaim, retried as
        should_reclaim_retry allows, then the OOM killer; None: fail."""
        return alloc_pages_slowpath(self, may_oom)

    def lru_cache_add(self, page: Page) -> None:
        self.lru.add(page, active=False)

    def mark_page_accessed(self, page: Page) -> None:
        """A read()/write() syscall used ``page``: the two-touch rule (mm/lru.py)."""
        folio_mark_accessed(self, page)

    def madvise_hook(self, vma, start: int, end: int, advice: str) -> None:
        """madvise advice handled by the swap and reclaim layers: "cold", "pageout",
        "free" (MADV_FREE), "willneed" (swap-in readahead for anonymous memory)."""
        if advice in ("cold", "pageout"):
            madvise_cold_or_pageout(self, vma, start, end, pageout=advice == "pageout")
        elif advice == "free":
            madvise_free(self, vma, start, end)
        elif advice == "willneed":
            if vma.vm_file is None:
                self.swap.force_swapin_readahead(vma, start, end)
            else:
                self.filemap.madvise_willneed(vma, start, end)

    def populate(self, task: Task, start: int, length: int, write: bool) -> None:
        """MAP_POPULATE / MAP_LOCKED: fault the range in now (populate_vma_page_range)."""
        from .mm.gup import populate_range
        populate_range(task, start, start + length, write)

    def panic(self, message: str) -> None:
        """panic(): the kernel stops. Raises ``KernelPanic``; every later call on
        this machine or its tasks raises it again."""
        self.panicked = KernelPanic(message)
        raise self.panicked

    def check_running(self) -> None:
        """Raise the ``KernelPanic`` again if the machine has panicked."""
        if self.panicked is not None:
            raise self.panicked

    # -- tasks --------------------------------------------------------------------------
    def _new_mm(self) -> MmStruct:
        mm = MmStruct(self)
        if not pgd_alloc(mm):
            raise SyscallError(E.ENOMEM, "out of memory for a page directory")
        return mm

    def _setup_stack(self, mm: MmStruct) -> None:
        size = self.config.initial_stack
        vma = mmap_region(mm, mm.stack_top - size, size, _STACK_FLAGS)
        vma.vm_pgoff = vma.vm_start >> 12
        mm.start_stack = mm.stack_top - 256

    def spawn(self, name: str = "init", program=None, nice: int = 0) -> Task:
        """A new task with a fresh address space: only a stack VMA, nothing resident.
        With ``program`` (pw.programs, or a generator function over the task) it runs
        that program at the next ``run()``, with priority ``nice``."""
        self.check_running()
        if not isinstance(name, str) or not name:
            raise InvalidArgument("spawn: give the task a non-empty name")
        if isinstance(nice, bool) or not isinstance(nice, int) or not -20 <= nice <= 19:
            raise InvalidArgument(f"spawn: nice={nice!r}; give an int from -20 to 19")
        if program is not None and not (isinstance(program, Generator) or callable(program)):
            raise InvalidArgument(f"spawn: program={program!r}; give a pw.programs program "
                                  "or a generator function taking the task")
        counters = dict(self.vmstat)
        mm = self._new_mm()
        self._setup_stack(mm)
        task = Task(self, self.next_pid, name, mm, None)
        self.tasks[task.pid] = task
        self.next_pid += 1
        if program is not None:
            try:
                self.sched.attach(task, program, nice)
            except BaseException:                   # a bad program: no task is left behind
                del self.tasks[task.pid]
                self.next_pid -= 1
                task.mm = None
                self._exit_mmap(mm)
                self.vmstat.update(counters)
                raise
        return task

    # -- time and scheduling (issue 6: kernel/sched.py) ----------------------------------
    def run(self, until: float | None = None):
        """Run every spawned program to its end, or to simulated time ``until`` (s);
        returns a ``RunReport`` (observe/report.py)."""
        from .observe.report import RunReport
        return RunReport.from_log(self.sched.run(until))

    @property
    def now(self) -> float:
        """Simulated seconds since the machine started."""
        return self.sched.now

    clock = now

    def task(self, pid: int) -> Task:
        """The live or zombie task with this pid (reaped tasks are gone, as in the
        kernel); ESRCH if there is none."""
        if isinstance(pid, bool) or not isinstance(pid, int):
            raise InvalidArgument(f"task: pid {pid!r} is not an int")
        try:
            return self.tasks[pid]
        except KeyError:
            raise SyscallError(E.ESRCH, f"no task with pid {pid}") from None

    def do_fork(self, parent: Task, name: str | None) -> Task:
        """copy_process / dup_mmap: copy every VMA; copy the page tables of those that
        need it (anonymous pages present: vma->anon_vma), write-protecting COW pages."""
        old = parent.mm
        mm = self._new_mm()
        for k in ("stack_top", "mmap_base", "start_brk", "brk", "start_stack", "task_size"):
            setattr(mm, k, getattr(old, k))
        from .mm.overcommit import vm_enough_memory
        charged = 0
        for vma in old.mmap:
            if vma.vm_flags & VM.DONTCOPY:
                continue
            if vma.vm_flags & VM.ACCOUNT:           # dup_mmap charges each accounted VMA
                if not vm_enough_memory(self, old, vma.pages(), pending=charged):
                    self._exit_mmap(mm)
                    raise SyscallError(E.ENOMEM, "fork: the child's memory cannot be "
                                       "committed (vm.overcommit_memory)")
                charged += vma.pages()
            # dup_mmap: locks are not inherited (VM_LOCKED and VM_LOCKONFAULT cleared)
            new = VMA(mm, vma.vm_start, vma.vm_end,
                      vma.vm_flags & ~(VM.LOCKED | VM.LOCKONFAULT), vma.vm_pgoff,
                      vma.vm_file, vma.name, vma.vm_page_prot)
            new.shmem = vma.shmem
            mm.mmap.insert(new)
            if vma.vm_file is not None:
                vma.vm_file.mapping.i_mmap[new] = None
            if vma.vm_flags & VM.WIPEONFORK:
                continue
            anon_vma_fork(new, vma)
            if vma.anon_vma is not None and not copy_page_range(new, vma):
                self._exit_mmap(mm)
                raise SyscallError(E.ENOMEM, "fork: out of memory copying page tables")
        old.flush_tlb_mm()
        child = Task(self, self.next_pid, name or parent.name, mm, parent)
        child.sp = parent.sp
        self.next_pid += 1
        self.tasks[child.pid] = child
        parent.children.append(child)
        return child

    def do_exec(self, task: Task, name: str | None) -> None:
        mm = self._new_mm()
        self._setup_stack(mm)
        old, task.mm = task.mm, mm
        self._exit_mmap(old)
        task.sp = mm.stack_top - 256
        if name:
            task.name = name

    def do_exit(self, task: Task, code: int, signal: str | None) -> None:
        if not task.alive:
            return
        if task.mm is not None:
            self._exit_mmap(task.mm)
            task.mm = None
        task.state = "Z"
        task.exit_code = code if signal is None else -_SIGNUMS.get(signal, 9)
        task.killed_by = signal
        init = self.tasks.get(1)
        for child in task.children:                 # orphans go to init
            child.parent = init if init is not None and init is not task else None
            if child.parent is not None:
                child.parent.children.append(child)
        task.children = []

    def do_wait(self, parent: Task, child: Task | None) -> int:
        if child is not None and not isinstance(child, Task):
            raise InvalidArgument(f"wait: child={child!r}; give a Task (from fork()) or "
                                  "None for any dead child")
        if child is None:
            dead = [c for c in parent.children if c.state == "Z"]
            if not dead:
                raise SyscallError(E.ECHILD, f"wait: task {parent.pid} has no dead child "
                                   "to reap (children must exit first)")
            child = dead[0]
        if child not in parent.children:
            raise SyscallError(E.ECHILD, f"wait: task {child.pid} is not a child of "
                               f"task {parent.pid}")
        if child.alive:
            raise SyscallError(E.EAGAIN, f"wait: child {child.pid} is still running; "
                               "make it exit() first (this model runs one step at a time)")
        parent.children.remove(child)
        child.state = "X"
        if self.tasks.get(child.pid) is child:      # release_task: reaped tasks go
            del self.tasks[child.pid]
        return child.exit_code

    def _exit_mmap(self, mm: MmStruct) -> None:
        """exit_mmap: unmap everything, free every page table and the pgd."""
        for vma in list(mm.mmap):
            do_munmap(mm, vma.vm_start, vma.vm_end - vma.vm_start)
        free_pgd_range(mm, 0, mm.task_size, 0, self.mode.address_limit)
        from .mm.pagetable import free_table
        free_table(mm, mm.pgd)
        mm.pgd = 0
        mm.flush_tlb_mm()

    # -- files (issue 3) -----------------------------------------------------------------
    def create_file(self, name: str, size: int | str | None = None, data: bytes | None = None):
        return self.filemap.create_file(name, size=size, data=data)

    def drop_caches(self) -> None:
        self.filemap.drop_caches()

    # -- observation ---------------------------------------------------------------------
    @contextmanager
    def trace(self):
        """``with m.trace() as tr:`` records every fault in ``tr.faults``."""
        tracer = Tracer()
        self.tracers.append(tracer)
        try:
            yield tracer
        finally:
            self.tracers.remove(tracer)

    def record_fault(self, vmf, sig) -> None:
        reclaim, self._fault_reclaims = tuple(self._fault_reclaims), []
        rec = FaultRecord.from_fault(vmf, sig, reclaim)
        for t in self.tracers:
            t.record(rec)

    def record_event(self, name: str, **fields) -> None:
        """A system call's tracepoint (mremap, mlock, populate): for --explain."""
        for t in self.tracers:
            t.events.append((name, fields))

    def record_reclaim(self, rec) -> None:
        """A reclaim run (mm/vmscan.py): kept by every tracer, and by the fault it
        happened in, if any."""
        if self.faulting is not None:
            self._fault_reclaims.append(rec)
        for t in self.tracers:
            t.reclaims.append(rec)

    def record_gp(self, task: Task, address: int, sig) -> None:
        rec = FaultRecord(pid=task.pid, address=address, error_code=None,
                          handler="exc_general_protection", steps=("exc_general_protection",),
                          result=str(sig), major=False, signal=sig.signal, code=sig.code,
                          reason="non-canonical address: #GP")
        for t in self.tracers:
            t.record(rec)

    def meminfo(self) -> dict[str, int]:
        from .observe.procfs import meminfo
        return meminfo(self)

    def check(self) -> None:
        """Raise KernelBug on the first broken kernel invariant."""
        from .observe.check import check_machine
        check_machine(self)
