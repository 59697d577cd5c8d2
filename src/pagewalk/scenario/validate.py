"""``pagewalk validate``: the same scenario on the host's kernel and in pagewalk.

``validate(scn, repeat=3)`` runs the scenario ``repeat`` times on the host, each
time in fresh processes (a new ``HostMachine``), then once in the model, and
returns a ``Validation``: one ``Row`` per step with the kernel's minor/major
faults (lowest..highest over the runs), the model's, and whether they match.
Each step is classified by the model from the faults it took
(``pagewalk.oracle.classify``: deterministic, host-setting, address,
spurious-TLB, I/O-timing); the class gives the tolerance (plus the step's own
``tolerance``, for what the model does not model), and a step matches when one
host run agrees with the model under it.  If a step does not, the host runs
again (``reruns`` more times) before the step is called a mismatch.  A step
whose kernel count varied between runs is marked timing-dependent.  Signals,
their codes and wait statuses must agree too.  ``Validation.skipped`` says why
nothing ran on the host (host = false, no swap area, no compiler, not Linux, a
host setting the model does not support) — it is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .format import Scenario
from .runner import RunResult, StepResult, run, run_model

HOST_KNOBS = ("thp", "read_ahead_kb", "page_cluster", "fault_around_bytes")


def host_config() -> tuple[dict[str, Any], list[Any]]:
    """The model's knobs from this host (``Config.from_host``; validate's default)
    and the host settings the model does not support (each a visible skip)."""
    from ..hostconfig import host_knobs, read_host_settings
    return host_knobs(read_host_settings())


def host_overrides(settings: dict[str, Any]) -> dict[str, Any]:
    """The config knobs taken from ``oracle.host_settings()`` (the old subset)."""
    out: dict[str, Any] = {}
    if settings.get("thp") in ("always", "madvise", "never"):
        out["thp"] = settings["thp"]
    if isinstance(settings.get("read_ahead_kb"), int):
        out["read_ahead_kb"] = settings["read_ahead_kb"]
    if isinstance(settings.get("page_cluster"), int) and 0 <= settings["page_cluster"] <= 10:
        out["page_cluster"] = settings["page_cluster"]
    fab = settings.get("fault_around_bytes")
    if isinstance(fab, int) and fab >= 4096:
        out["fault_around_bytes"] = fab
    return out


@dataclass
class Row:
    step: int
    op: str
    task: str
    title: str
    kernel_min: tuple[int, int] | None     # (lo, hi) over runs; None: not run on the host
    kernel_maj: tuple[int, int] | None
    kernel_event: str                      # signal/code, errno or wait status ("" if none)
    model_min: int
    model_maj: int
    model_event: str
    compared: bool
    match: bool
    timing: bool                           # the kernel's count varied between runs
    tolerance: tuple[int, int]
    note: str = ""
    kind: str = ""                         # the model's class of the step (classify.py)
    reason: str = ""                       # why that class, in words

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Validation:
    scenario: Scenario
    rows: list[Row] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    repeat: int = 0
    skipped: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and all(r.match for r in self.rows if r.compared)

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario.name, "ok": self.ok, "skipped": self.skipped,
                "error": self.error, "repeat": self.repeat, "settings": self.settings,
                "overrides": self.overrides, "rows": [r.to_dict() for r in self.rows]}


def _event(r: StepResult) -> str:
    if r.signal:
        return f"{r.signal} {r.code or ''}".strip()
    if r.errno:
        return r.errno
    if r.status:
        return r.status
    return ""


def _within(value: int, span: tuple[int, int], tol: int) -> bool:
    return span[0] - tol <= value <= span[1] + tol


def host_skip_reason(scn: Scenario) -> str:
    """Why ``scn`` cannot be validated on this host ("" if it can)."""
    if not scn.host:
        return f"not run on the host: {scn.host_reason}"
    try:
        from ..oracle import HostUnavailable, build_probe, host_settings
        build_probe()
    except HostUnavailable as e:
        return f"host oracle unavailable: {e}"
    if "swap" in scn.requires and not host_settings()["swap"]:
        return "no swap area on this host (/proc/swaps is empty): swap steps cannot be validated"
    if len(scn.tasks) > 1:
        return "the host runs one root task; this scenario has several (fork them instead)"
    return ""


def validate(scn: Scenario, repeat: int = 3, match_host: bool = True,
             reruns: int = 4) -> Validation:
    """Run ``scn`` ``repeat`` times on the host and once in the model; compare.

    ``match_host`` (default): the model is configured from the host's settings
    (``Config.from_host``); a host setting the model does not support makes the
    whole validation a visible skip naming it.  A mismatch re-runs the host up
    to ``reruns`` more times before it counts."""
    from ..oracle import host_settings
    val = Validation(scn, settings=host_settings(), repeat=repeat)
    val.skipped = host_skip_reason(scn)
    if val.skipped:
        return val
    knobs: dict[str, Any] = {}
    if match_host:
        knobs, unsupported = host_config()
        if unsupported:
            val.skipped = ("host setting(s) the model does not support: "
                           + "; ".join(str(u) for u in unsupported))
            return val
    from ..oracle import HostError
    from ..oracle.classify import agrees, classify
    from .engines import HostEngine

    def host_run() -> RunResult:
        engine = HostEngine()
        try:
            return run(scn, engine, host=True)
        finally:
            engine.close()

    runs: list[RunResult] = []
    try:
        runs = [host_run() for _ in range(repeat)]
    except (HostError, OSError) as e:
        val.error = f"the host run failed: {e}"
        return val
    val.overrides = dict(knobs)
    model = run_model(scn, val.overrides)
    classes = [classify(m.faults, op=m.step.op, addresses_pinned=False,
                        settings_matched=match_host) for m in model.steps]

    def agree(i: int, h: StepResult) -> bool:
        m, c, tol = model.steps[i], classes[i], model.steps[i].step.tolerance
        c = replace(c, tolerance=(c.tolerance[0] + tol[0], c.tolerance[1] + tol[1]))
        return (_event(h) == _event(m)
                and agrees(c, (m.min_flt, m.maj_flt), (h.min_flt, h.maj_flt)))

    def bad_steps() -> list[int]:
        return [i for i, m in enumerate(model.steps) if m.step.compare and any(
                    not r.steps[i].skipped for r in runs) and not any(
                    agree(i, r.steps[i]) for r in runs if not r.steps[i].skipped)]

    for _ in range(reruns):
        if not bad_steps():
            break
        try:
            runs.append(host_run())
        except (HostError, OSError) as e:
            val.error = f"the host run failed: {e}"
            return val
    val.repeat = len(runs)
    bad = set(bad_steps())
    for i, m in enumerate(model.steps):
        s, c = m.step, classes[i]
        tol = (c.tolerance[0] + s.tolerance[0], c.tolerance[1] + s.tolerance[1])
        host_steps = [r.steps[i] for r in runs if not r.steps[i].skipped]
        note = s.note
        if not host_steps:
            val.rows.append(Row(s.index, s.op, s.task, s.title, None, None, "", m.min_flt,
                                m.maj_flt, _event(m), False, True, False, tol,
                                note or "not run on the host", str(c.kind), c.reason))
            continue
        mins = [h.min_flt for h in host_steps]
        majs = [h.maj_flt for h in host_steps]
        events = sorted({_event(h) for h in host_steps})
        span_min, span_maj = (min(mins), max(mins)), (min(majs), max(majs))
        timing = span_min[0] != span_min[1] or span_maj[0] != span_maj[1] or len(events) > 1
        extra = [h.note for h in host_steps if h.note]
        if extra:
            note = "; ".join(filter(None, [note, extra[0]]))
        if c.kind != "deterministic":
            note = "; ".join(filter(None, [note, f"{c.kind}: {c.reason}"]))
        val.rows.append(Row(s.index, s.op, s.task, s.title, span_min, span_maj,
                            " / ".join(events), m.min_flt, m.maj_flt, _event(m), s.compare,
                            i not in bad, timing, tol, note, str(c.kind), c.reason))
    return val
