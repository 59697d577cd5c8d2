"""Compiled parsers for the text trace formats.

Both parsers take a ``uint8`` buffer that holds whole lines (the caller cuts
the stream after its last newline) and write one entry per page access into
``pages``/``writes``.  They return ``(status, pos, nout, lines)``: ``status`` is
0 when the buffer was consumed, :data:`NEED_SPACE` when the output arrays are
full (``pos`` is then the first byte not consumed), or an error code (``pos``
is the start of the bad line, ``lines`` the number of lines before it).  The
Python side (:mod:`pagewalk.trace.io`) turns error codes into messages naming
the file, the line number and what was expected; nothing here raises.

Lackey lines (``valgrind --tool=lackey --trace-mem=yes``)::

    I  04022a80,3        instruction fetch: read
     L 1ffefffd58,8      load: read
     S 1ffefffd50,8      store: write
     M 0403f2d0,4        modify (load + store): one access, write
    ==12345== ...        valgrind's own messages: skipped

Each record is one access per 4 KiB page it touches (a record that straddles
a page boundary is two accesses).  Blank lines are skipped.

Plain text lines: an optional ``R``/``W`` (either case) and a space, then a
byte address, ``0x``-prefixed hex or decimal; ``#`` starts a comment; blank
lines are skipped.  One access to the address's page per line.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NEED_SPACE = -1

LACKEY_BAD_OP = 1
LACKEY_BAD_ADDR = 2
LACKEY_BAD_COMMA = 3
LACKEY_BAD_SIZE = 4
LACKEY_TRAILING = 5
TEXT_BAD_OP = 11
TEXT_BAD_ADDR = 12
TEXT_TRAILING = 13
TEXT_TOO_BIG = 14

EXPECTED = {
    LACKEY_BAD_OP: "expected a lackey record: 'I', 'L', 'S' or 'M', a space, then "
                   "'hexaddr,size' (or a '==PID==' line)",
    LACKEY_BAD_ADDR: "expected a hexadecimal address of 1 to 16 digits after the record type",
    LACKEY_BAD_COMMA: "expected ',' and a size after the address",
    LACKEY_BAD_SIZE: "expected a decimal size after ','",
    LACKEY_TRAILING: "expected the end of the line after 'hexaddr,size'",
    TEXT_BAD_OP: "expected 'R' or 'W' followed by a space, or an address",
    TEXT_BAD_ADDR: "expected an address: 0x-prefixed hexadecimal or decimal",
    TEXT_TRAILING: "expected the end of the line (or a '#' comment) after the address",
    TEXT_TOO_BIG: "expected an address that fits in 64 bits",
}

_NL = 10
_CR = 13
_SP = 32
_TAB = 9


@njit(cache=True, inline="always")
def _hexval(c):
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


@njit(cache=True, inline="always")
def _skip_line(buf, i, n):
    while i < n and buf[i] != _NL:
        i += 1
    return i + 1


# Each byte's value as a hexadecimal digit, 255 for a byte that is not one: one
# load per digit instead of three range tests.
_HEX = np.full(256, 255, np.uint8)
_HEX[48:58] = np.arange(10)
_HEX[97:103] = np.arange(10, 16)
_HEX[65:71] = np.arange(10, 16)


@njit(cache=True)
def parse_lackey(buf, pages, writes, page_shift):
    n = buf.size
    cap = pages.size
    i = 0
    k = 0
    lines = 0
    while i < n:
        start = i
        # The fast path: lackey's own layout exactly, "I  " or " L "/" S "/" M ", hex
        # digits, ',', decimal digits, '\n'.  Any other line (or a line it cannot
        # finish) falls through to the general parser below from ``start``, which
        # accepts everything this accepts with the same result, and more.
        if i + 3 < n and buf[i + 2] == _SP:
            c0 = buf[i]
            c1 = buf[i + 1]
            fast = True
            w = False
            if c0 == 73:  # 'I'
                fast = c1 == _SP
            elif c0 == _SP:
                if c1 == 83 or c1 == 77:  # S, M
                    w = True
                elif c1 != 76:  # L
                    fast = False
            else:
                fast = False
            if fast and i + 12 < n:
                j = i + 3
                # lackey prints at least 8 digits (%08lx): those 8 without a branch each
                h0 = _HEX[buf[j]]
                h1 = _HEX[buf[j + 1]]
                h2 = _HEX[buf[j + 2]]
                h3 = _HEX[buf[j + 3]]
                h4 = _HEX[buf[j + 4]]
                h5 = _HEX[buf[j + 5]]
                h6 = _HEX[buf[j + 6]]
                h7 = _HEX[buf[j + 7]]
                nd = 0
                addr = np.uint64(0)
                if (h0 | h1 | h2 | h3 | h4 | h5 | h6 | h7) < 16:
                    addr = ((np.uint64(h0) << np.uint64(28)) | (np.uint64(h1) << np.uint64(24))
                            | (np.uint64(h2) << np.uint64(20)) | (np.uint64(h3) << np.uint64(16))
                            | (np.uint64(h4) << np.uint64(12)) | (np.uint64(h5) << np.uint64(8))
                            | (np.uint64(h6) << np.uint64(4)) | np.uint64(h7))
                    j += 8
                    while j < n:
                        h = _HEX[buf[j]]
                        if h > 15:
                            break
                        addr = (addr << np.uint64(4)) | np.uint64(h)
                        j += 1
                    nd = j - (i + 3)
                if 0 < nd <= 16 and j < n and buf[j] == 44:
                    j += 1
                    d0 = j
                    size = np.uint64(0)
                    while j < n:
                        d = np.uint64(buf[j]) - np.uint64(48)
                        if d > np.uint64(9):
                            break
                        size = size * np.uint64(10) + d
                        j += 1
                    if 0 < j - d0 <= 19 and j < n and buf[j] == _NL:
                        if size == 0:
                            size = np.uint64(1)
                        first = addr >> page_shift
                        last = (addr + size - np.uint64(1)) >> page_shift
                        if last == first:
                            if k >= cap:
                                return NEED_SPACE, start, k, lines
                            pages[k] = first
                            writes[k] = w
                            k += 1
                            lines += 1
                            i = j + 1
                            continue
        while i < n and (buf[i] == _SP or buf[i] == _TAB):
            i += 1
        if i >= n:
            break
        c = buf[i]
        if c in (_NL, _CR):
            i = _skip_line(buf, i, n)
            lines += 1
            continue
        if c == 61:  # '=': a valgrind message line
            i = _skip_line(buf, i, n)
            lines += 1
            continue
        if c == 73 or c == 76:  # I, L
            w = False
        elif c == 83 or c == 77:  # S, M
            w = True
        else:
            return LACKEY_BAD_OP, start, k, lines
        i += 1
        if i >= n or (buf[i] != _SP and buf[i] != _TAB):
            return LACKEY_BAD_OP, start, k, lines
        while i < n and (buf[i] == _SP or buf[i] == _TAB):
            i += 1
        addr = np.uint64(0)
        nd = 0
        while i < n:
            h = _hexval(buf[i])
            if h < 0:
                break
            addr = (addr << np.uint64(4)) | np.uint64(h)
            nd += 1
            i += 1
        if nd == 0 or nd > 16:
            return LACKEY_BAD_ADDR, start, k, lines
        if i >= n or buf[i] != 44:  # ','
            return LACKEY_BAD_COMMA, start, k, lines
        i += 1
        size = np.uint64(0)
        nd = 0
        while i < n and 48 <= buf[i] <= 57:
            size = size * np.uint64(10) + np.uint64(buf[i] - 48)
            nd += 1
            i += 1
        if nd == 0 or nd > 19:
            return LACKEY_BAD_SIZE, start, k, lines
        while i < n and (buf[i] == _SP or buf[i] == _TAB or buf[i] == _CR):
            i += 1
        if i < n and buf[i] != _NL:
            return LACKEY_TRAILING, start, k, lines
        i += 1
        if size == 0:
            size = np.uint64(1)
        first = addr >> page_shift
        last = (addr + size - np.uint64(1)) >> page_shift
        if last < first:  # wrapped around the top of the address space
            last = first
        if k + np.int64(last - first) + 1 > cap:
            return NEED_SPACE, start, k, lines
        pg = first
        while True:
            pages[k] = pg
            writes[k] = w
            k += 1
            if pg == last:
                break
            pg += np.uint64(1)
        lines += 1
    return 0, n, k, lines


@njit(cache=True)
def parse_text(buf, pages, writes, page_shift):
    n = buf.size
    cap = pages.size
    i = 0
    k = 0
    lines = 0
    while i < n:
        start = i
        while i < n and (buf[i] == _SP or buf[i] == _TAB):
            i += 1
        if i >= n:
            break
        c = buf[i]
        if c in (_NL, _CR, 35):  # blank or a comment
            i = _skip_line(buf, i, n)
            lines += 1
            continue
        w = False
        if c == 82 or c == 114 or c == 87 or c == 119:  # R r W w
            w = c == 87 or c == 119
            i += 1
            if i >= n or (buf[i] != _SP and buf[i] != _TAB):
                return TEXT_BAD_OP, start, k, lines
            while i < n and (buf[i] == _SP or buf[i] == _TAB):
                i += 1
        elif not (48 <= c <= 57):
            return TEXT_BAD_OP, start, k, lines
        addr = np.uint64(0)
        nd = 0
        if i + 1 < n and buf[i] == 48 and (buf[i + 1] == 120 or buf[i + 1] == 88):
            i += 2
            while i < n:
                h = _hexval(buf[i])
                if h < 0:
                    break
                addr = (addr << np.uint64(4)) | np.uint64(h)
                nd += 1
                i += 1
            if nd > 16:
                return TEXT_TOO_BIG, start, k, lines
        else:
            while i < n and 48 <= buf[i] <= 57:
                d = np.uint64(buf[i] - 48)
                if addr > np.uint64(1844674407370955161) or (
                        addr == np.uint64(1844674407370955161) and d > np.uint64(5)):
                    return TEXT_TOO_BIG, start, k, lines
                addr = addr * np.uint64(10) + d
                nd += 1
                i += 1
        if nd == 0:
            return TEXT_BAD_ADDR, start, k, lines
        while i < n and (buf[i] == _SP or buf[i] == _TAB or buf[i] == _CR):
            i += 1
        if i < n and buf[i] == 35:
            i = _skip_line(buf, i, n) - 1
        if i < n and buf[i] != _NL:
            return TEXT_TRAILING, start, k, lines
        i += 1
        if k >= cap:
            return NEED_SPACE, start, k, lines
        pages[k] = addr >> page_shift
        writes[k] = w
        k += 1
        lines += 1
    return 0, n, k, lines
