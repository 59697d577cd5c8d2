"""A max-tree of slots whose values only grow, for OPT's victim choice.

``values`` (``int64``, ``-1`` = empty) live in level 0 of one flat array; level
``l + 1`` holds the maximum of each group of :data:`FANOUT` entries of level
``l``; the top level has at most :data:`TOP` entries and is scanned whole.  A
value is ``key << sbits | slot`` (see :mod:`.opt`), so the maximum names its
own slot and finding it is no search.

* :func:`raise_value` (a value grows: OPT's hit, or a fill) writes the slot and
  raises its ancestors until one is already larger: O(1) on average.
* :func:`largest` reads the top level: ``TOP`` values in one vectorised scan.
* :func:`replace_largest` puts a new value in the largest one's slot and
  recomputes its ancestors: one vectorised group of ``FANOUT`` per level.

With 16-way groups and a 64-wide top an eviction among 10,000 frames reads
about 100 values, against the 3 * sqrt(frames) of one level of blocks or the
2 * log2(frames) dependent, unpredictable steps of a binary heap.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FANOUT_BITS = 4
FANOUT = 1 << FANOUT_BITS
TOP = 64


def layout(slots: int) -> np.ndarray:
    """Offsets of the levels in the flat array: ``off[l] .. off[l+1]`` is level
    ``l``; each level is padded to a whole number of groups."""
    sizes = [-(-max(slots, 1) // FANOUT) * FANOUT]
    while sizes[-1] > TOP:
        sizes.append(-(-(sizes[-1] // FANOUT) // FANOUT) * FANOUT)
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def raise_value(tree, off, j, v):
    """Slot ``j`` takes ``v`` (not below its current value); ancestors follow."""
    tree[j] = v
    x = j
    for lev in range(1, off.size - 1):
        x >>= FANOUT_BITS
        i = off[lev] + x
        if tree[i] >= v:
            break
        tree[i] = v


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def largest(tree, off):
    """The largest value (one scan of the top level)."""
    lo = off[off.size - 2]
    mx = tree[lo]
    for i in range(lo + 1, off[off.size - 1]):
        mx = max(mx, tree[i])
    return mx


@njit(cache=True, _nrt=False)  # no runtime in the helper (it never allocates)
def replace_largest(tree, off, j, v):
    """Slot ``j`` (the largest value's) takes ``v``, which may be smaller;
    each ancestor becomes the maximum of its group again."""
    tree[j] = v
    x = j
    for lev in range(1, off.size - 1):
        g = off[lev - 1] + ((x >> FANOUT_BITS) << FANOUT_BITS)  # x's group below
        mx = tree[g]
        for i in range(g + 1, g + FANOUT):
            mx = max(mx, tree[i])
        x >>= FANOUT_BITS
        tree[off[lev] + x] = mx
