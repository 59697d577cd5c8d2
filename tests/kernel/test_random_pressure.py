"""Seeded random programs under memory pressure in both profiles, against a
dict-of-bytes reference (tests/kernel/random_programs.py): no byte lost, no
KernelBug, no spurious errno, and no OOM kill (the reference stays under three
quarters of RAM + swap). Seeds 0, 2 and 9 of the classic profile lost bytes or
failed read(2) with ENOMEM before issue 10's fixes."""

from __future__ import annotations

import pytest
from tests.kernel.random_programs import run_program


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("profile", ["classic", "linux"])
def test_random_program_under_pressure_loses_nothing(profile: str, seed: int) -> None:
    out = run_program(seed, profile, memory="2MiB", swap="8MiB", steps=120)
    assert out.bytes_checked > 0
    assert out.bytes_wrong == 0, out.first_wrong
    assert not out.kernel_bugs and not out.errors, out.kernel_bugs + out.errors
    assert not out.oom_kills, f"OOM kill with {out.oom_kills} swap pages free"


@pytest.mark.parametrize("profile", ["classic", "linux"])
def test_random_program_with_fault_around_off(profile: str) -> None:
    """Fault-around off in the linux profile too: every file hit goes through
    filemap_fault and its async readahead."""
    for seed in (0, 2, 9):
        out = run_program(seed, profile, memory="2MiB", swap="8MiB", steps=120,
                          fault_around_bytes=4096)
        assert out.clean, (out.first_wrong, out.kernel_bugs, out.errors, out.oom_kills)
