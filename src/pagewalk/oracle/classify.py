"""Which host differences a compared step may show, decided by the model.

Contract: ``classify(faults, ...)`` takes the ``FaultRecord``s the *model* took
in one step (and what the step did) and returns a ``Classification``: the
step's ``StepClass``, the (minor, major) tolerance the comparison with the
kernel allows, the reason in words, and for steps whose write faults reuse a
huge page the bound an unfenced ("natural") host run must fall into.  The
class never comes from the spread of host runs; ``agrees`` and
``compare_runs`` then apply it to the kernel's counts.

The classes (most lenient first; a step takes the first that applies):

* ``io-timing``: the step waited for, or started, I/O (a major fault, swap-in,
  a hit on a page swap readahead brought in, file readahead, pageout, reclaim;
  a plain swap-cache hit is not: the page is there, under writeback or not).
  Whether a page is still under I/O when it is touched decides minor against
  major, so the split may move by as many faults as went through an I/O path;
  the total may not.
* ``spurious-tlb``: a write fault reused a huge page (do_huge_pmd_wp_page ->
  reuse).  The kernel makes the PMD writable without a TLB flush; stale 4 KiB
  pieces of the read-only mapping each cost one more (spurious) fault on a
  VM whose TLB fractures huge pages.  The fenced, flushed probe measures the
  logical count, so the tolerance is 0; ``natural`` is the bound of a plain
  run: model .. model + the pages touched in reused PMDs after the reuse.
* ``address``: the count depends on where the mapping lies (fault-around
  windows, a huge page needing 2 MiB alignment, stack growth from the current
  frame) and the two sides' addresses were not pinned to the same values:
  one window (fault-around) per touched range may differ.
* ``host-setting``: the count depends on a host setting the model reads
  (THP mode, fault_around_bytes, read_ahead_kb, page-cluster).  Exact when
  the model was configured from the host (``Config.from_host``); otherwise
  the comparison is skipped with the reason, never silently mismatched.
* ``deterministic``: everything else (anonymous faults, the zero page, COW,
  mprotect, signals): the kernel's count equals the model's exactly.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

PAGE = 4096
HPAGE = 2 << 20

IO_STEPS = frozenset({"swap_readpage", "swapin_readahead", "swap_ra_hit",
                      "filemap_read_folio", "do_sync_mmap_readahead",
                      "do_async_mmap_readahead", "VM_FAULT_RETRY", "shmem_swapin_folio"})
SETTING_STEPS = {"do_fault_around": "fault_around_bytes",
                 "do_huge_pmd_anonymous_page": "thp", "thp_fault_fallback": "thp",
                 "set_huge_zero_folio": "thp", "do_huge_pmd_wp_page": "thp",
                 "do_sync_mmap_readahead": "read_ahead_kb",
                 "swapin_readahead": "page_cluster"}
IO_OPS = frozenset({"pageout", "reclaim", "pressure", "drop_caches", "evict", "swapoff"})


class StepClass(StrEnum):
    """Why a step's kernel count may differ from the model's (see module doc)."""

    EXACT = "deterministic"
    HOST_SETTING = "host-setting"
    ADDRESS = "address"
    SPURIOUS_TLB = "spurious-tlb"
    IO_TIMING = "io-timing"


@dataclass(frozen=True)
class Classification:
    kind: StepClass
    tolerance: tuple[int, int] = (0, 0)         # allowed |kernel - model| (minor, major)
    reason: str = ""
    natural: tuple[int, int] | None = None      # unfenced run: min_flt lo..hi
    settings: tuple[str, ...] = ()              # host settings the count depends on
    total_exact: bool = False                   # io-timing: min+maj must agree

    def describe(self) -> str:
        tol = f"±{self.tolerance[0]}/±{self.tolerance[1]}" if any(self.tolerance) else "exact"
        return f"{self.kind} ({tol}): {self.reason}"


def _pmd(addr: int) -> int:
    return addr & ~(HPAGE - 1)


def classify(faults: Iterable[Any], *, op: str = "touch",
             touched: Sequence[int] | None = None, addresses_pinned: bool = True,
             settings_matched: bool = True) -> Classification:
    """Classify one step from the model's fault records (see module doc).

    ``faults``: ``FaultRecord``s of the step (``handler``, ``steps``, ``major``,
    ``address``).  ``op``: the step's operation (``"pageout"`` etc. are I/O).
    ``touched``: the page addresses the step accessed, in order (for the
    spurious-TLB bound).  ``addresses_pinned``: the host ran at the model's
    addresses.  ``settings_matched``: the model was configured from the host.
    """
    faults = list(faults)
    io = [f for f in faults if f.major or IO_STEPS & set(f.steps)]
    if io or op in IO_OPS:
        n = len(io)
        return Classification(StepClass.IO_TIMING, (n, n),
                              f"{n} fault(s) went through an I/O path (swap-in, readahead, "
                              "page-cache miss): minor/major depends on when the I/O "
                              "completes; their sum does not", total_exact=True)
    reused = [f for f in faults if "do_huge_pmd_wp_page" in f.steps and "reuse" in f.steps]
    if reused:
        order = list(touched or [])
        extra = 0
        for f in reused:
            pmd = _pmd(f.address)
            after = order[order.index(f.address & ~(PAGE - 1)) + 1:] if (
                f.address & ~(PAGE - 1)) in order else []
            extra += sum(1 for p in after if _pmd(p) == pmd)
        return Classification(StepClass.SPURIOUS_TLB, (0, 0),
                              f"{len(reused)} huge page(s) reused without a TLB flush: a plain "
                              f"run may count up to {extra} spurious write fault(s) more "
                              "(the probe flushes and fences, so it compares exactly)",
                              natural=(len(faults), len(faults) + extra))
    settings = tuple(sorted({SETTING_STEPS[s] for f in faults for s in f.steps
                             if s in SETTING_STEPS}))
    addr_dep = any("do_fault_around" in f.steps or "expand_stack" in f.steps
                   or "do_huge_pmd_anonymous_page" in f.steps for f in faults)
    if addr_dep and not addresses_pinned:
        ranges = max(1, _ranges(touched))
        return Classification(StepClass.ADDRESS, (ranges, 0),
                              "fault-around windows / huge-page alignment / the stack frame "
                              "depend on the addresses, which differ between host and model",
                              settings=settings)
    if settings:
        if settings_matched:
            return Classification(StepClass.HOST_SETTING, (0, 0),
                                  f"depends on {', '.join(settings)}, read from this host",
                                  settings=settings)
        return Classification(StepClass.HOST_SETTING, (0, 0),
                              f"depends on {', '.join(settings)}, which the model did not take "
                              "from this host: not compared", settings=settings)
    return Classification(StepClass.EXACT, (0, 0), "no host-dependent path: exact")


def _ranges(touched: Sequence[int] | None) -> int:
    if not touched:
        return 0
    pages = sorted(set(p & ~(PAGE - 1) for p in touched))
    return 1 + sum(1 for a, b in itertools.pairwise(pages) if b != a + PAGE)


def agrees(c: Classification, model: tuple[int, int], kernel: tuple[int, int]) -> bool:
    """Whether one kernel measurement agrees with the model under ``c``."""
    dmin, dmaj = abs(kernel[0] - model[0]), abs(kernel[1] - model[1])
    if dmin > c.tolerance[0] or dmaj > c.tolerance[1]:
        return False
    return not c.total_exact or kernel[0] + kernel[1] == model[0] + model[1]


def natural_agrees(c: Classification, kernel_min: int) -> bool:
    """An unfenced run's minor count lies within the model's stated bound."""
    return c.natural is None or c.natural[0] <= kernel_min <= c.natural[1]


@dataclass
class Verdict:
    ok: bool
    runs: list[tuple[int, int]]

    def span(self) -> str:
        mins = [r[0] for r in self.runs]
        majs = [r[1] for r in self.runs]
        return (f"minor {min(mins)}..{max(mins)}, major {min(majs)}..{max(majs)} "
                f"over {len(self.runs)} run(s)")


def compare_runs(c: Classification, model: tuple[int, int],
                 first: tuple[int, int], rerun: Callable[[], tuple[int, int]],
                 reruns: int = 4) -> Verdict:
    """Compare; on a mismatch re-run the host program up to ``reruns`` times.

    The step agrees when one run agrees (a kernel that sometimes gives the
    model's count is flaky, not wrong); the verdict keeps every run so that a
    failure message can show the kernel's range."""
    runs = [first]
    if agrees(c, model, first):
        return Verdict(True, runs)
    for _ in range(reruns):
        runs.append(rerun())
        if agrees(c, model, runs[-1]):
            return Verdict(True, runs)
    return Verdict(False, runs)
