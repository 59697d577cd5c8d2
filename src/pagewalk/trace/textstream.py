"""Text traces as a stream of page accesses, in bounded memory.

:func:`iter_accesses` reads a lackey log or a plain text trace from a binary
stream in blocks of :data:`CHUNK` bytes, cuts each block after its last
newline, runs the compiled parser (:mod:`.parse`) over it and yields
``(pages, writes)`` arrays (``uint64`` page numbers, ``bool``), one pair per
parser call, copies the caller may keep.  Memory is a few blocks whatever the
length of the stream, so a caller that writes the pairs away (``record``'s
spool) stays bounded, and one that keeps them (``load_trace``) holds only the
arrays.

A malformed line raises ``ValueError`` naming the file, the line number, what
was expected and the line.  A lackey log whose *last* line is cut short (no
newline follows it: the program was killed mid-write) loses that line with a
:class:`~pagewalk.errors.PagewalkWarning` instead.  ``on_block(data)`` is
called with each block after it is parsed (progress, and record's scan for
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
                  on_block: Callable[[bytes], None] | None = None,
                  ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Page accesses of the text trace ``head`` + ``stream`` (``kind``: "lackey"
    or "text"); see the module docstring."""
    parser = parse_lackey if kind == "lackey" else parse_text
    shift = np.uint64(PAGE_SHIFT)
    cap = CHUNK // 2 + 64
    pages = np.empty(cap, np.uint64)
    writes = np.empty(cap, np.bool_)
    line_base = 0
    carry = head
    eof = False
    while not eof or carry:
        block = stream.read(CHUNK)
        eof = not block
        data = carry + block if carry else block
        if not eof:
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) > MAX_LINE:
                    raise ValueError(f"{name}:{line_base + 1}: a line longer than {MAX_LINE} "
                                     "bytes; is this a trace file?")
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
                yield pages[:k].copy(), writes[:k].copy()
            if status > 0:
                lineno = line_base + lines + 1
                if eof and kind == "lackey" and data.find(b"\n", pos + used) < 0:
                    warnings.warn(f"{name}:{lineno}: the last line is cut short (was the "
                                  f"program killed?); skipped it", PagewalkWarning,
                                  stacklevel=2)
                    break
                _malformed(name, data, pos + used, lineno, status)
            line_base += lines
            pos += used
            if status == NEED_SPACE and k == 0:  # one line touching more pages than cap
                if pages.size >= MAX_LINE_PAGES:
                    end = data.find(b"\n", pos)
                    line = data[pos: end if end >= 0 else len(data)][:80]
                    raise ValueError(f"{name}:{line_base + 1}: expected an access of at most "
                                     f"{pages.size} pages; found "
                                     f"{line.decode('utf-8', 'replace').rstrip()!r}")
                pages = np.empty(pages.size * 2, np.uint64)
                writes = np.empty(pages.size, np.bool_)
        if on_block is not None:
            on_block(data)


def _malformed(name: str, data: bytes, start: int, lineno: int, status: int) -> None:
    end = data.find(b"\n", start)
    line = data[start: end if end >= 0 else len(data)][:80].decode("utf-8", "replace")
    hint = ""
    if re.fullmatch(r"[\d\s,]+", line.strip()):
        hint = " (page numbers, a reference string? read them with --format pages)"
    raise ValueError(f"{name}:{lineno}: {EXPECTED[status]}; found {line.rstrip()!r}{hint}")
