"""Views like the kernel's /proc files: maps, smaps, pagemap, status, meminfo."""

from __future__ import annotations

from dataclasses import dataclass

from ..arch.pte import (
    _D,
    _P,
    _PROTNONE,
    _PSE,
    _RW,
    _SPECIAL,
    PFN_MASK,
    pte_swp_offset,
    pte_swp_type,
)
from ..mm.mm_types import MM
from ..mm.page import PG_anon, PG_dirty, PG_referenced
from ..mm.pagetable import pte_range, walk
from ..mm.phys import ZERO_PFN
from ..mm.vma import VM

_A = 0x20


def _vma_name(task, vma) -> str:
    mm = task.mm
    if vma.vm_file is not None:
        return vma.vm_file.display_name
    if vma.name:
        return vma.name
    if vma.vm_start <= mm.brk and vma.vm_end >= mm.start_brk and mm.brk > mm.start_brk:
        return "[heap]"
    if vma.vm_start <= mm.start_stack <= vma.vm_end:
        return "[stack]"
    return ""


def _header(task, vma) -> str:
    f = vma.vm_flags
    perms = ("r" if f & VM.READ else "-") + ("w" if f & VM.WRITE else "-") + \
            ("x" if f & VM.EXEC else "-") + ("s" if f & VM.MAYSHARE else "p")
    pgoff = vma.vm_pgoff << 12 if vma.vm_file is not None else 0
    dev, ino = ("00:01", vma.vm_file.ino) if vma.vm_file is not None else ("00:00", 0)
    line = f"{vma.vm_start:08x}-{vma.vm_end:08x} {perms} {pgoff:08x} {dev} {ino} "
    name = _vma_name(task, vma)
    if name:
        width = 25 + (8 if task.machine.mode.va_bits > 32 else 4) * 6 - 1
        line = line.ljust(width) + " " + name
    return line


def show_maps(task) -> str:
    """/proc/PID/maps: one line per VMA, in address order."""
    task._check_alive()
    return "".join(_header(task, vma) + "\n" for vma in task.mm.mmap)


def smaps_counts(task, vma) -> dict[str, int]:
    """The per-VMA numbers of /proc/PID/smaps, in kB."""
    machine = task.machine
    c = dict.fromkeys(("Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
                       "Private_Dirty", "Referenced", "Anonymous", "Swap", "SwapPss",
                       "AnonHugePages"), 0)
    pss = 0.0
    swap_pss = 0.0
    for table, i, _addr in pte_range(task.mm, vma.vm_start, vma.vm_end):
        pte = table[i]
        if not pte:
            continue
        if not pte & (_P | _PROTNONE):
            c["Swap"] += 4
            swap_pss += 4 / max(machine.swap.swap_count(pte), 1)
            continue
        if pte & _SPECIAL:
            continue
        page = machine.phys.mem_map[(pte & PFN_MASK) >> 12]
        c["Rss"] += 4
        dirty = bool(pte & _D or page.flags & PG_dirty)
        if page.flags & PG_anon:
            c["Anonymous"] += 4
        if pte & _A or page.flags & PG_referenced:
            c["Referenced"] += 4
        if page.mapcount >= 2:
            c["Shared_Dirty" if dirty else "Shared_Clean"] += 4
            pss += 4 / page.mapcount
        else:
            c["Private_Dirty" if dirty else "Private_Clean"] += 4
            pss += 4
    c["Pss"] = int(pss)
    c["SwapPss"] = int(swap_pss)
    c["Locked"] = c["Pss"] if vma.vm_flags & VM.LOCKED else 0
    return c


def show_smaps(task) -> str:
    task._check_alive()
    out = []
    for vma in task.mm.mmap:
        c = smaps_counts(task, vma)
        out.append(_header(task, vma) + "\n")
        out.append(f"{'Size:':<16}{vma.pages() * 4:>8} kB\n")
        out.append(f"{'KernelPageSize:':<16}{4:>8} kB\n{'MMUPageSize:':<16}{4:>8} kB\n")
        for k, v in c.items():
            out.append(f"{k + ':':<16}{v:>8} kB\n")
        flags = vma.vm_flags
        if not task.machine.config.soft_dirty:      # VM_SOFTDIRTY is 0 without the config
            flags &= ~VM.SOFTDIRTY
        out.append(f"VmFlags: {_vmflags(flags)}\n")
    return "".join(out)


_MNEMONICS = [(VM.READ, "rd"), (VM.WRITE, "wr"), (VM.EXEC, "ex"), (VM.SHARED, "sh"),
              (VM.MAYREAD, "mr"), (VM.MAYWRITE, "mw"), (VM.MAYEXEC, "me"), (VM.MAYSHARE, "ms"),
              (VM.GROWSDOWN, "gd"), (VM.LOCKED, "lo"), (VM.SEQ_READ, "sr"),
              (VM.RAND_READ, "rr"), (VM.DONTCOPY, "dc"), (VM.DONTEXPAND, "de"),
              (VM.LOCKONFAULT, "lf"), (VM.ACCOUNT, "ac"),
              (VM.NORESERVE, "nr"), (VM.WIPEONFORK, "wf"), (VM.SOFTDIRTY, "sd"),
              (VM.HUGEPAGE, "hg"), (VM.NOHUGEPAGE, "nh")]


def _vmflags(flags: int) -> str:
    return " ".join(m for bit, m in _MNEMONICS if flags & bit) + " "


@dataclass(frozen=True)
class PageInfo:
    """One page of a task's address space, as /proc/PID/pagemap and the page tables see it.

    ``raw`` is the 64-bit /proc/PID/pagemap entry (bit 63 present, 62 swapped,
    61 file-page or shared-anon, 56 exclusively mapped, 55 soft-dirty, bits 0-54
    the pfn, or the swap type and offset).
    """

    address: int
    present: bool
    swapped: bool
    pfn: int | None
    zero_page: bool
    writable: bool
    dirty: bool
    young: bool
    anon: bool
    file: bool
    exclusive: bool
    huge: bool
    refcount: int
    mapcount: int
    swap_type: int | None
    swap_offset: int | None
    raw: int
    soft_dirty: bool = False      # bit 55: written since the last clear_refs 4

    @property
    def accessed(self) -> bool:
        return self.young


def pagemap_entry(task, addr: int) -> PageInfo:
    task._check_alive()
    machine = task.machine
    mm = task.mm
    vma = mm.mmap.find_vma(addr)
    in_vma = vma is not None and vma.vm_start <= addr
    pte = 0
    huge = False
    if addr < mm.task_size:
        mode = machine.mode
        if mode.pmd_level is not None:
            found = walk(mm, addr, level=mode.pmd_level)
            if found is not None and found[0][found[1]] & _PSE:
                pte, huge = found[0][found[1]], True
        if not huge:
            found = walk(mm, addr)
            if found is not None:
                pte = found[0][found[1]]
    present = bool(pte & (_P | _PROTNONE))
    swapped = bool(pte) and not present
    pfn = ((pte & PFN_MASK) >> 12) + (((addr >> 12) & 511) if huge else 0) if present else None
    page = machine.phys.mem_map.get(pfn) if present and not pte & _SPECIAL else None
    zero = present and (pfn == ZERO_PFN or machine.thp.is_huge_zero_pfn(pfn))
    anon = bool(page is not None and page.flags & PG_anon)
    file = bool(page is not None and not page.flags & PG_anon) or bool(
        swapped and in_vma and vma.shmem)
    exclusive = page is not None and page.mapcount == 1
    raw = 0
    if present:
        raw = (1 << 63) | (pfn & ((1 << 55) - 1))
    elif swapped:
        raw = (1 << 62) | (pte_swp_type(pte) & 0x1F) | (pte_swp_offset(pte) << 5)
    if file:
        raw |= 1 << 61
    if exclusive:
        raw |= 1 << 56
    soft_dirty = bool(machine.config.soft_dirty and (
        (in_vma and vma.vm_flags & VM.SOFTDIRTY) or (pte and pte & (1 << 58))))
    if soft_dirty:
        raw |= 1 << 55
    return PageInfo(
        address=addr, present=present, swapped=swapped, pfn=pfn, zero_page=zero,
        writable=bool(present and pte & _RW), dirty=bool(present and pte & _D),
        young=bool(present and pte & _A), anon=anon, file=file, exclusive=exclusive, huge=huge,
        refcount=page.refcount if page is not None else 0,
        mapcount=page.mapcount if page is not None else 0,
        swap_type=pte_swp_type(pte) if swapped else None,
        swap_offset=pte_swp_offset(pte) if swapped else None, raw=raw,
        soft_dirty=soft_dirty)


def show_status(task) -> str:
    """/proc/PID/status, the memory lines (in kB)."""
    mm = task.mm
    lines = [f"Name:\t{task.name}", f"State:\t{'R (running)' if task.alive else 'Z (zombie)'}",
             f"Pid:\t{task.pid}", f"PPid:\t{task.parent.pid if task.parent else 0}"]
    if mm is not None:
        total = mm.total_vm() * 4
        stack = sum(v.pages() for v in mm.mmap if v.vm_flags & VM.GROWSDOWN) * 4
        data = sum(v.pages() for v in mm.mmap
                   if (v.vm_flags & (VM.WRITE | VM.SHARED | VM.GROWSDOWN)) == VM.WRITE) * 4
        lines += [f"VmPeak:\t{total:8} kB", f"VmSize:\t{total:8} kB",
                  f"VmLck:\t{sum(v.pages() for v in mm.mmap if v.vm_flags & VM.LOCKED) * 4:8} kB",
                  f"VmHWM:\t{max(mm.hiwater_rss, mm.get_rss()) * 4:8} kB",
                  f"VmRSS:\t{mm.get_rss() * 4:8} kB",
                  f"RssAnon:\t{mm.rss[MM.ANONPAGES] * 4:8} kB",
                  f"RssFile:\t{mm.rss[MM.FILEPAGES] * 4:8} kB",
                  f"RssShmem:\t{mm.rss[MM.SHMEMPAGES] * 4:8} kB",
                  f"VmData:\t{data:8} kB", f"VmStk:\t{stack:8} kB",
                  f"VmPTE:\t{mm.pgtables_bytes // 1024:8} kB",
                  f"VmSwap:\t{mm.rss[MM.SWAPENTS] * 4:8} kB"]
    lines += [f"voluntary_ctxt_switches:\t{task.stats.nvcsw}",
              f"nonvoluntary_ctxt_switches:\t{task.stats.nivcsw}"]
    return "\n".join(lines) + "\n"


def meminfo(machine) -> dict[str, int]:
    """/proc/meminfo as a dict of kB values."""
    lru = machine.lru
    kb = 4
    fm = machine.filemap
    sw = machine.swap
    cached_pages = getattr(fm, "nr_cached", lambda: 0)()
    swap_cached = getattr(sw, "nr_swapcache", lambda: 0)()
    anon_pages = sum(1 for p in machine.phys.mem_map.values()
                     if p.flags & PG_anon and p.mapcount > 0)
    mapped = sum(1 for p in machine.phys.mem_map.values()
                 if p.mapcount > 0 and not p.flags & PG_anon and p.mapping is not None)
    info = {
        "MemTotal": machine.phys.nr_frames * kb,
        "MemFree": machine.phys.nr_free * kb,
        "Buffers": 0,
        "Cached": cached_pages * kb,
        "SwapCached": swap_cached * kb,
        "Active": (lru.count("active_anon") + lru.count("active_file")) * kb,
        "Inactive": (lru.count("inactive_anon") + lru.count("inactive_file")) * kb,
        "Active(anon)": lru.count("active_anon") * kb,
        "Inactive(anon)": lru.count("inactive_anon") * kb,
        "Active(file)": lru.count("active_file") * kb,
        "Inactive(file)": lru.count("inactive_file") * kb,
        "Unevictable": lru.count("unevictable") * kb,
        "Mlocked": lru.count("unevictable") * kb,
        "SwapTotal": machine.config.swap // 1024,
        "SwapFree": getattr(sw, "nr_free_slots", lambda: machine.config.swap // 4096)() * kb,
        "Dirty": getattr(fm, "nr_dirty", lambda: 0)() * kb,
        "Writeback": 0,
        "AnonPages": anon_pages * kb,
        "Mapped": mapped * kb,
        "Shmem": getattr(fm, "nr_shmem", lambda: 0)() * kb,
        "PageTables": machine.nr_pagetable * kb,
        "AnonHugePages": getattr(machine.thp, "nr_anon_huge", lambda: 0)() * 2048,
    }
    from ..mm.overcommit import commit_limit, committed_pages
    info["CommitLimit"] = commit_limit(machine) * kb
    info["Committed_AS"] = committed_pages(machine) * kb
    info["MemAvailable"] = info["MemFree"] + info["Inactive(file)"] + info["Active(file)"]
    return info


def show_meminfo(machine) -> str:
    return "".join(f"{k + ':':<16}{v:>8} kB\n" for k, v in meminfo(machine).items())
