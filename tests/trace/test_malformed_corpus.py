"""Malformed trace files through the command line, as a user types it (issue 10):
each is one line on stderr naming the file, exit status 2, no traceback, within a
timeout and a memory limit; nothing is silently loaded from a truncated file."""

from __future__ import annotations

import gzip
import io
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pagewalk.trace.decompress import DecompressedStream

LINES = "".join(f"R 0x{0x1000 * (i % 977):x}\n" for i in range(20000)).encode()


def _limit() -> None:                                  # 2 GiB of address space, 60 s CPU
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def _corpus(d: Path) -> dict[str, Path]:
    zstandard = pytest.importorskip("zstandard")
    g = gzip.compress(LINES)
    z = zstandard.ZstdCompressor().compress(LINES)
    buf = io.BytesIO()
    np.savez_compressed(buf, pages=np.arange(50000, dtype=np.uint64))
    npz = bytearray(buf.getvalue())
    npz[len(npz) // 2] ^= 0xFF
    files = {
        "trunc.gz": g[: len(g) // 2],
        "trunc.zst": z[: len(z) // 3],
        "bitflip.gz": g[:2] + bytes(b ^ 0x55 for b in g[2:200]) + g[200:],
        "bitflip.npz": bytes(npz),
        "huge-lackey.txt": b"==1== lackey\n L 0,1000000000000000\n",
        "nul.gz": gzip.compress(b"\0" * (8 << 20)),
        "no-newline.txt": b"R " + b"1" * (1 << 17),
        "garbage.txt": b"\xff\xfe not a trace\n",
    }
    out = {}
    for name, data in files.items():
        (d / name).write_bytes(data)
        out[name] = d / name
    os.mkfifo(d / "fifo")
    out["fifo"] = d / "fifo"
    return out


def test_every_malformed_trace_is_one_line_and_exit_2(tmp_path: Path) -> None:
    files = _corpus(tmp_path)
    for name, path in files.items():
        r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "replay", str(path), "-k",
                            "64"], capture_output=True, text=True, timeout=120,
                           preexec_fn=_limit, cwd=tmp_path)
        assert r.returncode == 2, (name, r.returncode, r.stderr[-500:])
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr, (name, r.stderr[-500:])
        assert lines[0].startswith("pagewalk: error: ") and name in lines[0], (name, lines)
        assert r.stdout == "", name


def test_a_truncated_zst_loads_nothing() -> None:
    zstandard = pytest.importorskip("zstandard")
    z = zstandard.ZstdCompressor().compress(LINES)
    s = DecompressedStream(io.BytesIO(z[: len(z) // 2]), "zstd", "t.zst")
    with pytest.raises(ValueError, match="ends before its end-of-stream marker"):
        while s.read(4096):
            pass


def test_a_decompression_bomb_is_refused_at_the_limit() -> None:
    bomb = gzip.compress(b"\0" * (16 << 20))
    s = DecompressedStream(io.BytesIO(bomb), "gzip", "bomb.gz", limit=4 << 20)
    with pytest.raises(ValueError, match="decompresses to more than 4 MiB"):
        s.read()


def test_concatenated_gzip_members_are_read_whole() -> None:
    data = gzip.compress(b"a" * 10) + gzip.compress(b"b" * 10)
    assert DecompressedStream(io.BytesIO(data), "gzip", "x.gz").read() == b"a" * 10 + b"b" * 10
