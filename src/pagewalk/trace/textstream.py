"""Text traces as a stream of page accesses, in bounded memory.

:func:`iter_accesses` reads a lackey log or a plain text trace from a binary
stream in blocks of :data:`CHUNK` bytes, cuts each block after its last
newline, runs the compiled parser (:mod:`.parse`) over it and yields
``(pages, writes)`` arrays (``uint64`` page numbers, ``bool``), one pair per
parser call.  The arrays are views into buffers the next pair reuses: a caller
that keeps them copies them.  Memory is a few blocks whatever the
length of the stream, so a caller that writes the pairs away (``record``'s
spool) stays bounded, and one that keeps them (``load_trace``) holds only the
arrays.

A malformed line raises ``ValueError`` naming the file, the line number, what
was expected and the line.  A lackey log whose *last* line is cut short (no
newline follows it: the program was killed mid-write) loses that line with a
:class:`~pagewalk.errors.PagewalkWarning` instead.  ``on_block(data)`` is
called with each block (a ``memoryview``, valid during the call) after it
is parsed (progress, and record's scan for
valgrind's own ``==PID==`` lines).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from typing import BinaryIO

import numpy as np

from ..errors import PagewalkWarning
from ..units import PAGE_SHIFT
from .parse import EXPECTED, NEED_SPACE, parse_lackey, parse_text

CHUNK = 8 << 20
# A line longer than this is not a trace line (/dev/zero, NUL-only data): refused
# instead of buffered without bound (issue 10).
MAX_LINE = 1 << 16
# One access may touch at most this many pages (lackey "L 0,1000000000000000" asks
# for 10^12); the output arrays grow to it, no further.
MAX_LINE_PAGES = 1 << 22


def iter_accesses(stream: BinaryIO, head: bytes, kind: str, name: str,
                  on_block: Callable[[memoryview], None] | None = None,
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Page accesses of the text trace ``head`` + ``stream`` (``kind``: "lackey"
    or "text"); see the module docstring."""
    parser = parse_lackey if kind == "lackey" else parse_text
    shift = np.uint64(PAGE_SHIFT)
    cap = CHUNK // 2 + 64
    pages = np.empty(cap, np.uint64)
    writes = np.empty(cap, np.bool_)
    line_base = 0
    # One buffer for the whole stream: the carried partial line at its front, the
    # next block read in after it (no bytes objects joined or sliced per block).
    buf = bytearray(len(head) + CHUNK)
    view = memoryview(buf)
    nc = len(head)  # bytes carried at the front of buf
    buf[:nc] = head
    eof = False
    while not eof or nc:
        if len(buf) < nc + CHUNK:  # a long partial line carried: room for a whole block
            grown = bytearray(nc + CHUNK)
            grown[:nc] = view[:nc]
            buf, view = grown, memoryview(grown)
        got = _read_into(stream, view[nc: nc + CHUNK])
        eof = got == 0
        end = nc + got
        if not eof:
            cut = buf.rfind(b"\n", 0, end) + 1
            if cut == 0:
                if end > MAX_LINE:
                    raise ValueError(f"{name}:{line_base + 1}: a line longer than {MAX_LINE} "
                                     "bytes; is this a trace file?")
                nc = end
                continue
        else:
            cut = end
        data = np.frombuffer(buf, np.uint8, count=cut)
        pos = 0
        while pos < cut:
            status, used, k, lines = parser(data[pos:], pages, writes, shift)
            if k:
                yield pages[:k], writes[:k]
            if status > 0:
                lineno = line_base + lines + 1
                if eof and kind == "lackey" and buf.find(b"\n", pos + used, cut) < 0:
                    warnings.warn(f"{name}:{lineno}: the last line is cut short (was the "
                                  f"program killed?); skipped it", PagewalkWarning,
                                  stacklevel=2)
                    break
                _malformed(name, bytes(view[pos + used: min(cut, pos + used + MAX_LINE)]),
                           0, lineno, status)
            line_base += lines
            pos += used
            if status == NEED_SPACE and k == 0:  # one line touching more pages than cap
                if pages.size >= MAX_LINE_PAGES:
                    stop = buf.find(b"\n", pos, cut)
                    line = bytes(view[pos: stop if stop >= 0 else cut][:80])
                    raise ValueError(f"{name}:{line_base + 1}: expected an access of at most "
                                     f"{pages.size} pages; found "
                                     f"{line.decode('utf-8', 'replace').rstrip()!r}")
                pages = np.empty(pages.size * 2, np.uint64)
                writes = np.empty(pages.size, np.bool_)
        if on_block is not None:
            on_block(view[:cut])
        del data
        nc = end - cut
        buf[:nc] = bytes(view[cut:end])  # the source may overlap the destination


def _read_into(stream: BinaryIO, into: memoryview) -> int:
    """Fill ``into`` from ``stream`` as its ``read``/``readinto`` would; 0 at the end."""
    readinto = getattr(stream, "readinto", None)
    if readinto is not None:
        return readinto(into) or 0
    block = stream.read(len(into))
    into[: len(block)] = block
    return len(block)


def _malformed(name: str, data: bytes, start: int, lineno: int, status: int) -> None:
    end = data.find(b"\n", start)
    line = data[start: end if end >= 0 else len(data)][:80].decode("utf-8", "replace")
    hint = ""
    if re.fullmatch(r"[\d\s,]+", line.strip()):
        hint = " (page numbers, a reference string? read them with --format pages)"
    raise ValueError(f"{name}:{lineno}: {EXPECTED[status]}; found {line.rstrip()!r}{hint}")
