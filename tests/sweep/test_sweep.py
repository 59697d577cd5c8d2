"""Sweeps end to end on a real Dask LocalCluster (worker processes, no mocks).

The cluster is small (one thread per worker process) to stay light on a
2-core machine; one module-wide cluster serves the tests that need an
existing scheduler.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest
from dask.distributed import Client, LocalCluster

import pagewalk as pw
from pagewalk.sweep import worker
from pagewalk.sweep.spec import load_spec

from .conftest import make_traces

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # hooks travel to the workers

CONTRACT = ["trace", "policy", "frames", "mode", "accesses", "distinct_pages", "minor",
            "major", "faults", "pswpin", "pswpout", "miss_ratio", "wall_s"]
COUNTERS = ["accesses", "distinct_pages", "minor", "major", "faults", "pswpin", "pswpout",
            "zero_maps", "evictions", "miss_ratio"]


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.ERROR) as c, Client(c) as cl:
        yield c, cl


def sequential(spec: dict, base: Path) -> pd.DataFrame:
    """The same grid with plain pw.replay calls, one process."""
    rows = []
    for label in spec["traces"]:
        tr = pw.load_trace(base / label)
        sizes = load_spec({**spec, "traces": [str(base / label)]}).sizes.resolve(tr.n_pages)
        for policy in spec["policies"]:
            for mode in spec.get("modes", ["cache"]):
                for k in sizes:
                    r = pw.replay(tr, frames=k, policy=policy, mode=mode)
                    rows.append(dict(trace=label, policy=policy, frames=k, mode=mode,
                                     accesses=r.accesses, distinct_pages=r.distinct_pages,
                                     minor=r.minor, major=r.major, faults=r.faults,
                                     pswpin=r.pswpin, pswpout=r.pswpout,
                                     zero_maps=r.zero_maps, evictions=r.evictions,
                                     miss_ratio=r.miss_ratio))
    return pd.DataFrame(rows)


def assert_same(df: pd.DataFrame, expected: pd.DataFrame) -> None:
    key = ["trace", "policy", "mode", "frames"]
    got = df[df["method"] == "replay"].sort_values(key).reset_index(drop=True)
    exp = expected.sort_values(key).reset_index(drop=True)
    assert (got["status"] == "ok").all(), got[got["status"] != "ok"]["error"].tolist()
    assert len(got) == len(exp)
    for col in key + COUNTERS:
        assert got[col].tolist() == exp[col].tolist(), col


def test_one_worker_gives_the_table_of_sequential_replays(tmp_path, traces, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = {"traces": ["traces/t0.pwt", "traces/t1.pwt"], "policies": ["lru", "clock", "opt"],
            "sizes": {"points": 5, "up_to": "distinct"}, "modes": ["cache", "demand"],
            "compute": ["replay", "mrc"], "csv": True}
    df = pw.sweep(spec, workers=1)
    for col in CONTRACT:
        assert col in df.columns, col
    assert_same(df, sequential(spec, tmp_path))
    assert (df["version"] == pw.__version__).all() and df["spec_hash"].nunique() == 1
    assert (df["wall_s"] >= 0).all()
    # the one-pass LRU curve gives the replay's numbers at every size
    mrc = df[df["method"] == "mrc"].reset_index(drop=True)
    lru = df[(df["method"] == "replay") & (df["policy"] == "lru")
             & (df["mode"] == "cache")].reset_index(drop=True)
    for col in ("frames", "minor", "major", "faults", "evictions"):
        assert mrc[col].tolist() == lru[col].tolist(), col
    assert mrc["miss_ratio"].tolist() == pytest.approx(lru["miss_ratio"].tolist(), abs=1e-12)
    stored = pd.read_parquet(tmp_path / "results.parquet")
    assert stored[CONTRACT].equals(df[CONTRACT])
    assert len(pd.read_csv(tmp_path / "results.csv")) == len(df)


def _install_killer(marker: str) -> None:
    """In a worker: die (SIGKILL) in the middle of the clock/demand chunk, once."""
    def hook(chunk, frames):
        if (chunk.policy, chunk.mode) == ("clock", "demand") and frames > 1 \
                and not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
    worker.CELL_HOOKS.append(hook)


def _clear_hooks() -> None:
    worker.CELL_HOOKS.clear()


def test_a_worker_killed_mid_task_is_retried_and_the_table_is_complete(cluster, tmp_path,
                                                                        traces):
    c, client = cluster
    marker = tmp_path / "killed"
    client.run(_install_killer, str(marker))
    try:
        spec = {"traces": [str(t) for t in traces], "policies": ["lru", "clock"],
                "frames": [1, 4, 16, 64], "modes": ["cache", "demand"], "split": 2,
                "output": str(tmp_path / "r.parquet")}
        df = pw.sweep(spec, scheduler=c.scheduler_address)
    finally:
        client.run(_clear_hooks)
    assert marker.exists(), "the hook did not kill a worker"
    exp = sequential({**spec, "traces": [str(t) for t in traces]}, Path("/"))
    assert_same(df, exp)


def test_a_bad_trace_is_recorded_and_the_sweep_goes_on(cluster, tmp_path, traces,
                                                        monkeypatch):
    c, _ = cluster
    (tmp_path / "traces" / "bad.txt").write_text("R 0x1000\nthis is not a trace\n")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", c.scheduler_address)
    spec = {"traces": [str(tmp_path / "traces" / "*")], "policies": ["lru", "fifo"],
            "frames": [2, 8], "output": str(tmp_path / "r.parquet")}
    df = pw.sweep(spec)
    bad = df[df["trace"].str.endswith("bad.txt")]
    assert len(bad) == 4 and (bad["status"] == "failed").all()
    assert bad["error"].str.contains("bad.txt:2").all() and bad["faults"].isna().all()
    good = df[~df["trace"].str.endswith("bad.txt")]
    assert len(good) == 8 and (good["status"] == "ok").all()
    with pytest.raises(pw.InvalidArgument, match="drop --workers"):
        pw.sweep(spec, workers=2)


def _cli(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pagewalk.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kw)


def test_cli_resume_after_killing_the_sweep_half_way_then_plot(tmp_path):
    (tmp_path / "traces").mkdir()
    make_traces(tmp_path / "traces", count=6, n=60_000, pages=2000)
    spec = {"traces": [f"traces/t{i}.pwt" for i in range(6)],
            "policies": ["lru", "clock", "fifo", "opt", "arc", "lfu", "linux"],
            "modes": ["cache", "demand"], "frames": [8, 64, 512]}
    (tmp_path / "study.toml").write_text(
        "traces = ['traces/*.pwt']\n"
        "policies = ['lru', 'clock', 'fifo', 'opt', 'arc', 'lfu', 'linux']\n"
        "modes = ['cache', 'demand']\nframes = [8, 64, 512]\n")
    parts = tmp_path / "results.parquet.parts"
    # a part per finished task (not batched a second apart): the kill must find some
    env = {**os.environ, "PAGEWALK_SWEEP_FLUSH_SECONDS": "0"}
    p = _cli("sweep", "study.toml", "--workers", "2", cwd=tmp_path, env=env)
    deadline = time.monotonic() + 600
    while not (parts.is_dir() and any(parts.glob("*.parquet"))):
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGKILL)  # the command and its cluster, at once
    p.communicate()
    first = pd.concat([pd.read_parquet(f) for f in parts.glob("*.parquet")])
    total = 6 * 7 * 2 * 3
    assert 0 < len(first) < total and not (tmp_path / "results.parquet").exists()

    p = _cli("sweep", "study.toml", "--workers", "2", "--resume", "--progress", "--csv",
             "r.csv", cwd=tmp_path)
    out, err = p.communicate(timeout=900)
    assert p.returncode == 0, err
    assert f"resuming: {len(first)} cells already in results.parquet" in err
    assert f"{total} cells ok, 0 failed" in out
    df = pd.read_parquet(tmp_path / "results.parquet")
    assert not parts.exists() and len(df) == total
    # the cells of the first run were kept, not recomputed
    key = ["trace", "policy", "mode", "frames"]
    kept = first[[*key, "worker"]].merge(df[[*key, "worker"]], on=key)
    assert (kept["worker_x"] == kept["worker_y"]).all()
    assert_same(df, sequential(spec, tmp_path))
    assert len(pd.read_csv(tmp_path / "r.csv")) == total

    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "plot", "results.parquet",
                        "-o", "plots"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    pngs = sorted((tmp_path / "plots").glob("*.png"))
    assert [q.name for q in pngs] == ["heatmap-cache.png", "heatmap-demand.png"] + [
        f"mrc-traces_t{i}.pwt.png" for i in range(6)]
    assert all(q.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for q in pngs)
