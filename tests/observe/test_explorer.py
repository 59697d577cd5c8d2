"""The explorer's data (observe/explorer.py) and its page, without a browser."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pagewalk as pw
from pagewalk.observe.explorer import SCHEMA, Recorder, explore, render_html, state_at

SMALL = """
title = "small: every kind of event"
tasks = ["p"]
[machine]
memory = "16MiB"
swap = "16MiB"
[[files]]
name = "data.bin"
size = "16p"
[[steps]]
op = "mmap"
length = "8p"
as = "buf"
[[steps]]
op = "touch"
map = "buf"
length = "4p"
title = "read: zero page"
[[steps]]
op = "touch"
map = "buf"
write = true
[[steps]]
op = "fork"
child = "c"
[[steps]]
op = "write"
task = "c"
map = "buf"
data = "child"
[[steps]]
op = "mmap"
length = "16p"
file = "data.bin"
prot = "r"
as = "f"
[[steps]]
op = "touch"
map = "f"
[[steps]]
op = "madvise"
map = "buf"
advice = "pageout"
[[steps]]
op = "touch"
map = "buf"
[[steps]]
op = "exit"
task = "c"
[[steps]]
op = "wait"
child = "c"
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("scn") / "small.toml"
    p.write_text(SMALL)
    return p


@pytest.fixture(scope="module")
def cow():
    return explore("cow-fork").data()


def _first(data, pred):
    return next(i for i, e in enumerate(data["events"]) if pred(e))


def test_events_are_operations_and_faults_in_order(small):
    rec = explore(small)
    d = rec.data()
    assert d["schema"] == SCHEMA and rec.result.ok
    ev = d["events"]
    assert ev[0]["k"] == "start"
    ops = [e for e in ev if e["k"] == "op"]
    assert [e["s"] for e in ops] == [r.step.index for r in rec.result.steps]
    faults = [e for e in ev if e["k"] == "fault"]
    assert len(faults) == sum(r.min_flt + r.maj_flt for r in rec.result.steps)
    # every fault follows its own operation
    for i, e in enumerate(ev):
        if e["k"] == "fault":
            op = next(x for x in reversed(ev[:i]) if x["k"] == "op")
            assert op["s"] == e["s"]
    tags = {g for e in ev for g in e["g"]}
    assert {"fault", "zero", "cow-copy", "evict", "swapin", "major"} <= tags


def test_reading_only_where_changes_point_is_exact(small):
    """A fault's frames and swap slots are read where its diff points; reading all of
    them after every fault gives the same events."""
    fast = explore(small).data()["events"]
    exact = explore(small, exact=True).data()["events"]
    assert json.dumps(fast) == json.dumps(exact)


def test_final_state_is_the_machines(small):
    from pagewalk.scenario.engines import ModelEngine
    from pagewalk.scenario.library import resolve
    from pagewalk.scenario.runner import run
    scn = resolve(str(small))
    engine = ModelEngine(scn.machine)
    rec = Recorder(engine.machine)
    with rec:
        run(scn, engine)
    d = rec.data()
    st = state_at(d, len(d["events"]) - 1)
    m = engine.machine
    p = engine.tasks["p"]
    mine = {k: v for k, v in st["p"].items() if k.startswith(f"{p.pid}:")}
    for key, (kind, target, flags) in mine.items():
        info = p.pagemap(int(key.split(":")[1], 16))
        if kind == "swap":
            assert info.swapped
        else:
            assert info.present and info.pfn == target and bool(flags & 2) == info.writable
    for pfn, r in st["f"].items():
        page = m.phys.mem_map[int(pfn)]
        assert (r[1], r[2]) == (page.refcount, page.mapcount)
    slots = dict(m.swap.si.slots())
    assert {int(k) for k in st["s"]} == set(slots)


def test_fork_shares_frames_read_only_and_the_childs_write_copies(cow):
    ev = cow["events"]
    fork = _first(cow, lambda e: e.get("op") == "fork" and e["k"] == "op")
    st = state_at(cow, fork)
    parent, child = 1, 2
    shared = [(k.split(":")[1], v) for k, v in st["p"].items() if k.startswith(f"{parent}:")
              and v[0] == "frame"]
    assert len(shared) == 1000
    va, (_, pfn, flags) = shared[0]
    kind, cpfn, cflags = st["p"][f"{child}:{va}"]
    assert (kind, cpfn) == ("frame", pfn)
    assert not flags & 2 and not cflags & 2     # W=0 in both
    assert st["f"][pfn][2] == 2                 # mapcount 2
    copy = _first(cow, lambda e: "cow-copy" in e["g"])
    assert ev[copy]["pid"] == child
    va = f"{ev[copy]['f'][0] & ~0xFFF:#x}"
    before, after = state_at(cow, copy - 1), state_at(cow, copy)
    old = before["p"][f"{child}:{va}"][1]
    new = after["p"][f"{child}:{va}"]
    assert new[1] != old and new[2] & 2
    assert after["f"][old][2] == 1 and after["f"][new[1]][2] == 1
    handler, _, why = cow["kinds"][ev[copy]["f"][2]]
    assert handler == "do_wp_page" and "cowcopy" in why


def test_max_events_keeps_operations(small):
    d = explore(small, max_events=10).data()
    assert len([e for e in d["events"] if e["k"] == "fault"]) <= 10
    assert d["truncated"] > 0
    assert len([e for e in d["events"] if e["k"] == "op"]) == 11


def test_recorder_refuses_a_bad_limit():
    with pytest.raises(pw.InvalidArgument, match="max_events"):
        Recorder(pw.Machine(memory="16MiB"), max_events=0)


def test_recorder_from_python_marks_operations():
    m = pw.Machine(memory="16MiB", swap=0)
    with Recorder(m) as rec:
        p = m.spawn("init")
        rec.op("mmap and write", "init")
        a = p.mmap("4p")
        p.write(a, b"x")
    d = rec.data()
    kinds = [e["k"] for e in d["events"]]
    assert kinds == ["start", "op", "fault"]
    assert d["events"][2]["d"]["p"][0][2][0] == "frame"


def test_the_page_is_self_contained(small):
    html = render_html(explore(small).data())
    m = re.search(r'<script type="application/json" id="pagewalk-data">(.*?)</script>', html, re.S)
    assert m is not None
    assert json.loads(m.group(1))["schema"] == SCHEMA
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "<link" not in html and "import(" not in html
    assert html.count("<script") == 2              # the data and the inline script


def test_json_cannot_close_the_script(tmp_path):
    m = pw.Machine(memory="16MiB", swap=0)
    rec = Recorder(m, title="</script><b>x")
    with rec:
        m.spawn("init")
    html = render_html(rec.data())
    data = html.split('id="pagewalk-data">', 1)[1]
    assert data.index("</script>") > data.index("<\\/script>")
    assert "<title></script>" not in html


def test_cli_writes_the_page(tmp_path, small):
    out = tmp_path / "out.html"
    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "run", str(small), "--html",
                        str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "explorer written to" in r.stdout
    assert 'id="pagewalk-data"' in out.read_text()


def test_cli_bad_html_path_is_one_line(tmp_path, small):
    out = tmp_path / "missing" / "out.html"
    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "run", str(small), "--html",
                        str(out)], capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "does not exist" in r.stderr
    assert not out.parent.exists()
