"""``load_trace``: read a trace file of any supported format.

Formats (``format=``): ``"lackey"`` (valgrind lackey output), ``"text"`` (plain
``R``/``W`` + address lines, or one address per line), ``"binary"`` (pagewalk's
compact format, :mod:`.binfmt`), ``"numpy"`` (``.npy``: a 1-D integer array of
byte addresses, or a structured array with an ``addr`` or ``page`` field and an
optional ``write`` field; ``.npz``: arrays ``pages`` or ``addresses``, and an
optional ``writes``), ``"pages"`` (page numbers, not addresses: a textbook
reference string such as ``1 2 3 4 1 2 5``; see :mod:`.refstring`),
``"oracleGeneral"`` and ``"csv"`` (libCacheSim's formats, see
:mod:`.libcachesim_formats`; their object ids are page numbers), or
``"auto"`` (by content, and by name for libCacheSim's: a name containing
``oracleGeneral``, or ending in ``.csv``).  gzip and zstd compression is
recognised by its magic bytes and undone on the fly.

A plain text trace whose every address lies in page 0 was almost certainly
meant as page numbers: it is read as addresses (that is what the format
says) with a :class:`~pagewalk.errors.PagewalkWarning` pointing at
``format="pages"``.  A lackey log whose last line is cut short (the program
was killed mid-write) loses that line, with a warning, not the whole trace.

Text is parsed by compiled code in chunks of a few MiB, so memory stays
proportional to the trace, not to the text; a progress bar (rich, on stderr)
is shown when stderr is a terminal or ``progress=True``.
"""

from __future__ import annotations

import io
import os
import re
import sys
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import InvalidArgument, PagewalkWarning
from . import binfmt, libcachesim_formats, refstring
from .decompress import DecompressedStream
from .model import PageIds, Trace, narrow_ids
from .textstream import iter_accesses

FORMATS = ("auto", "lackey", "text", "binary", "numpy", "pages", "oracleGeneral", "csv")
_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"
_NPY = b"\x93NUMPY"
_ZIP = b"PK\x03\x04"
_LACKEY_RE = re.compile(rb"^\s*[ILSM]\s+[0-9a-fA-F]+,\d+\s*$")


# Formats read whole into memory before parsing; compressed, they may decompress to at
# most MAX_DECOMPRESSED bytes.
MAX_DECOMPRESSED = 512 << 20
WHOLE_KINDS = ("binary", "numpy", "pages", "oracleGeneral", "csv")


def _open(path: Path, raw: BinaryIO) -> BinaryIO:
    """The decompressed stream of ``raw`` (gzip/zstd by magic bytes), read in chunks,
    refusing truncated or corrupt data (trace/decompress.py)."""
    magic = raw.peek(4)[:4]  # type: ignore[attr-defined]
    if magic[:2] == _GZIP:
        return DecompressedStream(raw, "gzip", str(path))  # type: ignore[return-value]
    if magic == _ZSTD:
        return DecompressedStream(raw, "zstd", str(path))  # type: ignore[return-value]
    return raw


def _by_name(path: Path) -> str | None:
    """libCacheSim's formats cannot be told by content: by name."""
    name = path.name.lower()
    for suffix in (".gz", ".zst", ".zstd"):
        name = name.removesuffix(suffix)
    if "oraclegeneral" in name:
        return "oracleGeneral"
    if name.endswith(".csv"):
        return "csv"
    return None


def _sniff(head: bytes) -> str:
    if head.startswith(binfmt.MAGIC):
        return "binary"
    if head.startswith(_NPY) or head.startswith(_ZIP):
        return "numpy"
    for line in head.splitlines()[:50]:
        s = line.strip()
        if not s or s.startswith(b"==") or s.startswith(b"#"):
            continue
        return "lackey" if _LACKEY_RE.match(line) else "text"
    return "text"


def load_trace(path: str | os.PathLike, format: str = "auto", *,
               progress: bool | None = None) -> Trace:
    """Read the trace at ``path``; see the module docstring for the formats.

    Raises ``InvalidArgument`` for an unknown ``format``, ``FileNotFoundError``
    for a missing file, and ``ValueError`` naming the file, the line number and
    what was expected for a malformed one.
    """
    if format not in FORMATS:
        raise InvalidArgument(f"load_trace: format={format!r}; write one of "
                              + ", ".join(repr(f) for f in FORMATS))
    path = Path(path)
    if not path.exists() or path.is_dir():
        raise FileNotFoundError(f"{path}: no such trace file")
    if not path.is_file():
        raise ValueError(f"{path}: not a regular file (a FIFO, a device?); save the trace "
                         "to a file first")
    with ExitStack() as stack:
        raw = stack.enter_context(open(path, "rb"))
        stream = _open(path, raw)
        if stream is not raw:
            stack.enter_context(stream)
        head = stream.read(1 << 16) if stream is not raw else raw.read(1 << 16)
        kind = (_by_name(path) or _sniff(head)) if format == "auto" else format
        if kind in WHOLE_KINDS and stream is not raw:
            stream.limit = MAX_DECOMPRESSED  # type: ignore[attr-defined]
        if kind in ("pages", "oracleGeneral", "csv"):
            return _load_whole(kind, head + stream.read(), str(path))
        if kind == "binary":
            if stream is raw:
                return binfmt.read_binary_file(path)
            return binfmt.parse_binary(head + stream.read(), str(path))
        if kind == "numpy":
            data = path if stream is raw else io.BytesIO(head + stream.read())
            return _load_numpy(data, str(path))
        show = sys.stderr.isatty() if progress is None else progress
        return _parse_stream(stream, raw, head, kind, path, show)
    raise AssertionError("unreachable")  # pragma: no cover


def _load_whole(kind: str, data: bytes, name: str) -> Trace:
    """The formats read in one piece: page numbers and libCacheSim's."""
    if kind == "oracleGeneral":
        pages, writes = libcachesim_formats.parse_oracle_general(data, name)
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{name}: not a text file (byte {exc.start} is not UTF-8); "
                             f"give --format for a binary trace") from None
        parse = refstring.parse_pages if kind == "pages" else libcachesim_formats.parse_csv
        pages, writes = parse(text, name)
    return Trace.from_pages(pages, writes, source=name)


def _load_numpy(data: io.BytesIO | Path, name: str) -> Trace:
    try:
        return _load_numpy_arrays(data, name)
    except ValueError:
        raise
    except Exception as exc:                 # BadZipFile, a truncated member, zlib.error ...
        raise ValueError(f"{name}: not a readable .npy/.npz file ({exc})") from None


def _load_numpy_arrays(data: io.BytesIO | Path, name: str) -> Trace:
    obj = np.load(data, allow_pickle=False)
    if isinstance(obj, np.lib.npyio.NpzFile):
        with obj:
            keys = set(obj.files)
            writes = obj["writes"] if "writes" in keys else None
            if "pages" in keys:
                return Trace.from_pages(obj["pages"], writes, source=name)
            if "addresses" in keys:
                return Trace.from_addresses(obj["addresses"], writes, source=name)
            raise ValueError(f"{name}: expected an array 'pages' or 'addresses' in the .npz, "
                             f"found {sorted(keys)}")
    arr = obj
    if arr.dtype.names:
        writes = arr["write"] if "write" in arr.dtype.names else None
        if "page" in arr.dtype.names:
            return Trace.from_pages(arr["page"], writes, source=name)
        if "addr" in arr.dtype.names:
            return Trace.from_addresses(arr["addr"], writes, source=name)
        raise ValueError(f"{name}: expected a field 'addr' or 'page' in the structured array, "
                         f"found {list(arr.dtype.names)}")
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name}: expected a 1-D integer array of byte addresses, "
                         f"found shape {arr.shape} dtype {arr.dtype}")
    return Trace.from_addresses(arr, source=name)


def _progress(show: bool, total: int | None, name: str):
    if not show:
        return None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )
    prog = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=True)
    prog.start()
    prog.add_task(f"reading {name}", total=total)
    return prog


def _parse_stream(stream: BinaryIO, raw: BinaryIO, head: bytes, kind: str, path: Path,
                  show: bool) -> Trace:
    mapper = PageIds()
    id_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    seekable = raw.seekable()
    done = 0
    prog = _progress(show, os.path.getsize(path) if path.is_file() else None, path.name)

    def advance(data: memoryview) -> None:
        nonlocal done
        done += len(data)
        if prog is not None:
            prog.update(prog.task_ids[0], completed=raw.tell() if seekable else done)

    try:
        for pages, writes in iter_accesses(stream, head, kind, str(path), advance):
            # each part in the narrowest type that holds the ids so far (ids only
            # grow): no uint32 array of the whole trace
            id_parts.append(narrow_ids(mapper.map(pages), mapper.n))
            w_parts.append(writes.copy())  # a view iter_accesses reuses
    finally:
        if prog is not None:
            prog.stop()
    dtype = narrow_ids(np.empty(0, np.uint32), mapper.n).dtype
    ids = np.concatenate(id_parts, dtype=dtype, casting="same_kind") if id_parts else \
        np.empty(0, dtype)
    w = np.concatenate(w_parts) if w_parts else np.empty(0, np.bool_)
    id_parts.clear()
    w_parts.clear()
    if kind == "text" and ids.size > 1 and mapper.n == 1 and int(mapper.pages()[0]) == 0:
        warnings.warn(f"{path}: every address lies in page 0 (bytes 0-4095); if these are "
                      f"page numbers (a reference string), read them with --format pages "
                      f"(format=\"pages\")", PagewalkWarning, stacklevel=4)
    return Trace(ids, mapper.pages(), w, source=str(path))
