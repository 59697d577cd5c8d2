"""``pagewalk run``: counts, expectations, explanations, views, plots and JSON."""

from __future__ import annotations

import json

import pytest

from pagewalk.observe.explain import explain
from pagewalk.scenario import builtin, builtin_names, resolve, run_model

EXAMPLE = '''
title = "example"
[machine]
memory = "16MiB"
[[steps]]
op = "mmap"
length = "100p"
as = "buf"
[[steps]]
op = "touch"
map = "buf"
expect = { min_flt = 100, handler = "do_anonymous_page" }
[[steps]]
op = "touch"
map = "buf"
write = true
order = "random"
seed = 7
expect = { min_flt = 100, maj_flt = 0, handler = "do_wp_page" }
show = ["maps"]
[[steps]]
op = "touch"
map = "buf"
offset = "50p"
stride = "2p"
expect = { min_flt = 0 }
'''


def _model_lacks(result) -> str:
    for r in result.steps:
        if r.error and "not available" in r.error:
            return r.error
    return ""


def test_builtin_library_tells_the_story() -> None:
    names = builtin_names()
    for chapter in ("demand-paging", "zero-page", "cow-fork", "fork-exec", "swap",
                    "file-mappings", "signals", "memory-pressure", "belady", "thrashing",
                    "xv6-cowtest"):
        assert chapter in names
    assert names[0] == "demand-paging"


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_runs_and_explains_itself(name: str) -> None:
    scn = resolve(name)
    try:
        result = run_model(scn)
    except Exception as e:  # a layer of the model that has not landed yet
        if "dead" in str(e):
            pytest.skip(f"{name}: the model cannot run it yet: {e}")
        raise
    lacking = _model_lacks(result)
    if lacking:
        pytest.skip(f"{name}: the model lacks a layer: {lacking}")
    failed = [(r.step.label, c) for r in result.steps for c in r.checks if not c.ok]
    assert not failed
    for r in result.steps:
        for rec in r.faults:
            en, zh = explain(rec, "en"), explain(rec, "zh")
            assert en[0].startswith("page fault") and zh[0].startswith("缺页异常")
            assert len(en) == len(zh)


def test_explain_uses_the_seeds_vocabulary() -> None:
    result = run_model(resolve("zero-page"))
    zh = [line for r in result.steps for f in r.faults for line in explain(f, "zh")]
    en = [line for r in result.steps for f in r.faults for line in explain(f, "en")]
    assert any("零页" in line and "请求调页" in line for line in zh)
    assert any("写时复制" in line for line in zh)
    assert any("pte_alloc" in line for line in en)          # page tables allocated
    first = explain(result.steps[1].faults[0], "en")
    assert "error_code=0x4: user, read, page not present" in first[0]
    assert any(line.startswith("find_vma: VMA 0x") for line in first)
    assert any("minor fault, mapped to frame" in line for line in first)
    sig = run_model(resolve("signals"))
    segv = [f for r in sig.steps for f in r.faults if f.signal]
    text = explain(segv[0], "zh")
    assert any("没有虚存区" in line for line in text)
    assert any("SIGSEGV" in line for line in text)


def test_run_file_counts_and_exit_status(tmp_path, pagewalk) -> None:
    p = tmp_path / "ex.toml"
    p.write_text(EXAMPLE)
    code, out, _ = pagewalk("run", str(p))
    assert code == 0, out
    assert "min_flt=100 maj_flt=0" in out and "every expectation held" in out
    assert "rw-p" in out                                     # the maps view of step 3
    p.write_text(EXAMPLE.replace("min_flt = 100, maj_flt = 0", "min_flt = 99, maj_flt = 0"))
    code, out, _ = pagewalk("run", str(p))
    assert code == 1
    assert "expect min_flt = 99: got 100 FAILED" in out


def test_run_json_explain_zh_show_plot(tmp_path, pagewalk) -> None:
    png = tmp_path / "out.png"
    code, out, _ = pagewalk("run", "cow-fork", "--json", "--explain", "--lang", "zh",
                            "--show", "meminfo", "--plot", str(png))
    assert code == 0
    d = json.loads(out)
    assert d["ok"] and d["scenario"] == "cow-fork"
    child_writes = d["steps"][4]
    assert (child_writes["task"], child_writes["min_flt"]) == ("child", 1000)
    assert any("写时复制" in line for e in child_writes["explain"] for line in e)
    assert png.stat().st_size > 10_000
    code, out, _ = pagewalk("run", "demand-paging", "--show", "vmstat,status")
    assert code == 0 and "pgfault" in out and "VmRSS" in out
    code, _, err = pagewalk("run", "demand-paging", "--show", "tlb")
    assert code == 2 and "unknown view 'tlb'" in err


def test_scenarios_command_lists_builtins(pagewalk) -> None:
    code, out, _ = pagewalk("scenarios", "--json")
    assert code == 0
    items = json.loads(out)
    assert [i["name"] for i in items] == [s.name for s in builtin()]
    belady = next(i for i in items if i["name"] == "belady")
    assert belady["host"] is False and belady["host_reason"]
