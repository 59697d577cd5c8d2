"""OSTEP's ``paging-policy.py -c`` answer table for a reference string.

``compute_table(pages, frames, policy)`` replays ``pages`` (page numbers, in
order) on ``frames`` frames with the reference engine's policy
(:mod:`pagewalk.trace.reference`, so its totals are those of
``replay(..., mode="cache")``) and returns an ``OstepTable``: one ``Row`` per
reference with

* ``ref``     the page referenced,
* ``hit``     True for a hit, False for a miss,
* ``frames``  the pages held after the reference, in the policy's order: the
  next victim first (``OstepTable.order`` names the two ends, e.g.
  ``"LRU → MRU"``); for ``clock`` the ring from the hand on and for ``sieve``
  the queue from its hand on, a page whose reference (visited) bit is set
  marked in ``format_table`` with ``*``; for ``2q`` and ``s3fifo`` the small
  FIFO queue, then the main one,
* ``victim``  the page evicted by this reference, or None,
* ``cold``    a miss on a page never seen before (the rest are capacity misses).

``format_table(table)`` renders it as text (one line per reference, then the
totals), in English or Chinese.  Policies: ``fifo``, ``lru``, ``opt``,
``clock``, ``lfu``, ``linux``, ``arc``, ``mru``, ``random``, ``sieve``, ``2q``, ``s3fifo``
(the replay's policies; OSTEP has no exact counterpart of the last six; ``lirs`` and
``clockpro`` are left out: one access of theirs can evict several pages, or a
page on a hit).  Bad input raises ``InvalidArgument``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import InvalidArgument
from ..trace.numbers import ratio
from ..trace.policies import MIN_FRAMES, MIN_FRAMES_WHY

POLICIES = ("fifo", "lru", "opt", "clock", "lfu", "linux", "arc", "mru", "random", "sieve",
            "2q", "s3fifo")

# The two ends of the frame list, victim side first.
_ORDER = {
    "fifo": "first in → last in",
    "lru": "LRU → MRU",
    "opt": "furthest next use → nearest",
    "clock": "hand → (ring order)",
    "mru": "MRU → LRU",
    "random": "arrival order (the victim is drawn at random)",
    "lfu": "least frequent → most",
    "linux": "inactive tail → inactive head | active tail → active head",
    "arc": "T1 LRU → T1 MRU | T2",
    "sieve": "hand → (queue order, wrapping)",
    "2q": "A1in first in → last in | Am LRU → MRU",
    "s3fifo": "S first in → last in | M first in → last in",
}


@dataclass(frozen=True)
class Row:
    """One reference: see the module docstring."""

    ref: int
    hit: bool
    frames: tuple[int, ...]
    victim: int | None
    cold: bool = False
    referenced: tuple[int, ...] = ()     # clock, sieve: pages whose reference bit is set


@dataclass(frozen=True)
class OstepTable:
    """The answer table: ``rows``, and the totals as properties."""

    policy: str
    nframes: int
    order: str
    rows: tuple[Row, ...]

    @property
    def hits(self) -> int:
        return sum(r.hit for r in self.rows)

    @property
    def misses(self) -> int:
        return len(self.rows) - self.hits

    @property
    def cold_misses(self) -> int:
        return sum(r.cold for r in self.rows)

    @property
    def hit_ratio(self) -> float:
        return self.hits / len(self.rows) if self.rows else 0.0


def _frames(pol, name: str) -> tuple[int, ...]:
    """The held pages, next victim first (see ``_ORDER``)."""
    if name in ("fifo", "lru"):
        return tuple(pol.pages)
    if name == "opt":
        return tuple(sorted(pol.key, key=pol.key.__getitem__, reverse=True))
    if name == "clock":
        ring = pol.ring
        h = pol.hand % len(ring) if ring else 0
        return tuple(ring[h:] + ring[:h]) if len(ring) == pol.frames else tuple(ring)
    if name == "lfu":
        return tuple(e[2] for e in pol.entries)
    if name == "linux":
        return tuple(pol.inactive) + tuple(pol.active)
    if name == "mru":
        return tuple(reversed(pol.pages))
    if name == "random":
        return tuple(pol.memory)
    if name == "sieve":
        q = pol.queue
        h = 0 if pol.hand is None else q.index(pol.hand)
        return tuple(q[h:] + q[:h])
    if name == "2q":
        return tuple(pol.a1in) + tuple(pol.am)
    if name == "s3fifo":
        return tuple(pol.small) + tuple(pol.main)
    return tuple(pol.t1) + tuple(pol.t2)        # arc


def _marked(pol, name: str, order: tuple[int, ...]) -> tuple[int, ...]:
    """The pages of ``order`` whose reference bit (clock) or visited bit (sieve) is set."""
    if name == "clock":
        return tuple(q for q in order if pol.referenced.get(q))
    if name == "sieve":
        return tuple(q for q in order if pol.visited.get(q))
    return ()


def compute_table(pages: Iterable[int], frames: int, policy: str, seed: int = 0) -> OstepTable:
    """Replay ``pages`` on ``frames`` frames under ``policy``; one row per reference.
    ``seed`` seeds ``random`` (OSTEP's RAND), as ``replay(..., seed=)`` does."""
    from ..trace.reference import POLICIES as IMPL
    if policy not in POLICIES:
        raise InvalidArgument(f"policy {policy!r}: choose one of {', '.join(POLICIES)}")
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 1:
        raise InvalidArgument(f"frames {frames!r}: give a whole number of frames, 1 or more")
    if frames < MIN_FRAMES.get(policy, 1):
        raise InvalidArgument(f"policy {policy!r} needs frames >= {MIN_FRAMES[policy]} "
                              f"(got {frames}): {MIN_FRAMES_WHY[policy]}")
    try:
        refs = [int(p) for p in pages]
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"pages: page numbers must be whole numbers ({exc})") from None
    if any(p < 0 for p in refs):
        raise InvalidArgument("pages: page numbers must be 0 or more")
    pol = IMPL[policy](frames, refs, seed) if policy == "random" else IMPL[policy](frames, refs)
    held: set[int] = set()
    seen: set[int] = set()
    rows = []
    for i, p in enumerate(refs):
        victim = None
        hit = p in held
        if hit:
            pol.hit(p, i)
        else:
            victim = pol.miss(p, i)
            if victim is not None:
                held.discard(victim)
            held.add(p)
        order = _frames(pol, policy)
        rows.append(Row(p, hit, order, victim, cold=not hit and p not in seen,
                        referenced=_marked(pol, policy, order)))
        seen.add(p)
    return OstepTable(policy, frames, _ORDER[policy], tuple(rows))


_WORDS = {
    "en": {"ref": "ref", "res": "result", "frames": "frames after ({order})", "victim": "victim",
           "hit": "hit", "miss": "miss", "cold": "miss (cold)",
           "total": "{policy}, {n} frames: {refs} references, {hits} hits, {misses} misses "
                    "({cold} cold, {cap} capacity), hit ratio {ratio}"},
    "zh": {"ref": "访问", "res": "结果", "frames": "之后的页框 ({order})", "victim": "换出",
           "hit": "命中", "miss": "缺页", "cold": "缺页 (首次)",
           "total": "{policy}，{n} 个页框：{refs} 次访问，{hits} 次命中，{misses} 次缺页"
                    "（{cold} 次首次访问，{cap} 次容量缺页），命中率 {ratio}"},
}


def format_table(table: OstepTable, lang: str = "en") -> str:
    """The table as text: a header, one line per reference, the totals line."""
    if lang not in _WORDS:
        raise InvalidArgument(f"lang {lang!r}: choose one of {', '.join(_WORDS)}")
    w = _WORDS[lang]

    def frames(r: Row) -> str:
        return "[" + " ".join(f"{q}*" if q in r.referenced else str(q) for q in r.frames) + "]"

    head = (w["ref"], w["res"], w["frames"].format(order=table.order), w["victim"])
    body = [(str(r.ref), w["hit"] if r.hit else (w["cold"] if r.cold else w["miss"]),
             frames(r), "-" if r.victim is None else str(r.victim)) for r in table.rows]
    widths = [max(len(x[c]) for x in (head, *body)) for c in range(4)]
    lines = ["  ".join(x[c].ljust(widths[c]) for c in range(4)).rstrip() for x in (head, *body)]
    lines.append(w["total"].format(policy=table.policy, n=table.nframes, refs=len(table.rows),
                                   hits=table.hits, misses=table.misses, cold=table.cold_misses,
                                   cap=table.misses - table.cold_misses,
                                   ratio=ratio(table.hit_ratio)))
    return "\n".join(lines) + "\n"
