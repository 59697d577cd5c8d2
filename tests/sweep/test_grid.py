"""Chunks of a grid and the results store: planning, resume bookkeeping, tidying."""

from __future__ import annotations

import pandas as pd
import pytest

import pagewalk as pw
from pagewalk.sweep.grid import cell_count, chunks
from pagewalk.sweep.results import COLUMNS, ResultStore, done_cells, tidy
from pagewalk.sweep.spec import load_spec


def spec_of(tmp_path, traces, **extra):
    return load_spec({"traces": [str(t) for t in traces], "policies": ["lru", "fifo"],
                      "modes": ["cache", "demand"], "output": str(tmp_path / "r.parquet"),
                      **extra})


def test_one_chunk_per_trace_policy_mode_plus_curves(tmp_path, traces):
    spec = spec_of(tmp_path, traces, frames=[2, 8], compute=["replay", "mrc", "shards"],
                   seeds=[0, 1])
    cs = chunks(spec)
    assert len(cs) == 2 * (2 * 2 + 1 + 2)
    assert len({c.name for c in cs}) == len(cs)
    assert all(c.path == str(t) for c in cs for t in traces if c.trace == str(t))
    assert cell_count(spec) == len(cs) * 2


def test_resume_skips_finished_chunks_and_finished_sizes(tmp_path, traces):
    spec = spec_of(tmp_path, traces, frames=[2, 8])
    a, b = str(traces[0]), str(traces[1])
    done = {(a, "replay", "lru", "cache", 0): {2, 8}, (a, "replay", "fifo", "cache", 0): {8}}
    cs = {c.key: c for c in chunks(spec, done)}
    assert (a, "replay", "lru", "cache", 0) not in cs
    assert cs[(a, "replay", "fifo", "cache", 0)].skip == {8}
    assert len(cs) == 7 and cs[(b, "replay", "lru", "cache", 0)].skip == frozenset()


def test_sizes_up_to_distinct_are_known_from_earlier_rows(tmp_path, traces):
    spec = spec_of(tmp_path, traces, sizes={"points": 3, "up_to": "distinct"})
    a = str(traces[0])
    sizes = spec.sizes.resolve(100)
    done = {(a, "replay", "lru", "cache", 0): set(sizes)}
    assert cell_count(spec) is None
    assert len(chunks(spec, done)) == 8  # distinct pages unknown: the chunk runs, skipping
    assert len(chunks(spec, done, {a: 100})) == 7


def row(**kw):
    base = dict(trace="t", method="replay", policy="lru", mode="cache", seed=0, frames=4,
                sample_rate=1.0, status="ok", error="", accesses=10, distinct_pages=3,
                faults=5)
    base.update(kw)
    return base


def test_store_appends_parts_and_merges_them_into_one_file(tmp_path):
    store = ResultStore(tmp_path / "r.parquet", tmp_path / "r.csv")
    store.append([row(frames=4), row(frames=2)], "h1")
    store.append([row(policy="fifo", status="failed", error="boom", faults=None)], "h1")
    assert len(list(store.parts.glob("*.parquet"))) == 2 and not store.output.exists()
    df = store.read()
    assert list(df.columns) == COLUMNS and len(df) == 3
    assert list(zip(df["policy"], df["frames"], strict=True)) == [("fifo", 4), ("lru", 2),
                                                                  ("lru", 4)]
    out = store.finish()
    assert store.output.is_file() and not store.parts.exists()
    assert pd.read_csv(tmp_path / "r.csv").shape == out.shape
    assert pd.isna(out.loc[out["policy"] == "fifo", "faults"]).all()
    assert (out["spec_hash"] == "h1").all()


def test_an_ok_row_replaces_the_failure_of_the_same_cell():
    df = pd.DataFrame([row(status="failed", error="x"), row(), row(frames=0, status="failed"),
                       row(policy="opt", status="failed", frames=0)])
    t = tidy(df.reindex(columns=COLUMNS))
    assert list(zip(t["policy"], t["frames"], t["status"], strict=True)) == [
        ("lru", 4, "ok"), ("opt", 0, "failed")]
    done, distinct = done_cells(t)
    assert done == {("t", "replay", "lru", "cache", 0): {4}} and distinct == {"t": 3}


def test_split_cuts_replay_chunks_into_interleaved_parts(tmp_path, traces):
    spec = spec_of(tmp_path, traces[:1], frames=[1, 2, 4, 8, 16, 32, 64], split=3,
                   compute=["replay", "mrc"])
    cs = chunks(spec)
    replays = [c for c in cs if c.method == "replay"]
    assert len(replays) == 2 * 2 * 3 and sum(c.method == "mrc" for c in cs) == 1
    lru = sorted((c for c in replays if c.key[2:4] == ("lru", "cache")), key=lambda c: c.part)
    assert [c.frames(0) for c in lru] == [[1, 8, 64], [2, 16], [4, 32]]
    assert len({c.name for c in cs}) == len(cs)
    done = {lru[0].key: {1, 8, 64, 2}}
    left = [c for c in chunks(spec, done) if c.key == lru[0].key]
    assert [c.frames(0) for c in left] == [[16], [4, 32]]


@pytest.mark.parametrize("text", ["soon", "-1", "nan", "1e9"])
def test_a_bad_flush_interval_is_one_line(monkeypatch, text):
    from pagewalk.sweep.run import _flush_seconds
    monkeypatch.setenv("PAGEWALK_SWEEP_FLUSH_SECONDS", text)
    with pytest.raises(pw.InvalidArgument, match="PAGEWALK_SWEEP_FLUSH_SECONDS"):
        _flush_seconds()
    monkeypatch.setenv("PAGEWALK_SWEEP_FLUSH_SECONDS", "0.5")
    assert _flush_seconds() == 0.5
