"""Writing a compact trace (``.pwt``) as it arrives, in bounded memory.

``record`` turns a lackey log of hundreds of millions of accesses into a
``.pwt`` file.  Holding the whole trace in memory (4 bytes of id + 1 byte of
write flag per access, then a copy to concatenate) cost 4.6 GB for 374 M
accesses.  A :class:`TraceSpool` instead maps each chunk of pages to dense ids
(:class:`~.model.PageIds`: memory proportional to the *distinct* pages) and
appends the ids (``uint32``) and the packed write bits to two temporary files
beside the output.  :meth:`TraceSpool.finish` writes the final file (header,
page table, ids narrowed to 1, 2 or 4 bytes, write bits; the layout of
:mod:`.binfmt`, compressed by suffix) copying the temporary files in blocks,
and removes them.  Memory stays at a few blocks plus the page table, whatever
the length; :meth:`TraceSpool.abort` (or leaving a ``with`` block on an
error) removes everything.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType

import numpy as np

from .binfmt import MAGIC, compression, id_dtype, open_writer
from .model import PageIds

BLOCK = 4 << 20  # ids copied per block in finish()


class TraceSpool:
    """Accumulate ``(pages, writes)`` chunks on disk; :meth:`finish` writes ``path``."""

    def __init__(self, path: str | os.PathLike, compress: str | bool | None = None) -> None:
        self.path = Path(path)
        self.compress = compression(self.path, compress)
        self.mapper = PageIds()
        self.n = 0
        self.n_writes = 0
        folder = self.path.parent if str(self.path.parent) else Path(".")
        self._tmp = tempfile.TemporaryDirectory(prefix=".pagewalk-spool-", dir=folder)
        self._ids = open(Path(self._tmp.name) / "ids", "wb")  # noqa: SIM115
        self._bits = open(Path(self._tmp.name) / "writes", "wb")  # noqa: SIM115
        self._pending = np.empty(0, np.bool_)  # < 8 write flags not yet packed

    def add(self, pages: np.ndarray, writes: np.ndarray) -> None:
        """Append accesses to ``pages`` (``uint64`` page numbers) with their write flags."""
        self.mapper.map(pages).tofile(self._ids)
        self.n += pages.size
        self.n_writes += int(np.count_nonzero(writes))
        flags = np.concatenate([self._pending, writes]) if self._pending.size else writes
        whole = flags.size & ~7
        np.packbits(flags[:whole], bitorder="little").tofile(self._bits)
        self._pending = flags[whole:].copy()

    @property
    def n_pages(self) -> int:
        return self.mapper.n

    def finish(self) -> Path:
        """Write the ``.pwt`` file and remove the temporary files; returns the path."""
        if self._pending.size:
            np.packbits(self._pending, bitorder="little").tofile(self._bits)
            self._pending = np.empty(0, np.bool_)
        self._ids.close()
        self._bits.close()
        width = id_dtype(self.n_pages)
        part = self.path.with_name(self.path.name + ".part")
        try:
            with open_writer(part, self.compress) as out:
                out.write(MAGIC + np.array([self.n, self.n_pages, width.itemsize],
                                           "<u8").tobytes())
                out.write(self.mapper.pages().astype("<u8").tobytes())
                with open(self._ids.name, "rb") as ids:
                    while block := ids.read(BLOCK * 4):
                        out.write(np.frombuffer(block, np.uint32).astype(width).tobytes())
                with open(self._bits.name, "rb") as bits:
                    while block := bits.read(BLOCK):
                        out.write(block)
            part.replace(self.path)
        finally:
            part.unlink(missing_ok=True)
            self._tmp.cleanup()
        return self.path

    def abort(self) -> None:
        """Remove the temporary files; no output is written."""
        self._ids.close()
        self._bits.close()
        self._tmp.cleanup()

    def __enter__(self) -> TraceSpool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is not None:
            self.abort()
