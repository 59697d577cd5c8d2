"""Reading and writing traces: lackey, plain text, binary, numpy, compression,
and malformed files refused with their line number."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import zstandard

import pagewalk.trace as pt
from pagewalk.errors import InvalidArgument

LACKEY = """\
==1234== Lackey, an example Valgrind tool
==1234== Command: ./a.out
I  04022a80,3
 L 1ffefffd58,8
 S 1ffefffd50,8
 M 0403f2d0,4
I  04022ffe,4
 S 7ff000ffc,8

==1234== Exit code:       0
"""


def test_lackey_counting_rule(tmp_path: Path) -> None:
    f = tmp_path / "t.lackey"
    f.write_text(LACKEY)
    tr = pt.load_trace(f)
    # the I at 0x4022ffe (4 bytes) and the S at 0x7ff000ffc (8 bytes) straddle pages
    assert tr.pages.tolist() == [0x4022, 0x1ffefff, 0x1ffefff, 0x403f, 0x4022, 0x4023,
                                 0x7ff000, 0x7ff001]
    assert tr.writes.tolist() == [False, False, True, True, False, False, True, True]
    assert len(tr) == 8 and tr.n_pages == 6


def test_plain_text_formats(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_text("# a comment\nR 0x7fff1234\nW 0x7fff2000\n\nw 4096  # page 1\n8191\n")
    tr = pt.load_trace(f)
    assert tr.pages.tolist() == [0x7fff1, 0x7fff2, 1, 1]
    assert tr.writes.tolist() == [False, True, True, False]
    g = tmp_path / "only.txt"
    g.write_text("0x1000\n0x2000\n0x1fff\n")
    assert pt.load_trace(g).pages.tolist() == [1, 2, 1]


@pytest.mark.parametrize("suffix", [".pwt", ".pwt.zst", ".pwt.gz"])
def test_binary_round_trip(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(3)
    tr = pt.Trace.from_pages(rng.integers(0, 1 << 40, 1001).astype(np.uint64),
                             rng.random(1001) < 0.5)
    path = tr.save(tmp_path / f"t{suffix}")
    back = pt.load_trace(path)
    assert np.array_equal(back.pages, tr.pages) and np.array_equal(back.writes, tr.writes)
    if suffix == ".pwt":
        assert path.stat().st_size <= 9 * len(tr) + 32 + 8 * tr.n_pages


def test_binary_is_compact(tmp_path: Path) -> None:
    tr = pt.Trace.from_pages(np.arange(100000) % 300)
    size = tr.save(tmp_path / "t.pwt").stat().st_size
    assert size / len(tr) < 4.2


@pytest.mark.parametrize("compress", ["gzip", "zstd"])
def test_compressed_text(tmp_path: Path, compress: str) -> None:
    data = LACKEY.encode()
    f = tmp_path / "t.lackey.x"
    f.write_bytes(gzip.compress(data) if compress == "gzip"
                  else zstandard.ZstdCompressor().compress(data))
    assert len(pt.load_trace(f)) == 8


def test_numpy_files(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.array([0x1000, 0x2fff, 0x1001], np.uint64))
    assert pt.load_trace(tmp_path / "a.npy").pages.tolist() == [1, 2, 1]
    np.savez(tmp_path / "b.npz", pages=np.array([5, 6, 5]), writes=np.array([0, 1, 0], bool))
    tr = pt.load_trace(tmp_path / "b.npz")
    assert tr.pages.tolist() == [5, 6, 5] and tr.writes.tolist() == [False, True, False]
    rec = np.array([(0x5000, True), (0x6000, False)], dtype=[("addr", "<u8"), ("write", "?")])
    np.save(tmp_path / "c.npy", rec)
    assert pt.load_trace(tmp_path / "c.npy").pages.tolist() == [5, 6]


def test_chunked_parsing_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pagewalk.trace import textstream
    lines = [f" L {a:x},8" for a in range(0, 1 << 24, 4093)]
    f = tmp_path / "big.lackey"
    f.write_text("\n".join(lines) + "\n")
    whole = pt.load_trace(f)
    monkeypatch.setattr(textstream, "CHUNK", 1000)
    chunked = pt.load_trace(f)
    assert np.array_equal(whole.pages, chunked.pages)
    expected = [p for a in range(0, 1 << 24, 4093) for p in range(a >> 12, ((a + 7) >> 12) + 1)]
    assert whole.pages.tolist() == expected


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("I  0400,3\n L 1000,8\n X 1000,8\n", 3, "expected a lackey record"),
    ("I  0400,3\n\n L zz,8\n", 3, "hexadecimal address"),
    ("==1== hi\nI  0400,3\n L 1000 8\n", 3, "expected ','"),
    ("I  0400,3\n L 1000,\n", 2, "decimal size"),
    ("I  0400,3\n L 1000,8 junk\n", 2, "end of the line"),
])
def test_malformed_lackey(tmp_path: Path, text: str, line: int, expected: str) -> None:
    f = tmp_path / "bad.lackey"
    f.write_text(text)
    with pytest.raises(ValueError, match=rf"bad.lackey:{line}: .*{expected}"):
        pt.load_trace(f, format="lackey")


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("R 0x10\nQ 0x20\n", 2, "'R' or 'W'"),
    ("R 0x10\nW zz\n", 2, "an address"),
    ("0x10\n0x20 0x30\n", 2, "end of the line"),
    ("1\n99999999999999999999999\n", 2, "64 bits"),
])
def test_malformed_text(tmp_path: Path, text: str, line: int, expected: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    with pytest.raises(ValueError, match=rf"bad.txt:{line}: expected .*{expected}"):
        pt.load_trace(f, format="text")


def test_malformed_line_number_across_chunks(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from pagewalk.trace import textstream
    monkeypatch.setattr(textstream, "CHUNK", 64)
    f = tmp_path / "bad.lackey"
    f.write_text("I  0400,3\n" * 500 + "I  0400;3\n")
    with pytest.raises(ValueError, match=r"bad.lackey:501: expected ','"):
        pt.load_trace(f)


def test_truncated_binary(tmp_path: Path) -> None:
    f = pt.Trace.from_pages([1, 2, 3]).save(tmp_path / "t.pwt")
    f.write_bytes(f.read_bytes()[:-3])
    with pytest.raises(ValueError, match="truncated"):
        pt.load_trace(f)


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match="format"):
        pt.load_trace(tmp_path / "x", format="vscsi")
    with pytest.raises(FileNotFoundError):
        pt.load_trace(tmp_path / "missing.lackey")
