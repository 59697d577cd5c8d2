"""The fidelity suite: every built-in scenario on the host kernel and in pagewalk.

Skipped with a visible reason when the host cannot run the oracle, or when a
scenario declares it cannot run on the host (host = false, no swap area).
"""

from __future__ import annotations

import pytest

from pagewalk.scenario import builtin_names, resolve
from pagewalk.scenario.validate import host_overrides, host_skip_reason, validate

pytestmark = pytest.mark.host


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenario_validates_against_the_host(name: str) -> None:
    scn = resolve(name)
    reason = host_skip_reason(scn)
    if reason:
        pytest.skip(f"{name}: {reason}")
    v = validate(scn, repeat=2)
    assert not v.error, v.error
    lacking = [r for r in v.rows if "not available" in r.model_event]
    if lacking:
        pytest.skip(f"{name}: the model lacks a layer ({lacking[0].model_event})")
    bad = [(r.step, r.op, r.kernel_min, r.kernel_maj, r.kernel_event,
            r.model_min, r.model_maj, r.model_event) for r in v.rows if r.compared and not r.match]
    assert not bad, f"kernel vs pagewalk differ: {bad}"


def test_host_overrides_take_the_knobs_that_change_counts() -> None:
    s = {"thp": "madvise", "read_ahead_kb": 8192, "page_cluster": 3,
         "fault_around_bytes": "unknown"}
    assert host_overrides(s) == {"thp": "madvise", "read_ahead_kb": 8192, "page_cluster": 3}


def test_validate_cli_table_and_skip(pagewalk) -> None:
    code, out, _ = pagewalk("validate", "belady")
    assert code == 0 and "skipped: not run on the host" in out and "host: Linux" in out
    reason = host_skip_reason(resolve("zero-page"))
    if reason:
        pytest.skip(reason)
    code, out, _ = pagewalk("validate", "zero-page", "-n", "2", "--match-host")
    assert code == 0, out
    assert "model configured from the host" in out
    assert "the model matches the kernel" in out
