/* pagewalk explorer: steps through a recorded run (observe/explorer.py writes the data).
   Vanilla JS, no request to anything: the data is the JSON in #pagewalk-data.
   State at event N = events 0..N's diffs applied; stepping applies one diff either way. */
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("pagewalk-data").textContent);
  if (DATA.schema !== 1) {
    document.body.insertAdjacentHTML("afterbegin",
      "<p role='alert'>This explorer reads schema 1; the data says schema " + DATA.schema + ".</p>");
    return;
  }
  const EV = DATA.events, M = DATA.machine, PATHS = DATA.paths, WORDS = DATA.words;
  const LEVELS = M.levels, SHIFTS = M.shifts, LAST = LEVELS.length - 1;
  const $ = (id) => document.getElementById(id);
  const hex = (n) => "0x" + Number(n).toString(16);

  /* ---- UI words (the fault story's words come from explain.py via DATA.words) ---- */
  const UI = {
    en: {event: "event", next: "next:", prev: "previous", fault: "fault", "cow-copy": "COW copy",
      "cow-reuse": "COW reuse", zero: "zero-page map", evict: "eviction", swapin: "swap-in",
      signal: "signal", major: "major fault", as: "Address spaces", pm: "Physical memory",
      pc: "Page cache", sw: "Swap slots", lru: "Reclaim: LRU lists", legend: "Legend",
      changed: "What changed", sel: "Selection", events: "Events", ev: "Event",
      nothing: "nothing changed", none: "none", zeropage: "the zero page", frame: "frame",
      file: "file page", swap: "swap slot", ro: "read-only", w: "writable", dirty: "dirty",
      accessed: "accessed", newpage: "new", freed: "freed", refcount: "refcount", mapcount: "mapcount",
      lrul: "LRU", slotfree: "free", count: "count", cache: "in swap cache", task: "task",
      vmas: "VMAs", table: "page table", tablealloc: "allocated at frame", tablefree: "freed",
      more: "more", mapped: "mapped by", ptes: "PTEs", nosel: "Click a frame, a PTE or a swap slot.",
      frames_used: "frames in use", of: "of", free: "free", slots_used: "slots in use",
      oldest: "oldest first", reasonPageout: "MADV_PAGEOUT: these pages are reclaimed at once, whatever their accessed bits.",
      reasonScan: "Reclaim scanned the old end of the inactive list. These pages' PTEs had the accessed bit clear (not used since the last scan), so folio_check_references said reclaim: anonymous pages go to swap, clean file pages are dropped.",
      activated: "activated (referenced twice)", deactivated: "moved to inactive", kswapd: "kswapd woke up", direct: "direct reclaim",
      pid: "pid", lang: "Language: switch to Chinese", copy: "copy", reuse: "reuse", cow: "COW",
      start: "start", op: "operation", done: "done", kinds: {start: "start", op: "op", fault: "fault", done: "done"},
      announce: "Event {i} of {n}: {t}", dead: "dead", vmstat: "vmstat"},
    zh: {event: "事件", next: "下一个:", prev: "上一个", fault: "缺页", "cow-copy": "写时复制(复制)",
      "cow-reuse": "写时复制(重用)", zero: "映射零页", evict: "换出", swapin: "换入",
      signal: "信号", major: "主缺页", as: "地址空间", pm: "物理内存",
      pc: "页缓存", sw: "交换槽", lru: "页面回收：LRU 链表", legend: "图例",
      changed: "本事件的变化", sel: "选中", events: "事件列表", ev: "事件",
      nothing: "没有变化", none: "空", zeropage: "零页", frame: "物理页面",
      file: "文件页", swap: "交换槽", ro: "只读", w: "可写", dirty: "脏",
      accessed: "已访问", newpage: "新分配", freed: "已释放", refcount: "引用计数", mapcount: "映射计数",
      lrul: "LRU", slotfree: "空闲", count: "计数", cache: "在交换缓存中", task: "进程",
      vmas: "虚存区", table: "页表", tablealloc: "分配于物理页面", tablefree: "已释放",
      more: "更多", mapped: "被映射", ptes: "个页表项", nosel: "点击一个物理页面、页表项或交换槽。",
      frames_used: "个物理页面在用", of: "共", free: "空闲", slots_used: "个交换槽在用",
      oldest: "最老的在前", reasonPageout: "MADV_PAGEOUT：不论访问位如何，这些页面立即被回收。",
      reasonScan: "回收扫描了非活跃链表最老的一端。这些页面的页表项访问位为0（上次扫描以来未被使用），folio_check_references 判定回收：匿名页写入交换区，干净的文件页直接丢弃。",
      activated: "被激活（两次引用）", deactivated: "移入非活跃链表", kswapd: "kswapd 被唤醒", direct: "直接回收",
      pid: "pid", lang: "Language: switch to English", copy: "copy 复制", reuse: "reuse 重用", cow: "写时复制",
      start: "开始", op: "操作", done: "完成", kinds: {start: "开始", op: "操作", fault: "缺页", done: "完成"},
      announce: "事件 {i} / {n}：{t}", dead: "已结束", vmstat: "vmstat"},
  };
  const JUMPS = ["fault", "cow-copy", "cow-reuse", "zero", "evict", "swapin", "signal"];
  let lang = "en";
  const u = (k) => UI[lang][k] || k;

  /* ---- state ---- */
  const ST = {p: new Map(), f: new Map(), s: new Map(), t: new Map(), c: new Map(), v: new Map(), n: new Map()};
  const KINDS = DATA.kinds, VMAS = DATA.vmas;
  /* a fault event's record as explain() wants it */
  function fault(ev) {
    const [addr, ec, ki, major, pfn, vma, sig, code] = ev.f, [h, path, why] = KINDS[ki];
    return {pid: ev.pid, addr, ec, h, path, why, major: !!major, pfn,
      vma: vma === null ? null : VMAS[vma], sig, code};
  }
  let cur = -1;
  let sel = null;               // {type: "frame", pfn} | {type: "pte", key} | {type: "slot", slot}
  const collapsed = new Set();  // page-table nodes the reader closed

  function apply(ev, forward, touched) {
    const d = ev.d;
    for (const k in d) {
      if (k === "m") continue;
      const map = ST[k];
      for (const [key, old, nw] of d[k]) {
        const v = forward ? nw : old;
        const sk = String(key);
        if (v === null) map.delete(sk); else map.set(sk, v);
        if (touched) touched[k].add(sk);
      }
    }
  }

  /* ---- the fault story: explain.py's explain(), from the same words ---- */
  function fmt(s, o) { return s.replace(/\{(\w+)(:#x)?\}/g, (m, k, x) => x ? hex(o[k]) : String(o[k])); }
  function explainLines(f, lg) {
    const t = WORDS[lg], s = PATHS[f.path];
    let head = `${t.fault} pid ${f.pid} ${t.at} ${hex(f.addr)}`;
    if (f.ec !== null) {
      const who = f.ec & 4 ? t.user : t.kernel;
      const what = f.ec & 16 ? t.fetch : (f.ec & 2 ? t.write : t.read);
      const why = f.ec & 1 ? t.prot : t.notpresent;
      head += `: error_code=${hex(f.ec)}: ${who}, ${what}, ${why}`;
    } else head += ": " + t.gp;
    const lines = [head];
    if (s.includes("bad_area_nosemaphore") && !s.includes("find_vma")) lines.push(t.kspace);
    else if (s.includes("find_vma")) {
      if (f.vma !== null) { lines.push(fmt(t.vma, {vma: f.vma})); if (s.includes("expand_stack")) lines.push(t.stack); }
      else if (s.includes("expand_stack")) lines.push(t.nostack);
      else lines.push(t.novma);
    }
    if (s.includes("bad_area_access_error")) lines.push(t.access);
    const levels = s.filter((x) => x.endsWith("_alloc"));
    if (levels.length) lines.push(fmt(t.alloc, {levels: levels.join(", ")}));
    const why = f.why.map((k) => t[k]);
    if (f.h && !["bad_area", "bad_area_nosemaphore", "exc_general_protection"].includes(f.h))
      lines.push(fmt(t.handler, {h: f.h}) + (why.length ? ": " + why.join("; ") : ""));
    else if (why.length) lines.push(why.join("; "));
    if (f.sig) lines.push(fmt(t.signal, {sig: f.sig, code: f.code}));
    else {
      let r = f.major ? t.major : t.minor;
      if (f.pfn !== null) r += ", " + fmt(t.frame, {pfn: f.pfn});
      lines.push(r);
    }
    lines.push(`${t.path}: ` + s.join(" → "));
    return lines;
  }

  /* ---- small DOM helpers ---- */
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function insertSorted(box, node, key) {
    node._sort = key;
    const last = box.lastElementChild;
    if (!last || last._sort === undefined || last._sort < key) { box.appendChild(node); return; }
    for (const c of box.children) {
      if (c._sort !== undefined && c._sort > key) { box.insertBefore(node, c); return; }
    }
    box.appendChild(node);
  }
  const pteDesc = (r) => {
    if (!r) return u("none");
    const [kind, target, flags] = r;
    if (kind === "swap") return `${u("swap")} ${target}`;
    const bits = [(flags & 2) ? "W" : u("ro")];
    if (flags & 64) bits.push("D");
    if (flags & 32) bits.push("A");
    if (flags & 128) bits.push("2MiB");
    if (kind === "zero") return `${u("zeropage")} (${hex(target)}) ${bits.join(" ")}`;
    return `${kind === "file" ? u("file") : u("frame")} ${hex(target)} ${bits.join(" ")}`;
  };
  const frameDesc = (pfn, r) => r ? `${r[0]} ${u("refcount")} ${r[1]}, ${u("mapcount")} ${r[2]}` +
      (r[3] ? ` [${r[3]}]` : "") + (r[4] ? `, ${r[4]}` : "") + (r[6] ? `, ${r[6]}` : "") +
      (r[8] !== null ? `, ${u("swap")} ${r[8]}` : "") : u("freed");

  /* ---- address spaces ---- */
  const spaceEls = new Map();   // pid -> {box, nodes: Map(nodeKey -> {details, cells})}
  const pteEls = new Map();     // pte key -> element
  function nodeKeyFor(pid, level, va) {
    const span = level === 0 ? Infinity : Math.pow(2, SHIFTS[level - 1]);
    const base = level === 0 ? 0 : Math.floor(va / span) * span;
    return `${pid}:${level}:${hex(base)}`;
  }
  function parseKey(k) { const i = k.indexOf(":"); return [Number(k.slice(0, i)), Number(k.slice(i + 1))]; }
  function livePids() {
    return [...ST.t.entries()].filter(([, r]) => r[1] === "R").map(([p]) => Number(p)).sort((a, b) => a - b);
  }
  function resetMarks() { for (const c in marked) marked[c] = []; }
  function buildSpaces() {
    resetMarks();
    const box = $("spaces");
    box.textContent = "";
    spaceEls.clear(); pteEls.clear();
    for (const pid of livePids()) buildSpace(pid, box);
  }
  function buildSpace(pid, box, before) {
    const t = ST.t.get(String(pid));
    const col = el("section", {class: "space", "data-testid": "space", "data-pid": pid, "aria-label": `pid ${pid} ${t[0]}`});
    const h = el("h3"); col.appendChild(h);
    const vm = el("ul", {class: "vmas", "aria-label": u("vmas")}); col.appendChild(vm);
    const info = {box: col, head: h, vmas: vm, nodes: new Map()};
    spaceEls.set(pid, info);
    updateSpaceHead(pid); updateVmas(pid);
    const keys = [...ST.n.keys()].filter((k) => k.startsWith(pid + ":"))
      .map((k) => { const [, lv, b] = k.split(":"); return [Number(lv), Number(b), k]; })
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [lv, base, k] of keys) {
      const pfn = ST.n.get(k)[0];
      const d = el("details", {class: "node", "data-testid": "table", "data-node": k, "data-level": LEVELS[lv]});
      d.open = !collapsed.has(k);
      d.addEventListener("toggle", () => { if (d.open) collapsed.delete(k); else collapsed.add(k); });
      const span = lv === 0 ? "" : ` ${hex(base)}–${hex(base + Math.pow(2, SHIFTS[lv - 1]) - 1)}`;
      d.appendChild(el("summary", null, `${LEVELS[lv]} @${u("frame")} ${hex(pfn)}${span}`));
      const cells = el("div", {class: "cells", role: "group", "aria-label": `${LEVELS[lv]} ${hex(base)}`});
      d.appendChild(cells);
      const parent = lv === 0 ? null : info.nodes.get(nodeKeyFor(pid, lv - 1, base));
      (parent ? parent.details : col).appendChild(d);
      info.nodes.set(k, {details: d, cells});
    }
    if (before) box.insertBefore(col, before); else box.appendChild(col);
    const mine = [...ST.p.keys()].filter((k) => k.startsWith(pid + ":")).map((k) => [parseKey(k)[1], k]);
    mine.sort((a, b) => a[0] - b[0]);
    for (const [, k] of mine) upsertPte(k, ST.p.get(k));
  }
  function updateSpaceHead(pid) {
    const info = spaceEls.get(pid), t = ST.t.get(String(pid)), c = ST.c.get(String(pid)) || [0, 0, 0];
    if (!info || !t) return;
    info.head.textContent = `${u("pid")} ${pid} · ${t[0]} · rss ${c[0]} · min_flt ${c[1]} · maj_flt ${c[2]}`;
  }
  function updateVmas(pid) {
    const info = spaceEls.get(pid);
    if (!info) return;
    info.vmas.textContent = "";
    for (const [s, e, perm, name] of ST.v.get(String(pid)) || [])
      info.vmas.appendChild(el("li", null, `${hex(s)}-${hex(e)} ${perm} ${name}`));
  }
  function upsertPte(k, r) {
    let e = pteEls.get(k);
    if (!r) { if (e) { e.remove(); pteEls.delete(k); } return; }
    const [pid, va] = parseKey(k);
    if (!e) {
      const info = spaceEls.get(pid);
      if (!info) return;
      const huge = r[2] & 128;
      const node = info.nodes.get(nodeKeyFor(pid, huge ? LAST - 1 : LAST, va));
      if (!node) return;
      e = el("span", {"data-testid": "pte", "data-pid": pid, "data-vaddr": hex(va), role: "button", tabindex: "-1"});
      e.dataset.key = k;
      insertSorted(node.cells, e, va);
      pteEls.set(k, e);
    }
    const [kind, target, flags] = r;
    const present = kind !== "swap";
    e.dataset.pfn = present ? String(target) : "";
    e.dataset.slot = present ? "" : String(target);
    e.dataset.w = flags & 2 ? "1" : "0";
    e.dataset.kind = kind;
    e.className = `cell k-${kind}` + (present && !(flags & 2) ? " ro" : "") + (flags & 64 ? " dirty" : "");
    const label = `${u("pid")} ${pid} ${hex(va)}: ${pteDesc(r)}`;
    e.title = label; e.setAttribute("aria-label", label);
  }

  /* ---- physical memory, swap, page cache, LRU ---- */
  const frameEls = new Map(), slotEls = new Map();
  function upsertFrame(pfn, r) {
    let e = frameEls.get(pfn);
    if (!r) { if (e) { e.remove(); frameEls.delete(pfn); } return; }
    if (!e) {
      e = el("span", {"data-testid": "frame", "data-pfn": pfn, role: "button", tabindex: "-1"});
      insertSorted($("frames"), e, Number(pfn));
      frameEls.set(pfn, e);
    }
    e.dataset.refcount = r[1]; e.dataset.mapcount = r[2]; e.dataset.kind = r[0];
    e.className = `cell big k-${r[0]}` + (r[3].includes("D") ? " dirty" : "");
    e.textContent = r[2] > 1 ? String(Math.min(r[2], 9)) : "";
    const label = `${u("frame")} ${hex(pfn)}: ${frameDesc(pfn, r)}`;
    e.title = label; e.setAttribute("aria-label", label);
  }
  function upsertSlot(slot, r) {
    let e = slotEls.get(slot);
    if (!r) { if (e) { e.remove(); slotEls.delete(slot); } return; }
    if (!e) {
      e = el("span", {"data-testid": "slot", "data-slot": slot, role: "button", tabindex: "-1"});
      insertSorted($("swap"), e, Number(slot));
      slotEls.set(slot, e);
    }
    e.dataset.count = r[0];
    e.className = "cell big k-swap";
    e.textContent = r[0] > 1 ? String(Math.min(r[0], 9)) : "";
    const label = `${u("swap")} ${slot}: ${u("count")} ${r[0]}` + (r[1] ? `, ${u("cache")}` : "");
    e.title = label; e.setAttribute("aria-label", label);
  }
  function buildMemory() {
    $("frames").textContent = ""; frameEls.clear();
    $("swap").textContent = ""; slotEls.clear();
    for (const k of [...ST.f.keys()].sort((a, b) => a - b)) upsertFrame(k, ST.f.get(k));
    for (const k of [...ST.s.keys()].sort((a, b) => a - b)) upsertSlot(k, ST.s.get(k));
  }
  function renderSummaries() {
    const used = ST.f.size;
    $("mem-summary").textContent = `${used} ${u("frames_used")} (${u("of")} ${M.frames}); ` +
      (M.swap_slots ? `${ST.s.size} ${u("slots_used")} (${u("of")} ${M.swap_slots})` : "");
    // page cache, by file
    const files = new Map();
    const lists = {inactive_anon: [], active_anon: [], inactive_file: [], active_file: []};
    for (const [pfn, r] of ST.f) {
      if (r[0] === "file" || r[0] === "shmem") {
        if (!files.has(r[6])) files.set(r[6], {n: 0, dirty: 0, idx: []});
        const f = files.get(r[6]); f.n++; if (r[3].includes("D")) f.dirty++; f.idx.push(r[7]);
      }
      if (r[4] && lists[r[4]]) lists[r[4]].push([r[5], Number(pfn)]);
    }
    const pc = $("pagecache"); pc.textContent = "";
    for (const [name, f] of files) {
      f.idx.sort((a, b) => a - b);
      const runs = []; let a = null, b = null;
      for (const i of f.idx) { if (a === null) { a = b = i; } else if (i === b + 1) b = i; else { runs.push([a, b]); a = b = i; } }
      if (a !== null) runs.push([a, b]);
      const txt = runs.slice(0, 12).map(([x, y]) => x === y ? `${x}` : `${x}–${y}`).join(", ") + (runs.length > 12 ? " …" : "");
      pc.appendChild(el("div", {class: "pc-file", "data-testid": "cache-file", "data-pages": f.n, "data-dirty": f.dirty},
        `${name}: ${f.n} (${u("dirty")} ${f.dirty}) · index ${txt}`));
    }
    if (!files.size) pc.appendChild(el("div", {class: "muted"}, "—"));
    const lru = $("lru"); lru.textContent = "";
    for (const name in lists) {
      const l = lists[name].sort((x, y) => x[0] - y[0]);
      const row = el("div", {class: "lru-list", "data-testid": "lru", "data-list": name, "data-count": l.length});
      row.appendChild(el("span", {class: "name"}, `${name} ${l.length}`));
      const oldest = l.slice(0, 8).map(([, p]) => hex(p)).join(" ");
      row.appendChild(el("span", {class: "muted"}, l.length ? ` ${u("oldest")}: ${oldest}${l.length > 8 ? " …" : ""}` : ""));
      lru.appendChild(row);
    }
    const ev = EV[cur];
    if (ev && (ev.g.includes("evict") || (ev.d.m && (ev.d.m.pgactivate || ev.d.m.pgdeactivate)))) {
      const m = ev.d.m || {};
      const bits = [];
      if (ev.g.includes("evict")) bits.push(ev.op === "madvise" ? u("reasonPageout") : u("reasonScan"));
      const nums = ["pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "pswpout", "pgactivate", "pgdeactivate", "pgrefill", "pageoutrun", "allocstall_normal"]
        .filter((k) => m[k]).map((k) => `${k} +${m[k]}`);
      if (m.pageoutrun) bits.push(u("kswapd"));
      if (m.allocstall_normal) bits.push(u("direct"));
      if (nums.length) bits.push(nums.join(", "));
      lru.appendChild(el("div", {class: "reason", "data-testid": "reclaim-reason"}, bits.join(" ")));
    }
  }

  /* ---- the event panel ---- */
  function evLabel(ev) {
    const k = UI[lang].kinds[ev.k] || ev.k;
    if (ev.k === "fault") { const f = fault(ev); return `${k} · ${f.h} ${hex(f.addr)} (pid ${f.pid})`; }
    return `${k} · ${ev.t}` + (ev.task ? ` (${ev.task})` : "");
  }
  function renderEvent() {
    const ev = EV[cur];
    const head = $("event-head"); head.textContent = "";
    head.appendChild(el("span", {class: "kind"}, UI[lang].kinds[ev.k] || ev.k));
    const fl = ev.k === "fault" ? fault(ev) : null;
    head.appendChild(el("span", {class: "title"}, fl ? `${fl.h} ${hex(fl.addr)}` : ev.t));
    const stepTxt = ev.s !== null && ev.s !== undefined ? ` · step ${ev.s}${ev.op ? ": " + ev.op : ""}` : "";
    const who = ev.task || (ev.pid ? (ST.t.get(String(ev.pid)) || ["pid " + ev.pid])[0] : "");
    head.appendChild(el("div", {class: "muted"}, `${who}` + (ev.pid ? ` (pid ${ev.pid})` : "") + stepTxt));
    if (ev.title) head.appendChild(el("div", null, ev.title));
    const extra = ["min_flt", "maj_flt", "signal", "error", "status", "note"].filter((k) => ev[k] !== undefined && ev[k] !== null)
      .map((k) => `${k}: ${ev[k]}`);
    if (extra.length) head.appendChild(el("div", {class: "muted"}, extra.join(" · ")));
    const fp = $("fault-panel"); fp.textContent = "";
    if (ev.k === "fault") {
      const f = fl;
      const badges = el("div");
      badges.appendChild(el("span", {class: "badge " + (f.major ? "major" : "minor")}, f.sig ? f.sig : (f.major ? "major" : "minor")));
      badges.appendChild(el("span", {class: "badge", "data-testid": "handler"}, f.h));
      if (ev.g.includes("cow-copy")) badges.appendChild(el("span", {class: "badge cow", "data-testid": "cow"}, `${u("cow")}: ${u("copy")}`));
      if (ev.g.includes("cow-reuse")) badges.appendChild(el("span", {class: "badge cow", "data-testid": "cow"}, `${u("cow")}: ${u("reuse")}`));
      fp.appendChild(badges);
      const lines = explainLines(f, lang);
      lines.forEach((line, i) => fp.appendChild(el("div", {class: "line" + (i === 0 ? " head" : i === lines.length - 1 ? " path" : ""), "data-testid": "explain-line"}, line)));
    }
    renderDiff(ev);
    renderEventList();
  }
  function renderDiff(ev) {
    const ul = $("diff"); ul.textContent = "";
    const items = [];
    const d = ev.d;
    for (const [k, o, n] of d.n || []) {
      const [pid, lv, base] = k.split(":");
      items.push(`${u("pid")} ${pid} ${LEVELS[Number(lv)]} ${u("table")} ${base}: ` + (n ? `${u("tablealloc")} ${hex(n[0])}` : u("tablefree")));
    }
    for (const [k, o, n] of d.p || []) { const [pid, va] = parseKey(k); items.push(`${u("pid")} ${pid} PTE ${hex(va)}: ${pteDesc(o)} → ${pteDesc(n)}`); }
    for (const [pfn, o, n] of d.f || []) {
      if (!o) { items.push(`${u("frame")} ${hex(pfn)}: ${u("newpage")} ${frameDesc(pfn, n)}`); continue; }
      if (!n) { items.push(`${u("frame")} ${hex(pfn)}: ${u("freed")} (${o[0]})`); continue; }
      const parts = [];
      if (o[0] !== n[0]) parts.push(`${o[0]} → ${n[0]}`);
      if (o[1] !== n[1]) parts.push(`${u("refcount")} ${o[1]} → ${n[1]}`);
      if (o[2] !== n[2]) parts.push(`${u("mapcount")} ${o[2]} → ${n[2]}`);
      if (o[3] !== n[3]) parts.push(`flags [${o[3]}] → [${n[3]}]`);
      if (o[4] !== n[4]) parts.push(`${u("lrul")} ${o[4] || "-"} → ${n[4] || "-"}`);
      else if (o[5] !== n[5]) parts.push(`${u("lrul")} ${n[4]}: ${lang === "zh" ? "移到最新一端" : "to the newest end"}`);
      if (o[8] !== n[8]) parts.push(`${u("swap")} ${o[8] === null ? "-" : o[8]} → ${n[8] === null ? "-" : n[8]}`);
      if (parts.length) items.push(`${u("frame")} ${hex(pfn)}: ${parts.join(", ")}`);
    }
    for (const [s, o, n] of d.s || [])
      items.push(`${u("swap")} ${s}: ` + (n ? `${u("count")} ${o ? o[0] : 0} → ${n[0]}` + (n[1] ? `, ${u("cache")}` : "") : u("slotfree")));
    for (const [pid, o, n] of d.t || []) {
      if (!o) { items.push(`${u("task")} ${pid} ${n[0]}: ${lang === "zh" ? "创建" : "created"}`); continue; }
      const parts = [];
      if (o[1] !== n[1]) parts.push(`state ${o[1]} → ${n[1]}`);
      if (n[3] && o[3] !== n[3]) parts.push(`${u("signal")} ${n[3]}`);
      if (parts.length) items.push(`${u("task")} ${pid} ${n[0]}: ${parts.join(", ")}`);
    }
    for (const [pid, o, n] of d.c || []) {
      const names = ["rss", "min_flt", "maj_flt"], parts = [];
      names.forEach((nm, i) => { const a = o ? o[i] : 0; if (a !== n[i]) parts.push(`${nm} ${a} → ${n[i]}`); });
      if (parts.length) items.push(`${u("task")} ${pid}: ${parts.join(", ")}`);
    }
    for (const [pid, o, n] of d.v || []) items.push(`${u("task")} ${pid}: ${u("vmas")} ${o.length} → ${n.length}`);
    if (d.m) items.push(`${u("vmstat")}: ` + Object.entries(d.m).map(([k, v]) => `${k} ${v > 0 ? "+" : ""}${v}`).join(", "));
    const max = 150;
    for (const t of items.slice(0, max)) ul.appendChild(el("li", null, t));
    if (items.length > max) ul.appendChild(el("li", {class: "muted"}, `… ${items.length - max} ${u("more")}`));
    if (!items.length) ul.appendChild(el("li", {class: "muted"}, u("nothing")));
  }
  function renderEventList() {
    const ol = $("event-list"); ol.textContent = "";
    const lo = Math.max(0, cur - 5), hi = Math.min(EV.length, lo + 14);
    for (let i = lo; i < hi; i++) {
      const li = el("li", {"data-step": i}, `${i} ${evLabel(EV[i])}`);
      if (i === cur) li.setAttribute("aria-current", "true");
      li.addEventListener("click", () => goTo(i));
      ol.appendChild(li);
    }
  }

  /* ---- highlights: the diff, the fault's path, the selection ---- */
  const marked = {changed: [], onpath: [], faulting: [], hl: [], sel: []};
  function clearClass(c) { for (const e of marked[c]) e.classList.remove(c); marked[c] = []; }
  function mark(e, c) { if (e) { e.classList.add(c); marked[c].push(e); } }
  function markChanged() {
    clearClass("changed"); clearClass("onpath"); clearClass("faulting");
    const ev = EV[cur];
    for (const [k] of ev.d.p || []) mark(pteEls.get(String(k)), "changed");
    for (const [p] of ev.d.f || []) mark(frameEls.get(String(p)), "changed");
    for (const [s] of ev.d.s || []) mark(slotEls.get(String(s)), "changed");
    if (ev.k === "fault") {
      const f = fault(ev), info = spaceEls.get(f.pid);
      if (info) {
        mark(info.box, "faulting");
        const va = Math.floor(f.addr / 4096) * 4096;
        for (let lv = 0; lv <= LAST; lv++) {
          const node = info.nodes.get(nodeKeyFor(f.pid, lv, va));
          if (node) mark(node.details, "onpath");
        }
        const p = pteEls.get(`${f.pid}:${hex(va)}`);
        mark(p, "onpath");
      }
    }
  }
  function applySelection() {
    clearClass("hl"); clearClass("sel");
    const box = $("selection");
    if (!sel) { box.textContent = u("nosel"); return; }
    if (sel.type === "frame") {
      const fe = frameEls.get(String(sel.pfn)), r = ST.f.get(String(sel.pfn));
      mark(fe, "sel");
      let n = 0;
      for (const e of document.querySelectorAll(`[data-testid="pte"][data-pfn="${sel.pfn}"]`)) { mark(e, "hl"); n++; }
      if (r && r[8] !== null) mark(slotEls.get(String(r[8])), "hl");
      box.textContent = `${u("frame")} ${hex(sel.pfn)}: ${frameDesc(sel.pfn, r)} · ${u("mapped")} ${n} ${u("ptes")}`;
    } else if (sel.type === "pte") {
      const pe = pteEls.get(sel.key), r = ST.p.get(sel.key);
      mark(pe, "sel");
      if (r) mark(r[0] === "swap" ? slotEls.get(String(r[1])) : frameEls.get(String(r[1])), "hl");
      const [pid, va] = parseKey(sel.key);
      box.textContent = `${u("pid")} ${pid} PTE ${hex(va)}: ${pteDesc(r)}` +
        (r ? ` · P=${r[2] & 1 ? 1 : 0} W=${r[2] & 2 ? 1 : 0} U=${r[2] & 4 ? 1 : 0} A=${r[2] & 32 ? 1 : 0} D=${r[2] & 64 ? 1 : 0}` : "");
    } else if (sel.type === "slot") {
      const se = slotEls.get(String(sel.slot)), r = ST.s.get(String(sel.slot));
      mark(se, "sel");
      let n = 0;
      for (const e of document.querySelectorAll(`[data-testid="pte"][data-slot="${sel.slot}"]`)) { mark(e, "hl"); n++; }
      for (const [pfn, fr] of ST.f) if (fr[8] === Number(sel.slot)) mark(frameEls.get(pfn), "hl");
      box.textContent = `${u("swap")} ${sel.slot}: ` + (r ? `${u("count")} ${r[0]}${r[1] ? ", " + u("cache") : ""}` : u("slotfree")) + ` · ${u("mapped")} ${n} ${u("ptes")}`;
    }
  }
  function select(s) { sel = s; applySelection(); writeHash(); }

  /* ---- stepping ---- */
  function goTo(n, opts) {
    n = Math.max(0, Math.min(EV.length - 1, n | 0));
    const touched = {p: new Set(), f: new Set(), s: new Set(), t: new Set(), c: new Set(), v: new Set(), n: new Set()};
    const start = cur;
    if (n > cur) for (let i = cur + 1; i <= n; i++) apply(EV[i], true, touched);
    else for (let i = cur; i > n; i--) apply(EV[i], false, touched);
    cur = n;
    const big = start < 0 || Math.abs(n - start) > 50 || touched.n.size > 0;
    if (big || taskSetChanged()) { buildSpaces(); buildMemory(); }
    else {
      for (const k of touched.p) upsertPte(k, ST.p.get(k));
      for (const k of touched.f) upsertFrame(k, ST.f.get(k));
      for (const k of touched.s) upsertSlot(k, ST.s.get(k));
      for (const k of touched.c) updateSpaceHead(Number(k));
      for (const k of touched.v) updateVmas(Number(k));
    }
    renderSummaries();
    renderEvent();
    markChanged();
    applySelection();
    $("step-index").textContent = String(cur);
    const sc = $("scrubber"); sc.value = String(cur);
    sc.setAttribute("aria-valuetext", `${u("event")} ${cur}: ${evLabel(EV[cur])}`);
    $("prev").disabled = cur === 0; $("next").disabled = cur === EV.length - 1;
    $("announce").textContent = UI[lang].announce.replace("{i}", cur).replace("{n}", EV.length - 1).replace("{t}", evLabel(EV[cur]) +
      (EV[cur].g.includes("cow-copy") ? " · " + u("copy") : EV[cur].g.includes("cow-reuse") ? " · " + u("reuse") : ""));
    if (!opts || !opts.noHash) writeHash();
  }
  function taskSetChanged() {
    const live = livePids();
    if (live.length !== spaceEls.size) return true;
    return live.some((p) => !spaceEls.has(p));
  }
  function jump(tag, dir) {
    for (let i = cur + dir; i >= 0 && i < EV.length; i += dir) if (EV[i].g.includes(tag)) { goTo(i); return true; }
    return false;
  }

  /* ---- the URL hash: #step=N&sel=frame:PFN | pte:PID:VADDR | slot:N ---- */
  function writeHash() {
    let h = `#step=${cur}`;
    if (sel) h += "&sel=" + (sel.type === "frame" ? `frame:${sel.pfn}` : sel.type === "slot" ? `slot:${sel.slot}` : `pte:${sel.key}`);
    h += lang === "zh" ? "&lang=zh" : "";
    if (location.hash !== h) history.replaceState(null, "", h);
  }
  function readHash() {
    const q = new URLSearchParams(location.hash.replace(/^#/, ""));
    const s = q.get("sel");
    sel = null;
    if (s) {
      const [type, ...rest] = s.split(":");
      if (type === "frame") sel = {type, pfn: rest[0]};
      else if (type === "slot") sel = {type, slot: rest[0]};
      else if (type === "pte") sel = {type, key: rest.join(":")};
    }
    if (q.get("lang") === "zh" && lang !== "zh") setLang("zh", true);
    const n = parseInt(q.get("step") || "0", 10);
    return Number.isFinite(n) ? n : 0;
  }

  /* ---- language ---- */
  function setLang(lg, quiet) {
    lang = lg;
    document.documentElement.lang = lg === "zh" ? "zh-CN" : "en";
    const b = $("lang");
    b.textContent = lg === "zh" ? "English" : "中文";
    b.setAttribute("aria-label", u("lang"));
    const set = (id, k) => { $(id).textContent = u(k); };
    set("as-h", "as"); set("pm-h", "pm"); set("pc-h", "pc"); set("sw-h", "sw"); set("lru-h", "lru");
    set("legend-h", "legend"); set("diff-h", "changed"); set("sel-h", "sel"); set("events-h", "events");
    set("ev-h", "ev"); set("jump-label", "next"); set("event-word", "event"); set("scrub-label", "event");
    for (const bt of document.querySelectorAll("[data-jump]")) bt.textContent = `${u(bt.dataset.jump)} ▶`;
    buildLegend();
    if (!quiet && cur >= 0) { buildSpaces(); buildMemory(); goTo(cur); }
  }
  function buildLegend() {
    const ul = $("legend"); ul.textContent = "";
    const items = [["k-anon", lang === "zh" ? "匿名页" : "anonymous page"], ["k-file", u("file") + " (page cache)"],
      ["k-shmem", "shmem"], ["k-zero", u("zeropage")], ["k-swap", u("swap")], ["k-pgtable", u("table")],
      ["k-anon ro", u("ro") + " PTE"], ["k-anon dirty", u("dirty")]];
    for (const [c, t] of items) {
      const li = el("li"); li.appendChild(el("span", {class: "cell " + c, "aria-hidden": "true"})); li.appendChild(document.createTextNode(t)); ul.appendChild(li);
    }
  }

  /* ---- wiring ---- */
  function cellFromEvent(e) { return e.target.closest("[data-testid=pte],[data-testid=frame],[data-testid=slot]"); }
  function activate(c) {
    if (!c) return;
    const t = c.dataset.testid;
    if (t === "frame") select({type: "frame", pfn: c.dataset.pfn});
    else if (t === "slot") select({type: "slot", slot: c.dataset.slot});
    else select({type: "pte", key: c.dataset.key});
  }
  document.addEventListener("click", (e) => { const c = cellFromEvent(e); if (c) activate(c); });
  document.addEventListener("keydown", (e) => {
    const c = cellFromEvent(e);
    if (c && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); activate(c); return; }
    if (c && (e.key === "ArrowRight" || e.key === "ArrowLeft") && e.altKey) {
      const sib = e.key === "ArrowRight" ? c.nextElementSibling : c.previousElementSibling;
      if (sib) sib.focus(); e.preventDefault(); return;
    }
    const tag = e.target.tagName;
    if (e.target.id === "scrubber" || tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "ArrowRight") { e.preventDefault(); if (e.shiftKey) jump("fault", 1); else goTo(cur + 1); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); if (e.shiftKey) jump("fault", -1); else goTo(cur - 1); }
    else if (e.key === "Home") { e.preventDefault(); goTo(0); }
    else if (e.key === "End") { e.preventDefault(); goTo(EV.length - 1); }
    else if (e.key === "Escape") select(null);
  });
  $("next").addEventListener("click", () => goTo(cur + 1));
  $("prev").addEventListener("click", () => goTo(cur - 1));
  $("first").addEventListener("click", () => goTo(0));
  $("last").addEventListener("click", () => goTo(EV.length - 1));
  $("scrubber").addEventListener("input", (e) => goTo(Number(e.target.value)));
  $("lang").addEventListener("click", () => { setLang(lang === "en" ? "zh" : "en"); writeHash(); });
  window.addEventListener("hashchange", () => { const n = readHash(); goTo(n, {noHash: true}); });
  const jumps = document.querySelector(".jumps");
  for (const tag of JUMPS) {
    if (!EV.some((ev) => ev.g.includes(tag))) continue;
    const b = el("button", {type: "button", "data-jump": tag, "data-testid": "jump-" + tag}, "");
    b.addEventListener("click", () => jump(tag, 1));
    jumps.appendChild(b);
  }
  $("scrubber").max = String(EV.length - 1);
  $("step-total").textContent = String(EV.length - 1);
  $("subtitle").textContent = (DATA.description || "") + (DATA.truncated ? ` (${DATA.truncated} faults not recorded: more than the event limit)` : "");
  setLang("en", true);
  const start = readHash();
  goTo(start, {noHash: true});
  document.body.dataset.loadMs = String(Math.round(performance.now()));   // since navigation
  document.body.dataset.ready = "1";
})();
