"""The page-fault path: arch/x86/mm/fault.c and the fault half of mm/memory.c.

    exc_page_fault (the trap)                    kernel/traps.py
      do_user_addr_fault   decode the error code, find_vma, good_area / bad_area
        handle_mm_fault    accounting (mm_account_fault) around __handle_mm_fault
          __handle_mm_fault   allocate missing page-table levels (pud/pmd/pte_alloc)
            handle_pte_fault  one-line tests, each leading to a named handler:
              pte none, anonymous VMA   -> do_anonymous_page  (zero page / zeroed page)
              pte none, file VMA        -> do_fault -> do_read_fault / do_cow_fault /
                                                        do_shared_fault   (mm/filemap.py)
              pte is a swap entry       -> do_swap_page                   (mm/swap_state.py)
              write to a read-only pte  -> do_wp_page -> wp_page_reuse / wp_page_copy /
                                                         wp_page_shared

One ``FaultContext`` (struct vm_fault) is built in do_user_addr_fault and carried
down the chain: its inputs are fixed, the walk fills ``table``/``index``/
``orig_pte``, the handlers ``page``/``cow_page``. Handlers return ``VM_FAULT``
flags and never raise; ``do_user_addr_fault`` turns error results into a
``SigInfo`` that the trap boundary delivers. Every step taken is appended to
``vmf.steps`` (the tracepoints and ``--explain`` read them).
"""

from __future__ import annotations

from enum import IntFlag

from ..arch.pte import _D, _P, _PROTNONE, _PSE, _RW, _SPECIAL, PAGE_TABLE, PFN_MASK, X86PF, pfn_pte
from ..errors import KernelBug
from .memory import mm_counter, put_page, vm_normal_page
from .mm_types import MM
from .mmap import expand_stack
from .page import Page, PG_anon, PG_anon_exclusive, PG_swapcache
from .pagetable import alloc_table, walk
from .phys import ZERO_PFN
from .rmap import anon_vma_prepare, folio_add_new_anon_rmap, folio_remove_rmap
from .vma import VM_ACCESS_FLAGS, VM_GROWSDOWN, VM_SHARED, VM_WRITE, VMA

_A = 0x20


class FaultFlag(IntFlag):
    """FAULT_FLAG_* (include/linux/mm_types.h): what kind of fault this is."""

    WRITE = 1 << 0
    MKWRITE = 1 << 1
    ALLOW_RETRY = 1 << 2
    RETRY_NOWAIT = 1 << 3
    KILLABLE = 1 << 4
    TRIED = 1 << 5
    USER = 1 << 6
    REMOTE = 1 << 7
    INSTRUCTION = 1 << 8
    INTERRUPTIBLE = 1 << 9
    UNSHARE = 1 << 10
    ORIG_PTE_VALID = 1 << 11


class VM_FAULT(IntFlag):
    """vm_fault_t result bits (include/linux/mm_types.h)."""

    OOM = 0x000001       # out of memory
    SIGBUS = 0x000002    # nothing to map at this offset (beyond EOF)
    MAJOR = 0x000004     # the page was read from storage
    HWPOISON = 0x000010
    SIGSEGV = 0x000040
    NOPAGE = 0x000100    # the handler installed the PTE itself
    LOCKED = 0x000200
    RETRY = 0x000400
    FALLBACK = 0x000800  # huge page fault failed, fall back to small pages
    DONE_COW = 0x001000
    COMPLETED = 0x004000


VM_FAULT_ERROR = int(VM_FAULT.OOM | VM_FAULT.SIGBUS | VM_FAULT.SIGSEGV | VM_FAULT.HWPOISON
                     | VM_FAULT.FALLBACK)
# Plain ints for the hot path (IntFlag arithmetic allocates).
VM_FAULT_OOM = int(VM_FAULT.OOM)
VM_FAULT_SIGBUS = int(VM_FAULT.SIGBUS)
VM_FAULT_MAJOR = int(VM_FAULT.MAJOR)
VM_FAULT_RETRY = int(VM_FAULT.RETRY)
VM_FAULT_FALLBACK = int(VM_FAULT.FALLBACK)
_WRITE = int(FaultFlag.WRITE)
_TRIED = int(FaultFlag.TRIED)
_USER_FAULT = int(FaultFlag.ALLOW_RETRY | FaultFlag.KILLABLE | FaultFlag.USER)
_INSTRUCTION = int(FaultFlag.INSTRUCTION)
_PF_PROT, _PF_WRITE, _PF_RSVD, _PF_INSTR = (int(X86PF.PROT), int(X86PF.WRITE),
                                            int(X86PF.RSVD), int(X86PF.INSTR))


class SigInfo:
    """A signal to deliver at the trap boundary (siginfo_t)."""

    __slots__ = ("address", "code", "signal")

    def __init__(self, signal: str, code: str, address: int | None) -> None:
        self.signal = signal
        self.code = code
        self.address = address

    def __repr__(self) -> str:
        addr = f" at {self.address:#x}" if self.address is not None else ""
        return f"{self.signal} {self.code}{addr}"


class FaultContext:
    """struct vm_fault: the state of one fault, carried down the handler chain.

    Inputs (fixed): ``task``, ``vma``, ``address`` (page aligned), ``real_address``,
    ``flags`` (FaultFlag), ``pgoff``, ``error_code``.
    Filled by the walk: ``table``/``index`` (the PTE slot; valid after
    __handle_mm_fault), ``orig_pte`` (the entry as the fault found it).
    Filled by handlers: ``page`` (the page found or mapped), ``cow_page`` (the
    private copy of a COW fault), ``handler`` (the last handler's name),
    ``reason`` (why it went that way, in words).
    """

    __slots__ = ("address", "cow_page", "error_code", "flags", "handler", "index",
                 "orig_pte", "page", "pgoff", "real_address", "reason", "ret", "steps", "table",
                 "task", "vma")

    def __init__(self, task, address: int, error_code: int) -> None:
        self.task = task
        self.real_address = address
        self.address = address & ~0xFFF
        self.error_code = error_code
        self.flags = 0
        self.vma: VMA | None = None
        self.pgoff = 0
        self.table: list[int] | None = None
        self.index = 0
        self.orig_pte = 0
        self.page: Page | None = None
        self.cow_page: Page | None = None
        self.handler = ""
        self.reason = ""
        self.ret = 0                  # the VM_FAULT result of handle_mm_fault
        self.steps: list[str] = ["exc_page_fault", "do_user_addr_fault"]

    @property
    def write(self) -> bool:
        return bool(self.flags & _WRITE)


# -- arch/x86/mm/fault.c --------------------------------------------------------

def access_error(error_code: int, vma: VMA) -> bool:
    """The checks of good_area (the source texts' two ``if``s): may this access touch ``vma``?"""
    if error_code & _PF_WRITE:
        return not vma.vm_flags & VM_WRITE
    if error_code & _PF_PROT:          # read of a present page: a privilege violation
        return True
    return not vma.vm_flags & VM_ACCESS_FLAGS


def do_user_addr_fault(vmf: FaultContext) -> SigInfo | None:
    """Handle a user-mode #PF at ``vmf.real_address``; return the signal to deliver, if any."""
    task = vmf.task
    machine = task.machine
    mm = task.mm
    address = vmf.real_address
    error_code = vmf.error_code
    steps = vmf.steps
    if address >= mm.task_size:
        # fault_in_kernel_space -> do_kern_addr_fault -> bad_area_nosemaphore
        steps.append("bad_area_nosemaphore")
        vmf.reason = "the address is in kernel space, above TASK_SIZE"
        return SigInfo("SIGSEGV", "SEGV_MAPERR", address)
    if error_code & _PF_RSVD:
        raise KernelBug(f"pgtable_bad: reserved bit set at {address:#x}")
    flags = _USER_FAULT
    if error_code & _PF_WRITE:
        flags |= _WRITE
    if error_code & _PF_INSTR:
        flags |= _INSTRUCTION
    vmf.flags = flags
    steps.append("find_vma")
    vma = mm.mmap.find_vma(address)
    if vma is None:
        steps.append("bad_area")
        vmf.reason = "no VMA contains the address (find_vma found none above it)"
        return SigInfo("SIGSEGV", "SEGV_MAPERR", address)
    if vma.vm_start > address:
        if not vma.vm_flags & VM_GROWSDOWN:
            steps.append("bad_area")
            vmf.reason = (f"no VMA contains the address (the next VMA starts at "
                          f"{vma.vm_start:#x} and is not a stack)")
            return SigInfo("SIGSEGV", "SEGV_MAPERR", address)
        steps.append("expand_stack")
        if not expand_stack(vma, address):
            steps.append("bad_area")
            vmf.reason = "the stack may not grow that far (RLIMIT_STACK or a mapping in the way)"
            return SigInfo("SIGSEGV", "SEGV_MAPERR", address)
    vmf.vma = vma
    if access_error(error_code, vma):
        steps.append("bad_area_access_error")
        vmf.reason = "the VMA's permissions do not allow this access"
        return SigInfo("SIGSEGV", "SEGV_ACCERR", address)
    ret = handle_mm_fault(vmf)
    if ret & VM_FAULT_ERROR:
        if ret & VM_FAULT_OOM:
            steps.append("pagefault_out_of_memory")
            return machine.oom.pagefault_out_of_memory(task)
        if ret & VM_FAULT_SIGBUS:
            steps.append("do_sigbus")
            return SigInfo("SIGBUS", "BUS_ADRERR", address)
        steps.append("bad_area_nosemaphore")
        return SigInfo("SIGSEGV", "SEGV_MAPERR", address)
    return None


# -- mm/memory.c ------------------------------------------------------------------

def handle_mm_fault(vmf: FaultContext) -> int:
    vmf.steps.append("handle_mm_fault")
    ret = __handle_mm_fault(vmf)
    vmf.ret = ret
    mm_account_fault(vmf, ret)
    return ret


def mm_account_fault(vmf: FaultContext, ret: int) -> None:
    """All fault accounting, in one place: pgfault counts every fault that reached
    handle_mm_fault; min_flt/maj_flt only those that succeeded (as getrusage)."""
    if ret & VM_FAULT_RETRY:
        return
    task = vmf.task
    task.machine.vmstat["pgfault"] += 1
    if ret & VM_FAULT_ERROR:
        return
    if ret & VM_FAULT_MAJOR or vmf.flags & _TRIED:
        task.stats.maj_flt += 1
    else:
        task.stats.min_flt += 1


def __handle_mm_fault(vmf: FaultContext) -> int:
    vma = vmf.vma
    mm = vma.vm_mm
    machine = mm.machine
    vmf.pgoff = vma.linear_page_index(vmf.address)
    # The levels above the page table: pgd -> (p4d) -> pud -> pmd, allocated on the way.
    found = walk(mm, vmf.address, level=-2, alloc=True, steps=vmf.steps)
    if found is None:
        return VM_FAULT_OOM
    ptable, pi = found
    pmd = ptable[pi]
    if pmd & _PSE:
        ret = machine.thp.huge_pmd_fault(vmf, ptable, pi)
        if not ret & VM_FAULT_FALLBACK:
            return ret
        pmd = ptable[pi]                                    # split: a page table now
    if pmd == 0 and machine.thp.enabled and machine.thp.vma_allowable(vma, vmf.address):
        ret = machine.thp.do_huge_pmd_anonymous_page(vmf, ptable, pi)
        if not ret & VM_FAULT_FALLBACK:
            return ret
    if pmd == 0:                                            # pte_alloc
        pfn = alloc_table(mm)
        if pfn is None:
            return VM_FAULT_OOM
        mm.pgtables_bytes += 4096
        ptable[pi] = pmd = (pfn << 12) | PAGE_TABLE
        vmf.steps.append("pte_alloc")
    vmf.table = machine.phys.tables[(pmd & PFN_MASK) >> 12]
    vmf.index = (vmf.address >> 12) & (machine.mode.entries - 1)
    vmf.orig_pte = vmf.table[vmf.index]
    return handle_pte_fault(vmf)


def handle_pte_fault(vmf: FaultContext) -> int:
    """The ladder of handle_pte_fault: each test leads to a named handler."""
    vmf.steps.append("handle_pte_fault")
    pte = vmf.orig_pte
    if pte == 0:                                            # pte_none
        if vmf.vma.is_anonymous():
            return do_anonymous_page(vmf)
        return vmf.task.machine.filemap.do_fault(vmf)
    if not pte & (_P | _PROTNONE):                          # !pte_present: a swap entry
        return vmf.task.machine.swap.do_swap_page(vmf)
    if vmf.flags & _WRITE:
        if not pte & _RW:
            return do_wp_page(vmf)
        pte |= _D
    # Spurious: the entry already allows the access (another path fixed it).
    vmf.handler = "handle_pte_fault"
    vmf.reason = "spurious fault: the entry already allows the access"
    vmf.table[vmf.index] = pte | _A
    vmf.vma.vm_mm.flush_tlb_page(vmf.address)
    return 0


def do_anonymous_page(vmf: FaultContext) -> int:
    """First touch of anonymous memory (请求调页): a read maps the shared zero page
    read-only; a write gets a zeroed page of its own, writable and dirty."""
    vmf.steps.append("do_anonymous_page")
    vmf.handler = "do_anonymous_page"
    vma = vmf.vma
    mm = vma.vm_mm
    machine = mm.machine
    if vma.vm_flags & VM_SHARED:
        return VM_FAULT_SIGBUS
    if not vmf.flags & _WRITE and machine.config.zero_page:
        vmf.table[vmf.index] = pfn_pte(ZERO_PFN, vma.vm_page_prot) | _SPECIAL
        vmf.reason = "read of a never-touched anonymous page: map the zero page (零页)"
        vmf.steps.append("map_zero_page")
        return 0
    anon_vma_prepare(vma, vmf.steps)
    page = machine.alloc_user_page(vmf)
    if page is None:
        return VM_FAULT_OOM
    machine.phys.clear_page(page.pfn)
    vmf.steps.append("clear_user_highpage")
    entry = pfn_pte(page.pfn, vma.vm_page_prot)
    if vma.vm_flags & VM_WRITE:
        entry |= _RW | _D
    folio_add_new_anon_rmap(page, vma, vmf.address)
    machine.lru_cache_add(page)
    mm.add_rss(MM.ANONPAGES, 1)
    vmf.table[vmf.index] = entry
    vmf.page = page
    vmf.reason = ("first write to an anonymous page: a zeroed page of its own"
                  if vmf.flags & _WRITE else
                  "first read of an anonymous page, no zero page in this profile: a zeroed page")
    return 0


def do_wp_page(vmf: FaultContext) -> int:
    """Write to a present, write-protected page: reuse it if this mm is its only
    user, otherwise copy it (写时复制). Shared mappings get write-notify instead."""
    vmf.steps.append("do_wp_page")
    vmf.handler = "do_wp_page"
    vma = vmf.vma
    machine = vma.vm_mm.machine
    page = vm_normal_page(machine, vmf.orig_pte)
    vmf.page = page
    if vma.vm_flags & VM_SHARED:
        return machine.filemap.wp_page_shared(vmf)
    if page is not None and page.flags & PG_anon and (
            page.flags & PG_anon_exclusive or wp_can_reuse_anon_page(machine, page)):
        page.flags |= PG_anon_exclusive
        return wp_page_reuse(vmf)
    return wp_page_copy(vmf)


def wp_can_reuse_anon_page(machine, page: Page) -> bool:
    """May the faulting mm keep this anonymous page for itself?

    ``refcount`` (6.x wp_can_reuse_anon_folio): nothing but this mapping holds a
    reference, after dropping a swap-cache copy. ``mapcount`` (2.6): one PTE maps it.
    """
    if page.head is not None or page.order:
        # A subpage of a large folio: reusable only when this PTE is its last user.
        folio = page.head or page
        return folio.refcount == 1 and page.mapcount == 1
    if machine.config.cow_reuse == "mapcount":
        count = page.mapcount
        if page.flags & PG_swapcache:
            count += machine.swap.swap_count(page.private)
        if count != 1:
            return False
        if page.flags & PG_swapcache:
            machine.swap.folio_free_swap(page)
        return True
    if page.refcount > 1 + (1 if page.flags & PG_swapcache else 0):
        return False
    if page.flags & PG_swapcache:
        machine.swap.folio_free_swap(page)
    return page.refcount == 1


def wp_page_reuse(vmf: FaultContext) -> int:
    """The page is ours alone: make the entry writable and dirty, no copy."""
    vmf.steps.append("wp_page_reuse")
    vmf.handler = "do_wp_page"
    vmf.reason = "copy-on-write, but this task is the page's only user: reuse it"
    machine = vmf.vma.vm_mm.machine
    machine.vmstat["pgreuse"] += 1
    vmf.table[vmf.index] = vmf.orig_pte | _RW | _D | _A
    vmf.vma.vm_mm.flush_tlb_page(vmf.address)
    return 0


def wp_page_copy(vmf: FaultContext) -> int:
    """Copy the page (or take a zeroed one for the zero page) and map the copy writable."""
    vmf.steps.append("wp_page_copy")
    vma = vmf.vma
    mm = vma.vm_mm
    machine = mm.machine
    old = vmf.page
    zero = (vmf.orig_pte & PFN_MASK) >> 12 == ZERO_PFN and old is None
    anon_vma_prepare(vma, vmf.steps)
    if old is not None:
        old.folio().refcount += 1               # hold it: reclaim skips a page in use
    new = machine.alloc_user_page(vmf)
    if old is not None:
        old.folio().refcount -= 1
    if new is None:
        return VM_FAULT_OOM
    if zero:
        machine.phys.clear_page(new.pfn)
        vmf.steps.append("clear_user_highpage")
        vmf.reason = "write to the zero page: a zeroed page of its own (copy-on-write from 零页)"
    else:
        machine.phys.copy_page(new.pfn, (vmf.orig_pte & PFN_MASK) >> 12)
        vmf.steps.append("copy_user_highpage")
        vmf.reason = "copy-on-write: the page is shared, so copy it (写时复制)"
    if old is not None:
        if not old.flags & PG_anon:
            mm.add_rss(mm_counter(old), -1)
            mm.add_rss(MM.ANONPAGES, 1)
    else:
        mm.add_rss(MM.ANONPAGES, 1)
    entry = pfn_pte(new.pfn, vma.vm_page_prot) | _RW | _D
    vmf.table[vmf.index] = 0                    # ptep_clear_flush
    mm.flush_tlb_page(vmf.address)
    folio_add_new_anon_rmap(new, vma, vmf.address)
    machine.lru_cache_add(new)
    vmf.table[vmf.index] = entry
    vmf.cow_page = new
    if old is not None:
        folio_remove_rmap(old)
        put_page(machine, old)
    return 0
