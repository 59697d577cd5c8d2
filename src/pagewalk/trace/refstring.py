"""Reference strings: the page-number traces of operating-systems textbooks.

A teacher writes ``1 2 3 4 1 2 5 1 2 3 4 5`` (Belady's string) and means page
numbers, not byte addresses.  This module reads and writes such strings and
generates random ones the way OSTEP's ``paging-policy.py`` does, so a
question handed out with ``-s SEED -n N`` can be checked against the book's
own tool.

Contract:

* :func:`parse_page_list` turns ``"1,2,3"`` or ``"1 2 3"`` into ints (one
  ``InvalidArgument`` naming the bad item otherwise);
* :func:`parse_pages` reads a page-number file's text (numbers separated by
  spaces, commas or newlines; ``#`` starts a comment; an optional ``R``/``W``
  before a number marks a read or a write) into pages and write flags,
  raising ``ValueError`` with the file and line of a bad token;
* :func:`ostep_references` is exactly OSTEP's generator: ``random.seed(seed)``
  then ``int(max_page * random.random())`` ``n`` times;
* :func:`format_pages` writes pages back in the form :func:`parse_pages` reads.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

import numpy as np

from ..errors import InvalidArgument

_SPLIT = re.compile(r"[\s,]+")


def parse_page_list(text: str, what: str = "--pages") -> list[int]:
    """Page numbers from ``"1,2,3"`` or ``"1 2 3"`` (decimal, or 0x hex)."""
    items = [t for t in _SPLIT.split(text.strip()) if t]
    if not items:
        raise InvalidArgument(f"{what}: no page numbers; write them like 1,2,3,4,1,2,5")
    out = []
    for item in items:
        try:
            value = int(item, 0)
        except ValueError:
            raise InvalidArgument(f"{what}: {item!r} is not a page number; write "
                                  f"non-negative integers like 1,2,3,4,1,2,5") from None
        if value < 0:
            raise InvalidArgument(f"{what}: {item!r} is negative; page numbers are >= 0")
        out.append(value)
    return out


def parse_pages(text: str, name: str = "<pages>") -> tuple[np.ndarray, np.ndarray]:
    """Pages (``uint64``) and write flags (``bool``) from a page-number text."""
    pages: list[int] = []
    writes: list[bool] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0]
        pending_write: bool | None = None
        for token in (t for t in _SPLIT.split(body) if t):
            upper = token.upper()
            if upper in ("R", "W"):
                if pending_write is not None:
                    raise ValueError(f"{name}:{lineno}: expected a page number after "
                                     f"{'W' if pending_write else 'R'}; found {token!r}")
                pending_write = upper == "W"
                continue
            if upper[:1] in ("R", "W") and upper[1:].isdigit():  # W5
                pending_write, token = upper[0] == "W", token[1:]
            try:
                value = int(token, 0)
            except ValueError:
                raise ValueError(f"{name}:{lineno}: expected a page number (decimal or 0x hex, "
                                 f"optionally after R or W); found {token!r}") from None
            if value < 0 or value >= 1 << 52:
                raise ValueError(f"{name}:{lineno}: page number {token} is out of range "
                                 f"(0 <= page < 2**52)")
            pages.append(value)
            writes.append(bool(pending_write))
            pending_write = None
        if pending_write is not None:
            raise ValueError(f"{name}:{lineno}: expected a page number after "
                             f"{'W' if pending_write else 'R'} on the same line")
    return np.asarray(pages, np.uint64), np.asarray(writes, np.bool_)


def ostep_references(seed: int, n: int, max_page: int = 10) -> list[int]:
    """``n`` random page numbers below ``max_page``, as OSTEP's ``paging-policy.py
    -s SEED -n N -m MAXPAGE`` generates them (``random.seed``, then
    ``int(maxpage * random.random())``)."""
    if n < 1:
        raise InvalidArgument(f"-n/--num-refs {n}; write an int >= 1")
    if max_page < 1:
        raise InvalidArgument(f"--max-page {max_page}; write an int >= 1")
    rng = random.Random(seed)
    return [int(max_page * rng.random()) for _ in range(n)]


def format_pages(pages: Iterable[int], writes: Iterable[bool] | None = None) -> str:
    """One page per line (``W`` before a written one), readable by :func:`parse_pages`."""
    ws = writes if writes is not None else (False for _ in iter(int, 1))
    return "".join(f"{'W ' if w else ''}{int(p)}\n" for p, w in zip(pages, ws, strict=False))
