"""The disk: one FIFO request queue and a service time per request.

    disk = Disk(DISK_PRESETS["hdd"])
    done = disk.submit(now_ns, pages=8, write=False)    # completion time (ns)

A request of ``n`` contiguous pages takes ``latency + n * page_transfer``: the
positioning time (seek and rotation for ``hdd``, command latency for flash)
once, then the transfer. Requests are served one at a time in arrival order, so
a read queued behind reclaim's writes waits for them ("kswapd's writes compete
with fault reads"). Simplification: every request pays the full positioning
time (a random-access disk; no elevator, no sequential-stream detection).

Times are integer nanoseconds; nothing here reads a wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidArgument

PAGE_SIZE = 4096


@dataclass(frozen=True)
class DiskModel:
    """A disk's timing: ``latency`` per request and ``page_transfer`` per 4 KiB page
    (both in seconds)."""

    name: str
    latency: float
    page_transfer: float

    def service_ns(self, pages: int) -> int:
        """Nanoseconds to serve one request of ``pages`` contiguous pages."""
        return round((self.latency + pages * self.page_transfer) * 1e9)


# Typical figures: an NVMe SSD (~20 us latency, ~3 GB/s), a SATA SSD (~100 us,
# ~500 MB/s), a 7200 rpm disk (~4.5 ms seek + ~4.2 ms half a rotation, ~150 MB/s).
DISK_PRESETS: dict[str, DiskModel] = {
    "nvme": DiskModel("nvme", 20e-6, PAGE_SIZE / 3e9),
    "ssd": DiskModel("ssd", 100e-6, PAGE_SIZE / 500e6),
    "hdd": DiskModel("hdd", 8.5e-3, PAGE_SIZE / 150e6),
}


def disk_model(name: str) -> DiskModel:
    """The preset called ``name``; InvalidArgument naming the presets otherwise."""
    try:
        return DISK_PRESETS[name]
    except (KeyError, TypeError):
        raise InvalidArgument(f"disk={name!r}; choose one of {', '.join(DISK_PRESETS)}") from None


class Disk:
    """One disk with a FIFO queue. ``submit`` returns when the request completes;
    ``busy_ns(t0, t1)`` is the time the disk was serving requests within [t0, t1)."""

    __slots__ = ("_busy", "busy_until", "model", "pages_read", "pages_written", "reads",
                 "writes")

    def __init__(self, model: DiskModel) -> None:
        self.model = model
        self.busy_until = 0                       # the queue drains at this time (ns)
        self._busy: list[list[int]] = []          # merged [start, end) service intervals
        self.reads = self.writes = 0
        self.pages_read = self.pages_written = 0

    def __repr__(self) -> str:
        return (f"<Disk {self.model.name}: {self.reads} reads ({self.pages_read} pages), "
                f"{self.writes} writes ({self.pages_written} pages)>")

    def submit(self, now: int, pages: int, write: bool) -> int:
        """Queue one request of ``pages`` pages at time ``now`` (ns); return its
        completion time: after every earlier request, plus its own service time."""
        if pages <= 0:
            return now
        start = max(now, self.busy_until)
        end = start + self.model.service_ns(pages)
        self.busy_until = end
        busy = self._busy
        if busy and busy[-1][1] == start:
            busy[-1][1] = end
        else:
            busy.append([start, end])
        if write:
            self.writes += 1
            self.pages_written += pages
        else:
            self.reads += 1
            self.pages_read += pages
        return end

    def busy_ns(self, t0: int, t1: int) -> int:
        """Nanoseconds of service within [t0, t1)."""
        total = 0
        for s, e in self._busy:
            if e <= t0:
                continue
            if s >= t1:
                break
            total += min(e, t1) - max(s, t0)
        return total
