"""Narrate a page fault in the terms of the two Chinese texts on Linux demand
paging (请页机制) this project implements, in English or Chinese.

``explain(rec, lang)`` builds the story of one ``FaultRecord`` from its fields
only — ``error_code``, ``steps`` (the kernel functions visited), ``handler``,
``major``, ``signal``/``code``, ``vma`` and ``pfn`` — never from the English
``reason``: the decoded error code, the VMA found (or why none), the page-table
levels allocated (steps ending in ``_alloc``), the handler and why, the result
and the frame.  Unknown step names are shown as they are.  With ``mode`` (a
``PagingMode``) it also splits the address into its page-table indices; with
``classic`` it names the path as the 2.6 kernel did (:mod:`.classic_names`);
reclaim runs inside the fault are narrated where they happened, inside the
allocation (:mod:`.reclaim_story`, ``reclaim_limit`` victims one by one).
"""

from __future__ import annotations

from ..arch.paging import PagingMode
from .classic_names import classic_name, classic_path
from .reclaim_story import explain_reclaim
from .tracepoints import FaultRecord

LANGS = ("en", "zh")

_T = {
    "en": {
        "fault": "page fault", "at": "at", "user": "user", "kernel": "kernel",
        "read": "read", "write": "write", "fetch": "instruction fetch",
        "notpresent": "page not present (bit 0 = 0)", "prot": "protection violation (bit 0 = 1)",
        "gp": "a non-canonical address: general protection (#GP), not a page fault",
        "vma": "find_vma: VMA {vma} contains the address",
        "novma": "find_vma: no VMA contains the address",
        "kspace": "the address is in kernel space, above TASK_SIZE",
        "stack": "the address is just below a stack VMA: expand_stack grew it",
        "nostack": "the stack may not grow that far",
        "access": "the VMA's permissions forbid this access",
        "alloc": "page tables allocated: {levels}",
        "zero": "demand paging (请求调页): a read of a never-touched anonymous page maps the "
                "shared zero page, read-only",
        "demand": "demand paging (请求调页): a first write gets a zeroed page of its own",
        "cowzero": "copy-on-write from the zero page: a zeroed page of its own",
        "cowcopy": "copy-on-write: the page is shared, so it is copied",
        "reuse": "copy-on-write fault, but this task is the page's only user: reuse it, no copy",
        "wpshared": "write-notify: a first write to a clean shared file page makes it dirty",
        "swapin": "the PTE holds a swap entry: swap-in from the swap file (交换文件)",
        "swapcache": "the PTE holds a swap entry; the page is still in the swap cache",
        "swapra": "swap readahead reads the neighbouring slots too",
        "disk": "page cache miss: the page is read from the disk",
        "ra": "readahead reads more of the file",
        "hit": "page cache hit: the page is in memory already",
        "around": "fault-around maps the cached neighbours too",
        "cow_file": "private write to a file page: copied into an anonymous page",
        "shared_file": "shared file page: the page-cache page itself is mapped",
        "shmem": "shmem (shared anonymous) page",
        "thp": "a transparent huge page (2 MiB) is mapped by the PMD",
        "sigbus": "nothing behind the address (beyond end of file): SIGBUS",
        "oom": "out of memory",
        "handler": "handler {h}",
        "minor": "minor fault", "major": "major fault (I/O)", "signal": "signal {sig} ({code})",
        "frame": "mapped to frame {pfn:#x}", "path": "path",
        "indices": "page-table indices ({mode}): {parts}, offset {off:#x}",
        "reclaim": "the allocation needed a frame: ",
    },
    "zh": {
        "fault": "缺页异常", "at": "地址", "user": "用户态", "kernel": "内核态",
        "read": "读访问", "write": "写访问", "fetch": "取指令",
        "notpresent": "页不存在 (bit 0 = 0)", "prot": "访问权限错误 (bit 0 = 1)",
        "gp": "非规范地址：一般保护异常 (#GP)，不是缺页异常",
        "vma": "find_vma：虚存区 {vma} 包含该地址",
        "novma": "find_vma：没有虚存区包含该地址，非法虚地址",
        "kspace": "该地址在内核空间 (TASK_SIZE 之上)，用户进程不可访问",
        "stack": "地址紧挨在栈虚存区之下：expand_stack 扩展了栈",
        "nostack": "栈不能扩展到那么远",
        "access": "虚存区的访问权限不允许这种访问 (段权限错误)",
        "alloc": "分配了页表：{levels}",
        "zero": "请求调页：读一个从未访问过的匿名页，映射只读的零页",
        "demand": "请求调页：第一次写，分配一个填充为0的新页面",
        "cowzero": "写时复制：写零页，分配一个填充为0的新页面",
        "cowcopy": "写时复制：页面被共享，复制到一个新的页面并标记为可写",
        "reuse": "写时复制缺页，但本进程是页面的唯一属主：直接改为可写，不复制",
        "wpshared": "共享文件页的第一次写：标记为脏页",
        "swapin": "页表项无效但非空 (交换项)：从交换文件装入页",
        "swapcache": "页表项是交换项，但页面还在交换缓存中",
        "swapra": "交换预读：同时读入相邻的交换槽",
        "disk": "页缓存未命中：从磁盘映像读入页面",
        "ra": "预读：读入文件的更多页面",
        "hit": "页缓存命中：页面已在内存中",
        "around": "fault-around：同时映射缓存中的相邻页面",
        "cow_file": "私有映射的文件页被写：复制到一个匿名页 (写时复制)",
        "shared_file": "共享文件映射：直接映射页缓存中的页面",
        "shmem": "共享匿名内存 (shmem) 页面",
        "thp": "透明大页 (2 MiB) 由 PMD 直接映射",
        "sigbus": "地址后面没有数据 (超出文件末尾)：SIGBUS",
        "oom": "内存不足",
        "handler": "处理函数 {h}",
        "minor": "次缺页 (minor)", "major": "主缺页 (major，需要磁盘I/O)",
        "signal": "发送信号 {sig} ({code})，终止进程",
        "frame": "映射到物理页面 {pfn:#x}", "path": "路径",
        "indices": "页表索引 ({mode})：{parts}，页内偏移 {off:#x}",
        "reclaim": "分配页面时空闲页不足：",
    },
}


def _error_code(ec: int, t: dict[str, str]) -> str:
    who = t["user"] if ec & 4 else t["kernel"]
    what = t["fetch"] if ec & 16 else (t["write"] if ec & 2 else t["read"])
    why = t["prot"] if ec & 1 else t["notpresent"]
    return f"error_code={ec:#x}: {who}, {what}, {why}"


def _why(rec: FaultRecord, t: dict[str, str]) -> list[str]:
    s = set(rec.steps)
    out: list[str] = []
    if "do_huge_pmd_anonymous_page" in s or "huge_pmd_fault" in s:
        out.append(t["thp"])
    if "map_zero_page" in s:
        out.append(t["zero"])
    elif rec.handler == "do_anonymous_page":
        out.append(t["demand"])
    if "wp_page_reuse" in s:
        out.append(t["reuse"])
    if "wp_page_copy" in s:
        out.append(t["cowzero"] if "clear_user_highpage" in s else t["cowcopy"])
    if "wp_page_shared" in s or ("do_page_mkwrite" in s and rec.handler == "do_wp_page"):
        out.append(t["wpshared"])
    if rec.handler == "do_swap_page":
        out.append(t["swapin"] if rec.major or "swap_readpage" in s else t["swapcache"])
        if "swapin_readahead" in s:
            out.append(t["swapra"])
    if "shmem_fault" in s:
        out.append(t["shmem"])
    if "do_fault_around" in s and "filemap_map_pages" in s and not rec.major:
        out.append(t["around"])
    if "filemap_read_folio" in s or (rec.major and rec.handler in (
            "do_read_fault", "do_cow_fault", "do_shared_fault")):
        out.append(t["disk"])
        if "do_sync_mmap_readahead" in s or "do_async_mmap_readahead" in s:
            out.append(t["ra"])
    elif "filemap_get_folio" in s and "shmem_fault" not in s:
        out.append(t["hit"])
    if rec.handler == "do_cow_fault":
        out.append(t["cow_file"])
    if rec.handler == "do_shared_fault":
        out.append(t["shared_file"])
    if "do_sigbus" in s:
        out.append(t["sigbus"])
    if "pagefault_out_of_memory" in s:
        out.append(t["oom"])
    return out


def indices_line(address: int, mode: PagingMode, lang: str = "en") -> str:
    """The address split as the MMU walks it: each level's index and the offset."""
    parts = ", ".join(f"{lv} {mode.index(i, address)}" for i, lv in enumerate(mode.levels))
    return _T[lang]["indices"].format(mode=mode.name, parts=parts, off=address & 0xFFF)


def explain(rec: FaultRecord, lang: str = "en", *, classic: bool = False,
            mode: PagingMode | None = None, reclaim_limit: int | None = 3) -> list[str]:
    """The lines that narrate ``rec`` (first line: the fault and its error code)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    t = _T[lang]
    head = f"{t['fault']} pid {rec.pid} {t['at']} {rec.address:#x}"
    lines = [head + (": " + _error_code(rec.error_code, t) if rec.error_code is not None
                     else ": " + t["gp"])]
    s = rec.steps
    if mode is not None and rec.error_code is not None and rec.address < mode.address_limit:
        lines.append(indices_line(rec.address, mode, lang))
    if "bad_area_nosemaphore" in s and "find_vma" not in s:
        lines.append(t["kspace"])
    elif "find_vma" in s:
        if rec.vma is not None:
            lines.append(t["vma"].format(vma=rec.vma))
            if "expand_stack" in s:
                lines.append(t["stack"])
        elif "expand_stack" in s:
            lines.append(t["nostack"])
        else:
            lines.append(t["novma"])
    if "bad_area_access_error" in s:
        lines.append(t["access"])
    levels = [classic_name(x) if classic else x for x in s if x.endswith("_alloc")]
    if levels:
        lines.append(t["alloc"].format(levels=", ".join(levels)))
    why = _why(rec, t)
    if rec.handler and rec.handler not in ("bad_area", "bad_area_nosemaphore",
                                           "exc_general_protection"):
        h = classic_name(rec.handler) if classic else rec.handler
        lines.append(t["handler"].format(h=h) + (": " + "; ".join(why) if why else ""))
    elif why:
        lines.append("; ".join(why))
    for run in rec.reclaim:
        story = explain_reclaim(run, lang, reclaim_limit)
        lines.append(t["reclaim"] + story[0])
        lines.extend("  " + line for line in story[1:])
    if rec.signal:
        lines.append(t["signal"].format(sig=rec.signal, code=rec.code))
    else:
        result = t["major"] if rec.major else t["minor"]
        if rec.pfn is not None:
            result += ", " + t["frame"].format(pfn=rec.pfn)
        lines.append(result)
    lines.append(f"{t['path']}: " + " → ".join(classic_path(s) if classic else s))
    return lines
