"""A task (process) and its system calls: the public face of the kernel model.

Every method validates its arguments first and raises ``InvalidArgument`` (a
ValueError with errno EINVAL) or ``SyscallError`` before touching anything, so a
failed call changes nothing. Memory accesses (``read``, ``write``, ``touch``)
go through the MMU one access per page; a fatal fault kills the task and raises
the ``Signal`` (``SegmentationFault``, ``BusError``, ``Killed``).
"""

from __future__ import annotations

import errno as E
from collections.abc import Iterable

from ..errors import InvalidArgument, SyscallError
from ..mm.madvise import ADVICE, do_madvise
from ..mm.mm_types import MM
from ..mm.mmap import (
    do_brk,
    do_munmap,
    get_unmapped_area,
    mmap_region,
    page_align,
    thp_get_unmapped_area,
)
from ..mm.mprotect import do_mprotect
from ..units import parse_size
from .mman import MAP, PROT, parse_map_flags, parse_prot, prot_to_vm
from .traps import in_syscall, user_access

# What a write access of touch() stores (the host probe stores the same byte).
TOUCH_BYTE = b"\xa5"

PAGE_SIZE = 4096


def _check_name(name, what: str) -> None:
    if name is not None and (not isinstance(name, str) or not name):
        raise InvalidArgument(f"{what}: name={name!r}; give a non-empty string or None")


class TaskStats:
    """Per-task counters as getrusage(2) and /proc/PID/status report them."""

    __slots__ = ("_task", "maj_flt", "min_flt", "nivcsw", "nvcsw")

    def __init__(self, task: Task) -> None:
        self._task = task
        self.min_flt = 0      # faults served without I/O (ru_minflt)
        self.maj_flt = 0      # faults that needed I/O (ru_majflt)
        self.nvcsw = 0
        self.nivcsw = 0

    @property
    def rss(self) -> int:
        """Resident pages (VmRSS / 4 KiB); the zero page is not counted."""
        return self._task._rss(None)

    @property
    def rss_anon(self) -> int:
        return self._task._rss(MM.ANONPAGES)

    @property
    def rss_file(self) -> int:
        return self._task._rss(MM.FILEPAGES)

    @property
    def rss_shmem(self) -> int:
        return self._task._rss(MM.SHMEMPAGES)

    @property
    def swap(self) -> int:
        """Pages of this task in swap (VmSwap / 4 KiB)."""
        return self._task._rss(MM.SWAPENTS)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in ("min_flt", "maj_flt", "rss", "rss_anon",
                                              "rss_file", "rss_shmem", "swap")}

    def __repr__(self) -> str:
        return f"TaskStats({', '.join(f'{k}={v}' for k, v in self.as_dict().items())})"


class Task:
    """A process: pid, an address space (``mm``), counters and a state."""

    def __init__(self, machine, pid: int, name: str, mm, parent: Task | None) -> None:
        self.machine = machine
        self.pid = pid
        self.name = name
        self.mm = mm
        self.parent = parent
        self.children: list[Task] = []
        self.state = "R"                 # R running, Z zombie (dead, not reaped), X reaped
        self.exit_code: int | None = None
        self.killed_by: str | None = None
        self.sigkill_pending = False     # chosen by the OOM killer inside its own fault
        self.stats = TaskStats(self)
        self.sp = mm.stack_top - 256 if mm is not None else 0

    # -- state ----------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.state == "R"

    def __repr__(self) -> str:
        return f"<Task {self.pid} {self.name!r} {'alive' if self.alive else 'dead'}>"

    def _check_alive(self) -> None:
        self.machine.check_running()
        if not self.alive:
            how = f"killed by {self.killed_by}" if self.killed_by else f"exited ({self.exit_code})"
            raise SyscallError(E.ESRCH, f"task {self.pid} ({self.name}) is dead: {how}")

    def _rss(self, counter: MM | None) -> int:
        if self.mm is None:
            return 0
        return self.mm.get_rss() if counter is None else self.mm.rss[counter]

    # -- argument checks ----------------------------------------------------------
    def _addr(self, addr: int, what: str = "address") -> int:
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise InvalidArgument(f"{what} {addr!r} is not an int; give a virtual address")
        if not 0 <= addr < self.machine.mode.address_limit:
            raise InvalidArgument(
                f"{what} {addr:#x} is outside the CPU's address range "
                f"0..{self.machine.mode.address_limit - 1:#x} ({self.machine.mode.name})")
        return addr

    def _range(self, addr: int, length: int | str, what: str, aligned: bool) -> tuple[int, int]:
        self._addr(addr)
        n = parse_size(length, f"{what} length")
        if n == 0:
            raise InvalidArgument(f"{what}: length is 0; give a length of at least one byte")
        if aligned and addr % PAGE_SIZE:
            raise InvalidArgument(f"{what}: address {addr:#x} is not page aligned; "
                                  f"use a multiple of 4096 (e.g. {addr & ~0xFFF:#x})")
        if addr + n > self.machine.mode.address_limit:
            raise InvalidArgument(f"{what}: [{addr:#x}, +{n:#x}) wraps past the end of the "
                                  "address space")
        return addr, n

    def _syscall_range(self, addr: int, length: int | str, what: str,
                       beyond: int = E.ENOMEM, wraps: int | None = None) -> tuple[int, int]:
        """The range checks of munmap/mprotect/madvise/msync, in the kernel's order:
        ``addr`` page aligned (EINVAL); a length that does not parse (EINVAL); a
        range reaching past TASK_SIZE fails with ``beyond`` (munmap: EINVAL,
        the others: ENOMEM, as an unmapped range) before anything changes.
        A length of 0 is returned as is: the caller decides (munmap: EINVAL,
        the others succeed doing nothing).  A range whose end wraps past 2**64
        fails with ``wraps`` when given (madvise: EINVAL, measured), else as
        ``beyond``."""
        self._addr(addr)
        if addr % PAGE_SIZE:
            raise InvalidArgument(f"{what}: address {addr:#x} is not page aligned; "
                                  f"use a multiple of 4096 (e.g. {addr & ~0xFFF:#x})")
        n = parse_size(length, f"{what} length")
        task_size = self.mm.task_size
        if n and wraps is not None and addr + page_align(n) >= 1 << 64:
            msg = f"{what}: [{addr:#x}, +{n:#x}) wraps past the end of the address space"
            raise InvalidArgument(msg) if wraps == E.EINVAL else SyscallError(wraps, msg)
        if n and (addr > task_size or page_align(n) > task_size - addr):
            msg = (f"{what}: [{addr:#x}, +{n:#x}) reaches past the end of user space "
                   f"(TASK_SIZE {task_size:#x})")
            if beyond == E.EINVAL:
                raise InvalidArgument(msg)
            raise SyscallError(beyond, msg)
        return addr, n

    # -- memory accesses -------------------------------------------------------------
    def touch(self, addr: int, length: int | str = PAGE_SIZE, write: bool = False,
              execute: bool = False) -> None:
        """One access (read, write or instruction fetch) to every page that
        [addr, addr + length) overlaps, in address order.

        A write access stores the byte 0xa5 (``TOUCH_BYTE``): at ``addr`` in the
        first page and at the start of every later page, exactly as the host
        oracle's probe does, so both sides hold the same bytes afterwards (and a
        written page is never zero-filled)."""
        self._check_alive()
        addr, n = self._range(addr, length, "touch", aligned=False)
        first, last = addr >> 12, (addr + n - 1) >> 12
        self._touch_pages(range(first, last + 1), bool(write), bool(execute),
                          first_offset=addr & 0xFFF, store=True)

    def touch_pages(self, vpns: Iterable[int], write: bool = False) -> None:
        """One access per virtual page number, in the order given (for strided or
        random access patterns); a write stores 0xa5 at each page's start."""
        self._check_alive()
        limit = self.machine.mode.address_limit >> 12
        vpns = list(vpns)
        for v in vpns:
            if isinstance(v, bool) or not isinstance(v, int):
                raise InvalidArgument(f"page number {v!r} is not an int")
            if not 0 <= v < limit:
                raise InvalidArgument(f"page number {v:#x} is outside the address range")
        self._touch_pages(vpns, bool(write), False, store=True)

    def _touch_pages(self, vpns: Iterable[int], write: bool, execute: bool,
                     first_offset: int = 0, store: bool = False) -> None:
        """The accesses; ``store``: a write access stores TOUCH_BYTE (touch),
        otherwise it only faults the page in writable (MAP_POPULATE)."""
        mm = self.mm
        tlb = mm.tlb_w if write else mm.tlb_r
        if not (write and store):
            for vpn in vpns:
                if execute or vpn not in tlb:   # the TLB fast path: a hit costs nothing
                    user_access(self, vpn << 12, write, execute)
            return
        phys_write = self.machine.phys.write
        off = first_offset
        for vpn in vpns:
            pfn = tlb.get(vpn)
            if pfn is None:
                pfn = user_access(self, vpn << 12, True, execute)
            phys_write(pfn, off, TOUCH_BYTE)
            off = 0

    def read(self, addr: int, n: int) -> bytes:
        """Read ``n`` bytes at ``addr`` (one read access per page touched)."""
        self._check_alive()
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidArgument(f"read: n={n!r}; give a byte count >= 0")
        if n == 0:
            self._addr(addr)
            return b""
        addr, n = self._range(addr, n, "read", aligned=False)
        mm, phys = self.mm, self.machine.phys
        out = bytearray()
        pos, end = addr, addr + n
        while pos < end:
            vpn = pos >> 12
            chunk = min(end, (vpn + 1) << 12) - pos
            pfn = mm.tlb_r.get(vpn)
            if pfn is None:
                pfn = user_access(self, pos, False)
            out += phys.read(pfn, pos & 0xFFF, chunk)
            pos += chunk
        return bytes(out)

    def write(self, addr: int, data: bytes | bytearray | memoryview | str) -> None:
        """Write ``data`` at ``addr`` (one write access per page touched)."""
        self._check_alive()
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidArgument(f"write: data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        if not data:
            self._addr(addr)
            return
        addr, n = self._range(addr, len(data), "write", aligned=False)
        mm, phys = self.mm, self.machine.phys
        pos, end = addr, addr + n
        while pos < end:
            vpn = pos >> 12
            chunk = min(end, (vpn + 1) << 12) - pos
            pfn = mm.tlb_w.get(vpn)
            if pfn is None:
                pfn = user_access(self, pos, True)
            phys.write(pfn, pos & 0xFFF, data[pos - addr:pos - addr + chunk])
            pos += chunk

    # -- the stack ------------------------------------------------------------------------
    def push(self, data: bytes) -> int:
        """Move ``sp`` down by len(data) and write it there (a push); returns the new sp."""
        self._check_alive()
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidArgument(f"push: data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        if len(data) > self.sp:
            raise InvalidArgument(f"push: {len(data)} bytes do not fit below sp {self.sp:#x}")
        self.write(self.sp - len(data), data)
        self.sp -= len(data)
        return self.sp

    # -- system calls ------------------------------------------------------------------
    def mmap(self, length: int | str, prot: str | int = "rw",
             flags: str | int = "private|anonymous", file=None, offset: int = 0,
             addr: int | None = None) -> int:
        """mmap(2): map ``length`` bytes; returns the start address."""
        self._check_alive()
        n = parse_size(length, "mmap length")
        if n == 0:
            raise InvalidArgument("mmap: length is 0; give a length of at least one byte")
        prot_v = parse_prot(prot)
        flags_v = parse_map_flags(flags)
        if file is None and not flags_v & MAP.ANONYMOUS:
            raise InvalidArgument("mmap: no file given; add 'anonymous' to flags or pass file=")
        if file is not None and flags_v & MAP.ANONYMOUS:
            raise InvalidArgument("mmap: 'anonymous' together with a file; drop one")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0 \
                or offset % PAGE_SIZE:
            raise InvalidArgument(f"mmap: offset {offset!r} must be a multiple of 4096")
        if addr is not None:
            self._addr(addr, "mmap addr")
        fixed = flags_v & (MAP.FIXED | MAP.FIXED_NOREPLACE)
        if fixed and (addr is None or addr % PAGE_SIZE):
            raise InvalidArgument("mmap: 'fixed' needs a page-aligned addr=")
        if file is not None:
            self.machine.filemap.check_mappable(file, prot_v, flags_v)
        length = page_align(n)
        mm = self.mm
        if length > mm.task_size:
            raise SyscallError(E.ENOMEM, f"mmap: {n} bytes is larger than the address space")
        if fixed:
            if addr + length > mm.task_size:
                raise SyscallError(E.ENOMEM, f"mmap: [{addr:#x}, +{length:#x}) is beyond "
                                   f"TASK_SIZE {mm.task_size:#x}")
            if flags_v & MAP.FIXED_NOREPLACE and mm.mmap.overlapping(addr, addr + length):
                raise SyscallError(E.EEXIST, f"mmap: [{addr:#x}, +{length:#x}) is already "
                                   "mapped (fixed_noreplace)")
            start = addr
        elif (addr is None and file is None and not flags_v & MAP.SHARED
              and self.machine.config.thp_align and self.machine.thp.enabled
              and length % (2 << 20) == 0):
            start = thp_get_unmapped_area(mm, length)
        else:
            start = get_unmapped_area(mm, length, addr or 0)
            if start is None:
                raise SyscallError(E.ENOMEM, f"mmap: no free range of {length:#x} bytes")
        vm_flags = prot_to_vm(prot_v) | 0x10 | 0x20 | 0x40 | 0x8000000   # MAY* | SOFTDIRTY
        vm_flags |= mm.def_flags            # mlockall(MCL_FUTURE)
        if flags_v & MAP.SHARED:
            vm_flags |= 0x8 | 0x80                  # VM_SHARED | VM_MAYSHARE
        if flags_v & MAP.GROWSDOWN:
            vm_flags |= 0x100
        if flags_v & MAP.LOCKED:
            vm_flags |= 0x2000
        if vm_flags & 0x2000:
            from ..mm.mlock import mlock_future_ok
            if not mlock_future_ok(self, length):
                raise SyscallError(E.EAGAIN, f"mmap: locking {length:#x} more bytes would "
                                   "exceed RLIMIT_MEMLOCK")
        if flags_v & MAP.NORESERVE and self.machine.config.overcommit_memory != 2:
            vm_flags |= 0x200000                    # mode 2 ignores MAP_NORESERVE
        from ..mm.overcommit import accountable, vm_enough_memory
        if (file is None and flags_v & MAP.SHARED and not vm_flags & 0x200000
                and not vm_enough_memory(self.machine, mm, length >> 12)):   # shmem_acct_size
            raise SyscallError(E.ENOMEM, f"mmap: committing {length:#x} bytes of shared "
                               "memory is refused by vm.overcommit_memory="
                               f"{self.machine.config.overcommit_memory}")
        if accountable(vm_flags, bool(flags_v & MAP.SHARED), bool(vm_flags & 0x200000),
                       self.machine):
            vm_flags |= 0x100000                # VM_ACCOUNT
            replaced = sum(min(v.vm_end, start + length) - max(v.vm_start, start)
                           for v in mm.mmap.overlapping(start, start + length)
                           if v.vm_flags & 0x100000) >> 12 if fixed else 0
            if not vm_enough_memory(self.machine, mm, (length >> 12) - replaced):
                raise SyscallError(E.ENOMEM, f"mmap: committing {length:#x} more bytes "
                                   "is refused by vm.overcommit_memory="
                                   f"{self.machine.config.overcommit_memory}")
        shmem = False
        pgoff = offset >> 12
        if file is None and flags_v & MAP.SHARED:
            file = self.machine.filemap.shmem_file(length)
            shmem = True
            pgoff = 0
        elif file is not None:
            shmem = file.shmem
        vma = mmap_region(mm, start, length, vm_flags, file, pgoff, shmem=shmem)
        del vma
        if flags_v & MAP.POPULATE or (vm_flags & 0x2000 and not vm_flags & 0x80000):
            self.machine.populate(self, start, length,
                                  write=bool(prot_v & PROT.WRITE) and not flags_v & MAP.SHARED)
        return start

    def munmap(self, addr: int, length: int | str) -> None:
        """munmap(2)."""
        self._check_alive()
        addr, n = self._syscall_range(addr, length, "munmap", beyond=E.EINVAL)
        if n == 0:
            raise InvalidArgument("munmap: length is 0; give a length of at least one byte")
        do_munmap(self.mm, addr, page_align(n))

    def mprotect(self, addr: int, length: int | str, prot: str | int) -> None:
        """mprotect(2): ENOMEM if part of the range is unmapped (nothing changes then)."""
        self._check_alive()
        addr, n = self._syscall_range(addr, length, "mprotect")
        prot_v = parse_prot(prot)
        if n == 0:
            return                              # Linux: len 0 succeeds, changes nothing
        end = addr + page_align(n)
        # mprotect_fixup: a locked VMA that becomes writable is populated (COW broken)
        lock_ro = [(max(v.vm_start, addr), min(v.vm_end, end))
                   for v in self.mm.mmap.overlapping(addr, end)
                   if v.vm_flags & (0x2 | 0x8 | 0x2000) == 0x2000]
        if prot_v & PROT.WRITE:                 # mprotect_fixup charges new writable memory
            from ..mm.overcommit import vm_enough_memory
            charge = sum(min(v.vm_end, end) - max(v.vm_start, addr)
                         for v in self.mm.mmap.overlapping(addr, end)
                         if not v.vm_flags & (0x100000 | 0x2 | 0x8 | 0x200000)) >> 12
            if not vm_enough_memory(self.machine, self.mm, charge):
                raise SyscallError(E.ENOMEM, f"mprotect [{addr:#x}, +{n:#x}): committing "
                                   "the newly writable memory is refused (overcommit)")
        err = do_mprotect(self.mm, addr, end, prot_to_vm(prot_v))
        if err:
            raise SyscallError(err, f"mprotect [{addr:#x}, +{n:#x}): "
                               + ("part of the range is not mapped" if err == E.ENOMEM
                                  else "the mapping does not allow that protection"))
        if prot_v & PROT.WRITE and lock_ro:
            from ..mm.mlock import mm_populate
            for lo, hi in lock_ro:
                mm_populate(self, lo, hi, ignore_errors=True)

    def madvise(self, addr: int, length: int | str, advice: str) -> None:
        """madvise(2) with advice "dontneed", "free", "pageout", "willneed", "random",
        "sequential", "hugepage", "nohugepage", "cold", ..."""
        self._check_alive()
        if not isinstance(advice, str) or advice.lower().removeprefix("madv_") not in ADVICE:
            raise InvalidArgument(f"madvise: unknown advice {advice!r}; choose one of "
                                  + ", ".join(ADVICE))
        addr, n = self._syscall_range(addr, length, "madvise", wraps=E.EINVAL)
        advice = advice.lower().removeprefix("madv_")
        if n == 0:
            return                              # Linux: len 0 succeeds, changes nothing
        if advice in ("populate_read", "populate_write"):
            from ..mm.gup import madvise_populate
            err = madvise_populate(self, addr, addr + page_align(n), advice == "populate_write")
            if err:
                raise SyscallError(err, f"madvise [{addr:#x}, +{n:#x}) {advice}: " + {
                    E.ENOMEM: "part of the range is not mapped (what comes before it "
                              "was populated)",
                    E.EINVAL: "the mapping does not allow that access",
                    E.EFAULT: "a page lies beyond the end of its file"}[err])
            return
        err = do_madvise(self.mm, addr, addr + page_align(n), advice)
        if err:
            raise SyscallError(err, f"madvise [{addr:#x}, +{n:#x}) {advice}: "
                               + ("part of the range is not mapped" if err == E.ENOMEM
                                  else "not allowed on this mapping"))

    def msync(self, addr: int, length: int | str, flags: str = "sync") -> None:
        """msync(2): write back the range's dirty shared file pages; their entries
        become clean and read-only again, so the next write faults (write-notify)."""
        self._check_alive()
        addr, n = self._syscall_range(addr, length, "msync")
        if flags not in ("sync", "async", "invalidate"):
            raise InvalidArgument(f"msync: flags {flags!r}; choose 'sync', 'async' or "
                                  "'invalidate'")
        if flags == "async" or n == 0:                # MS_ASYNC starts nothing since 2.6.19
            return
        err = self.machine.filemap.msync(self.mm, addr, addr + page_align(n))
        if err:
            raise SyscallError(err, f"msync [{addr:#x}, +{n:#x}): part of the range is "
                               "not mapped")

    def brk(self, new_end: int | None = None) -> int:
        """brk(2): move the program break to ``new_end`` (None: just ask); returns the
        break. ENOMEM if it would run into another mapping or below the heap start."""
        self._check_alive()
        mm = self.mm
        if new_end is None:
            return mm.brk
        self._addr(new_end, "brk")
        err = do_brk(mm, new_end)
        if err:
            raise SyscallError(err, f"brk({new_end:#x}): the heap cannot end there "
                               f"(heap starts at {mm.start_brk:#x})")
        return mm.brk

    def sbrk(self, increment: int | str) -> int:
        """sbrk(3): grow (or shrink, negative ints) the heap; returns the old break."""
        self._check_alive()
        if isinstance(increment, str):
            increment = parse_size(increment, "sbrk increment")
        if isinstance(increment, bool) or not isinstance(increment, int):
            raise InvalidArgument(f"sbrk: increment {increment!r} is not a size")
        old = self.mm.brk
        self.brk(old + increment)
        return old

    def mremap(self, old_addr: int, old_len: int | str, new_len: int | str,
               flags: str | int = "", new_addr: int | None = None) -> int:
        """mremap(2): grow, shrink or move [old_addr, +old_len); returns the new address.
        ``flags``: "" (in place only), "maymove", "maymove|fixed" (to ``new_addr``),
        "maymove|dontunmap" and "maymove|fixed|dontunmap". Moving moves page tables,
        not pages (mm/mremap.py)."""
        from ..mm.mremap import do_mremap, parse_mremap_flags
        self._check_alive()
        flags_v = parse_mremap_flags(flags)
        self._addr(old_addr, "mremap old_addr")
        o = parse_size(old_len, "mremap old_len")
        n = parse_size(new_len, "mremap new_len")
        if new_addr is not None:
            self._addr(new_addr, "mremap new_addr")
        with in_syscall(self):
            return do_mremap(self, old_addr, o, n, flags_v, new_addr)

    def mincore(self, addr: int, length: int | str) -> list[int]:
        """mincore(2): one value per page of [addr, +length): 1 resident, 0 not
        (ENOMEM over unmapped pages, EINVAL for an unaligned address)."""
        from ..mm.mincore import do_mincore
        self._check_alive()
        self._addr(addr)
        n = parse_size(length, "mincore length")
        return do_mincore(self, addr, n)

    def clear_refs(self, value: int | str) -> None:
        """Write ``value`` to /proc/PID/clear_refs: 1 all, 2 anon, 3 file (clear the
        accessed bits), 4 soft-dirty, 5 reset the peak RSS (VmHWM)."""
        from ..mm.clear_refs import clear_refs, parse_clear_refs
        self._check_alive()
        clear_refs(self, parse_clear_refs(value))

    def _lock_range(self, addr: int, length: int | str, what: str) -> tuple[int, int]:
        self._addr(addr)
        n = parse_size(length, f"{what} length")
        if addr + n > self.machine.mode.address_limit:
            raise InvalidArgument(f"{what}: [{addr:#x}, +{n:#x}) wraps past the end of the "
                                  "address space")
        return addr, n

    def mlock(self, addr: int, length: int | str) -> None:
        """mlock(2): lock and populate the pages of [addr, +length) (rounded to pages)."""
        self.mlock2(addr, length, "")

    def mlock2(self, addr: int, length: int | str, flags: str | int = "") -> None:
        """mlock2(2); flags "" or "onfault" (lock pages as they are faulted in)."""
        from ..mm.mlock import MLOCK_ONFAULT, do_mlock
        from ..mm.vma import VM
        self._check_alive()
        if flags in ("", 0):
            fl = 0
        elif flags in ("onfault", "mlock_onfault", MLOCK_ONFAULT):
            fl = int(VM.LOCKONFAULT)
        else:
            raise InvalidArgument(f"mlock2: flags {flags!r}; give '' or 'onfault'")
        addr, n = self._lock_range(addr, length, "mlock")
        err = do_mlock(self, addr, n, fl)
        if err:
            raise SyscallError(err, f"mlock [{addr:#x}, +{n:#x}): "
                               + ("part of the range is not mapped or cannot be populated"
                                  if err == E.ENOMEM else "failed"))

    def munlock(self, addr: int, length: int | str) -> None:
        """munlock(2)."""
        from ..mm.mlock import do_munlock
        self._check_alive()
        addr, n = self._lock_range(addr, length, "munlock")
        err = do_munlock(self, addr, n)
        if err:
            raise SyscallError(err, f"munlock [{addr:#x}, +{n:#x}): part of the range is "
                               "not mapped")

    def mlockall(self, flags: str | int = "current|future") -> None:
        """mlockall(2): "current", "future", "onfault" joined by "|"."""
        from ..mm.mlock import do_mlockall, parse_mlockall_flags
        self._check_alive()
        err = do_mlockall(self, parse_mlockall_flags(flags))
        if err:
            raise SyscallError(err, "mlockall: the address space is larger than "
                               "RLIMIT_MEMLOCK")

    def munlockall(self) -> None:
        """munlockall(2)."""
        from ..mm.mlock import do_munlockall
        self._check_alive()
        do_munlockall(self)

    # -- processes -----------------------------------------------------------------------
    def fork(self, name: str | None = None) -> Task:
        """fork(2): a child with a copy-on-write copy of this address space."""
        self._check_alive()
        _check_name(name, "fork")
        with in_syscall(self):
            return self.machine.do_fork(self, name)

    def exec(self, name: str | None = None) -> None:
        """execve(2): replace the address space with a fresh one (a new stack, no heap pages)."""
        self._check_alive()
        _check_name(name, "exec")
        with in_syscall(self):
            self.machine.do_exec(self, name)

    def exit(self, code: int = 0) -> None:
        """exit(2): free the address space; the task is a zombie until waited for."""
        self._check_alive()
        if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= 255:
            raise InvalidArgument(f"exit: code {code!r} must be an int from 0 to 255")
        self.do_exit(code=code)

    def do_exit(self, code: int = 0, signal: str | None = None) -> None:
        self.machine.do_exit(self, code, signal)

    def wait(self, child: Task | None = None) -> int:
        """wait(2): reap a dead child; returns its exit code, or -signal number if a
        signal killed it (like subprocess's returncode)."""
        self._check_alive()
        return self.machine.do_wait(self, child)

    # -- views --------------------------------------------------------------------------
    def maps(self) -> str:
        """/proc/PID/maps."""
        from ..observe.procfs import show_maps
        return show_maps(self)

    def smaps(self) -> str:
        """/proc/PID/smaps."""
        from ..observe.procfs import show_smaps
        return show_smaps(self)

    def pagemap(self, addr: int):
        """/proc/PID/pagemap for one address: a ``PageInfo``."""
        from ..observe.procfs import pagemap_entry
        self._addr(addr)
        return pagemap_entry(self, addr)

    def status(self) -> str:
        """/proc/PID/status (the memory lines)."""
        from ..observe.procfs import show_status
        return show_status(self)
