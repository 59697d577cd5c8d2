"""A map from int keys to int sizes that finds the last key below a limit whose size
is at least N in O(log n): the gap half of Linux's maple tree.

Linux keeps the free gaps of an address space in the maple tree, each node knowing
the largest gap beneath it (``ma_gaps``), so that ``unmapped_area_topdown`` (the
``mas_empty_area_rev`` walk) finds the highest gap that fits without visiting the
others. :class:`GapTree` is that augmentation on a treap: a binary search tree on
the keys whose shape is set by pseudo-random priorities (expected depth O(log n)),
every node holding ``mx``, the largest size in its subtree.

Contract:

* keys are distinct ints, sizes are ints (a size may be negative: it is a gap
  that a guard region overlaps);
* :meth:`set` inserts or replaces, :meth:`discard` removes (absent keys are
  ignored), :meth:`get` reads; all O(log n) expected;
* :meth:`last_fit` ``(limit, size)`` is the largest key ``<= limit`` whose size is
  ``>= size``, or None, in O(log n) expected;
* the answers do not depend on the tree's shape, so the priorities (drawn from a
  private seeded generator) change only the speed, never a result.

The tests hold it to a sorted list scanned from the top (tests/mm/test_gaptree.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

_NEG = -(1 << 128)          # below every size (sizes are address differences)


class _Node:
    __slots__ = ("key", "left", "mx", "parent", "prio", "right", "size")

    def __init__(self, key: int, size: int, prio: float) -> None:
        self.key = key
        self.size = size
        self.mx = size
        self.prio = prio
        self.left: _Node | None = None
        self.right: _Node | None = None
        self.parent: _Node | None = None


def _pull(n: _Node) -> _Node:
    """Recompute ``n.mx`` from its size and its children's (and adopt them)."""
    mx = n.size
    c = n.left
    if c is not None:
        c.parent = n
        if c.mx > mx:
            mx = c.mx
    c = n.right
    if c is not None:
        c.parent = n
        if c.mx > mx:
            mx = c.mx
    n.mx = mx
    return n


def _split(t: _Node | None, key: int) -> tuple[_Node | None, _Node | None]:
    """(keys < key, keys >= key)."""
    if t is None:
        return None, None
    if t.key < key:
        t.right, r = _split(t.right, key)
        return _pull(t), r
    lo, t.left = _split(t.left, key)
    return lo, _pull(t)


def _merge(a: _Node | None, b: _Node | None) -> _Node | None:
    """Join two treaps, every key of ``a`` below every key of ``b``."""
    if a is None:
        return b
    if b is None:
        return a
    if a.prio > b.prio:
        a.right = _merge(a.right, b)
        return _pull(a)
    b.left = _merge(a, b.left)
    return _pull(b)


def _last_fit(t: _Node | None, limit: int, size: int) -> _Node | None:
    """The node with the largest key <= limit and size >= size under ``t``."""
    while t is not None and t.mx >= size:
        if t.key > limit:
            t = t.left
            continue
        # t.key <= limit: its right subtree may hold later fits (some above limit).
        if t.right is not None and t.right.mx >= size:
            hit = _last_fit(t.right, limit, size)
            if hit is not None:
                return hit
        if t.size >= size:
            return t
        t = t.left
    return None


class GapTree:
    """int key -> int size, with :meth:`last_fit` (see the module docstring)."""

    __slots__ = ("_nodes", "_rng", "_root")

    def __init__(self, seed: int = 0) -> None:
        self._root: _Node | None = None
        self._nodes: dict[int, _Node] = {}      # key -> its node
        self._rng = random.Random(seed)

    def __len__(self) -> int:
        return len(self._nodes)

    def get(self, key: int, default: int | None = None) -> int | None:
        node = self._nodes.get(key)
        return node.size if node is not None else default

    def __contains__(self, key: int) -> bool:
        return key in self._nodes

    def set(self, key: int, size: int) -> None:
        """Insert ``key`` with ``size``, or give an existing key a new size."""
        node = self._nodes.get(key)
        if node is not None:
            if node.size != size:
                node.size = size
                _repull_up(node)
            return
        # Hang the new node where its priority puts it: walk down while the nodes
        # on the way outrank it, then split the subtree found there around key.
        node = _Node(key, size, self._rng.random())
        self._nodes[key] = node
        parent, below = None, self._root
        while below is not None and below.prio > node.prio:
            parent, below = below, (below.left if key < below.key else below.right)
        node.left, node.right = _split(below, key)
        _pull(node)
        self._hang(parent, below, node)

    def discard(self, key: int) -> None:
        """Remove ``key`` if present."""
        node = self._nodes.pop(key, None)
        if node is not None:
            self._hang(node.parent, node, _merge(node.left, node.right))

    def _hang(self, parent: _Node | None, old: _Node | None, new: _Node | None) -> None:
        """Put ``new`` where ``old`` hung below ``parent`` (whose side is found by
        ``new``'s key when ``old`` is None) and bring the maxima above it up to date."""
        if new is not None:
            new.parent = parent
        if parent is None:
            self._root = new
            return
        if parent.left is old and (old is not None or (new is not None
                                                        and new.key < parent.key)):
            parent.left = new
        else:
            parent.right = new
        _repull_up(parent)

    def clear(self) -> None:
        self._root = None
        self._nodes.clear()

    def max_size(self) -> int | None:
        """The largest size held, or None when empty."""
        return self._root.mx if self._root is not None else None

    def last_fit(self, limit: int, size: int) -> int | None:
        """The largest key <= ``limit`` whose size is >= ``size``, or None."""
        hit = _last_fit(self._root, limit, size)
        return hit.key if hit is not None else None

    def items(self) -> Iterator[tuple[int, int]]:
        """(key, size) in key order."""
        stack: list[_Node] = []
        t = self._root
        while stack or t is not None:
            while t is not None:
                stack.append(t)
                t = t.left
            t = stack.pop()
            yield t.key, t.size
            t = t.right

    def check(self) -> None:
        """Raise AssertionError unless keys are ordered, priorities form a heap,
        parent links and the key index agree, and every ``mx`` is its subtree's
        largest size (for tests and ``m.check()``)."""
        def walk(t: _Node | None, parent, lo: int | None, hi: int | None) -> tuple[int, int]:
            if t is None:
                return 0, _NEG
            if (lo is not None and t.key <= lo) or (hi is not None and t.key >= hi):
                raise AssertionError(f"gap tree: key {t.key:#x} out of order")
            if t.parent is not parent or self._nodes.get(t.key) is not t:
                raise AssertionError(f"gap tree: node {t.key:#x} is not linked right")
            for c in (t.left, t.right):
                if c is not None and c.prio > t.prio:
                    raise AssertionError("gap tree: priorities are not a heap")
            nl, ml = walk(t.left, t, lo, t.key)
            nr, mr = walk(t.right, t, t.key, hi)
            if t.mx != max(t.size, ml, mr):
                raise AssertionError(f"gap tree: stale max at key {t.key:#x}")
            return nl + nr + 1, t.mx
        n, _ = walk(self._root, None, None, None)
        if n != len(self._nodes):
            raise AssertionError(f"gap tree: {n} nodes, the index holds {len(self._nodes)}")


def _repull_up(n: _Node | None) -> None:
    """Recompute the maxima from ``n`` up to the root, stopping at the first that
    does not change (the ones above depend only on it)."""
    while n is not None:
        before = n.mx
        if _pull(n).mx == before:
            return
        n = n.parent
