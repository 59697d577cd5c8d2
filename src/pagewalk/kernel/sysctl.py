"""/proc/sys: the machine's tunables under their sysctl names (kernel/sysctl.c).

    m.sysctl["vm.overcommit_memory"] = 2
    m.sysctl["vm.swappiness"]            -> 60
    dict(m.sysctl)                       -> every name and its value

Each name is a field of the machine's ``Config``; a write is checked as the
kernel's handler checks it (proc_dointvec_minmax: a value outside the range is
EINVAL, and nothing changes) and takes effect at once, while the machine runs.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator, MutableMapping

from ..errors import InvalidArgument

# /proc/sys name -> (Config field, lowest, highest or None)
SYSCTLS: dict[str, tuple[str, int, int | None]] = {
    "vm.overcommit_memory": ("overcommit_memory", 0, 2),
    "vm.overcommit_ratio": ("overcommit_ratio", 0, None),
    "vm.overcommit_kbytes": ("overcommit_kbytes", 0, None),
    "vm.admin_reserve_kbytes": ("admin_reserve_kbytes", 0, None),
    "vm.user_reserve_kbytes": ("user_reserve_kbytes", 0, None),
    "vm.page-cluster": ("page_cluster", 0, 10),
    "vm.swappiness": ("swappiness", 0, 200),
}


class Sysctl(MutableMapping):
    """A live view of one machine's tunables; see the module doc."""

    def __init__(self, machine) -> None:
        self._machine = machine

    def _entry(self, name: str) -> tuple[str, int, int | None]:
        if name not in SYSCTLS:
            close = difflib.get_close_matches(str(name), list(SYSCTLS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidArgument(f"sysctl: no tunable {name!r}; {hint}known: "
                                  + ", ".join(SYSCTLS))
        return SYSCTLS[name]

    def __getitem__(self, name: str) -> int:
        field, _, _ = self._entry(name)
        if field in ("admin_reserve_kbytes", "user_reserve_kbytes"):
            from ..mm.overcommit import admin_reserve_pages, user_reserve_pages
            fn = admin_reserve_pages if field.startswith("admin") else user_reserve_pages
            return fn(self._machine) * 4
        return getattr(self._machine.config, field)

    def __setitem__(self, name: str, value: int | str) -> None:
        field, lo, hi = self._entry(name)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(f"sysctl {name}: {value!r} is not an integer")
        if value < lo or (hi is not None and value > hi):
            rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise InvalidArgument(f"sysctl {name}: {value} is out of range; give {rng}")
        cfg = dataclasses.replace(self._machine.config, **{field: value})
        cfg.validate()
        self._machine.config = cfg

    def __delitem__(self, name: str) -> None:
        raise InvalidArgument(f"sysctl: {name!r} cannot be removed; set a value instead")

    def __iter__(self) -> Iterator[str]:
        return iter(SYSCTLS)

    def __len__(self) -> int:
        return len(SYSCTLS)

    def __contains__(self, name: object) -> bool:
        return name in SYSCTLS

    def __repr__(self) -> str:
        return "Sysctl({" + ", ".join(f"{k!r}: {self[k]}" for k in self) + "})"
