"""``pagewalk validate``: the same scenario on the host's kernel and in pagewalk.

``validate(scn, repeat=3)`` runs the scenario ``repeat`` times on the host, each
time in fresh processes (a new ``HostMachine``), then once in the model, and
returns a ``Validation``: one ``Row`` per step with the kernel's minor/major
faults (lowest..highest over the runs), the model's, and whether they match
within the step's ``tolerance``.  A step whose kernel count varied between runs
is marked timing-dependent.  Signals, their codes and wait statuses must agree
too.  ``Validation.skipped`` says why nothing ran on the host (host = false,
no swap area, no compiler, not Linux) — it is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .format import Scenario
from .runner import RunResult, StepResult, run, run_model

HOST_KNOBS = ("thp", "read_ahead_kb", "page_cluster", "fault_around_bytes")


def host_overrides(settings: dict[str, Any]) -> dict[str, Any]:
    """The config knobs ``--match-host`` takes from the host's settings."""
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


def validate(scn: Scenario, repeat: int = 3, match_host: bool = False) -> Validation:
    """Run ``scn`` ``repeat`` times on the host and once in the model; compare."""
    from ..oracle import host_settings
    val = Validation(scn, settings=host_settings(), repeat=repeat)
    val.skipped = host_skip_reason(scn)
    if val.skipped:
        return val
    from ..oracle import HostError
    from .engines import HostEngine
    runs: list[RunResult] = []
    for _ in range(repeat):
        engine = HostEngine()
        try:
            runs.append(run(scn, engine, host=True))
        except (HostError, OSError) as e:
            val.error = f"the host run failed: {e}"
            return val
        finally:
            engine.close()
    if match_host:
        val.overrides = host_overrides(val.settings)
    model = run_model(scn, val.overrides)
    for i, m in enumerate(model.steps):
        s = m.step
        host_steps = [r.steps[i] for r in runs if not r.steps[i].skipped]
        note = s.note
        if not host_steps:
            val.rows.append(Row(s.index, s.op, s.task, s.title, None, None, "", m.min_flt,
                                m.maj_flt, _event(m), False, True, False, s.tolerance,
                                note or "not run on the host"))
            continue
        mins = [h.min_flt for h in host_steps]
        majs = [h.maj_flt for h in host_steps]
        events = sorted({_event(h) for h in host_steps})
        span_min, span_maj = (min(mins), max(mins)), (min(majs), max(majs))
        timing = span_min[0] != span_min[1] or span_maj[0] != span_maj[1] or len(events) > 1
        extra = [h.note for h in host_steps if h.note]
        if extra:
            note = "; ".join(filter(None, [note, extra[0]]))
        match = (_within(m.min_flt, span_min, s.tolerance[0])
                 and _within(m.maj_flt, span_maj, s.tolerance[1])
                 and _event(m) in events)
        val.rows.append(Row(s.index, s.op, s.task, s.title, span_min, span_maj,
                            " / ".join(events), m.min_flt, m.maj_flt, _event(m), s.compare,
                            match, timing, s.tolerance, note))
    return val
