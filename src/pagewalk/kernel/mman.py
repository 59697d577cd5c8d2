"""Arguments of the memory system calls as users write them (include/uapi/asm-generic/mman*.h).

``prot``: a string of letters "r", "w", "x" ("rw", "r-x", "" or "none" for
PROT_NONE) or the PROT_* int. ``flags``: names joined by "|" (or "," or "+"):
private, shared, anonymous, fixed, fixed_noreplace, populate, noreserve,
growsdown, stack, locked; or the MAP_* int. Anything else raises
InvalidArgument saying what is accepted.
"""

from __future__ import annotations

import re
from enum import IntFlag

from ..errors import InvalidArgument


class PROT(IntFlag):
    READ = 0x1
    WRITE = 0x2
    EXEC = 0x4


class MAP(IntFlag):
    SHARED = 0x01
    PRIVATE = 0x02
    SHARED_VALIDATE = 0x03
    FIXED = 0x10
    ANONYMOUS = 0x20
    GROWSDOWN = 0x100
    LOCKED = 0x2000
    NORESERVE = 0x4000
    POPULATE = 0x8000
    NONBLOCK = 0x10000
    STACK = 0x20000
    HUGETLB = 0x40000
    FIXED_NOREPLACE = 0x100000


_PROT_LETTERS = {"r": PROT.READ, "w": PROT.WRITE, "x": PROT.EXEC, "-": 0}
_MAP_NAMES = {
    "private": MAP.PRIVATE, "shared": MAP.SHARED, "anonymous": MAP.ANONYMOUS,
    "anon": MAP.ANONYMOUS, "fixed": MAP.FIXED, "fixed_noreplace": MAP.FIXED_NOREPLACE,
    "populate": MAP.POPULATE, "noreserve": MAP.NORESERVE, "growsdown": MAP.GROWSDOWN,
    "stack": MAP.STACK, "locked": MAP.LOCKED,
}
PROT_HELP = 'prot is a string of the letters r, w, x (e.g. "rw", "r-x"), "none", or an int'
MAP_HELP = ('flags are names joined by "|": exactly one of private or shared, plus any of '
            + ", ".join(n for n in _MAP_NAMES if n not in ("private", "shared")))


def parse_prot(prot: str | int) -> int:
    if isinstance(prot, bool):
        raise InvalidArgument(f"prot {prot!r} is not a protection; {PROT_HELP}")
    if isinstance(prot, int):
        if prot & ~7 or prot < 0:
            raise InvalidArgument(f"prot {prot:#x} has unknown bits; {PROT_HELP}")
        return prot
    if not isinstance(prot, str):
        raise InvalidArgument(f"prot {prot!r} is not a protection; {PROT_HELP}")
    text = prot.strip().lower()
    if text in ("", "none", "---"):
        return 0
    value = 0
    for ch in text:
        if ch not in _PROT_LETTERS:
            raise InvalidArgument(f"prot {prot!r}: unknown letter {ch!r}; {PROT_HELP}")
        value |= int(_PROT_LETTERS[ch])
    return value


def parse_map_flags(flags: str | int) -> int:
    if isinstance(flags, bool):
        raise InvalidArgument(f"flags {flags!r} are not mmap flags; {MAP_HELP}")
    if isinstance(flags, int):
        value = flags
    elif isinstance(flags, str):
        value = 0
        for word in filter(None, re.split(r"[|,+\s]+", flags.strip().lower())):
            word = word.removeprefix("map_")
            if word not in _MAP_NAMES:
                raise InvalidArgument(f"flags {flags!r}: unknown flag {word!r}; {MAP_HELP}")
            value |= int(_MAP_NAMES[word])
    else:
        raise InvalidArgument(f"flags {flags!r} are not mmap flags; {MAP_HELP}")
    kind = value & 3
    if kind == 0:
        raise InvalidArgument(f"flags {flags!r}: say private or shared; {MAP_HELP}")
    if kind == 3:
        raise InvalidArgument(f"flags {flags!r}: private and shared together; choose one")
    known = 0
    for v in _MAP_NAMES.values():
        known |= int(v)
    if value & ~known:
        raise InvalidArgument(f"flags {value:#x} have unknown bits; {MAP_HELP}")
    return value


def prot_to_vm(prot: int) -> int:
    """PROT_* -> VM_READ|VM_WRITE|VM_EXEC (calc_vm_prot_bits; the values coincide)."""
    return prot & 7
