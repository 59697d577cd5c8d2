"""/proc/vmstat: event counters under the kernel's names.

Only counters the model really counts are listed: reading one it does not model
(workingset_refault_*, ...) is a KeyError, not a silent zero."""

from __future__ import annotations

import difflib

VMSTAT_NAMES = (
    "pgfault", "pgmajfault", "pgreuse", "pgalloc_normal", "pgfree", "pgactivate",
    "pgdeactivate", "pgrefill", "pgpgin", "pgpgout", "pswpin", "pswpout",
    "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct",
    "pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file",
    "pageoutrun",
    "allocstall_normal",
    "pglazyfree", "pglazyfreed",
    "thp_fault_alloc", "thp_fault_fallback", "thp_split_pmd", "thp_split_page",
    "thp_zero_page_alloc", "oom_kill", "swap_ra", "swap_ra_hit", "nr_dirtied", "nr_written",
    "swpout_zero", "swpin_zero",
    "unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_culled",
)


class VmStat(dict):
    """A dict of counters; every known name starts at 0, an unknown name is a KeyError
    that suggests the nearest known one."""

    def __init__(self) -> None:
        super().__init__({name: 0 for name in VMSTAT_NAMES})

    def __missing__(self, key: str) -> int:
        close = difflib.get_close_matches(str(key), list(self), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"no vmstat counter {key!r}{hint}")

    def show(self) -> str:
        """The /proc/vmstat text."""
        return "".join(f"{k} {v}\n" for k, v in self.items())
