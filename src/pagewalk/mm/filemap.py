"""Files, the page cache, readahead and the file-fault handlers (mm/filemap.c,
mm/readahead.c, mm/shmem.c, the file half of mm/memory.c).

A page that is valid but not in memory lives in a file (页在可执行映像/文件中): the
fault handler looks it up in the file's page cache (``AddressSpace.pages``); a
hit is a minor fault, a miss reads it from the disk (a major fault), bringing
its neighbours along (read-around readahead, ``read_ahead_kb``).

    do_fault                      pte none in a file (or shmem) VMA
      do_read_fault               read: fault-around first (map cached neighbours),
                                  then __do_fault -> filemap_fault
      do_cow_fault                private write: a private anonymous copy
      do_shared_fault             shared write: the page itself, dirty and writable
    wp_page_shared                write to a write-protected shared page (write-notify)

The I/O model is synchronous, with one rule that mirrors the kernel's timing: a
fault that had to read from the disk maps only its own page (the pages
readahead brought in are still locked under I/O when it completes, so
fault-around skips them); later faults find them cached and fault-around maps
them 16 at a time. On this project's hosts (Linux 6.18) a cold 1000-page file
read through a mapping takes 1 major and 63 minor faults; with MADV_RANDOM
(no readahead) 1000 majors.

Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS) is a shmem file: its "disk"
is memory, so a miss allocates a zeroed page (minor), no write-notify, and the
pages are swap-backed (RssShmem, Shmem in meminfo).
"""

from __future__ import annotations

import errno as E
import itertools

from ..arch.pte import _D, _P, _PROTNONE, _RW, PFN_MASK, pfn_pte, pte_mkclean, pte_wrprotect
from ..errors import InvalidArgument, SyscallError
from ..units import parse_size
from .fault import VM_FAULT, FaultContext, FaultFlag, wp_page_reuse
from .memory import put_page
from .mm_types import MM
from .page import Page, PG_buddy, PG_dirty, PG_readahead, PG_swapbacked, PG_uptodate, PG_workingset
from .pagetable import walk
from .rmap import anon_vma_prepare, folio_add_file_rmap, folio_add_new_anon_rmap, rmap_walk
from .vma import VM, VM_SHARED, VM_WRITE

PAGE_SIZE = 4096
MMAP_LOTSAMISS = 100
MAX_LFS_FILESIZE = (1 << 63) - 1
_WRITE = int(FaultFlag.WRITE)
_ino = itertools.count(12)


class ReadaheadState:
    """struct file_ra_state: the current window and the mmap miss counter."""

    __slots__ = ("async_size", "mmap_miss", "size", "start")

    def __init__(self) -> None:
        self.start = 0
        self.size = 0
        self.async_size = 0
        self.mmap_miss = 0


class AddressSpace:
    """struct address_space: a file's page cache and the VMAs that map it."""

    __slots__ = ("file", "i_mmap", "pages", "swapped")

    def __init__(self, file: File) -> None:
        self.file = file
        self.pages: dict[int, Page] = {}
        self.i_mmap: dict = {}
        # shmem: index -> swap entry of a page that was swapped out (the kernel keeps
        # the entry in the page-cache xarray in place of the page)
        self.swapped: dict[int, int] = {}


class File:
    """A file in the model's file system (an inode with one open file description).

    ``size`` is i_size in bytes; ``disk`` holds the bytes on the disk (page index ->
    4096 bytes; absent pages read as zeros); the page cache may hold newer data.
    """

    def __init__(self, machine, name: str, size: int, shmem: bool = False,
                 anonymous: bool = False) -> None:
        self.machine = machine
        self.name = name
        self.size = size
        self.ino = next(_ino)
        self.mapping = AddressSpace(self)
        self.disk: dict[int, bytes] = {}
        self.shmem = shmem
        self.anonymous = anonymous        # MAP_SHARED|MAP_ANONYMOUS: freed with its last mapping
        self.ra = ReadaheadState()

    def __repr__(self) -> str:
        return f"<File {self.name!r} {self.size} bytes, {len(self.mapping.pages)} cached>"

    @property
    def display_name(self) -> str:
        if self.anonymous:
            return "/dev/zero (deleted)"
        return self.name if self.name.startswith("/") else "/" + self.name

    @property
    def pages(self) -> int:
        return (self.size + PAGE_SIZE - 1) // PAGE_SIZE

    def cached(self) -> int:
        """Pages of this file in the page cache."""
        return len(self.mapping.pages)

    def read(self, offset: int, n: int) -> bytes:
        """read(2) at ``offset``: through the page cache, with readahead."""
        return self.machine.filemap.file_read(self, offset, n)

    def write(self, offset: int, data: bytes) -> None:
        """write(2) at ``offset``: dirties page-cache pages, may extend the file.
        ENOMEM if the page cache cannot take the pages (the pages already written stay,
        as a short write)."""
        if isinstance(offset, bool) or not isinstance(offset, int) or not \
                0 <= offset <= MAX_LFS_FILESIZE:
            raise InvalidArgument(f"write: offset {offset!r} must be an int from 0 to "
                                  f"{MAX_LFS_FILESIZE}")
        if isinstance(data, str):
            data = data.encode()
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidArgument(f"write: data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        if offset + len(data) > MAX_LFS_FILESIZE:
            raise SyscallError(E.EFBIG, f"write: the file would be larger than "
                               f"{MAX_LFS_FILESIZE} bytes")
        self.machine.filemap.file_write(self, offset, data)

    def truncate(self, new_size: int | str) -> None:
        """ftruncate(2): shrinking unmaps the pages beyond the new end of file from
        every mapping (a later access is SIGBUS) and frees them; growing reads zeros."""
        from .truncate import truncate_setsize
        truncate_setsize(self.machine, self, new_size)

    def evict(self) -> None:
        """posix_fadvise(POSIX_FADV_DONTNEED): write back, then drop the cached pages
        no process maps."""
        self.machine.filemap.fadvise_dontneed(self)


class FileMap:
    """The file layer of one machine."""

    def __init__(self, machine) -> None:
        self.machine = machine
        self.files: dict[str, File] = {}
        self.shmem_files: dict[File, None] = {}     # MAP_SHARED|MAP_ANONYMOUS, alive

    # -- files and the page cache ---------------------------------------------------------
    def create_file(self, name: str, size: int | str | None = None,
                    data: bytes | None = None) -> File:
        if not isinstance(name, str) or not name or "\0" in name:
            raise InvalidArgument("create_file: give a non-empty file name")
        if name in self.files:
            raise SyscallError(E.EEXIST, f"create_file: {name!r} exists already")
        if data is not None and not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidArgument("create_file: data must be bytes")
        if size is None and data is None:
            raise InvalidArgument("create_file: give size= (bytes, e.g. '4MiB') or data=")
        nbytes = parse_size(size, "create_file size") if size is not None else len(data)
        if data is not None and len(data) > nbytes:
            raise InvalidArgument(f"create_file: data ({len(data)} bytes) is longer than "
                                  f"size ({nbytes} bytes)")
        need = (nbytes + PAGE_SIZE - 1) // PAGE_SIZE
        if need > self.machine.phys.nr_free + self.reclaimable_estimate():
            raise SyscallError(E.ENOSPC, f"create_file: {need} pages do not fit in the "
                               "page cache of this machine")
        f = File(self.machine, name, 0)
        self.files[name] = f
        payload = bytes(data or b"").ljust(nbytes, b"\0")
        self.file_write(f, 0, payload)
        return f

    def reclaimable_estimate(self) -> int:
        return sum(len(lst) for lst in self.machine.lru.lists.values())

    def find_get_page(self, f: File, index: int) -> Page | None:
        return f.mapping.pages.get(index)

    def add_to_page_cache(self, f: File, index: int, page: Page) -> None:
        page.mapping = f.mapping
        page.index = index
        page.flags |= PG_uptodate
        if f.shmem:
            page.flags |= PG_swapbacked
        f.mapping.pages[index] = page
        self.machine.lru_cache_add(page)

    def _read_page_from_disk(self, f: File, index: int, may_oom: bool = True) -> Page | None:
        """Allocate a page and fill it from the disk (or zero it, for shmem);
        readahead passes ``may_oom=False`` (readahead_gfp_mask has __GFP_NORETRY)."""
        page = self.machine.alloc_page(may_oom)
        if page is None:
            return None
        data = f.disk.get(index)
        if data is None:
            self.machine.phys.clear_page(page.pfn)
        else:
            self.machine.phys.write(page.pfn, 0, data)
        self.add_to_page_cache(f, index, page)
        if not f.shmem:
            self.machine.vmstat["pgpgin"] += 4
        return page

    def readahead(self, f: File, start: int, nr: int, async_size: int = 0) -> int:
        """Read the missing pages of [start, start + nr) into the cache (page_cache_ra_unbounded);
        mark the page ``async_size`` before the end with PG_readahead. Returns pages read."""
        end = min(start + nr, f.pages)
        # The mark sits async_size before the end of the *window*, which may lie past
        # EOF: then no page is marked (page_cache_ra_order).
        mark = start + nr - async_size if async_size else -1
        read = 0
        for index in range(max(start, 0), end):
            page = f.mapping.pages.get(index)
            if page is None:
                page = self._read_page_from_disk(f, index, may_oom=False)
                if page is None:
                    break
                read += 1
                if index == mark:
                    page.flags |= PG_readahead
        return read

    def file_write(self, f: File, offset: int, data: bytes) -> None:
        end = offset + len(data)
        pos = offset
        while pos < end:
            index = pos // PAGE_SIZE
            chunk = min(end, (index + 1) * PAGE_SIZE) - pos
            page = f.mapping.pages.get(index)
            if page is None:
                if (index * PAGE_SIZE < f.size or f.disk.get(index)) and not f.shmem:
                    page = self._read_page_from_disk(f, index)
                else:
                    page = self.machine.alloc_page()
                    if page is not None:
                        self.machine.phys.clear_page(page.pfn)
                        self.add_to_page_cache(f, index, page)
                if page is None:
                    raise SyscallError(E.ENOMEM, f"write to {f.name}: out of memory")
            piece = data[pos - offset:pos - offset + chunk]
            self.machine.phys.write(page.pfn, pos % PAGE_SIZE, piece)
            self.folio_mark_dirty(page)
            self.machine.mark_page_accessed(page)
            pos += chunk
        f.size = max(f.size, end)

    def file_read(self, f: File, offset: int, n: int) -> bytes:
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidArgument(f"read: offset {offset!r} must be an int >= 0")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InvalidArgument(f"read: n={n!r}; give a byte count >= 0")
        end = min(offset + n, f.size)
        out = bytearray()
        pos = offset
        ra_pages = self.machine.config.read_ahead_kb // 4
        while pos < end:
            index = pos // PAGE_SIZE
            page = f.mapping.pages.get(index)
            if page is None:
                self.readahead(f, index, max(ra_pages, 1))
                page = f.mapping.pages.get(index)
                if page is None:
                    # The window's own allocations may have reclaimed this page again
                    # (it is clean and unmapped): read it alone (filemap_create_folio).
                    page = self._read_page_from_disk(f, index)
                if page is None:
                    raise SyscallError(E.ENOMEM, f"read of {f.name}: out of memory")
            chunk = min(end, (index + 1) * PAGE_SIZE) - pos
            out += self.machine.phys.read(page.pfn, pos % PAGE_SIZE, chunk)
            self.machine.mark_page_accessed(page)
            pos += chunk
        return bytes(out)

    def folio_mark_dirty(self, page: Page) -> None:
        """A page-cache page becomes dirty (folio_account_dirtied: nr_dirtied)."""
        if not page.flags & PG_dirty:
            page.flags |= PG_dirty
            if not page.flags & PG_swapbacked:
                self.machine.vmstat["nr_dirtied"] += 1

    def writepage(self, page: Page) -> None:
        """Write a dirty page-cache page to the disk (->writepage); clears PG_dirty."""
        f = page.mapping.file
        data = self.machine.phys.contents(page.pfn)
        if any(data):
            f.disk[page.index] = data
        else:
            f.disk.pop(page.index, None)
        page.flags &= ~PG_dirty
        self.machine.vmstat["pgpgout"] += 4
        self.machine.vmstat["nr_written"] += 1

    def folio_mkclean(self, page: Page) -> None:
        """Write-protect and clean every PTE mapping ``page`` (page_mkclean), moving
        their dirty bits to the page, so the next write faults (write-notify)."""
        for vma, address, table, i in list(rmap_walk(page)):
            pte = table[i]
            if pte & _D:
                page.flags |= PG_dirty
            if vma.vm_flags & VM_SHARED:
                table[i] = pte_wrprotect(pte_mkclean(pte))
            else:
                table[i] = pte_mkclean(pte)
            vma.vm_mm.flush_tlb_page(address)

    def write_back(self, f: File) -> None:
        """filemap_write_and_wait: every dirty page of ``f``, including dirty PTEs."""
        if f.shmem:
            return
        for page in list(f.mapping.pages.values()):
            self.folio_mkclean(page)
            if page.flags & PG_dirty:
                self.writepage(page)

    def delete_from_page_cache(self, page: Page) -> None:
        """Remove an unmapped page from its file's cache and drop the cache's reference."""
        mapping = page.mapping
        del mapping.pages[page.index]
        page.flags &= ~(PG_uptodate | PG_readahead)
        put_page(self.machine, page)

    def _invalidate(self, f: File) -> None:
        for page in list(f.mapping.pages.values()):
            if page.mapcount == 0 and not page.flags & PG_dirty and page.refcount == 1:
                self.delete_from_page_cache(page)

    def fadvise_dontneed(self, f: File) -> None:
        self.write_back(f)
        self._invalidate(f)

    def drop_caches(self) -> None:
        """``sync; echo 3 > /proc/sys/vm/drop_caches``: write back, drop every clean
        unmapped page-cache page."""
        for f in self.files.values():
            if not f.shmem:
                self.write_back(f)
                self._invalidate(f)

    def truncate(self, f: File) -> None:
        """The last mapping of an anonymous shmem file is gone: free its pages and
        its swap slots (shmem_evict_inode)."""
        for page in list(f.mapping.pages.values()):
            if page.mapcount == 0:
                self.delete_from_page_cache(page)
        swap = self.machine.swap
        for index, entry in list(f.mapping.swapped.items()):
            del f.mapping.swapped[index]
            swap.si.free(entry)
            page = swap.cache.get(entry)
            if page is not None and not page.mapcount:
                swap.folio_free_swap(page)
        self.shmem_files.pop(f, None)

    # -- shmem and swap ---------------------------------------------------------------
    def shmem_writeout(self, page: Page) -> bool:
        """Reclaim of an unmapped shmem page: give it a swap slot, take it out of the
        page cache (whose slot keeps the swap entry: one reference on the swap slot)
        and leave it, dirty, in the swap cache for pageout. False: no free slot."""
        swap = self.machine.swap
        mapping, index = page.mapping, page.index
        if not swap.add_to_swap(page):
            return False
        entry = page.private
        swap.si.duplicate(entry)
        del mapping.pages[index]
        mapping.swapped[index] = entry
        page.mapping = None
        page.refcount -= 1                          # the page cache's reference
        return True

    def shmem_swapin(self, vmf: FaultContext, f: File) -> tuple[Page | None, int]:
        """shmem_swapin_folio: bring a swapped-out shmem page back into the page cache
        and free its slot. Returns (page, VM_FAULT_MAJOR if it was read from swap)."""
        swap = self.machine.swap
        entry = f.mapping.swapped[vmf.pgoff]
        page = swap.cache.get(entry)
        ret = 0
        if page is None:
            self.machine.vmstat["pgmajfault"] += 1
            ret = int(VM_FAULT.MAJOR)
            page, _ = swap.read_swap_cache_async(entry, vmf.steps)
            if page is None:
                return None, int(VM_FAULT.OOM)
            vmf.reason = "the shmem page is in the swap area (交换文件): read it back (major)"
        else:
            vmf.reason = "the shmem page is still in the swap cache: take it back (minor)"
        vmf.steps.append("shmem_swapin_folio")
        del f.mapping.swapped[vmf.pgoff]
        swap.si.free(entry)                         # the page cache's hold on the slot
        page.refcount += 1                          # the page cache's reference
        swap.delete_from_swap_cache(page)           # frees the slot
        page.mapping = f.mapping
        page.index = vmf.pgoff
        page.flags |= PG_uptodate | PG_swapbacked | PG_dirty
        f.mapping.pages[vmf.pgoff] = page
        return page, ret

    def shmem_file(self, length: int) -> File:
        """The in-memory file behind a MAP_SHARED|MAP_ANONYMOUS mapping."""
        f = File(self.machine, "dev/zero", length, shmem=True, anonymous=True)
        self.shmem_files[f] = None
        return f

    def check_mappable(self, f: File, prot: int, flags: int) -> None:
        if not isinstance(f, File) or f.machine is not self.machine:
            raise InvalidArgument("mmap: file= must be a File made by this machine's "
                                  "create_file()")

    # -- accounting helpers for the views and check() -------------------------------
    def cache_refs(self, page: Page) -> int:
        m = page.mapping
        return 1 if isinstance(m, AddressSpace) and m.pages.get(page.index) is page else 0

    def nr_cached(self) -> int:
        return sum(len(f.mapping.pages) for f in self._all_files())

    def nr_shmem(self) -> int:
        return sum(len(f.mapping.pages) for f in self._all_files() if f.shmem)

    def nr_dirty(self) -> int:
        return sum(1 for f in self._all_files() if not f.shmem
                   for p in f.mapping.pages.values() if p.flags & PG_dirty)

    def _all_files(self):
        seen = dict.fromkeys(self.files.values())
        seen.update(self.shmem_files)
        for page in self.machine.phys.mem_map.values():
            m = page.mapping
            if isinstance(m, AddressSpace):
                seen[m.file] = None
        return list(seen)

    def check(self) -> None:
        from ..errors import KernelBug
        for f in self._all_files():
            for index, page in f.mapping.pages.items():
                if page.mapping is not f.mapping or page.index != index:
                    raise KernelBug(f"check: page cache of {f.name} index {index} holds "
                                    f"{page!r} owned elsewhere")
                if page.flags & PG_buddy:
                    raise KernelBug(f"check: page cache of {f.name} holds a free frame")

    # -- the fault handlers -------------------------------------------------------------
    def do_fault(self, vmf: FaultContext) -> int:
        """pte none in a file-backed VMA: read, private write or shared write."""
        vmf.steps.append("do_fault")
        if not vmf.flags & _WRITE:
            return self.do_read_fault(vmf)
        if not vmf.vma.vm_flags & VM_SHARED:
            return self.do_cow_fault(vmf)
        return self.do_shared_fault(vmf)

    def _beyond_eof(self, vmf: FaultContext) -> bool:
        f = vmf.vma.vm_file
        return vmf.pgoff >= f.pages

    def filemap_fault(self, vmf: FaultContext) -> int:
        """->fault: find the page in the cache, or read it in (a major fault).
        Sets ``vmf.page`` (with a reference held for the caller)."""
        vmf.steps.append("shmem_fault" if vmf.vma.vm_file.shmem else "filemap_fault")
        f = vmf.vma.vm_file
        vma = vmf.vma
        if self._beyond_eof(vmf):
            vmf.reason = (f"page {vmf.pgoff} of {f.display_name} lies wholly beyond the end of "
                          f"the file ({f.size} bytes): SIGBUS")
            return int(VM_FAULT.SIGBUS)
        page = f.mapping.pages.get(vmf.pgoff)
        ret = 0
        if f.shmem:
            if page is None and vmf.pgoff in f.mapping.swapped:
                page, ret = self.shmem_swapin(vmf, f)
                if page is None:
                    return ret
            elif page is None:
                vmf.steps.append("shmem_alloc_folio")
                page = self._read_page_from_disk(f, vmf.pgoff)
                if page is None:
                    return int(VM_FAULT.OOM)
                vmf.reason = "first touch of a shared anonymous (shmem) page: a zeroed page"
            else:
                vmf.reason = "the shmem page is in memory: map it"
        elif page is not None:
            # filemap_get_folio takes the reference first: the async readahead below
            # allocates, may wake kswapd, and reclaim must not free the page we map.
            vmf.steps.append("filemap_get_folio")
            page.refcount += 1
            if page.flags & PG_readahead and not vma.vm_flags & VM.RAND_READ:
                vmf.steps.append("do_async_mmap_readahead")
                self._async_readahead(f, page)
            if f.ra.mmap_miss > 0:
                f.ra.mmap_miss -= 1
            vmf.reason = "page cache hit: the page is in memory already"
            vmf.page = page
            return ret
        else:
            self.machine.vmstat["pgmajfault"] += 1
            ret = int(VM_FAULT.MAJOR)
            vmf.steps.append("do_sync_mmap_readahead")
            self._sync_mmap_readahead(vmf, f)
            page = f.mapping.pages.get(vmf.pgoff)
            if page is None:
                vmf.steps.append("filemap_read_folio")
                page = self._read_page_from_disk(f, vmf.pgoff)
                if page is None:
                    return int(VM_FAULT.OOM)
            vmf.steps.append("VM_FAULT_RETRY")       # the mmap lock was dropped for the I/O
            vmf.reason = ("page cache miss: read from the disk"
                          + ("" if vma.vm_flags & VM.RAND_READ else ", with read-around")
                          + " (a major fault)")
        page.refcount += 1
        vmf.page = page
        return ret

    def _sync_mmap_readahead(self, vmf: FaultContext, f: File) -> None:
        vma = vmf.vma
        ra_pages = self.machine.config.read_ahead_kb // 4
        if vma.vm_flags & VM.RAND_READ or not ra_pages:
            return
        ra = f.ra
        if vma.vm_flags & VM.SEQ_READ:
            ra.start, ra.size, ra.async_size = vmf.pgoff, ra_pages, ra_pages
            self.readahead(f, vmf.pgoff, ra_pages, ra_pages)
            return
        if ra.mmap_miss < MMAP_LOTSAMISS * 10:
            ra.mmap_miss += 1
        if ra.mmap_miss > MMAP_LOTSAMISS:
            return
        ra.start = max(0, vmf.pgoff - ra_pages // 2)
        ra.size = ra_pages
        ra.async_size = ra_pages // 4
        self.readahead(f, ra.start, ra.size, ra.async_size)

    def _async_readahead(self, f: File, page: Page) -> None:
        """A hit on a PG_readahead page: read the next window ahead (page_cache_async_ra)."""
        page.flags &= ~PG_readahead
        ra = f.ra
        max_pages = max(self.machine.config.read_ahead_kb // 4, 1)
        start = ra.start + ra.size
        size = min(ra.size * 2 if ra.size < max_pages // 16 else ra.size, max_pages)
        ra.start, ra.size, ra.async_size = start, size, size
        self.readahead(f, start, size, size)

    def do_fault_around(self, vmf: FaultContext) -> int:
        """Map the cached pages of the aligned fault_around window around the address
        (filemap_map_pages); VM_FAULT.NOPAGE if the faulting page got mapped."""
        vma = vmf.vma
        nr = self.machine.config.fault_around_bytes // PAGE_SIZE
        entries = self.machine.mode.entries
        pte_off = (vmf.address >> 12) & (entries - 1)
        vma_off = vmf.pgoff - vma.vm_pgoff
        from_pte = max(pte_off - pte_off % nr, pte_off - min(pte_off, vma_off))
        to_pte = min(from_pte + nr, entries, pte_off + vma.pages() - vma_off) - 1
        vmf.steps.append("do_fault_around")
        f = vma.vm_file
        table = vmf.table
        base = vmf.address - (pte_off << 12)
        mapped_self = False
        missed = 0
        pages = f.mapping.pages
        eof = f.pages
        for off in range(from_pte, to_pte + 1):
            pgoff = vmf.pgoff + off - pte_off
            if pgoff >= eof or table[off]:
                continue
            page = pages.get(pgoff)
            if page is None or page.flags & PG_readahead or not page.flags & PG_uptodate:
                continue
            self._map_page(vma, base + (off << 12), table, off, page, write=False,
                           prefault=off != pte_off)
            if not page.flags & PG_workingset:
                missed += 1
            if off == pte_off:
                mapped_self = True
        if missed:
            f.ra.mmap_miss = max(f.ra.mmap_miss - missed, 0)
        if mapped_self:
            vmf.steps.append("filemap_map_pages")
            vmf.handler = "do_read_fault"
            vmf.page = pages.get(vmf.pgoff)
            vmf.reason = ("page cache hit: fault-around mapped this page and its cached "
                          "neighbours")
            return int(VM_FAULT.NOPAGE)
        return 0

    def _map_page(self, vma, address: int, table: list[int], index: int, page: Page,
                  write: bool, prefault: bool = False) -> None:
        """set_pte_range: map a page-cache page (file rmap; RSS file or shmem)."""
        entry = pfn_pte(page.pfn, vma.vm_page_prot)
        if prefault:
            entry &= ~0x20                          # prefaulted entries start old
        if write:
            entry |= _D | (_RW if vma.vm_flags & VM_WRITE else 0)
        folio_add_file_rmap(page)
        page.refcount += 1
        vma.vm_mm.add_rss(MM.SHMEMPAGES if page.flags & PG_swapbacked else MM.FILEPAGES, 1)
        table[index] = entry

    def do_read_fault(self, vmf: FaultContext) -> int:
        vmf.steps.append("do_read_fault")
        vmf.handler = "do_read_fault"
        if self.machine.config.fault_around_bytes > PAGE_SIZE and not self._beyond_eof(vmf):
            ret = self.do_fault_around(vmf)
            if ret:
                return ret
        ret = self.filemap_fault(vmf)
        if ret & VM_FAULT_ERROR_MASK:
            return ret
        page = vmf.page
        if ret & VM_FAULT.MAJOR and self.machine.config.fault_around_bytes > PAGE_SIZE:
            # The read dropped the mmap lock (VM_FAULT_RETRY); the retried fault
            # (FAULT_FLAG_TRIED) finds the window cached and fault-around maps it.
            reason = vmf.reason
            if self.do_fault_around(vmf):
                vmf.reason = reason + "; the retried fault mapped its fault-around window"
                page.refcount -= 1
                return ret | int(VM_FAULT.NOPAGE)
            vmf.page = page
        if vmf.table[vmf.index] == 0:
            vmf.steps.append("finish_fault")
            self._map_page(vmf.vma, vmf.address, vmf.table, vmf.index, page, write=False)
        page.refcount -= 1                          # the reference filemap_fault took
        return ret

    def do_cow_fault(self, vmf: FaultContext) -> int:
        """Private write to a file page not yet mapped: copy it into an anonymous page."""
        vmf.steps.append("do_cow_fault")
        vmf.handler = "do_cow_fault"
        vma = vmf.vma
        anon_vma_prepare(vma, vmf.steps)
        new = self.machine.alloc_user_page(vmf)
        if new is None:
            return int(VM_FAULT.OOM)
        ret = self.filemap_fault(vmf)
        if ret & VM_FAULT_ERROR_MASK:
            put_page(self.machine, new)
            return ret
        page = vmf.page
        self.machine.phys.copy_page(new.pfn, page.pfn)
        vmf.steps.append("copy_user_highpage")
        vmf.steps.append("finish_fault")
        folio_add_new_anon_rmap(new, vma, vmf.address)
        self.machine.lru_cache_add(new)
        vma.vm_mm.add_rss(MM.ANONPAGES, 1)
        vmf.table[vmf.index] = pfn_pte(new.pfn, vma.vm_page_prot) | _D | _RW
        vmf.cow_page = new
        put_page(self.machine, page)
        vmf.reason = ("private write to a file page: copy it into a private anonymous page "
                      "(the file is untouched); " + vmf.reason)
        return ret

    def do_shared_fault(self, vmf: FaultContext) -> int:
        """Shared write to a file page not yet mapped: map the page itself, dirty."""
        vmf.steps.append("do_shared_fault")
        vmf.handler = "do_shared_fault"
        ret = self.filemap_fault(vmf)
        if ret & VM_FAULT_ERROR_MASK:
            return ret
        page = vmf.page
        if not vmf.vma.vm_file.shmem:
            vmf.steps.append("do_page_mkwrite")
        vmf.steps.append("finish_fault")
        self._map_page(vmf.vma, vmf.address, vmf.table, vmf.index, page, write=True)
        self.folio_mark_dirty(page)
        vmf.steps.append("fault_dirty_shared_page")
        page.refcount -= 1
        vmf.reason = "shared write: map the page-cache page itself, writable and dirty; " + \
            vmf.reason
        return ret

    def wp_page_shared(self, vmf: FaultContext) -> int:
        """Write to a write-protected page of a shared mapping: write-notify
        (page_mkwrite), then reuse the page writable and dirty."""
        vmf.steps.append("wp_page_shared")
        page = vmf.page
        if page is None:
            return wp_page_reuse(vmf)
        vmf.steps.append("do_page_mkwrite")
        self.folio_mark_dirty(page)
        ret = wp_page_reuse(vmf)
        vmf.handler = "do_wp_page"
        vmf.reason = ("write-notify: first write to a clean shared page; the file system "
                      "learns it is dirty, the entry becomes writable")
        return ret

    def madvise_willneed(self, vma, start: int, end: int) -> None:
        """MADV_WILLNEED on a file range: read it into the page cache now
        (vfs_fadvise WILLNEED -> force_page_cache_readahead); no fault is taken.
        On shmem it only swaps in what is in swap (shmem_swapin_range): it never
        allocates pages that were not there."""
        f = vma.vm_file
        if f.shmem:                                 # shmem_swapin_range: swap cache only
            first = vma.linear_page_index(start)
            last = vma.linear_page_index(end - 1)
            for index, entry in list(f.mapping.swapped.items()):
                if first <= index <= last:
                    self.machine.swap.read_swap_cache_async(entry, may_oom=False)
            return
        first = vma.linear_page_index(start)
        self.readahead(f, first, vma.linear_page_index(end - 1) - first + 1)

    # -- msync -------------------------------------------------------------------------
    def msync(self, mm, start: int, end: int) -> int:
        """msync(MS_SYNC): write back the shared file pages of the range; their entries
        become clean and read-only again (write-notify re-armed)."""
        if not mm.mmap.covers(start, end):
            return E.ENOMEM      # a hole: nothing is synced (Linux syncs the mapped parts)
        for vma in mm.mmap.overlapping(start, end):
            f = vma.vm_file
            if f is None or f.shmem or not vma.vm_flags & VM_SHARED:
                continue
            lo, hi = max(start, vma.vm_start), min(end, vma.vm_end)
            for addr in range(lo, hi, PAGE_SIZE):
                found = walk(mm, addr)
                if found is None:
                    continue
                table, i = found
                pte = table[i]
                if not pte & (_P | _PROTNONE):
                    continue
                page = self.machine.phys.mem_map[(pte & PFN_MASK) >> 12]
                if page.mapping is not f.mapping:
                    continue
                self.folio_mkclean(page)
                if page.flags & PG_dirty:
                    self.writepage(page)
        return 0


VM_FAULT_ERROR_MASK = int(VM_FAULT.OOM | VM_FAULT.SIGBUS | VM_FAULT.SIGSEGV)
