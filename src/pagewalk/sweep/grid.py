"""The grid of a sweep: cells, and the chunks (tasks) that compute them.

A *cell* is one row of the results: trace x method x policy x mode x seed x
frames.  A *chunk* is one task for the scheduler: every size of one trace x
method x policy x mode x seed, computed from a single load of the trace (one
task per cell would spend more on the scheduler than on replay for small
traces).  The spec's ``split = N`` cuts each replay chunk into N tasks (sizes
interleaved, so they cost about the same) for clusters with more workers than
chunks.  A chunk carries the trace's path, never the trace: workers read it
from the file system (see :mod:`.worker`).

``plan`` leaves out the cells a previous run already finished (``--resume``):
a chunk whose sizes are all done is not submitted; otherwise it is told which
frame counts to skip.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from .spec import SizeRule, Spec

# Relative cost of one replay per access, for submitting the longest tasks first.
_POLICY_COST = {"opt": 3.0, "lfu": 2.0, "arc": 1.5, "linux": 1.5}

ChunkKey = tuple[str, str, str, str, int]  # trace, method, policy, mode, seed


@dataclass(frozen=True)
class Chunk:
    """One task: ``sizes`` of ``trace`` with one method, policy, mode and seed."""

    trace: str        # the trace's label (as matched by the spec's glob)
    path: str         # absolute path the worker reads
    format: str
    method: str       # "replay", "mrc" or "shards"
    policy: str
    mode: str
    sizes: SizeRule
    seed: int = 0
    sample_rate: float = 1.0
    skip: frozenset[int] = field(default_factory=frozenset)  # frames already done
    part: int = 0     # this task computes sizes[part::parts] (spec key ``split``)
    parts: int = 1

    @property
    def key(self) -> ChunkKey:
        return (self.trace, self.method, self.policy, self.mode, self.seed)

    @property
    def name(self) -> str:
        """A readable, unique task name (the Dask key prefix)."""
        tail = f"/seed{self.seed}" if self.method == "shards" else ""
        tail += f"/part{self.part}" if self.parts > 1 else ""
        return f"{self.trace}/{self.method}/{self.policy}/{self.mode}{tail}"

    def frames(self, distinct_pages: int) -> list[int]:
        """The frame counts this task computes for a trace with ``distinct_pages``
        pages (its part of the sizes, less those already done)."""
        sizes = self.sizes.resolve(distinct_pages)[self.part::self.parts]
        return [k for k in sizes if k not in self.skip]

    def cost(self) -> float:
        """A rough estimate of the work, to order submission (largest first)."""
        try:
            size = os.path.getsize(self.path)
        except OSError:
            size = 0
        n = (len(self.sizes.frames) or self.sizes.points) / self.parts
        per = 1.0 if self.method != "replay" else _POLICY_COST.get(self.policy, 1.0) * n
        return size * per


def chunks(spec: Spec, done: Mapping[ChunkKey, set[int]] | None = None,
           distinct: Mapping[str, int] | None = None) -> list[Chunk]:
    """The chunks still to compute, the most expensive first.

    ``done`` maps a chunk key to the frame counts already in the results;
    ``distinct`` the distinct pages of traces seen before (so that sizes that
    depend on the trace can be resolved without reading it).
    """
    done = done or {}
    distinct = distinct or {}
    out: list[Chunk] = []
    for label, path in spec.traces:
        todo: list[Chunk] = []
        if "replay" in spec.compute:
            todo += [Chunk(label, path, spec.format, "replay", p, m, spec.sizes)
                     for p in spec.policies for m in spec.modes]
        if "mrc" in spec.compute:
            todo.append(Chunk(label, path, spec.format, "mrc", "lru", "cache", spec.sizes))
        if "shards" in spec.compute:
            todo += [Chunk(label, path, spec.format, "shards", "lru", "cache", spec.sizes,
                           seed=s, sample_rate=spec.sample) for s in spec.seeds]
        for c in todo:
            skip = frozenset(done.get(c.key, ()))
            known = not c.sizes.needs_trace or label in distinct
            parts = spec.split if c.method == "replay" else 1  # curves: one pass for all
            for part in range(parts):
                task = Chunk(**{**c.__dict__, "skip": skip, "part": part, "parts": parts})
                if known and not task.frames(distinct.get(label, 0)):
                    continue  # finished (or no sizes in this part)
                out.append(task)
    out.sort(key=lambda c: -c.cost())
    return out


def cell_count(spec: Spec, distinct: Mapping[str, int] | None = None) -> int | None:
    """How many cells the spec has (None when sizes depend on unseen traces)."""
    distinct = distinct or {}
    per_trace = (len(spec.policies) * len(spec.modes) * ("replay" in spec.compute)
                 + ("mrc" in spec.compute) + len(spec.seeds) * ("shards" in spec.compute))
    total = 0
    for label, _ in spec.traces:
        if spec.sizes.needs_trace and label not in distinct:
            return None
        total += per_trace * len(spec.sizes.resolve(distinct.get(label, 0)))
    return total
