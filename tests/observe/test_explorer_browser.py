"""The explorer's page in a real headless Chromium (Debian's ``chromium`` package,
driven by Playwright for Python): opened from file://, every request that is not
a file aborted and counted, any console error or page error a failure.

Without /usr/bin/chromium these tests fail and say how to install it (``make
test`` installs it as root); ``PAGEWALK_SKIP_BROWSER=1`` turns that into a
skip with the same reason, for a machine where it cannot be installed.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from pagewalk.observe.explain import explain
from pagewalk.observe.explorer import explore

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("PAGEWALK_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCENARIOS = ("cow-fork", "zero-page", "file-mappings", "swap")


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        why = (f"Debian's chromium is not installed ({CHROMIUM} is missing): install it with "
               "`apt-get install chromium` (`make test` does that when run as root)")
        if os.environ.get("PAGEWALK_SKIP_BROWSER") == "1":
            pytest.skip(why)
        pytest.fail(why + "; or set PAGEWALK_SKIP_BROWSER=1 to skip the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """One page from file://: the network is closed, errors are collected."""

    def __init__(self, browser, path: Path, fragment: str = "") -> None:
        self.ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.ctx.route("**/*", self._route)
        self.page = self.ctx.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = path.resolve().as_uri()
        self.goto(fragment)

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def goto(self, fragment: str = "") -> None:
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector("body[data-ready='1']")

    def step(self) -> int:
        return int(self.page.text_content("[data-testid=step-index]"))

    def data(self) -> dict:
        return json.loads(self.page.evaluate(
            "document.getElementById('pagewalk-data').textContent"))

    def close(self) -> None:
        self.ctx.close()
        assert not self.blocked, f"the page asked the network for {self.blocked}"
        assert not self.errors, f"console or page errors: {self.errors}"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("explorer")
    cache: dict[str, tuple[Path, object]] = {}

    def get(name: str):
        if name not in cache:
            rec = explore(name)
            cache[name] = (rec.write_html(out / f"{name}.html"), rec)
        return cache[name]
    return get


# In-page comparison of the drawn elements with the state the test computed from
# the JSON: [key, value] pairs, value null meaning "not drawn".
CHECK = """([ptes, frames, full]) => {
  const bad = [];
  for (const [key, v] of ptes) {
    const i = key.indexOf(":"), pid = key.slice(0, i), va = key.slice(i + 1);
    const e = document.querySelector(`[data-testid=pte][data-pid="${pid}"][data-vaddr="${va}"]`);
    if (v === null) { if (e) bad.push("pte drawn " + key); continue; }
    if (!e) { bad.push("pte missing " + key); continue; }
    const pfn = v[0] === "swap" ? "" : String(v[1]);
    if (e.dataset.pfn !== pfn || e.dataset.kind !== v[0] || e.dataset.w !== (v[2] & 2 ? "1" : "0"))
      bad.push(`pte ${key}: ${e.dataset.kind} ${e.dataset.pfn} ${e.dataset.w} vs ${v}`);
  }
  for (const [pfn, v] of frames) {
    const e = document.querySelector(`[data-testid=frame][data-pfn="${pfn}"]`);
    if (v === null) { if (e) bad.push("frame drawn " + pfn); continue; }
    if (!e) { bad.push("frame missing " + pfn); continue; }
    if (e.dataset.refcount !== String(v[1]) || e.dataset.mapcount !== String(v[2]))
      bad.push(`frame ${pfn}: ${e.dataset.refcount}/${e.dataset.mapcount} vs ${v[1]}/${v[2]}`);
  }
  if (full) {
    const np = document.querySelectorAll("[data-testid=pte]").length;
    const nf = document.querySelectorAll("[data-testid=frame]").length;
    if (np !== ptes.length) bad.push(`ptes drawn ${np}, expected ${ptes.length}`);
    if (nf !== frames.length) bad.push(`frames drawn ${nf}, expected ${frames.length}`);
  }
  return bad.slice(0, 5);
}"""


def _apply(state: dict, ev: dict) -> tuple[list, list]:
    touched: dict[str, list] = {"p": [], "f": []}
    for k, changes in ev["d"].items():
        if k == "m":
            continue
        table = state.setdefault(k, {})
        for key, _old, new in changes:
            key = str(key)
            if new is None:
                table.pop(key, None)
            else:
                table[key] = new
            if k in touched:
                touched[k].append(key)
    p = [[k, state.get("p", {}).get(k)] for k in touched["p"]]
    f = [[k, state.get("f", {}).get(k)] for k in touched["f"]]
    return p, f


# Installed by the test after the page loads: on every keyup (the page has handled the
# keydown by then) it logs the step shown and the drawn attributes of what that
# event's diff names, so the test can compare without a round trip per step.
LOGGER = """() => {
  const data = JSON.parse(document.getElementById('pagewalk-data').textContent);
  window.__log = [];
  document.addEventListener('keyup', () => {
    const i = Number(document.querySelector('[data-testid=step-index]').textContent);
    const d = data.events[i].d, p = [], f = [];
    for (const [key] of d.p || []) {
      const j = key.indexOf(':');
      const e = document.querySelector(`[data-testid=pte][data-pid="${key.slice(0, j)}"]` +
                                        `[data-vaddr="${key.slice(j + 1)}"]`);
      p.push([key, e ? [e.dataset.kind, e.dataset.pfn, e.dataset.w] : null]);
    }
    for (const [pfn] of d.f || []) {
      const e = document.querySelector(`[data-testid=frame][data-pfn="${pfn}"]`);
      f.push([String(pfn), e ? [e.dataset.refcount, e.dataset.mapcount] : null]);
    }
    window.__log.push([i, p, f]);
  });
}"""


def _drawn_pte(v):
    return None if v is None else [v[0], "" if v[0] == "swap" else str(v[1]),
                                   "1" if v[2] & 2 else "0"]


def _drawn_frame(v):
    return None if v is None else [str(v[1]), str(v[2])]


# Every event of swap (2,007: swap-out, swap-in, reclaim); the first WALK_PREFIX events
# of the others (fork and COW, the zero page, the page cache), which cover every kind of
# change they make and keep the suite's time down (a key press costs ~40 ms).
WALK_PREFIX = {"swap": None, "cow-fork": 700, "zero-page": 500, "file-mappings": 700}


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIOS)
def test_arrow_right_through_every_event_matches_the_json(browser, pages, name):
    path, _ = pages(name)
    pg = Page(browser, path)
    data = pg.data()
    events = data["events"][:WALK_PREFIX[name]]
    states: dict[int, tuple[dict, dict]] = {}
    state: dict[str, dict] = {}
    _apply(state, events[0])
    pg.page.evaluate(LOGGER)
    pg.page.locator("body").focus()

    def compare_log() -> None:
        for i, p, f in pg.page.evaluate("window.__log.splice(0)"):
            ptes, frames = states.pop(i)
            assert p == [[k, _drawn_pte(ptes.get(k))] for k, _ in p], f"{name} event {i}"
            assert f == [[k, _drawn_frame(frames.get(k))] for k, _ in f], f"{name} event {i}"

    for i in range(1, len(events)):
        pg.page.keyboard.press("ArrowRight")
        p, f = _apply(state, events[i])
        states[i] = (dict(p), dict(f))
        if events[i]["k"] != "fault" or i % 1000 == 0 or i == len(events) - 1:
            compare_log()
            assert pg.step() == i
            full_p = list(map(list, state.get("p", {}).items()))
            full_f = list(map(list, state.get("f", {}).items()))
            bad = pg.page.evaluate(CHECK, [full_p, full_f, True])
            assert not bad, f"{name} event {i}: {bad}"
        elif i % 250 == 0:
            compare_log()
    compare_log()
    assert not states
    if len(events) == len(data["events"]):
        pg.page.keyboard.press("ArrowRight")               # the last event stays
        assert pg.step() == len(events) - 1
    pg.close()


def _pte(pg, pid, va):
    return pg.page.locator(f"[data-testid=pte][data-pid='{pid}'][data-vaddr='{va}']")


def test_fork_then_copy_on_write(browser, pages):
    path, _ = pages("cow-fork")
    pg = Page(browser, path)
    events = pg.data()["events"]
    fork = next(i for i, e in enumerate(events) if e.get("op") == "fork")
    pg.goto(f"#step={fork}")
    assert pg.step() == fork
    first = pg.page.locator("[data-testid=pte][data-pid='1'][data-kind='frame']").first
    va, pfn = first.get_attribute("data-vaddr"), first.get_attribute("data-pfn")
    child = _pte(pg, 2, va)
    assert child.get_attribute("data-pfn") == pfn
    assert first.get_attribute("data-w") == "0" and child.get_attribute("data-w") == "0"
    frame = pg.page.locator(f"[data-testid=frame][data-pfn='{pfn}']")
    assert frame.get_attribute("data-mapcount") == "2"
    frame.click()
    assert pg.page.locator("[data-testid=pte].hl").count() == 2
    assert "sel=frame:" in pg.page.evaluate("location.hash")
    # the child's first write: a copy
    pg.page.click("[data-testid=jump-cow-copy]")
    ev = events[pg.step()]
    assert ev["pid"] == 2
    panel = pg.page.text_content("[data-testid=fault-panel]")
    assert "do_wp_page" in panel and "copy" in panel and "reuse" not in panel
    va = f"{ev['f'][0] & ~0xFFF:#x}"
    old_pfn = str(pg.data()["events"][pg.step()]["d"]["p"][0][1][1])
    pte = _pte(pg, 2, va)
    assert pte.get_attribute("data-pfn") != old_pfn and pte.get_attribute("data-w") == "1"
    assert pg.page.get_attribute(f"[data-testid=frame][data-pfn='{old_pfn}']",
                                 "data-mapcount") == "1"
    # clicking a PTE highlights its frame
    pte.click()
    new_pfn = pte.get_attribute("data-pfn")
    assert pg.page.get_attribute("[data-testid=frame].hl", "data-pfn") == new_pfn
    # the parent's write later: reuse
    pg.page.click("[data-testid=jump-cow-reuse]")
    panel = pg.page.text_content("[data-testid=fault-panel]")
    assert "do_wp_page" in panel and "reuse" in panel
    pg.close()


def test_every_frame_highlights_as_many_ptes_as_its_mapcount(browser, pages):
    path, _ = pages("file-mappings")
    pg = Page(browser, path)
    n = len(pg.data()["events"])
    pg.goto(f"#step={n // 2}")
    frames = pg.page.locator("[data-testid=frame]")
    checked = 0
    for i in range(0, frames.count(), max(1, frames.count() // 25)):
        f = frames.nth(i)
        if f.get_attribute("data-kind") in ("zero", "pgtable"):
            continue
        f.click()
        assert pg.page.locator("[data-testid=pte].hl").count() == int(
            f.get_attribute("data-mapcount")), f.get_attribute("data-pfn")
        checked += 1
    assert checked >= 5
    pg.close()


def test_the_hash_restores_event_and_selection_after_a_reload(browser, pages):
    path, _ = pages("swap")
    pg = Page(browser, path)
    pg.goto("#step=40")
    assert pg.step() == 40
    pg.page.keyboard.press("ArrowRight")
    assert pg.page.evaluate("location.hash").startswith("#step=41")
    pfn = pg.page.get_attribute("[data-testid=frame][data-kind='anon']", "data-pfn")
    pg.page.click(f"[data-testid=frame][data-pfn='{pfn}']")
    pg.page.reload()
    pg.page.wait_for_selector("body[data-ready='1']")
    assert pg.step() == 41
    assert pg.page.get_attribute("[data-testid=frame].sel", "data-pfn") == pfn
    assert pg.page.locator("[data-testid=pte].hl").count() >= 1
    pg.close()


def test_keyboard_jumps_and_announcements(browser, pages):
    path, _ = pages("swap")
    pg = Page(browser, path)
    kb = pg.page.keyboard
    pg.page.locator("body").focus()
    kb.press("End")
    last = len(pg.data()["events"]) - 1
    assert pg.step() == last
    kb.press("Home")
    assert pg.step() == 0
    kb.press("ArrowLeft")
    assert pg.step() == 0
    kb.press("Shift+ArrowRight")                     # the next fault
    ev = pg.data()["events"][pg.step()]
    assert ev["k"] == "fault"
    assert f"{pg.step()}" in pg.page.text_content("#announce")
    assert pg.page.get_attribute("#announce", "aria-live") == "polite"
    pg.page.click("[data-testid=jump-swapin]")
    assert "swapin" in pg.data()["events"][pg.step()]["g"]
    assert "do_swap_page" in pg.page.text_content("[data-testid=fault-panel]")
    # the step buttons are reachable by Tab and show their focus
    pg.page.focus("[data-testid=step-next]")
    kb.press("Enter")
    assert pg.page.evaluate("document.activeElement.dataset.testid") == "step-next"
    outline = pg.page.evaluate(
        "getComputedStyle(document.activeElement, ':focus-visible').outlineStyle")
    assert outline != "none"
    pg.close()


def test_the_fault_panel_speaks_the_explain_vocabulary(browser, pages):
    path, rec = pages("zero-page")
    faults = [f for r in rec.result.steps for f in r.faults]
    pg = Page(browser, path)
    events = pg.data()["events"]
    fault_events = [i for i, e in enumerate(events) if e["k"] == "fault"]
    assert len(fault_events) == len(faults)
    for k in (0, len(faults) // 2, len(faults) - 1):
        pg.goto(f"#step={fault_events[k]}")
        lines = pg.page.locator("[data-testid=explain-line]").all_text_contents()
        assert lines == explain(faults[k], "en")
        pg.page.click("[data-testid=lang-toggle]")
        lines = pg.page.locator("[data-testid=explain-line]").all_text_contents()
        assert lines == explain(faults[k], "zh")
        assert "lang=zh" in pg.page.evaluate("location.hash")
        pg.page.click("[data-testid=lang-toggle]")
    pg.close()


def test_no_serious_accessibility_violation(browser, pages):
    from axe_playwright_python.sync_playwright import Axe
    path, _ = pages("cow-fork")
    pg = Page(browser, path)
    events = pg.data()["events"]
    copy = next(i for i, e in enumerate(events) if "cow-copy" in e["g"])
    pg.goto(f"#step={copy}")
    result = Axe().run(pg.page)
    serious = [(v["id"], v["help"], len(v["nodes"])) for v in result.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    pg.close()


TEN_THOUSAND = """
title = "ten thousand events"
tasks = ["p"]
[machine]
memory = "128MiB"
[[steps]]
op = "mmap"
length = "3000p"
as = "a"
[[steps]]
op = "touch"
map = "a"
write = true
[[steps]]
op = "fork"
child = "c"
[[steps]]
op = "touch"
task = "c"
map = "a"
write = true
[[steps]]
op = "touch"
map = "a"
write = true
[[steps]]
op = "mmap"
length = "1000p"
as = "z"
isolated = true
[[steps]]
op = "touch"
map = "z"
"""


@pytest.mark.slow
def test_ten_thousand_events_stay_within_the_size_budget(browser, tmp_path):
    scn = tmp_path / "big.toml"
    scn.write_text(TEN_THOUSAND)
    rec = explore(scn)
    path = rec.write_html(tmp_path / "big.html")
    n = len(rec.data()["events"])
    size = path.stat().st_size
    assert n >= 10_000
    assert size < 4 * 2**20, f"{size} bytes for {n} events"
    t0 = time.perf_counter()
    pg = Page(browser, path, f"#step={n - 1}")
    opened = time.perf_counter() - t0
    in_page = int(pg.page.get_attribute("body", "data-load-ms")) / 1000
    assert pg.step() == n - 1
    pg.page.keyboard.press("Home")
    assert pg.step() == 0
    pg.close()
    # Measured, not asserted (no wall-clock asserts in tests): shown with -rP.
    print(f"{n} events: {size / 2**20:.2f} MiB, opened at the last event in {opened:.2f} s "
          f"({in_page:.2f} s from navigation to ready, in the page)")
