"""libCacheSim's trace formats: round trips, libCacheSim reading our files, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk as pw
import pagewalk.trace as pt
from pagewalk.trace.libcachesim_formats import ORACLE_GENERAL, next_access

lcs = pytest.importorskip("libcachesim", reason="libcachesim is a dev dependency "
                          "(pip install -e '.[dev]'); cannot compare with libCacheSim")

BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]


def test_next_access_is_the_next_index_of_the_same_page() -> None:
    ids = np.array([0, 1, 0, 2, 1, 0], np.uint8)
    assert next_access(ids).tolist() == [2, 4, 5, -1, -1, -1]


def test_oracle_general_records_are_24_bytes_with_next_access(tmp_path: Path) -> None:
    tr = pt.Trace.from_pages(BELADY)
    path = tr.save(tmp_path / "b.oracleGeneral.bin")
    data = path.read_bytes()
    assert len(data) == 24 * len(BELADY)
    rec = np.frombuffer(data, ORACLE_GENERAL)
    assert rec["obj_id"].tolist() == BELADY
    assert rec["time"].tolist() == list(range(12))
    assert set(rec["obj_size"].tolist()) == {4096}
    assert rec["next"].tolist() == [4, 5, 9, 10, 7, 8, 11, -1, -1, -1, -1, -1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 2**40), min_size=1, max_size=200),
       st.sampled_from(["oracleGeneral", "csv", "pages", "pwt"]))
def test_round_trip_keeps_pages(tmp_path_factory, pages: list[int], fmt: str) -> None:
    tmp = tmp_path_factory.mktemp("rt")
    writes = [p % 3 == 0 for p in pages]
    tr = pt.Trace.from_pages(pages, writes)
    path = tr.save(tmp / f"t.{fmt}", format=fmt)
    back = pw.load_trace(path, format="pages" if fmt == "pages" else
                         ("binary" if fmt == "pwt" else fmt))
    assert back.pages.tolist() == pages
    # oracleGeneral has no reads and writes: every access reads
    assert back.writes.tolist() == ([False] * len(pages) if fmt == "oracleGeneral" else writes)


def test_format_is_chosen_by_name(tmp_path: Path) -> None:
    tr = pt.Trace.from_pages(BELADY)
    for name in ("x.oracleGeneral", "x.oracleGeneral.bin", "x.csv"):
        assert pw.load_trace(tr.save(tmp_path / name)).pages.tolist() == BELADY


@pytest.mark.parametrize(("policy", "peer"), [("lru", "LRU"), ("fifo", "FIFO"),
                                              ("opt", "Belady")])
def test_libcachesim_reads_our_oracle_general(tmp_path: Path, policy: str, peer: str) -> None:
    rng = np.random.default_rng(7)
    pages = rng.zipf(1.3, 3000) % 200
    tr = pt.Trace.from_pages(pages)
    path = tr.save(tmp_path / "z.oracleGeneral.bin")
    reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE)
    ids = [req.obj_id for req in reader]
    assert ids == pages.tolist()
    for frames in (5, 40):
        cache = getattr(lcs, peer)(frames * 4096)  # a page is 4096 bytes
        reader = lcs.TraceReader(str(path), lcs.TraceType.ORACLE_GENERAL_TRACE)
        theirs = sum(1 for req in reader if not cache.get(req))
        assert pt.replay(tr, frames=frames, policy=policy).misses == theirs


def test_libcachesim_reads_our_csv(tmp_path: Path) -> None:
    tr = pt.Trace.from_pages(BELADY)
    path = tr.save(tmp_path / "b.csv")
    assert path.read_text().splitlines()[:2] == ["time,obj_id,obj_size,op", "0,1,4096,read"]
    params = lcs.ReaderInitParam(has_header=True, has_header_set=True, delimiter=",",
                                 obj_id_is_num=True, obj_id_is_num_set=True)
    params.time_field, params.obj_id_field, params.obj_size_field = 1, 2, 3
    reader = lcs.TraceReader(str(path), lcs.TraceType.CSV_TRACE, reader_init_params=params)
    assert [req.obj_id for req in reader] == BELADY


def test_csv_reads_any_column_order_and_ops(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("op,obj_id\nwrite,7\nget,8\nset,7\n")
    tr = pw.load_trace(path)
    assert tr.pages.tolist() == [7, 8, 7]
    assert tr.writes.tolist() == [True, False, True]


def test_bad_libcachesim_files_name_the_problem(tmp_path: Path) -> None:
    cut = tmp_path / "cut.oracleGeneral.bin"
    cut.write_bytes(b"\0" * 30)
    with pytest.raises(ValueError, match="not a whole number of 24-byte"):
        pw.load_trace(cut)
    nohdr = tmp_path / "n.csv"
    nohdr.write_text("1,2,3\n")
    with pytest.raises(ValueError, match=r"n.csv:1: expected a csv header naming an obj_id"):
        pw.load_trace(nohdr)
    bad = tmp_path / "b.csv"
    bad.write_text("time,obj_id\n0,5\n1,x\n")
    with pytest.raises(ValueError, match=r"b.csv:3: expected a non-negative integer obj_id"):
        pw.load_trace(bad)
    with pytest.raises(pw.InvalidArgument, match="format"):
        pt.Trace.from_pages([1]).save(tmp_path / "x", format="vscsi")
