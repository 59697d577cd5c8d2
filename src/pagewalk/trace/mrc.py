"""Miss-ratio curves: misses for every frame count, in one pass.

For LRU, :func:`mrc` computes Mattson's stack distances: the distance of an
access is the number of distinct pages touched since the previous access to
its page (itself included); with ``k`` frames the access hits iff its distance
is at most ``k``.  Distances are counted over "last-access slots" with a
bitmap and a Fenwick tree over 512-slot blocks (see
:func:`stack_distance_histogram`), compacted whenever the slots run out, so
the state stays a few bits per distinct page (O(log pages) per access,
cache-resident), and a repeated access to the page just accessed is distance 1
at no cost.

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
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from ..errors import InvalidArgument, PagewalkWarning
from .fast.common import fenwick_add
from .fast.prefetch import prefetch
from .model import Trace
from .policies import MIN_FRAMES, POLICY_NAMES
from .replay import as_trace, check_choice, replay

SHARDS_MIN_PAGES = 100


@intrinsic
def _popcount(typingctx, x):
    """The CPU's population count of a uint64 (LLVM's ctpop)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@intrinsic
def _trailing_zeros(typingctx, x):
    """The CPU's count of trailing zero bits of a nonzero uint64 (LLVM's cttz)."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))  # x != 0: no zero check

    return sig, codegen


_BLOCK_WORDS = 8              # a block: 8 uint64 words = 512 slots (one cache line)
_BLOCK_SHIFT = 9


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _live_upto(bits, tree, s):
    """Live slots among 0 .. s: whole blocks from the Fenwick tree over
    blocks, the rest by popcount inside s's block."""
    b = s >> _BLOCK_SHIFT
    total = 0
    i = b
    while i > 0:
        total += tree[i]
        i -= i & -i
    w0 = b * _BLOCK_WORDS
    w = s >> 6
    for j in range(w0, w):
        total += _popcount(bits[j])
    mask = (np.uint64(2) << np.uint64(s & 63)) - np.uint64(1) if (s & 63) != 63 else \
        np.uint64(0xFFFFFFFFFFFFFFFF)
    total += _popcount(bits[w] & mask)
    return total


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def _live_after(bits, counts, s, cur):
    """Live slots after slot ``s`` with flat per-block counts (``counts[b + 1]``
    for block ``b``): the rest of ``s``'s block by popcount, then the counts of
    the later blocks up to the block of slot ``cur - 1`` (every live slot is
    below ``cur``, the next free one)."""
    w = s >> 6
    total = _popcount(bits[w] & ~((np.uint64(2) << np.uint64(s & 63)) - np.uint64(1))) \
        if (s & 63) != 63 else np.uint64(0)
    b = s >> _BLOCK_SHIFT
    for j in range(w + 1, (b + 1) * _BLOCK_WORDS):
        total += _popcount(bits[j])
    n = np.int64(total)
    for c in range(b + 2, ((cur - 1) >> _BLOCK_SHIFT) + 2):
        n += counts[c]
    return n


def stack_distance_histogram(ids: np.ndarray, npages: int,
                             flat: bool | None = None) -> np.ndarray:
    """``hist[d]`` (``int64``) = number of accesses at LRU stack distance ``d``
    (1 .. npages); ``hist[0]`` = first accesses (infinite distance).  See
    :func:`_stack_distances`; the counts are kept in ``int32`` while the
    trace is shorter than 2**31 accesses (half the cache footprint).  ``flat``
    chooses the live-slot count (None: flat block counts up to
    ``_FLAT_PAGES`` pages, the Fenwick tree beyond; the tests force each)."""
    hist = np.zeros(npages + 1, np.int32 if ids.size < 2**31 else np.int64)
    if flat is None:
        flat = npages <= _FLAT_PAGES
    _stack_distances(ids, npages, hist, npages >= _FAR, flat)
    return hist.astype(np.int64, copy=False)


# Up to this many pages (at most 32 blocks of slots) the live slots after a
# page's slot are counted from flat per-block counts: one add per block after
# it, one store per update, where the Fenwick tree walks log(blocks) entries
# each way.  Most reuses are recent (the gzip trace: mean stack distance 2.7),
# so only a block or two is summed.
_FLAT_PAGES = 8192


_FAR = 1 << 16  # from this many pages on, last[] is prefetched ahead ...
_AHEAD = 16     # ... by this many accesses


@njit(cache=True)
def _stack_distances(ids, npages, hist, far, flat):
    """Add each access's stack distance to ``hist``.

    Each page's last access holds a "slot"; slots are numbered in time order
    and a live slot is a set bit.  The distance of an access is the number of
    live slots after its page's slot, plus one.  Live slots are counted with
    a bitmap (one bit a slot) and a Fenwick tree over 512-slot blocks, so the
    state is about ``npages / 4`` bytes of bitmap plus ``npages / 64`` bytes of
    tree: cache-resident far beyond the L2 size that a Fenwick tree of
    counters would need.  When the slots run out the live ones (the bitmap's
    set bits, in order) are renumbered (slot space: twice the distinct
    pages).  With ``far`` (many pages: ``last[]`` outgrows the caches) the
    ``last[]`` entry of the page ``_AHEAD`` accesses ahead is prefetched.
    With ``flat`` the tree's array holds plain per-block counts instead
    (:func:`_live_after`), for few pages."""
    cap = max(2 * npages, 4096)
    cap = (cap + 511) // 512 * 512
    nblocks = cap // 512
    bits = np.zeros(cap // 64, np.uint64)
    tree = np.zeros(nblocks + 1, np.int32)  # Fenwick tree over blocks 1..nblocks
    slot_page = np.zeros(cap, np.int32)
    last = np.full(npages, -1, np.int32)  # slot of the page's last access, -1: none
    cur = 0    # the next free slot
    total = 0  # live slots = distinct pages seen so far
    prev = -1
    one = np.uint64(1)
    n = ids.size
    for i in range(n):
        p = np.int64(ids[i])
        if far:
            prefetch(last, ids[min(i + _AHEAD, n - 1)])
        if p == prev:
            hist[1] += 1
            continue
        prev = p
        s = np.int64(last[p])
        if s < 0:
            hist[0] += 1
            total += 1
        elif flat:
            hist[_live_after(bits, tree, s, cur) + 1] += 1
            bits[s >> 6] &= ~(one << np.uint64(s & 63))
            tree[(s >> _BLOCK_SHIFT) + 1] -= 1
        else:
            hist[total - _live_upto(bits, tree, s) + 1] += 1
            bits[s >> 6] &= ~(one << np.uint64(s & 63))
            fenwick_add(tree, (s >> _BLOCK_SHIFT) + 1, -1)
        if cur == cap:
            # compact: renumber the live slots 0..live-1, in order, from the bitmap
            live = 0
            for w in range(cap // 64):
                x = bits[w]
                while x:
                    q = slot_page[w * 64 + np.int64(_trailing_zeros(x))]
                    last[q] = live
                    slot_page[live] = q
                    live += 1
                    x &= x - one
            bits[:] = 0
            for t in range(live):
                bits[t >> 6] |= one << np.uint64(t & 63)
            tree[:] = 0
            for b in range(nblocks):
                c = min(max(live - b * 512, 0), 512)
                if c and flat:
                    tree[b + 1] = c
                elif c:
                    fenwick_add(tree, b + 1, c)
            cur = live
        bits[cur >> 6] |= one << np.uint64(cur & 63)
        if flat:
            tree[(cur >> _BLOCK_SHIFT) + 1] += 1
        else:
            fenwick_add(tree, (cur >> _BLOCK_SHIFT) + 1, 1)
        last[p] = cur
        slot_page[cur] = p
        cur += 1


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
            ks = [int(k) for k in sizes if k >= MIN_FRAMES.get(pol, 1)]
            m = [replay(trace, frames=k, policy=pol, mode=mode).faults for k in ks]
            self.replays[pol] = (np.asarray(ks, np.int64), np.asarray(m, np.int64))

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
        if frames is None:  # a policy's own lower bound (2q) drops the smallest defaults
            sizes = [k for k in sizes if k >= MIN_FRAMES.get(policy, 1)] or [
                MIN_FRAMES[policy]]
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
