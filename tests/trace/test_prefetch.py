"""The prefetching pipe reader behind ``record`` (valgrind starts before the parser
loads): every byte in order whatever the write and read sizes, bounded memory
(the writer waits when the queue is full), and a consumer that stops early stops
the writer instead of leaving it blocked."""

from __future__ import annotations

import os
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from pagewalk.trace.prefetch import PrefetchPipe

DATA = bytes(range(256)) * 4000 + b"end\n"


def _writer(fd: int, data: bytes, sizes: list[int], out: dict[str, object]) -> None:
    pos = i = 0
    try:
        with os.fdopen(fd, "wb", buffering=0) as w:
            while pos < len(data):
                n = sizes[i % len(sizes)]
                w.write(data[pos: pos + n])
                pos = min(pos + n, len(data))
                i += 1
    except BrokenPipeError as exc:
        out["error"] = exc
    out["written"] = pos


@settings(max_examples=20, deadline=None)
@given(sizes=st.lists(st.integers(1, 70000), min_size=1, max_size=4),
       reads=st.lists(st.integers(1000, 3 << 20), min_size=1, max_size=4),
       blocks=st.integers(1, 4))
def test_every_byte_in_order(sizes: list[int], reads: list[int], blocks: int) -> None:
    r, w = os.pipe()
    status: dict[str, object] = {}
    with PrefetchPipe(r, max_blocks=blocks) as pipe:
        t = threading.Thread(target=_writer, args=(w, DATA, sizes, status))
        t.start()
        out = bytearray()
        for turn in range(1 << 30):
            buf = memoryview(bytearray(reads[turn % len(reads)]))
            n = pipe.readinto(buf)
            if n == 0:
                break
            out += buf[:n]
        assert pipe.readinto(memoryview(bytearray(10))) == 0  # end of file stays
    t.join()
    assert bytes(out) == DATA
    assert status == {"written": len(DATA)}


def test_a_consumer_that_stops_early_stops_the_writer() -> None:
    r, w = os.pipe()
    status: dict[str, object] = {}
    pipe = PrefetchPipe(r, max_blocks=1)
    t = threading.Thread(target=_writer, args=(w, DATA * 8, [4096], status))
    t.start()
    assert pipe.read(10) == DATA[:10]
    pipe.close()
    pipe.close()  # again: nothing
    t.join(timeout=30)
    assert not t.is_alive()
    assert isinstance(status["error"], BrokenPipeError)
    assert status["written"] < len(DATA * 8)
