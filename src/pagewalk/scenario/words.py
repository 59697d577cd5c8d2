"""The fixed words of ``pagewalk run``'s output, in English and Chinese.

``word(key, lang, **fields)`` formats one; a scenario's own text (its title,
description and step titles) is printed as written, in whatever language the
scenario's author used.
"""

from __future__ import annotations

LANGS = ("en", "zh")

_W: dict[str, tuple[str, str]] = {
    "step": ("step", "步骤"),
    "counts": ("min_flt={min} maj_flt={maj}", "次缺页 min_flt={min}，主缺页 maj_flt={maj}"),
    "replay_counts": ("faults={faults} hits={hits}", "缺页 {faults} 次，命中 {hits} 次"),
    "replay": ("replay: {accesses} accesses, {frames} frames, {policy}",
               "页面置换：{accesses} 次访问，{frames} 个页框，{policy} 算法"),
    "wait": ("wait: {status}", "wait：{status}"),
    "expect": ("expect {key} = {expected}: got {actual}", "期望 {key} = {expected}：实际 {actual}"),
    "ok": ("ok", "符合"), "failed": ("FAILED", "不符"),
    "summary": ("{n} steps, ", "共 {n} 个步骤，"),
    "all_ok": ("every expectation held", "所有期望都成立"),
    "some_failed": ("{k} step(s) with a failed expectation", "{k} 个步骤的期望不成立"),
    "plot": ("; plot written to {plot}", "；图已写入 {plot}"),
    "no_table": ("(the per-reference table of {n} references: run with --explain-all)",
                 "（{n} 次访问的逐次访问表：用 --explain-all 显示）"),
    "demand_table": ("(demand mode: no per-reference table; see `pagewalk replay`)",
                     "（demand 模式没有逐次访问表；见 `pagewalk replay`）"),
    "reclaim": ("reclaim outside any fault:", "缺页之外的页面回收："),
    "no_explain": ("(--lang {code}: step lines and summaries are translated; add --explain "
                   "to narrate each fault)",
                   "（--lang {code}：已翻译步骤行和总结；加上 --explain 可逐个讲解缺页）"),
}


def word(name: str, lang: str, **fields: object) -> str:
    """The text of ``name`` in ``lang`` ("en" or "zh"), formatted with ``fields``."""
    return _W[name][LANGS.index(lang)].format(**fields)
