"""Scenario ops for mremap, mlock, munlock, mlockall, munlockall, mincore, clear_refs
and their --explain narration (issue 11)."""

from __future__ import annotations

import pytest

from pagewalk.scenario import loads, resolve, run_model
from pagewalk.scenario.format import ScenarioError

HEAD = '''
title = "t"
[machine]
memory = "64MiB"
[[steps]]
op = "mmap"
length = "16p"
as = "a"
isolated = true
'''


def test_builtin_mremap_mlock_meets_every_expectation():
    result = run_model(resolve("mremap-mlock"))
    assert result.ok, [(r.step.label, [c for c in r.checks if not c.ok]) for r in result.steps]


def test_every_new_op_runs():
    scn = loads(HEAD + '''
[[steps]]
op = "touch"
map = "a"
write = true
[[steps]]
op = "mmap"
length = "16p"
as = "b"
isolated = true
[[steps]]
op = "mremap"
map = "a"
flags = "maymove|fixed|dontunmap"
to = "b"
as = "moved"
expect = { min_flt = 0 }
[[steps]]
op = "mincore"
map = "a"
expect = { resident = 0 }
[[steps]]
op = "mincore"
map = "moved"
expect = { resident = 16 }
[[steps]]
op = "mlockall"
flags = "current|future"
title = "populates the 16 emptied pages of a and the 33 of the stack"
expect = { min_flt = 49 }
[[steps]]
op = "munlockall"
[[steps]]
op = "clear_refs"
value = 5
[[steps]]
op = "munlock"
map = "moved"
''')
    result = run_model(scn)
    assert result.ok, [(r.step.label, r.error, [c for c in r.checks if not c.ok])
                       for r in result.steps]


def test_explain_narrates_mremap_mlock_and_populate(pagewalk):
    code, out, _ = pagewalk("run", "mremap-mlock", "--explain")
    assert code == 0
    assert "the page tables move, not the pages" in out
    assert "256 PTEs moved one by one" in out
    assert "the range is populated now" in out
    assert "MADV_POPULATE_WRITE" in out and "counted in min_flt" in out


@pytest.mark.parametrize("step,key", [
    ('op = "mremap"\nmap = "a"\nflags = "maymove|sideways"', "flags"),
    ('op = "mremap"\nmap = "a"\nflags = "maymove|fixed"\nto = "nowhere"', "to"),
    ('op = "mlockall"', "flags"),
    ('op = "mlockall"\nflags = "onfault"', "flags"),
    ('op = "clear_refs"\nvalue = 9', "value"),
    ('op = "mlock"\nmap = "a"\nonfault = "yes"', "onfault"),
])
def test_malformed_new_steps_name_the_key(step, key):
    with pytest.raises(ScenarioError, match=f"key '{key}'"):
        loads(HEAD + "[[steps]]\n" + step + "\n")
