"""Miss-ratio curves: misses for every frame count, in one pass.

For LRU, :func:`mrc` computes Mattson's stack distances: the distance of an
access is the number of distinct pages touched since the previous access to
its page (itself included); with ``k`` frames the access hits iff its distance
is at most ``k``.  Distances are counted with a Fenwick tree over
"last-access slots" that is compacted whenever it fills, so it stays about
twice the number of distinct pages (O(log pages) per access, cache friendly),
and a repeated access to the page just accessed is distance 1 at no cost.

``sample=R`` (0 < R <= 1) uses SHARDS (Waldspurger et al., FAST '15) with the
"adj" correction: only pages whose hash falls below R are traced, distances
are scaled by 1/R.  Use it for traces with many distinct pages; the exact
curve is the default.  A sampled curve cannot resolve sizes below 1/R frames
(one sampled page stands for 1/R pages), so it starts at ``ceil(1/R)``; when
the sample holds fewer than :data:`SHARDS_MIN_PAGES` pages a
:class:`~pagewalk.errors.PagewalkWarning` says the curve is coarse and names
the exact computation (or a larger rate) instead.

Other policies are not stack algorithms in general: for them the curve is
made of per-size replays (``frames=`` sizes, by default about 24 sizes from 1
frame to the number of distinct pages).
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from ..errors import InvalidArgument, PagewalkWarning
from .model import Trace
from .policies import POLICY_NAMES
from .replay import as_trace, check_choice, replay

SHARDS_MIN_PAGES = 100


@njit(cache=True, _nrt=False)  # no refcounting: only indexes arrays
def _fenwick_add(tree, i, v):
    n = tree.size - 1
    while i <= n:
        tree[i] += v
        i += i & -i


@njit(cache=True, _nrt=False)  # no refcounting: only indexes arrays
def _fenwick_prefix(tree, i):
    s = 0
    while i > 0:
        s += tree[i]
        i -= i & -i
    return s


@njit(cache=True)
def stack_distance_histogram(ids, npages):
    """``hist[d]`` = number of accesses at LRU stack distance ``d`` (1 ..
    npages); ``hist[0]`` = first accesses (infinite distance)."""
    cap = max(2 * npages, 1024)
    tree = np.zeros(cap + 1, np.int32)  # Fenwick tree over slots 1..cap
    slot_page = np.zeros(cap + 1, np.int64)
    last = np.zeros(npages, np.int64)  # slot of the page's last access, 0: none
    hist = np.zeros(npages + 1, np.int64)
    cur = 0    # the last slot used
    total = 0  # marked slots = distinct pages seen so far
    prev = -1
    for i in range(ids.size):
        p = np.int64(ids[i])
        if p == prev:
            hist[1] += 1
            continue
        prev = p
        s = last[p]
        if s == 0:
            hist[0] += 1
            total += 1
        else:
            hist[total - _fenwick_prefix(tree, s) + 1] += 1
            _fenwick_add(tree, s, -1)
            last[p] = 0
        if cur == cap:
            # compact: renumber the live slots 1..live, in order
            live = 0
            for t in range(1, cap + 1):
                q = slot_page[t]
                if last[q] == t:
                    live += 1
                    last[q] = live
                    slot_page[live] = q
            for t in range(1, cap + 1):  # node t covers slots (t - lowbit(t), t]
                tree[t] = max(0, min(t, live) - (t - (t & -t)))
            cur = live
        cur += 1
        _fenwick_add(tree, cur, 1)
        last[p] = cur
        slot_page[cur] = p
    return hist


@njit(cache=True)
def _splitmix64(x):
    out = np.empty(x.size, np.uint64)
    for i in range(x.size):
        z = x[i] + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        out[i] = z ^ (z >> np.uint64(31))
    return out


@dataclass
class MissRatioCurve:
    """Misses of a trace as a function of the number of frames.

    ``frames[i]`` frames give ``misses[i]`` misses (floats when sampled);
    ``replays`` maps a policy name to ``(frames, misses)`` arrays of per-size
    replays (markers on a plot).
    """

    policy: str
    frames: np.ndarray
    misses: np.ndarray
    accesses: int
    distinct_pages: int
    sample_rate: float | None = None
    replays: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def miss_ratio(self) -> np.ndarray:
        return self.misses / max(self.accesses, 1)

    @property
    def min_frames(self) -> int:
        """The smallest size the curve resolves (``ceil(1/rate)`` when sampled)."""
        return int(self.frames[0]) if self.frames.size else 0

    def misses_at(self, frames: int) -> float:
        """Misses with ``frames`` frames (the largest computed size <= frames)."""
        i = int(np.searchsorted(self.frames, frames, side="right")) - 1
        if i < 0:
            raise InvalidArgument(f"misses_at: frames={frames} is below the curve's first "
                                  f"size {int(self.frames[0])}")
        return self.misses[i].item()

    def add_replays(self, trace: Trace, policies: Iterable[str],
                    sizes: Sequence[int] | None = None, mode: str = "cache") -> None:
        """Replay ``trace`` with each policy at ``sizes`` (default: 8 sizes across
        the curve) and keep the results as markers."""
        sizes = default_sizes(self.distinct_pages, 8) if sizes is None else sizes
        for pol in policies:
            check_choice(pol, POLICY_NAMES, "policy")
            m = [replay(trace, frames=int(k), policy=pol, mode=mode).faults for k in sizes]
            self.replays[pol] = (np.asarray(sizes, np.int64), np.asarray(m, np.int64))

    def to_dict(self) -> dict[str, object]:
        return dict(policy=self.policy, accesses=self.accesses,
                    distinct_pages=self.distinct_pages, sample_rate=self.sample_rate,
                    frames=self.frames.tolist(), misses=self.misses.tolist(),
                    replays={p: dict(frames=f.tolist(), misses=m.tolist())
                             for p, (f, m) in self.replays.items()})

    def plot(self, path: str | os.PathLike, title: str | None = None) -> None:
        """Draw the curve (miss ratio against frames) and the replay markers."""
        from .plot import plot_mrc
        plot_mrc(self, path, title)


def default_sizes(npages: int, count: int = 24) -> list[int]:
    """About ``count`` frame counts from 1 to ``npages``, geometrically spaced."""
    top = max(npages, 1)
    sizes = np.unique(np.geomspace(1, top, num=count).round().astype(np.int64))
    return [int(s) for s in sizes]


def mrc(trace: Trace | str | os.PathLike | Iterable[int], policy: str = "lru", *,
        sample: float | None = None, frames: Sequence[int] | None = None,
        seed: int = 0) -> MissRatioCurve:
    """The miss-ratio curve of ``trace`` (cache mode).

    ``policy="lru"``: exact misses for every frame count 0 .. distinct pages in
    one pass, equal to per-size replay; with ``sample=R``, the SHARDS
    approximation (``seed`` picks the hash).  Other policies: per-size replays
    at ``frames`` (default :func:`default_sizes`).
    """
    check_choice(policy, POLICY_NAMES, "policy")
    tr = as_trace(trace)
    n = len(tr)
    if policy != "lru":
        if sample is not None:
            raise InvalidArgument("mrc: sample= (SHARDS) only applies to policy='lru'")
        sizes = default_sizes(tr.n_pages) if frames is None else sorted(set(frames))
        if not sizes or min(sizes) < 1:
            raise InvalidArgument("mrc: frames= must be a non-empty list of ints >= 1")
        m = [replay(tr, frames=int(k), policy=policy).faults for k in sizes]
        return MissRatioCurve(policy, np.asarray(sizes, np.int64), np.asarray(m, np.int64),
                              n, tr.n_pages)
    if sample is None:
        hist = stack_distance_histogram(tr.ids, max(tr.n_pages, 1))
        return MissRatioCurve("lru", np.arange(hist.size, dtype=np.int64),
                              _misses_from_hist(hist, n), n, tr.n_pages)
    return _shards(tr, float(sample), seed)


def _misses_from_hist(hist: np.ndarray, n: int) -> np.ndarray:
    """misses[k] = first accesses + accesses with distance > k, k = 0 .. len-1."""
    tail = np.concatenate([np.cumsum(hist[:0:-1])[::-1], [0]])  # tail[j] = sum hist[j+1:]
    out = hist[0] + tail
    out[0] = n
    return out.astype(hist.dtype)


def _shards(tr: Trace, rate: float, seed: int) -> MissRatioCurve:
    if not (0.0 < rate <= 1.0):
        raise InvalidArgument(f"mrc: sample={rate!r}; write a rate with 0 < rate <= 1, "
                              "e.g. 0.01")
    n = len(tr)
    h = _splitmix64(tr.table ^ np.uint64(seed & 0xFFFFFFFFFFFFFFFF))
    keep = (h >> np.uint64(40)) < np.uint64(int(rate * (1 << 24)))
    remap = np.cumsum(keep, dtype=np.int64) - 1
    sel = tr.ids[keep[tr.ids]]
    ids = remap[sel].astype(np.uint32)
    npages_s = int(keep.sum())
    if npages_s < SHARDS_MIN_PAGES:
        warnings.warn(f"mrc: the SHARDS sample at rate {rate:g} holds {npages_s} of "
                      f"{tr.n_pages:,} pages (fewer than {SHARDS_MIN_PAGES}): the curve is "
                      f"coarse; leave out --sample for the exact curve or raise the rate",
                      PagewalkWarning, stacklevel=3)
    hist = stack_distance_histogram(ids, max(npages_s, 1)).astype(np.float64)
    if hist.size > 1:
        hist[1] += n * rate - ids.size  # SHARDS-adj
    top = int(np.ceil(npages_s / rate))
    k = np.arange(top + 1, dtype=np.int64)
    tail = np.concatenate([np.cumsum(hist[:0:-1])[::-1], [0.0]])
    j = np.minimum(np.floor(k * rate).astype(np.int64), hist.size - 1)
    misses = np.clip((hist[0] + tail[j]) / rate, 0.0, float(n))
    first = min(math.ceil(1.0 / rate), top) if rate < 1.0 else 0
    if first == 0:
        misses[0] = n
    return MissRatioCurve("lru", k[first:], misses[first:], n, tr.n_pages, sample_rate=rate)
