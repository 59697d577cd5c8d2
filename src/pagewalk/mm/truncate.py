"""ftruncate of a file that may be mapped (mm/truncate.c, mm/memory.c unmap_mapping_range).

    do_truncate -> truncate_setsize(inode, newsize)
      i_size_write                    the new size
      truncate_pagecache              shrinking:
        unmap_mapping_range(holebegin, even_cows=1)   every PTE beyond the new EOF
                                      goes, in every mapping, shared or private (a
                                      private COW copy too): a later access there is
                                      SIGBUS BUS_ADRERR (the page is beyond EOF)
        truncate_inode_pages          page-cache pages (and shmem swap slots) beyond
                                      EOF are freed; the tail of the last page is zeroed
      growing                         nothing to free: the new range reads zeros

The disk copy shrinks with the file, so growing it again reads zeros, not the
old bytes.
"""

from __future__ import annotations

from ..errors import InvalidArgument
from ..units import parse_size
from .memory import zap_pte_range

PAGE_SIZE = 4096


def truncate_setsize(machine, f, new_size: int | str) -> None:
    if isinstance(new_size, int) and not isinstance(new_size, bool) and new_size < 0:
        raise InvalidArgument(f"truncate: size {new_size}; give a size >= 0")
    n = parse_size(new_size, "truncate size", allow_zero=True)
    old = f.size
    f.size = n
    if n >= old:
        return
    holebegin = (n + PAGE_SIZE - 1) // PAGE_SIZE
    unmap_mapping_range(f, holebegin)
    truncate_inode_pages(machine, f, holebegin)
    if n % PAGE_SIZE:                           # zero the tail of the partial page
        index, off = divmod(n, PAGE_SIZE)
        page = f.mapping.pages.get(index)
        if page is not None:
            machine.phys.write(page.pfn, off, bytes(PAGE_SIZE - off))
        if index in f.disk:
            f.disk[index] = f.disk[index][:off].ljust(PAGE_SIZE, b"\0")


def unmap_mapping_range(f, first_index: int) -> None:
    """Zap every PTE of every mapping of ``f`` at file page >= first_index (even_cows)."""
    for vma in list(f.mapping.i_mmap):
        lo_index = max(first_index, vma.vm_pgoff)
        if lo_index >= vma.vm_pgoff + vma.pages():
            continue
        start = vma.vm_start + ((lo_index - vma.vm_pgoff) << 12)
        zap_pte_range(vma, start, vma.vm_end)


def truncate_inode_pages(machine, f, first_index: int) -> None:
    fm = machine.filemap
    for index, page in sorted(f.mapping.pages.items()):
        if index >= first_index:
            fm.delete_from_page_cache(page)
    swap = machine.swap
    for index, entry in list(f.mapping.swapped.items()):
        if index >= first_index:
            del f.mapping.swapped[index]
            swap.si.free(entry)
            page = swap.cache.get(entry)
            if page is not None and not page.mapcount:
                swap.folio_free_swap(page)
    for index in [i for i in f.disk if i >= first_index]:
        del f.disk[index]
