"""Sizes as users write them: ints (bytes) or strings such as "64MiB", "4k", "1000p".

``parse_size`` is the one parser every public entry point uses, so every size in
pagewalk is spelled the same way and refused with the same message.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .errors import InvalidArgument

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT

_UNITS = {
    "": 1, "b": 1,
    "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
    "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20,
    "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30,
    "t": 1 << 40, "tb": 1 << 40, "tib": 1 << 40,
    "p": PAGE_SIZE, "page": PAGE_SIZE, "pages": PAGE_SIZE,
}
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")

SIZE_HELP = ('an int (bytes) or a string like "64MiB", "4k", "2G" or "1000p" (pages); '
             "units: B, K/KiB, M/MiB, G/GiB, T/TiB (powers of two), p (4 KiB pages)")


def parse_size(value: int | str, what: str = "size", *, allow_zero: bool = True) -> int:
    """Return ``value`` in bytes; raise ``InvalidArgument`` naming ``what`` if it
    does not parse, is negative, or is zero when ``allow_zero`` is False."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{what}: {value!r} is not a size; write {SIZE_HELP}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str):
        m = _SIZE_RE.match(value)
        unit = m.group(2).lower() if m else None
        if not m or unit not in _UNITS:
            raise InvalidArgument(f"{what}: {value!r} does not parse; write {SIZE_HELP}")
        if len(m.group(1)) > 40:
            raise InvalidArgument(f"{what}: {value[:20]!r}... has too many digits; "
                                  f"write {SIZE_HELP}")
        exact = Fraction(m.group(1)) * _UNITS[unit]
        if exact.denominator != 1:
            raise InvalidArgument(f"{what}: {value!r} is not a whole number of bytes")
        n = int(exact)
    else:
        raise InvalidArgument(f"{what}: {value!r} is not a size; write {SIZE_HELP}")
    if n < 0:
        raise InvalidArgument(f"{what}: {value!r} is negative; sizes are >= 0")
    if n == 0 and not allow_zero:
        raise InvalidArgument(f"{what}: must be greater than zero")
    return n


def format_size(n: int) -> str:
    """Bytes as the shortest exact binary unit: 4096 -> "4KiB", 3 -> "3B"."""
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return f"{n}B"
