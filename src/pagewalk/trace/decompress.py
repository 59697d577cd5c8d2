"""Streaming decompression of trace files, with the failures a user can cause
turned into one clear ``ValueError`` naming the file.

``DecompressedStream(raw, kind, name)`` reads a gzip or zstd stream in chunks
(``read(n)``, never the whole file at once) and checks what ``gzip`` and
``zstandard`` leave to the caller: a stream that ends before its end-of-stream
marker (a truncated download) is an error, not a silently shorter trace; corrupt
data is an error naming the file; and ``limit`` bounds the bytes it will produce,
so a decompression bomb is refused instead of filling the host's memory.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

CHUNK = 1 << 20


class DecompressedStream:
    """A read-only stream of the decompressed bytes of ``raw`` ("gzip" or "zstd")."""

    def __init__(self, raw: BinaryIO, kind: str, name: str, limit: int | None = None) -> None:
        self.raw = raw
        self.kind = kind
        self.name = name
        self.limit = limit
        self.produced = 0
        self.buf = b""
        self.done = False
        if kind == "gzip":
            self.dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            import zstandard
            self.zstd_error = zstandard.ZstdError
            self.factory = zstandard.ZstdDecompressor()
            self.dec = self.factory.decompressobj()

    # -- the stream interface load_trace uses ----------------------------------------
    def read(self, n: int = -1) -> bytes:
        while (n < 0 or len(self.buf) < n) and not self.done:
            self._fill()
        if n < 0:
            out, self.buf = self.buf, b""
        else:
            out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self) -> None:
        self.done = True

    def __enter__(self) -> DecompressedStream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- decompression -----------------------------------------------------------------
    def _fill(self) -> None:
        chunk = self.raw.read(CHUNK)
        try:
            if not chunk:
                self._finish()
                return
            out = self._feed(chunk)
        except (zlib.error, OSError) as exc:
            raise ValueError(f"{self.name}: corrupt {self.kind} data ({exc})") from None
        except Exception as exc:
            if self.kind == "zstd" and isinstance(exc, self.zstd_error):
                raise ValueError(f"{self.name}: corrupt zstd data ({exc})") from None
            raise
        self.produced += len(out)
        if self.limit is not None and self.produced > self.limit:
            raise ValueError(f"{self.name}: decompresses to more than {self.limit >> 20} MiB; "
                             "decompress it yourself or save it as a text trace (those are "
                             "read as a stream)")
        self.buf += out

    def _feed(self, chunk: bytes) -> bytes:
        if self.kind == "gzip":
            out = self.dec.decompress(chunk)
            while self.dec.eof and self.dec.unused_data:      # concatenated members
                rest = self.dec.unused_data
                self.dec = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out += self.dec.decompress(rest)
            return out
        out = self.dec.decompress(chunk)
        while self.dec.eof and self.dec.unused_data:          # concatenated frames
            rest = self.dec.unused_data
            self.dec = self.factory.decompressobj()
            out += self.dec.decompress(rest)
        return out

    def _finish(self) -> None:
        self.done = True
        if not self.dec.eof:
            raise ValueError(f"{self.name}: the {self.kind} data ends before its end-of-"
                             "stream marker (a truncated file?); nothing was loaded")
