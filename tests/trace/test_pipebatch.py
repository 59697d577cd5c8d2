"""The batched pipe reader behind ``record``: every byte, in order, whatever the
writer's write sizes; and a recording equal, byte for byte, to the one made from
lackey's own log file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.trace.pipebatch import PIPE_SIZE, BatchedPipe
from pagewalk.trace.textstream import iter_accesses

LOG = b"".join(b"==7== Command: x\n" if i % 5000 == 0 else
               f"{' L ' if i % 3 else 'I  '}{0x4000000 + 24 * i:08x},{1 + i % 9}\n".encode()
               for i in range(60000))


def _writer(fd: int, data: bytes, sizes: list[int]) -> None:
    pos = i = 0
    with os.fdopen(fd, "wb", buffering=0) as w:
        while pos < len(data):
            n = sizes[i % len(sizes)]
            w.write(data[pos: pos + n])
            pos += n
            i += 1


def _read_all(data: bytes, sizes: list[int], nap: float = 0.001) -> tuple[bytes, int]:
    """Read the pipe to its end, by read() and readinto() in turn."""
    r, w = os.pipe()
    t = threading.Thread(target=_writer, args=(w, data, sizes))
    t.start()
    out = bytearray()
    buf = memoryview(bytearray(1 << 16))
    with BatchedPipe(r, nap=nap) as pipe:
        for turn in range(1 << 30):
            if turn % 2:
                n = pipe.readinto(buf)
                out += buf[:n]
            else:
                block = pipe.read(5000)
                n = len(block)
                out += block
            if n == 0:
                break
        size = pipe.size
    t.join()
    return bytes(out), size


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(1, 70000), min_size=1, max_size=5))
def test_every_byte_in_order(sizes: list[int]) -> None:
    got, _ = _read_all(LOG[:300000], sizes)
    assert got == LOG[:300000]


def test_pipe_is_enlarged() -> None:
    _, size = _read_all(b"x", [1])
    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
    if limit >= PIPE_SIZE or os.geteuid() == 0:
        assert size == PIPE_SIZE
    else:
        assert size >= 1 << 16


def test_lackey_lines_written_one_by_one_parse_as_the_file(tmp_path: Path) -> None:
    """valgrind's way: one write() per line; the accesses equal load_trace's of the file."""
    r, w = os.pipe()
    lines = LOG.splitlines(keepends=True)
    t = threading.Thread(target=_writer, args=(w, LOG, [len(x) for x in lines[:7]]))
    t.start()
    pages, writes = [], []
    with BatchedPipe(r) as pipe:
        for p, wr in iter_accesses(pipe, b"", "lackey", "pipe"):
            pages.append(p.copy())
            writes.append(wr.copy())
    t.join()
    f = tmp_path / "log.lackey"
    f.write_bytes(LOG)
    whole = pt.load_trace(f)
    assert np.array_equal(np.concatenate(pages), whole.pages)
    assert np.array_equal(np.concatenate(writes), whole.writes)


FAKE_VALGRIND = """#!{python}
import os, sys
fd = int(next(a for a in sys.argv if a.startswith("--log-fd=")).split("=")[1])
with open({log!r}, "rb") as f:
    for line in f:          # valgrind's way: one write() per lackey line
        os.write(fd, line)
"""


def test_record_path_equals_the_log_parsed_byte_for_byte(tmp_path: Path) -> None:
    """record's whole path (pipe, prefetch thread, parser, spool, .pwt) against
    load_trace of the same lackey log: a stand-in valgrind on PATH writes a real
    lackey log into --log-fd one line per write(), so the input is fixed."""
    log = tmp_path / "real.lackey"
    log.write_bytes(LOG)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "valgrind"
    fake.write_text(FAKE_VALGRIND.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    pwt = tmp_path / "rec.pwt"
    subprocess.run([sys.executable, "-m", "pagewalk.cli", "record", "-o", str(pwt),
                    "--no-progress", "--", "true"], check=True, env=env,
                   stdout=subprocess.DEVNULL, cwd=tmp_path)
    again = pt.load_trace(log).save(tmp_path / "from-log.pwt")
    assert pwt.read_bytes() == again.read_bytes()


@pytest.mark.skipif(shutil.which("valgrind") is None or shutil.which("setarch") is None,
                    reason="valgrind and setarch are needed to record a program "
                           "(apt-get install valgrind util-linux)")
def test_record_of_a_real_program_matches_lackey_run_alone(tmp_path: Path) -> None:
    """The same program (no address randomisation: setarch -R) recorded and run under
    lackey alone: the same pages and nearly the same accesses.

    Not byte for byte: in a full test run the two runs' first ~7,000 accesses (the
    dynamic loader's) differed while equal when run alone; the byte-for-byte check of
    record's own path is the test above, with a fixed log."""
    data = tmp_path / "in.txt"
    data.write_bytes(b"hello world\n" * 200)
    gzip = shutil.which("gzip") or "gzip"
    pwt = tmp_path / "rec.pwt"
    subprocess.run(["setarch", "-R", sys.executable, "-m", "pagewalk.cli", "record", "-o",
                    str(pwt), "--no-progress", "--", gzip, "-c", str(data)], check=True,
                   stdout=subprocess.DEVNULL, cwd=tmp_path)
    log = tmp_path / "gzip.lackey"
    subprocess.run(["setarch", "-R", "valgrind", "--tool=lackey", "--trace-mem=yes",
                    "--trace-children=yes", f"--log-file={log}", gzip, "-c", str(data)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=tmp_path)
    rec, ref = pt.load_trace(pwt), pt.load_trace(log)
    assert len(ref) > 100000
    assert abs(len(rec) - len(ref)) <= len(ref) // 100
    same = np.intersect1d(rec.table, ref.table).size
    assert same >= 0.99 * max(rec.n_pages, ref.n_pages)
