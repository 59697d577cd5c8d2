"""The trap boundary (arch/x86/kernel/traps.c, entry): where a user access that the
MMU refused enters the kernel, and where signals are delivered on the way out.

``user_access`` is what a user instruction does: translate through the TLB/MMU;
on #PF run the kernel's handler and retry the instruction; on a fatal result,
deliver the signal: the task dies and the caller gets the ``Signal`` exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..arch.mmu import GeneralProtection
from ..errors import BusError, KernelBug, Killed, SegmentationFault, Signal, SyscallError
from ..mm.fault import FaultContext, SigInfo, do_user_addr_fault

_SIGNALS: dict[str, type[Signal]] = {
    "SIGSEGV": SegmentationFault, "SIGBUS": BusError, "SIGKILL": Killed,
}


def exc_page_fault(task, error_code: int, address: int) -> SigInfo | None:
    """The #PF entry: read CR2 and the error code, handle, record the tracepoint."""
    machine = task.machine
    for t in machine.tracers:                   # trace_page_fault_user
        t.page_fault_user(task, address, error_code)
    vmf = FaultContext(task, address, error_code)
    prev, machine.current = machine.current, task
    if not machine.tracers:
        try:
            return do_user_addr_fault(vmf)
        finally:
            machine.current = prev
    machine.faulting = vmf              # reclaim inside this fault is recorded with it
    try:
        sig = do_user_addr_fault(vmf)
    finally:
        machine.faulting = None
        machine.current = prev
    machine.record_fault(vmf, sig)
    return sig


def user_access(task, va: int, write: bool, instr: bool = False) -> int:
    """One user-mode access to ``va``: return the pfn it reached, or deliver a signal."""
    machine = task.machine
    translate = machine.mmu.translate
    for _ in range(machine.config.max_fault_retries):
        try:
            pfn = translate(task.mm, va, write, instr)
            if pfn >= 0:
                return pfn
            sig = exc_page_fault(task, ~pfn, va)        # #PF: error code, CR2
        except GeneralProtection:
            sig = SigInfo("SIGSEGV", "SI_KERNEL", 0)    # #GP: si_addr is 0
            if machine.tracers:
                machine.record_gp(task, va, sig)
        if sig is not None:
            deliver_signal(task, sig)
    raise KernelBug(f"page fault at {va:#x} still unresolved after "
                    f"{machine.config.max_fault_retries} tries")


def deliver_signal(task, sig: SigInfo) -> None:
    """A fatal signal on return to user mode: the task dies (do_exit) and the
    Python caller gets the matching ``Signal`` exception."""
    task.do_exit(signal=sig.signal)
    cls = _SIGNALS.get(sig.signal, Signal)
    raise cls(sig.code, sig.address, task.pid)


@contextmanager
def in_syscall(task) -> Iterator[None]:
    """A system call's time in the kernel: ``task`` is ``machine.current`` (the
    allocator's OOM killer knows who is asking), and on the way back to user mode a
    SIGKILL the OOM killer left pending is delivered: the task dies and the caller
    gets ``pw.Killed`` instead of the call's result or its ENOMEM (the process never
    sees the failed call, as in the kernel)."""
    machine = task.machine
    prev, machine.current = machine.current, task
    err: SyscallError | None = None
    try:
        yield
    except SyscallError as e:
        err = e
    finally:
        machine.current = prev
    if task.sigkill_pending:
        task.sigkill_pending = False
        deliver_signal(task, SigInfo("SIGKILL", "SI_KERNEL", None))
    if err is not None:
        raise err
