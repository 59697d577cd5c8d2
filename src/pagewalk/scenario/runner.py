"""Run a scenario on an engine, step by step, and check each step's expectations.

``run(scenario, engine)`` returns a ``RunResult``: one ``StepResult`` per step
with the step's own minor/major faults (the task's counters before and after),
the signal or errno it ended in, what it read, and the ``Check`` of every
expectation.  With the model engine it also keeps the step's ``FaultRecord``s
(for ``--explain``), every task's RSS and cumulative faults (for ``--plot``)
and the views the step asked for.  A step on a task that died earlier raises
``ScenarioError``.
"""

from __future__ import annotations

import errno as E
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import Signal, SyscallError
from .engines import PAGE, ModelEngine, TouchPlan
from .format import Scenario, ScenarioError, Step


@dataclass(frozen=True)
class Check:
    key: str
    expected: Any
    actual: Any
    ok: bool


@dataclass
class StepResult:
    step: Step
    min_flt: int = 0
    maj_flt: int = 0
    signal: str | None = None
    code: str | None = None
    errno: str | None = None
    error: str | None = None
    data: bytes | None = None
    status: str | None = None
    replay: dict[str, Any] | None = None
    note: str = ""
    skipped: str = ""
    faults: list = field(default_factory=list)
    reclaims: list = field(default_factory=list)    # reclaim runs outside any fault
    rss: dict[str, int] = field(default_factory=dict)
    cumulative: dict[str, tuple[int, int]] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    report: Any = None              # a run step's RunReport (observe/report.py)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        s = self.step
        d: dict[str, Any] = {
            "step": s.index, "op": s.op, "task": s.task, "title": s.title,
            "min_flt": self.min_flt, "maj_flt": self.maj_flt, "signal": self.signal,
            "code": self.code, "errno": self.errno, "error": self.error,
            "status": self.status, "ok": self.ok, "note": self.note, "skipped": self.skipped,
            "checks": [{"key": c.key, "expected": c.expected, "actual": c.actual, "ok": c.ok}
                       for c in self.checks],
        }
        if self.data is not None:
            d["bytes"] = self.data[:64].decode("latin-1")
        if self.replay is not None:
            d["replay"] = self.replay
        if self.faults:
            d["handlers"] = [f.handler for f in self.faults]
        return d


@dataclass
class RunResult:
    scenario: Scenario
    engine: str
    steps: list[StepResult]
    error: str | None = None        # the engine could not run the scenario at all

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.ok for r in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.name, "title": self.scenario.title,
                "engine": self.engine, "ok": self.ok, "error": self.error,
                "steps": [r.to_dict() for r in self.steps]}


class _State:
    """Per-run bookkeeping: mappings by task, heap bases, who died where."""

    def __init__(self, tasks: list[str]) -> None:
        self.maps: dict[str, dict[str, tuple[int, int]]] = {t: {} for t in tasks}
        self.heap_base: dict[str, int] = {}
        self.dead: dict[str, str] = {}

    def range(self, step: Step) -> tuple[int, int]:
        """(address, length) a range step names, offsets and lengths in bytes."""
        a = step.args
        if "addr" in a:
            return a["addr"] + a.get("offset", 0), a.get("length", PAGE)
        start, length = self.maps[step.task][a["map"]]
        off = a.get("offset", 0)
        if off >= length and step.op not in ("touch", "read", "write"):
            raise ScenarioError(f"step {step.label}: key 'offset': {off} is beyond mapping "
                                f"{a['map']!r} ({length} bytes)")
        return start + off, a.get("length", max(length - off, 1))


def _errname(exc: SyscallError) -> str:
    return E.errorcode.get(exc.errno or 0, str(exc.errno))


def _perform(engine: Any, state: _State, step: Step, scn: Scenario, res: StepResult) -> None:
    a, task, op = step.args, step.task, step.op
    if op == "mmap":
        prot = a.get("prot", "rw")
        flags = a.get("flags", "private" if "file" in a else "private|anonymous")
        addr = a.get("addr")
        start = engine.mmap(task, a["length"], prot, flags, a.get("file"), a.get("offset", 0),
                            addr, a.get("align"), a.get("isolated"))
        if "as" in a:
            state.maps[task][a["as"]] = (start, -(-a["length"] // PAGE) * PAGE)
    elif op == "munmap":
        addr, n = state.range(step)
        engine.munmap(task, addr, n)
        if "map" in a and "offset" not in a and "length" not in a:
            state.maps[task].pop(a["map"], None)
    elif op == "mprotect":
        engine.mprotect(task, *state.range(step), a["prot"])
    elif op == "madvise":
        engine.madvise(task, *state.range(step), a["advice"])
    elif op == "msync":
        engine.msync(task, *state.range(step), a.get("mode", "sync"))
    elif op == "touch":
        addr, n = state.range(step)
        plan = TouchPlan(addr, n, a.get("stride", PAGE), a.get("order", "seq"), a.get("seed", 0))
        engine.touch(task, plan, a.get("write", False))
    elif op == "read":
        addr, n = state.range(step)
        if "length" not in a and "bytes" in step.expect:
            n = len(step.expect["bytes"].encode())
        res.data = engine.read(task, addr, n)
    elif op == "write":
        addr, _ = state.range(step)
        engine.write(task, addr, a["data"].encode())
    elif op in ("sbrk", "brk"):
        if task not in state.heap_base:
            state.heap_base[task] = engine.brk(task, None)
        if op == "sbrk":
            old = engine.sbrk(task, a["increment"])
            if "as" in a and a["increment"] > 0:
                state.maps[task][a["as"]] = (old, a["increment"])
        else:
            base = state.heap_base[task]
            engine.brk(task, base + a["heap"])
            if "as" in a and a["heap"] > 0:
                state.maps[task][a["as"]] = (base, a["heap"])
    elif op == "stack":
        engine.stack(task, a["depth"], a.get("write", True))
    elif op == "fork":
        engine.fork(task, a["child"])
        state.maps[a["child"]] = dict(state.maps[task])
    elif op == "exec":
        engine.exec(task)
        state.maps[task] = {}
        state.heap_base.pop(task, None)
    elif op == "exit":
        engine.exit(task, a.get("code", 0))
        state.dead[task] = f"it exited at step {step.index}"
    elif op == "wait":
        res.status = engine.wait(task, a.get("child"))
    elif op == "drop_caches":
        res.note = engine.drop_caches()
    elif op == "evict":
        engine.evict(a["file"])
    elif op in ("program", "run"):
        _perform_timed(engine, step, res)
    elif op == "replay":
        from ..trace import replay
        refs = (a["refs"] if "refs" in a else list(range(a["loop"]))) * a.get("repeat", 1)
        r = replay(refs, frames=a["frames"], policy=a.get("policy", "lru"),
                   mode=a.get("mode", "cache"), engine="reference")
        res.replay = {"faults": r.faults, "hits": r.hits, "accesses": r.accesses,
                      "frames": r.frames, "policy": r.policy}
    else:  # pragma: no cover - format.py admits only known ops
        raise ScenarioError(f"step {step.label}: op {op!r} has no runner")


def _perform_timed(engine: Any, step: Step, res: StepResult) -> None:
    """``program`` and ``run`` steps (issue 6): the model's scheduler only."""
    if not isinstance(engine, ModelEngine):
        raise ScenarioError(f"step {step.label}: programs and run steps need the model "
                            "(mark the scenario host = false)")
    from .. import programs as P
    a = step.args
    if step.op == "run":
        res.report = engine.machine.run(a.get("until"))
        res.note = res.report.show().splitlines()[0]
        return
    name = a["program"]
    kw = {k: a[k] for k in ("pages", "passes", "write", "work", "think", "seed", "accesses",
                            "locality") if k in a}
    if name == "compute":
        prog = P.compute(a.get("seconds", 0.0))
    elif name == "file_scan":
        prog = P.file_scan(engine.files[a["file"]], work=a.get("work", 0.0))
    else:
        prog = getattr(P, name)(**kw)
    engine.machine.sched.attach(engine.tasks[step.task], prog, a.get("nice", 0))


def _check(res: StepResult, engine: Any) -> None:
    ex, checks = res.step.expect, res.checks
    for key in ("min_flt", "maj_flt"):
        if key in ex:
            actual = getattr(res, key)
            checks.append(Check(key, ex[key], actual, actual == ex[key]))
    if "handler" in ex and res.faults is not None and isinstance(engine, ModelEngine):
        handlers = sorted({f.handler for f in res.faults})
        ok = bool(handlers) and all(h in ex["handler"] for h in handlers)
        checks.append(Check("handler", "|".join(ex["handler"]), ",".join(handlers) or "-", ok))
    for key in ("signal", "code"):
        if key in ex:
            want = ex.get(key)
            actual = getattr(res, key)
            checks.append(Check(key, want, actual, actual == want))
    if res.signal and "signal" not in ex and "code" not in ex:
        # An unexpected signal fails the step, as an unexpected errno does.
        checks.append(Check("signal", None, f"{res.signal} {res.code}", False))
    if "errno" in ex or res.errno:
        checks.append(Check("errno", ex.get("errno"), res.errno, res.errno == ex.get("errno")))
    if res.error and not res.errno:
        checks.append(Check("error", None, res.error, False))
    if "bytes" in ex:
        got = (res.data or b"").decode("latin-1")
        checks.append(Check("bytes", ex["bytes"], got, got == ex["bytes"]))
    if "fill" in ex:
        ok = res.data is not None and all(b == ex["fill"] for b in res.data)
        checks.append(Check("fill", ex["fill"], "yes" if ok else "no", ok))
    if "faults" in ex:
        got = (res.replay or {}).get("faults")
        checks.append(Check("faults", ex["faults"], got, got == ex["faults"]))
    if "status" in ex:
        checks.append(Check("status", ex["status"], res.status, res.status == ex["status"]))
    if "cpu_utilization" in ex:
        want = ex["cpu_utilization"]
        got = res.report.cpu_utilization if res.report is not None else None
        ok = got is not None and (got > float(want[1:]) if want[0] == ">"
                                  else got < float(want[1:]))
        checks.append(Check("cpu_utilization", want,
                            None if got is None else round(got, 3), ok))
    if "rss" in ex and isinstance(engine, ModelEngine):
        got = res.rss.get(res.step.task)
        checks.append(Check("rss", ex["rss"], got, got == ex["rss"]))


def _views(engine: ModelEngine, step: Step, wanted: tuple[str, ...]) -> dict[str, str]:
    from ..observe.procfs import show_meminfo
    out: dict[str, str] = {}
    t = engine.tasks.get(step.task)
    for v in wanted:
        if v == "meminfo":
            out[v] = show_meminfo(engine.machine)
        elif v == "vmstat":
            out[v] = "".join(f"{k} {n}\n" for k, n in engine.machine.vmstat.items() if n)
        elif t is not None and t.alive:
            out[v] = getattr(t, v)()
        else:
            out[v] = f"(task {step.task} is dead: no /proc/PID/{v})\n"
    return out


def run(scn: Scenario, engine: Any, *, host: bool = False, show: tuple[str, ...] = (),
        on_step: Callable[[StepResult], None] | None = None) -> RunResult:
    """Run every step of ``scn`` on ``engine``; ``host`` skips steps marked host = false.

    ``show``: views printed after every step (the step's own ``show`` key adds more).
    """
    state = _State(scn.tasks)
    for f in scn.files:
        engine.create_file(f.name, f.size, f.data, f.chunk)
    for t in scn.tasks:
        engine.spawn(t)
    model = isinstance(engine, ModelEngine)
    results: list[StepResult] = []
    for step in scn.steps:
        res = StepResult(step)
        if step.op != "replay" and step.task in state.dead:
            raise ScenarioError(f"{scn.path}: step {step.label}: key 'task': task "
                                f"{step.task!r} is dead ({state.dead[step.task]})")
        if host and (not step.host or step.op == "replay"):
            res.skipped = "not run on the host (host = false)"
            results.append(res)
            continue
        before = engine.counts(step.task) if step.op != "replay" else (0, 0)
        tracer_ctx = engine.machine.trace() if model else None
        tracer = tracer_ctx.__enter__() if tracer_ctx is not None else None
        try:
            _perform(engine, state, step, scn, res)
        except Signal as sig:
            res.signal, res.code = sig.signal, sig.code
            state.dead[step.task] = f"it was killed by {sig.signal} at step {step.index}"
        except SyscallError as exc:
            res.errno = _errname(exc)
            res.error = str(exc)
        finally:
            if tracer_ctx is not None:
                tracer_ctx.__exit__(None, None, None)
        if step.op != "replay":
            after = engine.counts(step.task)
            res.min_flt, res.maj_flt = after[0] - before[0], after[1] - before[1]
        if tracer is not None:
            res.faults = list(tracer.faults)
            res.reclaims = [r for r in tracer.reclaims if not r.in_fault]
        if model:
            for name, t in engine.tasks.items():
                res.rss[name] = t.stats.rss
                res.cumulative[name] = (t.stats.min_flt, t.stats.maj_flt)
            views = tuple(dict.fromkeys((*show, *step.show)))
            if views:
                res.views = _views(engine, step, views)
        _check(res, engine)
        results.append(res)
        if on_step is not None:
            on_step(res)
    return RunResult(scn, engine.name, results)


def run_model(scn: Scenario, overrides: dict[str, Any] | None = None, **kw: Any) -> RunResult:
    """Run ``scn`` in pagewalk (a fresh ``Machine`` from the scenario's [machine])."""
    engine = ModelEngine(scn.machine, overrides)
    return run(scn, engine, **kw)
