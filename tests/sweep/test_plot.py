"""Plots of a results table, drawn from a DataFrame (no cluster needed)."""

from __future__ import annotations

import pandas as pd
import pytest

import pagewalk as pw
from pagewalk.sweep.plot import plot_results, ratio_matrix


def table() -> pd.DataFrame:
    rows = []
    for trace in ("a", "b"):
        for frames in (1, 4, 16):
            for policy, faults in (("lru", 100 // frames), ("opt", 50 // frames)):
                rows.append(dict(trace=trace, policy=policy, frames=frames, mode="cache",
                                 method="replay", seed=0, sample_rate=1.0, accesses=200,
                                 distinct_pages=20, faults=faults, miss_ratio=faults / 200,
                                 status="ok"))
    rows.append({**rows[0], "policy": "fifo", "status": "failed", "faults": None})
    return pd.DataFrame(rows)


def test_ratio_matrix_is_the_geometric_mean_of_fault_ratios():
    m = ratio_matrix(table())
    assert list(m.index) == ["lru", "opt"]  # the failed fifo row is ignored
    assert m.loc["lru", "opt"] == pytest.approx((2 * 25 / 12 * 2) ** (1 / 3), rel=1e-9)
    assert m.loc["opt", "opt"] == 1.0
    assert m.loc["lru", "opt"] * m.loc["opt", "lru"] == pytest.approx(1.0)


def test_plot_results_writes_one_family_per_trace_and_a_heatmap(tmp_path):
    paths = plot_results(table(), tmp_path, format="svg")
    assert sorted(p.name for p in paths) == ["heatmap-cache.svg", "mrc-a.svg", "mrc-b.svg"]
    assert all(p.read_text().lstrip().startswith("<?xml") for p in paths)
    with pytest.raises(pw.InvalidArgument, match="write one of png, svg, pdf"):
        plot_results(table(), tmp_path, format="gif")
