"""Tracepoints: one record per page fault, and one per reclaim run, for
``with m.trace() as tr``.

``FaultRecord``: a page fault as the kernel saw it; its ``reclaim`` holds the
reclaim runs that happened inside it (the allocation that needed a frame woke
kswapd or entered direct reclaim).  ``ReclaimRecord``: one reclaim run (kswapd,
direct reclaim or MADV_PAGEOUT) and every page it freed (``ReclaimVictim``).
``Tracer.reclaims`` holds every reclaim run, inside a fault or not.
"""

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
    reclaim: tuple[ReclaimRecord, ...] = field(default=(), compare=False)

    @classmethod
    def from_fault(cls, vmf, sig, reclaim: tuple[ReclaimRecord, ...] = ()) -> FaultRecord:
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
                   code=sig.code if sig else None, reason=vmf.reason, pfn=pfn, vma=vma,
                   reclaim=reclaim)

    def describe(self) -> str:
        ec = describe_error_code(self.error_code) if self.error_code is not None else "#GP"
        return f"{self.address:#x} ({ec})"


@dataclass(frozen=True)
class ReclaimVictim:
    """One page a reclaim run freed.

    ``kind``: "anon", "file", "shmem" or "lazyfree" (MADV_FREE'd and clean);
    ``lru``: the list it was taken from ("inactive_anon", ...); ``owners``: (pid,
    virtual address) of every PTE that mapped it; ``outcome``: "swapout" (written
    to swap slot ``slot``), "swapcache" (its swap copy in ``slot`` was up to date:
    dropped without I/O), "writeback" (a dirty file page written to ``file``,
    then dropped), "dropped" (a clean file page), "discarded" (lazyfree);
    ``referenced``: PG_referenced was set when the scan reached it (it had been
    used once, by read()/write() or an earlier scan, but no PTE was young since);
    ``forced``: MADV_PAGEOUT ignored its references.
    """

    pfn: int
    kind: str
    lru: str
    owners: tuple[tuple[int, int], ...]
    outcome: str
    slot: int | None = None
    file: str | None = None
    index: int = 0
    referenced: bool = False
    forced: bool = False


@dataclass(frozen=True)
class ReclaimRecord:
    """One reclaim run: ``who`` ("kswapd", "direct" or "madvise"), the task whose
    allocation (or madvise) started it, free pages before and after, the
    watermarks (min, low, high), pages scanned and the ``victims`` it freed."""

    who: str
    pid: int | None
    free_before: int
    free_after: int
    watermarks: tuple[int, int, int]
    scanned: int
    victims: tuple[ReclaimVictim, ...]
    in_fault: bool = False


class Tracer:
    """Collects ``FaultRecord``s (and ``ReclaimRecord``s) while active."""

    def __init__(self) -> None:
        self.faults: list[FaultRecord] = []
        self.reclaims: list[ReclaimRecord] = []

    def __len__(self) -> int:
        return len(self.faults)

    def handlers(self) -> list[str]:
        return [f.handler for f in self.faults]
