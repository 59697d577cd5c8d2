"""Narrate a reclaim run (a ``ReclaimRecord``): who reclaimed, why, and each victim.

``explain_reclaim(rec, lang, limit)`` returns lines such as::

    kswapd woke (free 39 ≤ low 40 pages): freed 24 pages (scanned 32), free now 63 > high 62
      pfn 0x1a3 (pid 2 at 0x7f0000003000) from inactive_anon: no PTE accessed since the
      last scan, PG_referenced clear → written to swap slot 17
      … and 21 more: 20 written to swap (slots 18–37), 1 file page dropped

A victim is chosen because it reached the tail of its inactive list and
``folio_check_references`` found no young PTE (the accessed bit, cleared at
each look) and at most one earlier use (PG_referenced); MADV_PAGEOUT ignores
references.  ``limit`` victims are narrated one by one (None: all), the rest
summed up in one line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .tracepoints import ReclaimRecord, ReclaimVictim

_T = {
    "en": {
        "kswapd": "kswapd woke (free {free} ≤ low {low} pages): freed {n} pages (scanned "
                  "{scanned}), free now {after} (high {high})",
        "direct": "direct reclaim by pid {pid} (free {free} ≤ min {min} pages): freed {n} pages "
                  "(scanned {scanned}), free now {after}",
        "madvise": "MADV_PAGEOUT: reclaimed {n} pages now, whatever their references",
        "owner": "pid {pid} at {addr:#x}", "unmapped": "mapped by no one",
        "victim": "pfn {pfn:#x} ({owners}) from {lru}: {why} → {outcome}",
        "why": "no PTE accessed since the last scan (accessed bit clear), PG_referenced {ref}",
        "set": "set (one earlier use is not enough to keep it)", "clear": "clear",
        "forced": "madvise(MADV_PAGEOUT) asked for it",
        "swapout": "written to swap slot {slot}", "swapcache":
        "its copy in swap slot {slot} is up to date: dropped without I/O",
        "writeback": "written back to {file} (page {index}), then dropped from the page cache",
        "dropped": "clean file page ({file}, page {index}): dropped from the page cache",
        "discarded": "MADV_FREE'd and clean: discarded, no I/O",
        "more": "… and {n} more: {parts}", "slots": " (slots {lo}–{hi})", "slot1": " (slot {slot})",
        "k_swapout": "{n} written to swap", "k_swapcache": "{n} dropped (swap copy up to date)",
        "k_writeback": "{n} file pages written back", "k_dropped": "{n} clean file pages dropped",
        "k_discarded": "{n} lazyfree pages discarded",
    },
    "zh": {
        "kswapd": "kswapd 被唤醒（空闲 {free} ≤ low {low} 页）：回收了 {n} 页"
                  "（扫描 {scanned} 页），现在空闲 {after}（high {high}）",
        "direct": "进程 {pid} 直接回收（空闲 {free} ≤ min {min} 页）：回收了 {n} 页"
                  "（扫描 {scanned} 页），现在空闲 {after}",
        "madvise": "MADV_PAGEOUT：立即回收 {n} 页，不管是否被访问过",
        "owner": "进程 {pid} 的 {addr:#x}", "unmapped": "没有映射",
        "victim": "物理页面 {pfn:#x}（{owners}）取自 {lru}：{why} → {outcome}",
        "why": "上次扫描以来没有页表项被访问（访问位为0），PG_referenced {ref}",
        "set": "为1（只用过一次不足以留下）", "clear": "为0",
        "forced": "madvise(MADV_PAGEOUT) 要求回收",
        "swapout": "写入交换槽 {slot}（换出）",
        "swapcache": "交换槽 {slot} 中的副本是最新的：直接丢弃，无I/O",
        "writeback": "写回文件 {file}（第 {index} 页），然后从页缓存删除",
        "dropped": "干净的文件页（{file}，第 {index} 页）：从页缓存删除",
        "discarded": "MADV_FREE 且未被写过：直接丢弃，无I/O",
        "more": "… 以及另外 {n} 页：{parts}",
        "slots": "（交换槽 {lo}–{hi}）", "slot1": "（交换槽 {slot}）",
        "k_swapout": "{n} 页写入交换区", "k_swapcache": "{n} 页直接丢弃（交换副本最新）",
        "k_writeback": "{n} 个文件页写回", "k_dropped": "{n} 个干净文件页被丢弃",
        "k_discarded": "{n} 个 lazyfree 页被丢弃",
    },
}


def explain_victim(v: ReclaimVictim, lang: str = "en") -> str:
    """One line: which page, taken from whom, why, and where it went."""
    t = _T[lang]
    owners = ", ".join(t["owner"].format(pid=p, addr=a) for p, a in v.owners) or t["unmapped"]
    why = t["forced"] if v.forced else t["why"].format(ref=t["set" if v.referenced else "clear"])
    outcome = t[v.outcome].format(slot=v.slot, file=v.file, index=v.index)
    return t["victim"].format(pfn=v.pfn, owners=owners, lru=v.lru, why=why, outcome=outcome)


def outcomes(victims: Sequence[ReclaimVictim], lang: str = "en") -> str:
    """Where the pages went, counted: "20 written to swap (slots 4–23), 1 ..."."""
    return _outcomes(victims, _T[lang])


def _summary(rest: tuple[ReclaimVictim, ...], t: dict[str, str]) -> str:
    return t["more"].format(n=len(rest), parts=_outcomes(rest, t))


def _outcomes(rest: Sequence[ReclaimVictim], t: dict[str, str]) -> str:
    counts = Counter(v.outcome for v in rest)
    parts = []
    for outcome in ("swapout", "swapcache", "writeback", "dropped", "discarded"):
        if counts[outcome]:
            part = t[f"k_{outcome}"].format(n=counts[outcome])
            slots = [v.slot for v in rest if v.outcome == outcome and v.slot is not None]
            if outcome == "swapout" and slots:
                part += (t["slots"].format(lo=min(slots), hi=max(slots)) if len(slots) > 1
                         else t["slot1"].format(slot=slots[0]))
            parts.append(part)
    return ", ".join(parts)


def explain_reclaim(rec: ReclaimRecord, lang: str = "en", limit: int | None = 3) -> list[str]:
    """The head line of the run, then its victims (indented by the caller)."""
    t = _T[lang]
    wmin, low, high = rec.watermarks
    n = len(rec.victims)
    head = t[rec.who].format(free=rec.free_before, low=low, min=wmin, high=high, n=n,
                             scanned=rec.scanned, after=rec.free_after, pid=rec.pid)
    shown = rec.victims if limit is None else rec.victims[:limit]
    lines = [head] + ["  " + explain_victim(v, lang) for v in shown]
    if len(shown) < n:
        lines.append("  " + _summary(rec.victims[len(shown):], t))
    return lines
