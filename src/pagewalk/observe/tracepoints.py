"""Tracepoints: one record per page fault, for ``with m.trace() as tr``."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..arch.pte import describe_error_code


@dataclass(frozen=True)
class FaultRecord:
    """One fault as the kernel saw it.

    ``handler`` is the last handler that ran ("do_anonymous_page", "do_wp_page",
    "do_read_fault", "do_swap_page", ... or "bad_area" for a fault that found no
    handler); ``steps`` the kernel functions visited, in order; ``result`` the
    VM_FAULT flags (or the signal); ``major`` whether it counted as a major fault.
    """

    pid: int
    address: int
    error_code: int | None
    handler: str
    steps: tuple[str, ...]
    result: str
    major: bool
    signal: str | None = None
    code: str | None = None
    reason: str = ""
    pfn: int | None = None
    vma: str | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_fault(cls, vmf, sig) -> FaultRecord:
        from ..mm.fault import VM_FAULT
        handler = vmf.handler or (vmf.steps[-1] if vmf.steps else "")
        ret = vmf.ret
        major = bool(ret & VM_FAULT.MAJOR) if sig is None else False
        pfn = None
        if sig is None and vmf.table is not None:
            pfn = (vmf.table[vmf.index] >> 12) & ((1 << 40) - 1)
        vma = None
        if vmf.vma is not None:
            vma = f"{vmf.vma.vm_start:#x}-{vmf.vma.vm_end:#x}"
        return cls(pid=vmf.task.pid, address=vmf.real_address, error_code=vmf.error_code,
                   handler=handler, steps=tuple(vmf.steps),
                   result=(str(sig) if sig is not None else repr(VM_FAULT(ret))),
                   major=major, signal=sig.signal if sig else None,
                   code=sig.code if sig else None, reason=vmf.reason, pfn=pfn, vma=vma)

    def describe(self) -> str:
        ec = describe_error_code(self.error_code) if self.error_code is not None else "#GP"
        return f"{self.address:#x} ({ec})"


class Tracer:
    """Collects ``FaultRecord``s while active."""

    def __init__(self) -> None:
        self.faults: list[FaultRecord] = []
        # syscall events that are not faults: (name, fields), e.g. ("mremap", {...})
        self.events: list[tuple[str, dict]] = []

    def __len__(self) -> int:
        return len(self.faults)

    def handlers(self) -> list[str]:
        return [f.handler for f in self.faults]
