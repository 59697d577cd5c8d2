"""The 2.6-era names of the fault path, for narrating the ``classic`` profile.

The model records today's (6.x) function names in ``FaultRecord.steps``.  The
two Chinese texts on demand paging (请页机制) this project implements, and the
2.6 kernel they describe, name the same path differently: ``do_page_fault``
(the trap and the decoding together), the ``good_area`` / ``bad_area`` labels,
``do_no_page`` for every first touch of a file page (``vm_ops->nopage`` =
``filemap_nopage``), ``do_wp_page`` doing reuse and copy itself.
``classic_path(steps)`` rewrites a path in those names; a step that has no
2.6 counterpart keeps its modern name, marked ``[6.x]``.
"""

from __future__ import annotations

from collections.abc import Sequence

# modern name -> 2.6 name ("" : folded into the step before, no name of its own)
CLASSIC = {
    "exc_page_fault": "do_page_fault",
    "do_user_addr_fault": "",
    "find_vma": "find_vma", "expand_stack": "expand_stack",
    "bad_area": "bad_area", "bad_area_nosemaphore": "bad_area_nosemaphore",
    "bad_area_access_error": "bad_area",
    "handle_mm_fault": "handle_mm_fault", "handle_pte_fault": "handle_pte_fault",
    "pgd_alloc": "pgd_alloc", "pud_alloc": "pud_alloc", "pmd_alloc": "pmd_alloc",
    "pte_alloc": "pte_alloc_map",
    "do_anonymous_page": "do_anonymous_page", "map_zero_page": "ZERO_PAGE",
    "anon_vma_prepare": "anon_vma_prepare", "alloc_page": "alloc_page_vma",
    "clear_user_highpage": "clear_user_highpage", "copy_user_highpage": "copy_user_highpage",
    "do_fault": "do_no_page", "do_read_fault": "do_no_page", "do_cow_fault": "do_no_page",
    "do_shared_fault": "do_no_page", "finish_fault": "",
    "filemap_get_folio": "filemap_nopage", "filemap_read_folio": "filemap_nopage",
    "do_sync_mmap_readahead": "page_cache_readahead",
    "do_async_mmap_readahead": "page_cache_readahead",
    "shmem_fault": "shmem_nopage", "shmem_alloc_folio": "shmem_alloc_page",
    "shmem_swapin_folio": "shmem_swapin",
    "do_wp_page": "do_wp_page", "wp_page_reuse": "", "wp_page_copy": "",
    "wp_page_shared": "", "reuse": "", "do_page_mkwrite": "page_mkwrite",
    "fault_dirty_shared_page": "set_page_dirty",
    "do_swap_page": "do_swap_page", "swap_cache_get_folio": "lookup_swap_cache",
    "swapin_readahead": "swapin_readahead", "swap_readpage": "swap_readpage",
    "do_sigbus": "do_sigbus", "pagefault_out_of_memory": "out_of_memory",
    "exc_general_protection": "do_general_protection",
}


def classic_name(step: str) -> str:
    """The 2.6 name of ``step``; modern-only names come back marked ``[6.x]``."""
    name = CLASSIC.get(step)
    if name is None:
        return f"{step} [6.x]"
    return name or step


def classic_path(steps: Sequence[str]) -> list[str]:
    """``steps`` in 2.6 names: folded steps dropped, repeats merged, and
    ``good_area`` where the VMA was found and allowed the access."""
    out: list[str] = []
    bad = any(s.startswith("bad_area") for s in steps)
    for i, step in enumerate(steps):
        name = CLASSIC.get(step)
        if name == "":
            continue
        if step == "bad_area_access_error":
            out.append("good_area")            # the label the access checks live under
        name = classic_name(step)
        if not out or out[-1] != name:
            out.append(name)
        after = steps[i + 1] if i + 1 < len(steps) else ""
        if step in ("find_vma", "expand_stack") and not bad and after != "expand_stack":
            out.append("good_area")
    return out
