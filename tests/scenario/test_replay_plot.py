"""Replay scenarios plot faults against frames: Belady's anomaly in the data."""

from __future__ import annotations

from pagewalk.scenario.library import resolve
from pagewalk.scenario.replay_plot import is_replay_only, replay_sweep
from pagewalk.scenario.runner import run_model


def test_belady_sweep_shows_the_anomaly() -> None:
    result = run_model(resolve("belady"))
    assert is_replay_only(result)
    series, points = replay_sweep(result)
    fifo = dict(series["fifo"])
    lru = dict(series["lru"])
    assert (fifo[3], fifo[4]) == (9, 10)                # more frames, more faults
    assert all(lru[f] >= lru[f + 1] for f in range(1, max(lru)))   # a stack algorithm
    assert sorted(points["fifo"]) == [(3, 9), (4, 10)]


def test_a_scenario_with_kernel_steps_is_not_a_replay_plot() -> None:
    assert not is_replay_only(run_model(resolve("zero-page")))
