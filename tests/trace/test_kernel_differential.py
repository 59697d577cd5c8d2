"""The fast engine's demand mode against the kernel model, access by access.

The kernel model runs one task whose anonymous memory may hold at most K frames
(a memory-cgroup limit, enforced by the driver): before an access that needs a
frame, the replacement policy (the same readable policy object the reference
replay uses) names a victim, and the kernel model swaps it out through its real
reclaim path (MADV_PAGEOUT: try_to_unmap, add_to_swap, pageout). Everything
else (zero page on first read, COW from the zero page, swap-in as a major
fault, the swap cache keeping a clean page's slot, freeing it on a write fault)
is the kernel model's own mechanism. The fast engine must count exactly the
same minor and major faults, pswpin and pswpout.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis import HealthCheck, given, settings

import pagewalk as pw
from pagewalk.trace.policies import MIN_FRAMES
from pagewalk.trace.reference import POLICIES

PAGE = 4096
KERNEL_POLICIES = ["lru", "fifo", "clock", "opt", "arc", "lfu", "linux", "mru", "random", "sieve",
                   "2q", "s3fifo", "clockpro"]
# Not lirs: libCacheSim's LIRS can make a swapped-out page resident again without an
# access (tests/trace/test_lirs.py), which no reclaim or fault path of a kernel does.


def run_kernel_model(pages: list[int], writes: list[bool], frames: int, policy: str) -> dict:
    m = pw.Machine(memory="64MiB", swap="64MiB", page_cluster=0)
    t = m.spawn("replay")
    npages = max(pages) + 1
    base = t.mmap(npages * PAGE)
    pol = POLICIES[policy](frames, pages)
    resident: set[int] = set()
    for i, (p, w) in enumerate(zip(pages, writes, strict=True)):
        addr = base + p * PAGE
        info = t.pagemap(addr)
        if info.present and not info.zero_page:
            pol.hit(p, i)
        elif info.swapped or (w and (not info.present or info.zero_page)):
            if policy == "clockpro":  # a list: usually one page, at times two, or none
                for victim in pol.miss(p, i):
                    t.madvise(base + victim * PAGE, PAGE, "pageout")
                    resident.discard(victim)
            elif len(resident) == frames:
                victim = pol.miss(p, i)
                t.madvise(base + victim * PAGE, PAGE, "pageout")
                resident.discard(victim)
            else:
                assert pol.miss(p, i) is None
            resident.add(p)
        t.touch(addr, 1, write=w)
        assert len(resident) <= frames
    m.check()
    return dict(minor=t.stats.min_flt, major=t.stats.maj_flt, pswpin=m.vmstat["pswpin"],
                pswpout=m.vmstat["pswpout"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), frames=st.integers(1, 6), policy=st.sampled_from(KERNEL_POLICIES))
def test_fast_demand_mode_equals_the_kernel_model(data, frames, policy):
    frames = max(frames, MIN_FRAMES.get(policy, 1))  # 2q, s3fifo need more
    n = data.draw(st.integers(1, 80), label="length")
    pages = data.draw(st.lists(st.integers(0, 11), min_size=n, max_size=n), label="pages")
    writes = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="writes")
    tr = pw.Trace.from_pages(np.array(pages, dtype=np.uint64), writes=np.array(writes))
    res = pw.replay(tr, frames=frames, policy=policy, mode="demand")
    kernel = run_kernel_model(pages, writes, frames, policy)
    fast = dict(minor=res.minor, major=res.major, pswpin=res.to_dict()["pswpin"],
                pswpout=res.to_dict()["pswpout"])
    assert fast == kernel


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), frames=st.integers(2, 6))
def test_fast_clockpro_demand_mode_equals_the_kernel_model(data, frames):
    """CLOCK-Pro's misses can evict no page (memory not full) or two (the hands chase
    each other), unlike the other policies: more examples of its own."""
    n = data.draw(st.integers(1, 120), label="length")
    pages = data.draw(st.lists(st.integers(0, 9), min_size=n, max_size=n), label="pages")
    writes = data.draw(st.lists(st.booleans(), min_size=n, max_size=n), label="writes")
    tr = pw.Trace.from_pages(np.array(pages, dtype=np.uint64), writes=np.array(writes))
    res = pw.replay(tr, frames=frames, policy="clockpro", mode="demand")
    kernel = run_kernel_model(pages, writes, frames, "clockpro")
    assert dict(minor=res.minor, major=res.major, pswpin=res.to_dict()["pswpin"],
                pswpout=res.to_dict()["pswpout"]) == kernel
