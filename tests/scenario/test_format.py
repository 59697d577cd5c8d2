"""Malformed scenarios: one clear error line each (file, step, key, what is accepted),
no traceback, exit status 2."""

from __future__ import annotations

import pytest

from pagewalk.scenario import ScenarioError, loads

GOOD = '''
[[steps]]
op = "mmap"
length = "4p"
as = "buf"
'''


def _write(tmp_path, text: str):
    p = tmp_path / "s.toml"
    p.write_text(text)
    return p


@pytest.mark.parametrize("text, parts", [
    (GOOD + '[[steps]]\nop = "tuch"\nmap = "buf"\n',
     ["step 2", "key 'op'", "unknown op 'tuch'", "accepted: mmap"]),
    ('[[steps]]\nop = "mprotect"\nmap = "buf"\n',
     ["step 1 (mprotect)", "key 'prot'", "missing"]),
    ('[[steps]]\nop = "mmap"\nlength = "12 parsecs"\n',
     ["step 1 (mmap)", "key 'length'", "is not a size", '"64MiB"']),
    (GOOD + '[[steps]]\nop = "exit"\n[[steps]]\nop = "touch"\nmap = "buf"\n',
     ["step 3 (touch)", "key 'task'", "task 'init' is dead (it exited at step 2)"]),
    (GOOD + '[[steps]]\nop = "touch"\nmap = "bfu"\n',
     ["step 2 (touch)", "key 'map'", "no mapping 'bfu'", "accepted: buf"]),
    (GOOD + '[[steps]]\nop = "touch"\nmap = "buf"\ncolour = "red"\n',
     ["step 2 (touch)", "key 'colour'", "unknown key"]),
    (GOOD + '[[steps]]\nop = "touch"\nmap = "buf"\nexpect = { min_flts = 3 }\n',
     ["key 'expect.min_flts'", "unknown expectation", "min_flt"]),
    ('[machine]\nmemroy = "1MiB"\n' + GOOD, ["key 'machine'", "unknown machine setting"]),
    (GOOD + '[[steps]]\nop = "madvise"\nmap = "buf"\nadvice = "forget"\n',
     ["key 'advice'", "'forget' is not an advice", "dontneed"]),
    ('[[steps]]\nop = "mmap"\nlength = "4p"\nprot = "rwz"\n', ["key 'prot'", "unknown letter"]),
    (GOOD + '[[steps]]\nop = "touch"\ntask = "ghost"\nmap = "buf"\n',
     ["key 'task'", "no task 'ghost'", "accepted: init"]),
    ('host = false\n' + GOOD, ["key 'host_reason'", "needs a reason"]),
])
def test_malformed_scenario_names_file_step_key(tmp_path, pagewalk, text, parts) -> None:
    p = _write(tmp_path, text)
    code, _, err = pagewalk("run", str(p))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith(f"pagewalk: error: {p}")
    for part in parts:
        assert part in lines[0]


def test_invalid_toml_and_missing_file(tmp_path, pagewalk) -> None:
    p = _write(tmp_path, "[[steps]\nop = 1")
    code, _, err = pagewalk("run", str(p))
    assert code == 2 and "not valid TOML" in err and len(err.strip().splitlines()) == 1
    code, _, err = pagewalk("run", str(tmp_path / "nope.toml"))
    assert code == 2 and "cannot read" in err
    code, _, err = pagewalk("run", "no-such-builtin")
    assert code == 2 and "built-ins: demand-paging" in err


def test_a_task_killed_by_an_unexpected_signal_is_dead_for_later_steps(tmp_path, pagewalk) -> None:
    p = _write(tmp_path, '[[steps]]\nop = "touch"\naddr = 0\nlength = 1\n'
                         '[[steps]]\nop = "sbrk"\nincrement = "1p"\n')
    code, _, err = pagewalk("run", str(p))
    assert code == 2
    assert "step 2 sbrk: key 'task': task 'init' is dead (it was killed by SIGSEGV at step 1)" \
        in err


def test_sizes_offsets_and_defaults() -> None:
    s = loads(GOOD + '[[steps]]\nop = "touch"\nmap = "buf"\noffset = "2p"\nstride = "8k"\n'
                     '[[steps]]\nop = "sbrk"\nincrement = "-4k"\n', "x.toml")
    assert s.steps[0].args["length"] == 4 * 4096
    assert s.steps[1].args == {"map": "buf", "offset": 8192, "stride": 8192}
    assert s.steps[1].task == "init"
    assert s.steps[2].args["increment"] == -4096
    with pytest.raises(ScenarioError, match=r"x\.toml: step 1 \(mmap\): key 'length'"):
        loads('[[steps]]\nop = "mmap"\nlength = 0\n', "x.toml")
