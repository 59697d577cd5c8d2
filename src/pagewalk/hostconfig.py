"""The host's paging settings, read from /sys and /proc, as a pagewalk config.

Contract:

* ``read_host_settings(tmpdir=None) -> HostSettings``: every setting that
  decides fault counts on this host (THP enabled/defrag/use_zero_page and the
  mTHP sizes, shmem_enabled, swap devices and their kind, page-cluster,
  read_ahead_kb of the disk holding ``tmpdir``, overcommit_memory/ratio,
  min_free_kbytes, swappiness, kernel version/build, CPU count).  Unreadable
  values are None.  Works on any OS (everything None off Linux).
* ``host_knobs(settings) -> (knobs, unsupported)``: the ``Config`` knobs taken
  from the host (``swap_device`` "async"/"sync" from the first swap area),
  and one ``Unsupported(name, value, reason)`` per setting the model cannot
  follow (a caller reports those as visible skips, never as a
  silent mismatch).
* ``Config.from_host(**overrides)`` (config.py) builds the config from these;
  its ``extra`` holds ``{"host": settings.as_dict(), "unsupported": [...]}``.
"""

from __future__ import annotations

import os
import platform
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

THP = Path("/sys/kernel/mm/transparent_hugepage")
SYNC_SWAP_DEVICES = ("zram", "pmem", "brd", "ram")  # bdevs with BLK_FEAT_SYNCHRONOUS
DEFAULT_FAULT_AROUND = 65536


def read_setting(path: str | Path) -> str | None:
    """The stripped text of a /proc or /sys file, or None when it cannot be read."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def bracketed(text: str | None) -> str | None:
    """The selected choice of a sysfs setting: ``always [madvise] never`` -> madvise."""
    if text and "[" in text and "]" in text:
        return text[text.index("[") + 1:text.index("]")]
    return text


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        return None


def _disk_of_dev(dev: int) -> str | None:
    sysdev = f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}"
    if not os.path.exists(sysdev):
        return None
    real = os.path.realpath(sysdev)
    if os.path.exists(os.path.join(real, "partition")):
        real = os.path.dirname(real)
    return os.path.basename(real)


def disk_of(path: str) -> str | None:
    """The whole-disk name in /sys/block holding ``path`` (None if unknown)."""
    try:
        return _disk_of_dev(os.stat(path).st_dev)
    except OSError:
        return None


@dataclass(frozen=True)
class SwapDevice:
    path: str
    type: str                  # "partition" or "file"
    size_kb: int
    disk: str | None           # the block device doing the I/O
    kind: str                  # "sync" (zram, pmem: SWP_SYNCHRONOUS_IO) or "async"


def swap_devices() -> list[SwapDevice]:
    """The active swap areas (/proc/swaps) and whether their I/O is synchronous."""
    out = []
    for line in (read_setting("/proc/swaps") or "").splitlines()[1:]:
        parts = line.split()
        if len(parts) < 3:
            continue
        path, typ = parts[0], parts[1]
        disk = None
        try:
            st = os.stat(path)
            disk = _disk_of_dev(st.st_rdev if typ == "partition" else st.st_dev)
        except OSError:
            pass
        name = disk or os.path.basename(path)
        kind = "sync" if name.startswith(SYNC_SWAP_DEVICES) else "async"
        out.append(SwapDevice(path, typ, _int(parts[2]) or 0, disk, kind))
    return out


@dataclass(frozen=True)
class HostSettings:
    kernel: str
    kernel_build: str
    cpus: int
    thp: str | None
    thp_defrag: str | None
    thp_use_zero_page: int | None
    thp_sizes: dict[str, str | None] = field(default_factory=dict)   # "64kB" -> mode
    shmem_enabled: str | None = None
    swap: tuple[SwapDevice, ...] = ()
    page_cluster: int | None = None
    disk: str | None = None
    read_ahead_kb: int | None = None
    fault_around_bytes: int | None = None      # None: debugfs not readable
    overcommit_memory: int | None = None
    overcommit_ratio: int | None = None
    min_free_kbytes: int | None = None
    swappiness: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["swap"] = [asdict(s) for s in self.swap]
        return d

    @property
    def kernel_version(self) -> tuple[int, int]:
        try:
            major, minor = self.kernel.split(".")[:2]
            return int(major), int("".join(c for c in minor if c.isdigit()) or 0)
        except ValueError:
            return (0, 0)


def read_host_settings(tmpdir: str | None = None) -> HostSettings:
    """Read this host's settings (see the module doc)."""
    tmpdir = tmpdir or tempfile.gettempdir()
    disk = disk_of(tmpdir)
    sizes: dict[str, str | None] = {}
    if THP.is_dir():
        for d in sorted(THP.glob("hugepages-*kB"), key=lambda p: int(p.name[10:-2])):
            sizes[d.name.removeprefix("hugepages-")] = bracketed(read_setting(d / "enabled"))
    return HostSettings(
        kernel=platform.release(), kernel_build=platform.version(),
        cpus=os.cpu_count() or 1,
        thp=bracketed(read_setting(THP / "enabled")),
        thp_defrag=bracketed(read_setting(THP / "defrag")),
        thp_use_zero_page=_int(read_setting(THP / "use_zero_page")), thp_sizes=sizes,
        shmem_enabled=bracketed(read_setting(THP / "shmem_enabled")),
        swap=tuple(swap_devices()),
        page_cluster=_int(read_setting("/proc/sys/vm/page-cluster")),
        disk=disk,
        read_ahead_kb=(_int(read_setting(f"/sys/block/{disk}/queue/read_ahead_kb"))
                       if disk else None),
        fault_around_bytes=_int(read_setting("/sys/kernel/debug/fault_around_bytes")),
        overcommit_memory=_int(read_setting("/proc/sys/vm/overcommit_memory")),
        overcommit_ratio=_int(read_setting("/proc/sys/vm/overcommit_ratio")),
        min_free_kbytes=_int(read_setting("/proc/sys/vm/min_free_kbytes")),
        swappiness=_int(read_setting("/proc/sys/vm/swappiness")),
    )


@dataclass(frozen=True)
class Unsupported:
    name: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.name}={self.value}: {self.reason}"


def host_knobs(s: HostSettings) -> tuple[dict[str, Any], list[Unsupported]]:
    """The config knobs the host's settings give, and what the model cannot follow."""
    knobs: dict[str, Any] = {}
    bad: list[Unsupported] = []
    if s.thp in ("always", "madvise", "never"):
        knobs["thp"] = s.thp
    elif s.thp is not None:
        bad.append(Unsupported("thp", s.thp, "unknown THP mode"))
    pmd = s.thp_sizes.get("2048kB")
    if pmd == "never" and s.thp != "never":
        knobs["thp"] = "never"                      # PMD size off: no huge pages at all
    elif pmd in ("always", "madvise") and pmd != s.thp:
        knobs["thp"] = pmd
    small = {k: v for k, v in s.thp_sizes.items()
             if k != "2048kB" and v not in (None, "never")
             and not (v == "inherit" and s.thp == "never")}
    if small:
        bad.append(Unsupported("thp_sizes", small, "the model has no multi-size THP (mTHP) "
                               "of these sizes: anonymous faults would map larger folios"))
    if s.thp_use_zero_page == 0:
        bad.append(Unsupported("thp_use_zero_page", 0, "the model always maps the huge zero "
                               "page on a read fault in a huge-page VMA"))
    if s.shmem_enabled not in (None, "never", "deny"):
        bad.append(Unsupported("shmem_enabled", s.shmem_enabled,
                               "the model has no huge pages in shmem/tmpfs"))
    if s.page_cluster is not None:
        if 0 <= s.page_cluster <= 10:
            knobs["page_cluster"] = s.page_cluster
        else:
            bad.append(Unsupported("page_cluster", s.page_cluster, "outside 0..10"))
    if s.read_ahead_kb is not None:
        knobs["read_ahead_kb"] = s.read_ahead_kb
    fab = s.fault_around_bytes if s.fault_around_bytes is not None else DEFAULT_FAULT_AROUND
    if fab >= 4096 and not fab & (fab - 1):
        knobs["fault_around_bytes"] = fab
    else:
        bad.append(Unsupported("fault_around_bytes", fab, "not a power of two >= 4096"))
    if s.swappiness is not None and 0 <= s.swappiness <= 200:
        knobs["swappiness"] = s.swappiness
    if s.overcommit_memory in (0, 1, 2):
        knobs["overcommit_memory"] = s.overcommit_memory
    elif s.overcommit_memory is not None:
        bad.append(Unsupported("overcommit_memory", s.overcommit_memory, "not 0, 1 or 2"))
    if s.overcommit_ratio is not None and s.overcommit_ratio >= 0:
        knobs["overcommit_ratio"] = s.overcommit_ratio
    if s.kernel_version < (6, 1):
        bad.append(Unsupported("kernel", s.kernel, "the linux profile models 6.x "
                               "(6.1 or later); use profile='classic' for 2.x"))
    if s.swap:
        knobs["swap_device"] = s.swap[0].kind     # the first (highest priority) area
    knobs["cpus"] = max(1, s.cpus)
    return knobs, bad
