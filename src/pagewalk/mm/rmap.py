"""Reverse mapping (mm/rmap.c): from a page to the PTEs that map it.

Object-based, as in Linux: an anonymous page points at its ``AnonVma`` and
stores its linear index, and the anon_vma knows every VMA that may map its
pages (a forked child's VMAs are linked into the parent's anon_vmas: the
anon_vma chain); a file page points at the file's ``AddressSpace`` whose
``i_mmap`` lists the VMAs that map the file. ``rmap_walk`` turns that into the
(vma, address, table, index) of every PTE mapping the page.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..arch.pte import PFN_MASK
from .page import Page, PG_anon, PG_anon_exclusive, PG_swapbacked
from .pagetable import walk
from .vma import VMA, AnonVma

_ANON_NEW = int(PG_anon | PG_swapbacked | PG_anon_exclusive)


def anon_vma_prepare(vma: VMA, steps: list[str] | None = None) -> None:
    """Give ``vma`` an anon_vma at its first anonymous page (mm/rmap.c)."""
    if vma.anon_vma is None:
        av = AnonVma()
        vma.anon_vma = av
        vma.anon_vma_chain = [av]
        av.vmas[vma] = None
        if steps is not None:
            steps.append("anon_vma_prepare")


def anon_vma_fork(child: VMA, parent: VMA) -> None:
    """Link the child's VMA into every anon_vma of the parent's chain, plus a new own one."""
    if parent.anon_vma is None:
        return
    av = AnonVma(parent.anon_vma)
    child.anon_vma = av
    child.anon_vma_chain = [*parent.anon_vma_chain, av]
    for a in child.anon_vma_chain:
        a.vmas[child] = None


def anon_vma_clone(dst: VMA, src: VMA) -> None:
    """A split VMA shares its anon_vma and chain (anon_vma_clone)."""
    dst.anon_vma = src.anon_vma
    dst.anon_vma_chain = list(src.anon_vma_chain)
    for a in dst.anon_vma_chain:
        a.vmas[dst] = None


def unlink_anon_vmas(vma: VMA) -> None:
    for a in vma.anon_vma_chain:
        a.vmas.pop(vma, None)
    vma.anon_vma_chain = []


def folio_add_new_anon_rmap(page: Page, vma: VMA, address: int) -> None:
    """A freshly allocated anonymous page, mapped once, exclusive to this mm."""
    page.flags |= _ANON_NEW
    page.mapping = vma.anon_vma
    page.index = vma.linear_page_index(address)
    page.mapcount = 1


def folio_add_file_rmap(page: Page) -> None:
    page.mapcount += 1


def folio_remove_rmap(page: Page) -> None:
    page.mapcount -= 1


def folio_dup_anon_rmap(page: Page) -> None:
    """fork: the child maps the page too; neither side owns it exclusively any more.
    The reference is the folio's (a subpage of a split THP refers to its head)."""
    page.mapcount += 1
    page.folio().refcount += 1
    page.flags &= ~PG_anon_exclusive


def rmap_walk(page: Page) -> Iterator[tuple[VMA, int, list[int], int]]:
    """Every PTE that maps ``page``: (vma, address, pte table, index)."""
    owner = page.mapping
    if owner is None:
        return
    vmas = owner.vmas if isinstance(owner, AnonVma) else owner.i_mmap
    pfn = page.pfn
    for vma in list(vmas):
        address = vma.vm_start + ((page.index - vma.vm_pgoff) << 12)
        if not vma.vm_start <= address < vma.vm_end:
            continue
        found = walk(vma.vm_mm, address)
        if found is None:
            continue
        table, i = found
        pte = table[i]
        if pte & 0x101 and (pte & PFN_MASK) >> 12 == pfn:
            yield vma, address, table, i
