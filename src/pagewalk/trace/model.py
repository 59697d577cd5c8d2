"""``Trace``: a sequence of page accesses, stored as dense page ids.

A trace keeps three arrays:

* ``ids`` (``uint8``, ``uint16`` or ``uint32``): for each access, the dense id
  of its page; ids are given in order of first appearance (the first page
  accessed is 0);
* ``table`` (``uint64``): the virtual page number of each id;
* ``writes`` (``bool``): whether each access writes.

``pages`` (the virtual page number of every access) is ``table[ids]``.  The
replay kernels work on ``ids`` directly, so that their arrays are as small as
the set of distinct pages.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numba import njit

from ..errors import InvalidArgument
from ..units import PAGE_SHIFT


@njit(cache=True)
def _densify(pages, keys, vals, table, n_distinct, out, start):
    """Map ``pages[start:]`` to dense ids with an open-addressing hash table
    (``keys``/``vals``, size a power of two, ``vals`` 0 = empty, else id + 1);
    new pages get the next id and are recorded in ``table``.  Stops early when
    the hash table would pass half full or ``table`` is full; returns
    ``(next index, n_distinct)``."""
    mask = keys.size - 1
    shift = np.uint64(64 - int(np.log2(keys.size)))
    limit = keys.size // 2
    for i in range(start, pages.size):
        k = np.uint64(pages[i])
        h = np.int64((k * np.uint64(0x9E3779B97F4A7C15)) >> shift) & mask
        while True:
            v = vals[h]
            if v == 0:
                if n_distinct >= limit or n_distinct >= table.size:
                    return i, n_distinct
                keys[h] = k
                vals[h] = n_distinct + 1
                table[n_distinct] = k
                out[i] = n_distinct
                n_distinct += 1
                break
            if keys[h] == k:
                out[i] = v - 1
                break
            h = (h + 1) & mask
    return pages.size, n_distinct


def narrow_ids(ids: np.ndarray, npages: int) -> np.ndarray:
    """``ids`` in the narrowest unsigned type that holds ``0 .. npages-1``."""
    dtype = np.uint8 if npages <= 1 << 8 else np.uint16 if npages <= 1 << 16 else np.uint32
    return ids.astype(dtype, copy=False)


class PageIds:
    """Incremental mapping of page numbers to dense ids (first appearance)."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        size = 1 << max(10, int(capacity * 2 - 1).bit_length())
        self.keys = np.zeros(size, np.uint64)
        self.vals = np.zeros(size, np.int64)
        self.table = np.zeros(max(capacity, 1024), np.uint64)
        self.n = 0

    def _grow(self) -> None:
        if self.n >= self.table.size:
            table = np.zeros(self.table.size * 2, np.uint64)
            table[: self.n] = self.table[: self.n]
            self.table = table
        if self.n >= self.keys.size // 2:
            self.keys = np.zeros(self.keys.size * 2, np.uint64)
            self.vals = np.zeros(self.keys.size, np.int64)
            out = np.empty(self.n, np.uint32)
            _densify(self.table[: self.n], self.keys, self.vals, self.table.copy(), 0, out, 0)

    def map(self, pages: np.ndarray) -> np.ndarray:
        """Dense ids (``uint32``) of ``pages`` (``uint64`` page numbers)."""
        out = np.empty(pages.size, np.uint32)
        i = 0
        while True:
            i, self.n = _densify(pages, self.keys, self.vals, self.table, self.n, out, i)
            if i == pages.size:
                return out
            self._grow()

    def pages(self) -> np.ndarray:
        return self.table[: self.n].copy()


class Trace:
    """A memory trace: one entry per page access.

    Build one with :meth:`from_pages`, :meth:`from_addresses`,
    :func:`pagewalk.trace.load_trace`, or directly from ``ids``/``table``.
    ``len(trace)`` is the number of accesses; ``n_pages`` the number of distinct
    pages.  Traces are immutable by convention.
    """

    __slots__ = ("_packed", "_pages", "_writes", "ids", "source", "table")

    def __init__(self, ids: np.ndarray, table: np.ndarray, writes: np.ndarray | None = None,
                 source: str | None = None) -> None:
        ids = np.ascontiguousarray(ids)
        if ids.dtype not in (np.uint8, np.uint16, np.uint32):
            ids = ids.astype(np.uint32)
        table = np.ascontiguousarray(table, dtype=np.uint64)
        if writes is None:
            writes = np.zeros(ids.size, np.bool_)
        writes = np.ascontiguousarray(writes, dtype=np.bool_)
        if writes.shape != ids.shape or ids.ndim != 1:
            raise InvalidArgument(f"Trace: ids and writes must be 1-D arrays of the same "
                                  f"length, got {ids.shape} and {writes.shape}")
        if ids.size and int(ids.max()) >= table.size:
            raise InvalidArgument("Trace: an id is out of range of the page table")
        self.ids = ids
        self.table = table
        self.source = source
        self._writes: np.ndarray | None = writes
        self._packed: np.ndarray | None = None
        self._pages: np.ndarray | None = None

    @classmethod
    def _from_packed(cls, ids: np.ndarray, table: np.ndarray, packed: np.ndarray,
                     source: str | None) -> Trace:
        """A trace whose write flags stay bit-packed until first used (the
        cache-mode kernels never need them).  ``ids`` must be checked already."""
        tr = cls.__new__(cls)
        tr.ids, tr.table, tr.source = ids, table, source
        tr._writes, tr._packed, tr._pages = None, packed, None
        return tr

    @property
    def writes(self) -> np.ndarray:
        """Whether each access writes (``bool``)."""
        if self._writes is None:
            assert self._packed is not None
            self._writes = np.unpackbits(self._packed, count=self.ids.size,
                                         bitorder="little").view(np.bool_)
            self._packed = None
        return self._writes

    @classmethod
    def from_pages(cls, pages: Iterable[int] | np.ndarray,
                   writes: Iterable[bool] | np.ndarray | None = None,
                   source: str | None = None) -> Trace:
        """A trace from virtual page numbers (one access each)."""
        arr = _as_uint64(pages, "pages")
        mapper = PageIds(capacity=min(arr.size, 1 << 20) + 1)
        ids = narrow_ids(mapper.map(arr), mapper.n)
        w = None if writes is None else np.asarray(list(writes) if not isinstance(
            writes, np.ndarray) else writes, dtype=np.bool_)
        if w is not None and w.shape != arr.shape:
            raise InvalidArgument(f"Trace.from_pages: {arr.size} pages but {w.size} write flags")
        return cls(ids, mapper.pages(), w, source)

    @classmethod
    def from_addresses(cls, addresses: Iterable[int] | np.ndarray,
                       writes: Iterable[bool] | np.ndarray | None = None,
                       source: str | None = None) -> Trace:
        """A trace from byte addresses: one access to the 4 KiB page of each."""
        arr = _as_uint64(addresses, "addresses")
        return cls.from_pages(arr >> np.uint64(PAGE_SHIFT), writes, source)

    @property
    def pages(self) -> np.ndarray:
        """Virtual page number (``uint64``) of every access."""
        if self._pages is None:
            self._pages = self.table[self.ids]
        return self._pages

    @property
    def n_pages(self) -> int:
        """Number of distinct pages."""
        return int(self.table.size)

    def __len__(self) -> int:
        return int(self.ids.size)

    def __getitem__(self, index: slice) -> Trace:
        if not isinstance(index, slice):
            raise InvalidArgument("Trace indexing takes a slice, e.g. trace[:1000]")
        return Trace.from_pages(self.pages[index], self.writes[index], self.source)

    def __repr__(self) -> str:
        src = f", source={self.source!r}" if self.source else ""
        return (f"Trace({len(self)} accesses, {self.n_pages} pages, "
                f"{int(self.writes.sum())} writes{src})")

    def save(self, path: str | os.PathLike, compress: str | bool | None = None,
             format: str | None = None) -> Path:
        """Write the trace to ``path``; returns the path.

        ``format``: ``"pwt"`` (pagewalk's compact binary, :mod:`.binfmt`; the
        default), ``"oracleGeneral"`` or ``"csv"`` (libCacheSim's formats, next
        access times filled in; :mod:`.libcachesim_formats`), or ``"pages"``
        (one page number per line, ``W`` before a write).  ``None`` chooses by
        name, like :func:`~pagewalk.trace.load_trace`.  ``compress`` (pwt only):
        None (by suffix: ``.zst`` or ``.gz``), False, "zstd" or "gzip".
        """
        if format is None:
            name = Path(path).name.lower()
            format = ("oracleGeneral" if "oraclegeneral" in name else
                      "csv" if name.endswith(".csv") else "pwt")
        if format not in SAVE_FORMATS:
            raise InvalidArgument(f"Trace.save: format={format!r}; write one of "
                                  + ", ".join(repr(f) for f in SAVE_FORMATS))
        if format == "pwt":
            from .binfmt import write_binary
            return write_binary(self, path, compress)
        if compress:
            raise InvalidArgument(f"Trace.save: compress={compress!r} applies to the pwt "
                                  f"format only; compress a {format} file afterwards")
        if format == "pages":
            from .refstring import format_pages
            out = Path(path)
            tmp = out.with_name(out.name + ".part")
            tmp.write_text(format_pages(self.pages.tolist(), self.writes.tolist()))
            tmp.replace(out)
            return out
        from .libcachesim_formats import save_libcachesim
        return save_libcachesim(self, path, format)


SAVE_FORMATS = ("pwt", "oracleGeneral", "csv", "pages")


def _as_uint64(values: Iterable[int] | np.ndarray, what: str) -> np.ndarray:
    if isinstance(values, np.ndarray):
        arr = values
    else:
        arr = np.asarray(list(values))
        if arr.size == 0:
            arr = arr.astype(np.uint64)
    if arr.ndim != 1 or not (np.issubdtype(arr.dtype, np.integer) or arr.size == 0):
        raise InvalidArgument(f"Trace: {what} must be a 1-D sequence of non-negative ints")
    if np.issubdtype(arr.dtype, np.signedinteger) and arr.size and int(arr.min()) < 0:
        raise InvalidArgument(f"Trace: {what} must be non-negative")
    return np.ascontiguousarray(arr, dtype=np.uint64)
