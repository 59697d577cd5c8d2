"""pagewalk's compact binary trace format (``.pwt``; ``.pwt.zst``/``.pwt.gz``
when compressed).

Layout, little endian::

    magic    8 bytes  b"PWTRACE1"
    n        uint64   number of accesses
    npages   uint64   number of distinct pages
    width    uint64   bytes per id: 1, 2 or 4 (the smallest that fits npages)
    table    npages x uint64   virtual page number of each dense id
    ids      n x uint<width*8> dense page id of each access
    writes   ceil(n/8) bytes   write flags, np.packbits (bit order "little")

That is at most 4.125 bytes per access (1.125 for a program touching at most
256 pages) plus 8 per distinct page.  Ids are in order of
first appearance, so loading needs no hashing: the replay kernels read ``ids``
as they are.  A compressed file is the same bytes in one zstd or gzip stream.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from ..errors import InvalidArgument

if TYPE_CHECKING:
    from .model import Trace

MAGIC = b"PWTRACE1"
HEADER = 32


def id_dtype(npages: int) -> np.dtype:
    """The narrowest unsigned type that holds ids ``0 .. npages-1``."""
    return np.dtype("<u1" if npages <= 1 << 8 else "<u2" if npages <= 1 << 16 else "<u4")


def _header(trace: Trace) -> bytes:
    width = id_dtype(trace.n_pages).itemsize
    return MAGIC + np.array([len(trace), trace.n_pages, width], "<u8").tobytes()


def _chunks(trace: Trace):
    yield _header(trace)
    yield trace.table.astype("<u8", copy=False).tobytes()
    yield trace.ids.astype(id_dtype(trace.n_pages), copy=False).tobytes()
    packed = trace._packed
    yield (packed if packed is not None else np.packbits(trace.writes, bitorder="little")).tobytes()


def compression(path: Path, compress: str | bool | None) -> str | bool:
    """``compress`` resolved: None chooses by suffix (``.zst``/``.zstd``, ``.gz``)."""
    if compress is None:
        compress = {".zst": "zstd", ".zstd": "zstd", ".gz": "gzip"}.get(path.suffix, False)
    elif compress is True:
        compress = "zstd"
    if compress not in (False, "zstd", "gzip"):
        raise InvalidArgument(f"save: compress={compress!r}; write None (by suffix), False, "
                              "True, 'zstd' or 'gzip'")
    return compress


def open_writer(path: Path, compress: str | bool) -> BinaryIO:
    """A binary file to write at ``path``, compressed as ``compress`` says."""
    if compress == "zstd":
        import zstandard
        return zstandard.ZstdCompressor(level=3, threads=-1).stream_writer(
            open(path, "wb"), closefd=True)
    if compress == "gzip":
        return gzip.open(path, "wb", compresslevel=6)  # type: ignore[return-value]
    return open(path, "wb")


def write_binary(trace: Trace, path: str | os.PathLike, compress: str | bool | None = None) -> Path:
    """Write ``trace`` to ``path``; see the module docstring for the format."""
    path = Path(path)
    with open_writer(path, compression(path, compress)) as f:
        for part in _chunks(trace):
            f.write(part)
    return path


def parse_binary(data: memoryview | bytes, name: str) -> Trace:
    """A trace from the bytes of a (decompressed) compact binary file."""
    from .model import Trace

    buf = memoryview(data)
    if len(buf) < HEADER or bytes(buf[:8]) != MAGIC:
        raise ValueError(f"{name}: not a pagewalk binary trace (expected the magic {MAGIC!r})")
    n, npages, width = np.frombuffer(buf[8:HEADER], "<u8").tolist()
    if width not in (1, 2, 4):
        raise ValueError(f"{name}: corrupt pagewalk binary trace: id width {width} "
                         "(expected 1, 2 or 4)")
    need = HEADER + 8 * npages + width * n + (n + 7) // 8
    if len(buf) != need:
        raise ValueError(f"{name}: truncated or corrupt pagewalk binary trace: header says "
                         f"{n} accesses over {npages} pages ({need} bytes), file has {len(buf)}")
    off = HEADER
    table = np.frombuffer(buf, "<u8", npages, off)
    off += 8 * npages
    ids = np.frombuffer(buf, f"<u{width}", n, off)
    off += width * n
    packed = np.frombuffer(buf, np.uint8, (n + 7) // 8, off)
    if n and int(ids.max()) >= npages:
        raise ValueError(f"{name}: corrupt pagewalk binary trace: a page id is >= {npages}")
    return Trace._from_packed(ids, table, packed, source=name)


def read_binary_file(path: str | os.PathLike) -> Trace:
    """Read an uncompressed binary trace with one read into aligned memory."""
    size = os.path.getsize(path)
    buf = np.empty(size, np.uint8)
    with open(path, "rb", buffering=0) as f:
        got = f.readinto(memoryview(buf))
    return parse_binary(memoryview(buf)[:got], str(path))
