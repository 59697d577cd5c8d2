"""``replay``: run a trace against ``frames`` frames and a replacement policy.

Two modes:

``mode="cache"``
    Every access to a page that is not resident is a miss, the first one
    included; the same numbers as libCacheSim and as OSTEP's
    ``paging-policy.py``.  ``minor`` counts first accesses (compulsory misses),
    ``major`` accesses to pages that were evicted earlier; writes are ignored.

``mode="demand"``
    The kernel model's rules for one task's anonymous memory.  Each page is
    NONE (never touched), ZERO (mapped to the shared zero page, no frame),
    RESIDENT (has a frame; dirty / has-swap-copy flags) or SWAPPED:

    * read of NONE -> ZERO: minor fault, a zero-page map, no frame used, the
      policy is not told;
    * read of ZERO: a hit, nothing changes;
    * write of NONE or ZERO: allocate a frame (evicting first if all are used)
      -> RESIDENT, dirty, no swap copy; minor fault;
    * access of RESIDENT: a hit (the policy sees it); a write sets dirty;
    * access of SWAPPED: major fault, pswpin += 1, allocate a frame (evicting
      if needed); a read leaves it RESIDENT clean with a swap copy, a write
      RESIDENT dirty without one (the swap slot is freed);
    * eviction of the policy's victim -> SWAPPED; pswpout += 1 if it was dirty
      or had no swap copy, nothing is written if it was clean with a copy;
    * no swap readahead (page-cluster 0).

In both modes ``faults = minor + major`` and ``hit_ratio = 1 - faults /
accesses``.  The policies are described in :mod:`pagewalk.trace.policies`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import InvalidArgument, KernelBug
from ..units import PAGE_SIZE, SIZE_HELP, parse_size
from .fast import common as C
from .model import Trace
from .policies import ENGINES, MIN_FRAMES, MIN_FRAMES_WHY, MODES, POLICY_NAMES, UNAVAILABLE


@dataclass(frozen=True)
class ReplayResult:
    """Counters of one replay.  ``faults`` = ``minor`` + ``major``."""

    policy: str
    mode: str
    frames: int
    accesses: int
    minor: int
    major: int
    pswpin: int = 0
    pswpout: int = 0
    zero_maps: int = 0
    evictions: int = 0
    distinct_pages: int = 0
    engine: str = field(default="fast", compare=False)

    @property
    def faults(self) -> int:
        return self.minor + self.major

    @property
    def misses(self) -> int:
        """Same as ``faults`` (the cache-simulation name)."""
        return self.faults

    @property
    def hits(self) -> int:
        return self.accesses - self.faults

    @property
    def hit_ratio(self) -> float:
        return 1.0 - self.faults / self.accesses if self.accesses else 1.0

    @property
    def miss_ratio(self) -> float:
        return 1.0 - self.hit_ratio

    def to_dict(self) -> dict[str, object]:
        """Every field plus faults, hits and hit_ratio (what ``--json`` prints); in
        cache mode also the cache's names for the misses: ``cold`` (first
        accesses, = ``minor``) and ``capacity_conflict`` (the rest, = ``major``)."""
        d = asdict(self)
        d.update(faults=self.faults, hits=self.hits, hit_ratio=self.hit_ratio)
        if self.mode == "cache":
            d.update(cold=self.minor, capacity_conflict=self.major)
        return d


def as_trace(trace: Trace | str | os.PathLike | Iterable[int]) -> Trace:
    """A ``Trace`` from a trace, a path, or a sequence of page numbers."""
    if isinstance(trace, Trace):
        return trace
    if isinstance(trace, str | os.PathLike):
        from .io import load_trace
        return load_trace(trace)
    return Trace.from_pages(trace)


MAX_FRAMES = 1 << 30            # the replay kernels count frames in int64; 4 TiB of RAM


def resolve_frames(frames: int | None, memory: int | str | None) -> int:
    """Frames from exactly one of ``frames`` or ``memory`` (bytes // 4096)."""
    if (frames is None) == (memory is None):
        raise InvalidArgument("give exactly one of frames=K (an int >= 1) or memory= "
                              f"({SIZE_HELP})")
    if memory is not None:
        frames = parse_size(memory, "memory") // PAGE_SIZE
        if frames < 1:
            raise InvalidArgument(f"memory={memory!r} is less than one 4 KiB page; "
                                  "give at least 4KiB")
        if frames > MAX_FRAMES:
            raise InvalidArgument(f"memory={memory!r} is more than {MAX_FRAMES} frames; "
                                  "give at most 4TiB")
        return frames
    if isinstance(frames, bool) or not isinstance(frames, int | np.integer) \
            or not 1 <= frames <= MAX_FRAMES:
        raise InvalidArgument(f"frames={frames!r}; write an int >= 1 (at most {MAX_FRAMES}) "
                              "(or memory='64MiB')")
    return int(frames)


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise InvalidArgument(f"{what}={value!r}; write one of " + ", ".join(choices))
    return value


_NO_WRITES = np.zeros(1, np.bool_)


def run_fast(trace: Trace, frames: int, policy: str, demand: bool,
             seed: int = 0) -> np.ndarray:
    """The compiled kernel's counter vector (see :mod:`.fast.common`)."""
    from .fast import arc, clock, fifo, lfu, linux, lirs, lru, mru, opt, rand, s3fifo, sieve, twoq
    ids, npages = trace.ids, max(trace.n_pages, 1)
    writes = trace.writes if demand else _NO_WRITES  # cache mode never reads them
    cnt = C.new_counters()
    if policy == "lru":
        lru.run_lru(ids, writes, npages, frames, demand, cnt,
                    lru.position_array(ids.size, npages))
    elif policy == "fifo":
        fifo.run_fifo(ids, writes, npages, frames, demand, cnt)
    elif policy == "clock":
        clock.run_clock(ids, writes, npages, frames, demand, cnt)
    elif policy == "opt":
        opt.replay_opt(ids, writes, npages, frames, demand, cnt)
    elif policy == "arc":
        arc.run_arc(ids, writes, npages, frames, demand, cnt)
    elif policy == "lfu":
        lfu.run_lfu(ids, writes, npages, frames, demand, cnt)
    elif policy == "mru":
        mru.run_mru(ids, writes, npages, frames, demand, cnt)
    elif policy == "s3fifo":
        s3fifo.run_s3fifo(ids, writes, npages, frames, demand, cnt)
    elif policy == "2q":
        twoq.run_twoq(ids, writes, npages, frames, demand, cnt)
    elif policy == "sieve":
        sieve.run_sieve(ids, writes, npages, frames, demand, cnt)
    elif policy == "lirs":
        lirs.run_lirs(ids, writes, npages, frames, demand, cnt)
    elif policy == "clockpro":
        from .fast import clockpro
        clockpro.run_clockpro(ids, writes, npages, frames, demand, cnt,
                              clockpro.initial_cold_target(frames))
        if cnt[C.ACCESSES] == clockpro.STACK_OVERFLOW:
            raise KernelBug("clockpro: the hands ran each other deeper than the kernel's "
                            "stack; please report the trace and frames")
    elif policy == "random":
        mt, pos = rand.mt_state(seed)
        rand.run_random(ids, writes, npages, frames, demand, cnt, mt, pos)
    else:
        linux.run_linux(ids, writes, npages, frames, demand, cnt)
    cnt[C.ACCESSES] = len(trace)
    return cnt


def replay(trace: Trace | str | os.PathLike | Iterable[int], frames: int | None = None, *,
           memory: int | str | None = None, policy: str = "lru", mode: str = "cache",
           engine: str = "fast", seed: int = 0) -> ReplayResult:
    """Replay ``trace`` against ``frames`` frames (or ``memory``, e.g. "64MiB")
    with ``policy`` in ``mode`` ("cache" or "demand"; see the module docstring).
    ``seed`` seeds ``policy="random"`` (OSTEP's ``-s``; other policies ignore it).

    ``engine="reference"`` runs the pure-Python twin instead of the compiled
    kernel; the counters are identical, only slower.
    """
    k = resolve_frames(frames, memory)
    if policy in UNAVAILABLE:
        raise InvalidArgument(UNAVAILABLE[policy])
    check_choice(policy, POLICY_NAMES, "policy")
    check_choice(mode, MODES, "mode")
    check_choice(engine, ENGINES, "engine")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidArgument(f"seed={seed!r}; write an int >= 0")
    if k < MIN_FRAMES.get(policy, 1):
        raise InvalidArgument(f"policy={policy!r} needs frames >= {MIN_FRAMES[policy]} "
                              f"(got {k}): {MIN_FRAMES_WHY[policy]}")
    tr = as_trace(trace)
    demand = mode == "demand"
    if engine == "reference":
        from .reference import replay_reference
        c = replay_reference(tr.ids.tolist(), tr.writes.tolist(), k, policy, demand,
                             int(seed))
        return ReplayResult(policy=policy, mode=mode, frames=k, distinct_pages=tr.n_pages,
                            engine=engine, **c)
    cnt = run_fast(tr, k, policy, demand, int(seed))
    return ReplayResult(policy=policy, mode=mode, frames=k, accesses=int(cnt[C.ACCESSES]),
                        minor=int(cnt[C.MINOR]), major=int(cnt[C.MAJOR]),
                        pswpin=int(cnt[C.PSWPIN]), pswpout=int(cnt[C.PSWPOUT]),
                        zero_maps=int(cnt[C.ZERO_MAPS]), evictions=int(cnt[C.EVICTIONS]),
                        distinct_pages=tr.n_pages, engine=engine)
