"""Shared fixtures: small machines for each profile and paging mode."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import pagewalk as pw

# CI replays the same examples every run (reproducible, never flaky); a developer's
# run draws new ones and may find something new.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

N = 1000
PAGE = 4096


@pytest.fixture
def machine() -> pw.Machine:
    return pw.Machine(memory="64MiB", swap="256MiB", paging="x86_64", profile="linux")


@pytest.fixture
def task(machine: pw.Machine) -> pw.Task:
    return machine.spawn("init")


def delta(task: pw.Task, action) -> tuple[int, int]:
    """(minor, major) faults ``action`` costs ``task``."""
    before = (task.stats.min_flt, task.stats.maj_flt)
    action()
    return task.stats.min_flt - before[0], task.stats.maj_flt - before[1]
