"""The machine's configuration: every knob of a profile is a field here.

``Config.for_profile("linux")`` is today's kernel (6.x, as on this project's
hosts); ``"classic"`` is the 2.4/2.6 mechanism the two Chinese texts on
demand paging (请页机制) describe. A knob given
to ``Machine(...)`` overrides the profile's value:
``pw.Machine(profile="linux", fault_around_bytes=4096)``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from .errors import InvalidArgument
from .units import parse_size

PROFILES = ("linux", "classic")
# The largest RAM each paging mode can address, as Linux's MAX_PHYSMEM_BITS: 46 bits
# (64 TiB) with 4-level x86-64 paging, 52 (4 PiB) with 5-level, 32 (4 GiB) for a
# non-PAE i386 whose 32-bit entries hold 20-bit frame numbers. The model keeps
# per-frame state only for frames in use (mm/phys.py), so any of these builds at once.
MAX_MEMORY_BY_PAGING = {"x86_64": 1 << 46, "la57": 1 << 52, "i386": 1 << 32}
MAX_MEMORY = max(MAX_MEMORY_BY_PAGING.values())
MAX_SWAP = 1 << 40


@dataclass(frozen=True)
class Config:
    """Every field is documented with the kernel knob or rule it models."""

    profile: str = "linux"
    paging: str = "x86_64"
    memory: int = 64 << 20
    swap: int = 256 << 20
    # do_anonymous_page: a read fault on anonymous memory maps the shared zero page.
    zero_page: bool = True
    # do_wp_page: "refcount" reuses an anonymous page when nothing else holds a
    # reference (6.x wp_can_reuse_anon_folio); "mapcount" reuses it when one PTE
    # maps it (2.6 reuse_swap_page / can_share_swap_page).
    cow_reuse: str = "refcount"
    # mprotect(PROT_WRITE) makes exclusive anonymous PTEs writable at once
    # (6.x can_change_pte_writable); classic leaves them read-only: the next write faults.
    mprotect_upgrade_writable: bool = True
    # /sys/kernel/debug/fault_around_bytes: file read faults map cached neighbours.
    fault_around_bytes: int = 65536
    # /sys/block/*/queue/read_ahead_kb: the read-around window on page-cache misses.
    # 8192 on this project's hosts (their virtio disk); the block layer's default is 128.
    read_ahead_kb: int = 8192
    # /proc/sys/vm/page-cluster: swap readahead reads 2**page_cluster pages.
    page_cluster: int = 3
    # /sys/kernel/mm/transparent_hugepage/enabled: "always", "madvise" or "never".
    thp: str = "madvise"
    # thp_get_unmapped_area: anonymous mappings whose length is a multiple of 2 MiB
    # start on a 2 MiB boundary (6.x, whatever the sysfs mode), so THP can back them.
    thp_align: bool = True
    # CONFIG_PT_RECLAIM (6.14+): MADV_DONTNEED frees a page table it emptied when it
    # zapped the table's whole 2 MiB span, so a THP may be faulted there again.
    pt_reclaim: bool = True
    # /proc/sys/vm/swappiness.
    swappiness: int = 60
    # The swap device (swap_state.py): "async" (a disk or a swap file: swap_writeout
    # starts writeback and reclaim keeps the folio in the swap cache until it is
    # written; a later reclaim pass frees it clean; zero-filled pages go to the
    # zeromap without I/O), "sync" (zram, pmem: SWP_SYNCHRONOUS_IO, written inside
    # pageout, swap-in skips the swap cache and readahead), or "instant" (the
    # teaching simplification the fast engine twins: every write completes inside
    # pageout, no zeromap, swap-in with cluster readahead).  Config.from_host sets
    # it from the host's swap areas.
    swap_device: str = "instant"
    # RLIMIT_STACK and stack_guard_gap (mm/mmap.c): how far the stack may grow.
    rlimit_stack: int = 8 << 20
    stack_guard_gap: int = 256 << 12
    # RLIMIT_MEMLOCK (8 MiB by default since 5.16) and whether the task has
    # CAP_IPC_LOCK (root does: then the limit does not apply): mlock, mlockall,
    # MAP_LOCKED and the growth of locked mappings.
    rlimit_memlock: int = 8 << 20
    cap_ipc_lock: bool = False
    # /proc/sys/vm/overcommit_memory: 0 heuristic (only a request larger than RAM +
    # swap fails), 1 always, 2 never (Committed_AS may not pass CommitLimit =
    # RAM * overcommit_ratio% (or overcommit_kbytes) + swap); the hosts use 0 and 50.
    overcommit_memory: int = 0
    overcommit_ratio: int = 50
    overcommit_kbytes: int = 0
    # /proc/sys/vm/admin_reserve_kbytes and user_reserve_kbytes (mode 2); -1: as the
    # kernel sizes them at boot (min(free/32, 8 MiB) and min(free/32, 128 MiB)).
    admin_reserve_kbytes: int = -1
    user_reserve_kbytes: int = -1
    # CONFIG_MEM_SOFT_DIRTY: per-PTE soft-dirty bits, clear_refs 4, pagemap bit 55.
    # Off on this project's hosts (their kernels are built without it).
    soft_dirty: bool = False
    # Size of the initial stack VMA set up at exec (setup_arg_pages: 128 KiB + args).
    initial_stack: int = 132 << 10
    # TLB size with FIFO replacement; 0: a software TLB without a limit.
    tlb_entries: int = 0
    # Tries of one access (the fault, then its retry) before the model calls it a
    # kernel bug; at least 2.
    max_fault_retries: int = 4
    # -- time and scheduling (issue 6, kernel/sched.py, kernel/disk.py) ------------------
    # Times are seconds of simulated time; nothing reads a wall clock.
    # CPUs that run tasks' programs (m.run()).
    cpus: int = 1
    # The disk that serves page-cache misses, readahead, swap-in/out and writeback:
    # "nvme", "ssd" or "hdd" (kernel/disk.py DISK_PRESETS).
    disk: str = "ssd"
    # CPU cost of one user memory access that hits the TLB (a DRAM access).
    cost_mem_access: float = 100e-9
    # Extra cost of a TLB miss: the hardware page walk.
    cost_tlb_miss: float = 50e-9
    # Kernel CPU time of a minor fault (trap, handler, zeroing or mapping a page).
    cost_minor_fault: float = 1e-6
    # Kernel CPU time of a major fault, not counting the wait for the disk.
    cost_major_fault: float = 5e-6
    # Copying one 4 KiB page for copy-on-write (on top of the fault's cost).
    cost_cow_copy: float = 1e-6
    # One context switch (charged to the CPU, not to a task).
    cost_context_switch: float = 2e-6
    # One system call made by a program (Syscall action), entry and exit.
    cost_syscall: float = 200e-9
    # The scheduler's time slice (round robin among runnable tasks).
    time_slice: float = 4e-3
    # Working-set sampling: every ws_interval of a task's CPU time its accessed bits
    # are tested and cleared; WS(t, tau) is the union over the last ws_tau (0: off).
    ws_interval: float = 20e-3
    ws_tau: float = 100e-3
    # Medium-term scheduler (kernel/loadctl.py): load control by working set, the
    # working-set policy of Denning ("The working set model for program behavior",
    # CACM 1968; "Working sets past and present", IEEE TSE 1980). A task is admitted
    # only while the admitted tasks' working sets fit in memory; when they outgrow it
    # a victim is suspended (paged out whole); a resumed task prefetches its working
    # set. tau is ws_tau above. Off: every task competes for memory (and may thrash).
    # (The page-fault-frequency policy, Chu and Opderbeck 1972, which the 1980 survey
    # sets beside WS, estimates resident sets from fault intervals; not modelled.)
    load_control: bool = False
    # Where a task's working set comes from: "declared" (what its program declares,
    # pw.programs.loop's pages; else sampled) or "sampled" (W(t, tau) from the accessed
    # bits only, as the 1968 paper defines it).
    lc_working_set: str = "declared"
    # Fraction of the capacity (memory less the high watermark and page tables) kept
    # out of the working sets: room for the page cache, page tables and the estimate's
    # error.
    lc_margin: float = 0.05
    # Whom to suspend when the working sets outgrow memory: "cheapest" (highest nice,
    # then the cheapest swap-out: not started, fewest pages to write, smallest) or
    # "lowest-priority" (highest nice, then the one admitted last).
    lc_victim: str = "cheapest"
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def for_profile(cls, profile: str, **overrides) -> Config:
        if profile not in PROFILES:
            raise InvalidArgument(f"unknown profile {profile!r}; choose 'linux' (today's "
                                  "kernel, 6.x) or 'classic' (the 2.4/2.6 kernel of the "
                                  "two Chinese texts on demand paging)")
        base: dict = {}
        if profile == "classic":
            base = dict(profile="classic", cow_reuse="mapcount", mprotect_upgrade_writable=False,
                        fault_around_bytes=4096, thp="never", read_ahead_kb=128,
                        thp_align=False, pt_reclaim=False)
        base.update(overrides)
        return cls.build(**base)

    @classmethod
    def from_host(cls, **overrides) -> Config:
        """The linux profile configured from this host's settings (hostconfig.py):
        THP mode, page-cluster, read_ahead_kb, fault_around_bytes, swappiness, CPU
        count.  ``extra["host"]`` holds every setting read, ``extra["unsupported"]``
        the ``Unsupported`` ones the model cannot follow (report them as skips)."""
        from .hostconfig import host_knobs, read_host_settings
        settings = read_host_settings()
        knobs, unsupported = host_knobs(settings)
        knobs.update(overrides)
        cfg = cls.for_profile("linux", **knobs)
        return dataclasses.replace(cfg, extra={"host": settings.as_dict(),
                                               "unsupported": unsupported,
                                               "knobs": knobs})

    @classmethod
    def build(cls, **values) -> Config:
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InvalidArgument(f"unknown machine setting(s) {', '.join(unknown)}; "
                                  f"known settings: {', '.join(sorted(names))}")
        for key in ("memory", "swap", "rlimit_stack", "stack_guard_gap", "fault_around_bytes",
                    "initial_stack", "rlimit_memlock"):
            if key in values:
                values[key] = parse_size(values[key], key)
        cfg = cls(**values)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        from .arch.paging import paging_mode
        self._validate_types()
        paging_mode(self.paging)
        limit = MAX_MEMORY_BY_PAGING.get(self.paging, MAX_MEMORY)
        if self.memory > limit:
            most = f"{limit >> 40}TiB" if limit >= 1 << 40 else f"{limit >> 30}GiB"
            raise InvalidArgument(f"memory={self.memory} bytes is more than {self.paging} "
                                  f"paging can address ({limit.bit_length() - 1}-bit physical "
                                  f"addresses); give at most {most}")
        if self.swap > MAX_SWAP:
            raise InvalidArgument(f"swap={self.swap} bytes is more than this model can "
                                  f"represent; give at most {MAX_SWAP >> 40}TiB")
        if not 2 <= self.max_fault_retries <= 1000:
            raise InvalidArgument(f"max_fault_retries={self.max_fault_retries}; give an int "
                                  "from 2 to 1000 (a fault and its retry)")
        if not 0 <= self.read_ahead_kb <= 1 << 20 or self.read_ahead_kb % 4:
            raise InvalidArgument(f"read_ahead_kb={self.read_ahead_kb}; give a multiple of 4 "
                                  "from 0 to 1048576")
        if self.initial_stack % 4096 or not 4096 <= self.initial_stack <= self.rlimit_stack:
            raise InvalidArgument(f"initial_stack={self.initial_stack}; give a multiple of "
                                  f"4096 from 4KiB up to rlimit_stack ({self.rlimit_stack})")
        if self.stack_guard_gap % 4096 or self.stack_guard_gap > 1 << 30:
            raise InvalidArgument(f"stack_guard_gap={self.stack_guard_gap}; give a multiple "
                                  "of 4096 up to 1GiB")
        if self.rlimit_stack > 1 << 40:
            raise InvalidArgument(f"rlimit_stack={self.rlimit_stack}; give at most 1TiB")
        if self.tlb_entries > 1 << 20 or self.cpus > 1024:
            raise InvalidArgument("tlb_entries must be <= 1048576 and cpus <= 1024")
        if self.cow_reuse not in ("refcount", "mapcount"):
            raise InvalidArgument(f"cow_reuse={self.cow_reuse!r}; choose 'refcount' or 'mapcount'")
        if self.thp not in ("always", "madvise", "never"):
            raise InvalidArgument(f"thp={self.thp!r}; choose 'always', 'madvise' or 'never'")
        if self.memory < (1 << 20):
            raise InvalidArgument(f"memory={self.memory} bytes is too small; give at least 1MiB")
        if self.memory % 4096 or self.swap % 4096:
            raise InvalidArgument("memory and swap must be whole pages (multiples of 4KiB)")
        fab = self.fault_around_bytes
        if fab < 4096 or fab & (fab - 1):
            raise InvalidArgument("fault_around_bytes must be a power of two >= 4096 "
                                  "(4096 turns fault-around off)")
        if not 0 <= self.page_cluster <= 10:
            raise InvalidArgument("page_cluster must be between 0 and 10")
        if self.swap_device not in ("instant", "async", "sync"):
            raise InvalidArgument(f"swap_device={self.swap_device!r}; choose 'async' (a disk "
                                  "or swap file), 'sync' (zram) or 'instant'")
        if self.overcommit_memory not in (0, 1, 2):
            raise InvalidArgument("overcommit_memory must be 0 (heuristic), 1 (always) or "
                                  "2 (never)")
        if self.overcommit_ratio < 0 or self.overcommit_kbytes < 0:
            raise InvalidArgument("overcommit_ratio and overcommit_kbytes must be >= 0")
        if not 0 <= self.swappiness <= 200:
            raise InvalidArgument("swappiness must be between 0 and 200")
        if self.tlb_entries < 0:
            raise InvalidArgument("tlb_entries must be >= 0 (0: no limit)")
        self._validate_timing()

    def _validate_types(self) -> None:
        """Every field has the type its annotation names: ints are ints (not bools,
        floats or strings), numbers are finite, strings are strings."""
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", "")
            if kind == "int" and (isinstance(v, bool) or not isinstance(v, int)):
                raise InvalidArgument(f"{f.name}={v!r}; give an int")
            if kind == "float" and (isinstance(v, bool) or not isinstance(v, int | float)
                                    or not math.isfinite(v)):
                raise InvalidArgument(f"{f.name}={v!r}; give a finite number")
            if kind == "bool" and not isinstance(v, bool):
                raise InvalidArgument(f"{f.name}={v!r}; give True or False")
            if kind == "str" and not isinstance(v, str):
                raise InvalidArgument(f"{f.name}={v!r}; give a string")

    def _validate_timing(self) -> None:
        """The time and scheduling knobs (issue 6)."""
        from .kernel.disk import disk_model
        disk_model(self.disk)
        if isinstance(self.cpus, bool) or not isinstance(self.cpus, int) or self.cpus < 1:
            raise InvalidArgument(f"cpus={self.cpus!r}; give an int >= 1")
        for name in ("cost_mem_access", "cost_tlb_miss", "cost_minor_fault", "cost_major_fault",
                     "cost_cow_copy", "cost_context_switch", "cost_syscall", "ws_interval",
                     "ws_tau"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1e6:
                raise InvalidArgument(f"{name}={v!r}; give seconds as a number from 0 to 1e6")
        from .kernel.loadctl import VICTIM_RULES, WORKING_SET_SOURCES
        if self.lc_working_set not in WORKING_SET_SOURCES:
            raise InvalidArgument(f"lc_working_set={self.lc_working_set!r}; choose "
                                  f"{' or '.join(map(repr, WORKING_SET_SOURCES))}")
        if self.lc_victim not in VICTIM_RULES:
            raise InvalidArgument(f"lc_victim={self.lc_victim!r}; choose "
                                  f"{' or '.join(map(repr, VICTIM_RULES))}")
        m = self.lc_margin
        if isinstance(m, bool) or not isinstance(m, int | float) or not 0 <= m < 1:
            raise InvalidArgument(f"lc_margin={m!r}; give a fraction from 0 to below 1")
        if isinstance(self.time_slice, bool) or not isinstance(self.time_slice, int | float) \
                or not 0 < self.time_slice <= 1e6:
            raise InvalidArgument(f"time_slice={self.time_slice!r}; give seconds > 0")
