"""``load_trace``: read a trace file of any supported format.

Formats (``format=``): ``"lackey"`` (valgrind lackey output), ``"text"`` (plain
``R``/``W`` + address lines, or one address per line), ``"binary"`` (pagewalk's
compact format, :mod:`.binfmt`), ``"numpy"`` (``.npy``: a 1-D integer array of
byte addresses, or a structured array with an ``addr`` or ``page`` field and an
optional ``write`` field; ``.npz``: arrays ``pages`` or ``addresses``, and an
optional ``writes``), or ``"auto"`` (by content).  gzip and zstd compression
is recognised by its magic bytes and undone on the fly.

Text is parsed by compiled code in chunks of a few MiB, so memory stays
proportional to the trace, not to the text; a progress bar (rich, on stderr)
is shown when stderr is a terminal or ``progress=True``.
"""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import InvalidArgument
from ..units import PAGE_SHIFT
from . import binfmt
from .decompress import DecompressedStream
from .model import PageIds, Trace, narrow_ids
from .parse import EXPECTED, NEED_SPACE, parse_lackey, parse_text

FORMATS = ("auto", "lackey", "text", "binary", "numpy")
CHUNK = 8 << 20
_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"
_NPY = b"\x93NUMPY"
_ZIP = b"PK\x03\x04"
_LACKEY_RE = re.compile(rb"^\s*[ILSM]\s+[0-9a-fA-F]+,\d+\s*$")


# Formats that are parsed whole in memory (binary, .npy/.npz) may decompress to at most this.
MAX_DECOMPRESSED = 512 << 20
# A text or lackey line longer than this is not a trace line (/dev/zero, NUL-only data).
MAX_LINE = 1 << 16


def _open(path: Path, raw: BinaryIO) -> BinaryIO:
    """The decompressed stream of ``raw`` (gzip/zstd by magic bytes), read in chunks,
    refusing truncated or corrupt data (trace/decompress.py)."""
    magic = raw.peek(4)[:4]  # type: ignore[attr-defined]
    if magic[:2] == _GZIP:
        return DecompressedStream(raw, "gzip", str(path))  # type: ignore[return-value]
    if magic == _ZSTD:
        return DecompressedStream(raw, "zstd", str(path))  # type: ignore[return-value]
    return raw


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
        kind = _sniff(head) if format == "auto" else format
        if kind in ("binary", "numpy") and stream is not raw:
            stream.limit = MAX_DECOMPRESSED  # type: ignore[attr-defined]
        if kind == "binary":
            if stream is raw and path.is_file():
                return binfmt.read_binary_file(path)
            return binfmt.parse_binary(head + stream.read(), str(path))
        if kind == "numpy":
            data = path if stream is raw and path.is_file() else io.BytesIO(head + stream.read())
            return _load_numpy(data, str(path))
        show = sys.stderr.isatty() if progress is None else progress
        return _parse_stream(stream, raw, head, kind, path, show)
    raise AssertionError("unreachable")  # pragma: no cover


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


MAX_LINE_PAGES = 1 << 20        # one access may touch at most 4 GiB
MALFORMED_SIZE = "size"


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
    parser = parse_lackey if kind == "lackey" else parse_text
    shift = np.uint64(PAGE_SHIFT)
    cap = CHUNK // 2 + 64
    pages = np.empty(cap, np.uint64)
    writes = np.empty(cap, np.bool_)
    mapper = PageIds()
    id_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    line_base = 0
    carry = head
    seekable = raw.seekable()
    done = 0
    prog = _progress(show, os.path.getsize(path) if path.is_file() else None, path.name)
    try:
        eof = False
        while not eof or carry:
            block = stream.read(CHUNK)
            eof = not block
            data = carry + block if carry else block
            if not eof:
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    if len(data) > MAX_LINE:
                        raise ValueError(f"{path}:{line_base + 1}: a line longer than "
                                         f"{MAX_LINE} bytes; is this a trace file?")
                    carry = data
                    continue
                data, carry = data[:cut], data[cut:]
            else:
                carry = b""
            buf = np.frombuffer(data, np.uint8)
            pos = 0
            while pos < buf.size:
                status, used, k, lines = parser(buf[pos:], pages, writes, shift)
                if k:
                    id_parts.append(mapper.map(pages[:k]))
                    w_parts.append(writes[:k].copy())
                if status > 0:
                    _malformed(path, data, pos + used, line_base + lines + 1, status)
                line_base += lines
                pos += used
                if status == NEED_SPACE and k == 0:  # one line touching more pages than cap
                    if pages.size >= MAX_LINE_PAGES:
                        _malformed(path, data, pos, line_base + 1, MALFORMED_SIZE)
                    pages = np.empty(pages.size * 2, np.uint64)
                    writes = np.empty(pages.size, np.bool_)
            if prog is not None:
                done += len(data)
                prog.update(prog.task_ids[0], completed=raw.tell() if seekable else done)
    finally:
        if prog is not None:
            prog.stop()
    ids = np.concatenate(id_parts) if id_parts else np.empty(0, np.uint32)
    w = np.concatenate(w_parts) if w_parts else np.empty(0, np.bool_)
    return Trace(narrow_ids(ids, mapper.n), mapper.pages(), w, source=str(path))


def _malformed(path: Path, data: bytes, start: int, lineno: int, status) -> None:
    end = data.find(b"\n", start)
    line = data[start: end if end >= 0 else len(data)][:80].decode("utf-8", "replace")
    expected = (f"an access of at most {MAX_LINE_PAGES} pages"
                if status == MALFORMED_SIZE else EXPECTED[status])
    raise ValueError(f"{path}:{lineno}: {expected}; found {line.rstrip()!r}")
