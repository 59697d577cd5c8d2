"""libCacheSim's trace formats, read and written, so traces move both ways.

``oracleGeneral`` (libCacheSim's ``oracleGeneralBin``): 24-byte little-endian
records, packed::

    uint32 clock_time   the access's time (pagewalk writes the access index)
    uint64 obj_id       the object: pagewalk's virtual page number
    uint32 obj_size     bytes (pagewalk writes 4096, one page)
    int64  next_access  index of the next access to the same object, -1 if none

Reading maps each ``obj_id`` to one page (records of size 0 are skipped, as
libCacheSim skips them); the format has no reads and writes, so every access
is a read.  In libCacheSim, replay such a file with a cache of ``frames *
4096`` bytes, or with ``ignore_obj_size`` and a cache of ``frames`` objects.

``csv`` (libCacheSim's ``csv`` reader with ``has-header=true``): a header line
naming the columns, then one access per line.  pagewalk writes
``time,obj_id,obj_size,op`` (op ``read``/``write``; libCacheSim's
``-t "time-col=1,obj-id-col=2,obj-size-col=3,has-header=true"``), and reads
any column order whose header names an ``obj_id`` column (also ``id``,
``key`` or ``obj-id``) and optionally ``op`` (``write``/``set``/``w`` mean a
write).  A malformed line raises ``ValueError`` naming the file and line.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import Trace

ORACLE_GENERAL = np.dtype([("time", "<u4"), ("obj_id", "<u8"), ("obj_size", "<u4"),
                           ("next", "<i8")])
RECORD = ORACLE_GENERAL.itemsize  # 24
PAGE_BYTES = 4096
_ID_NAMES = ("obj_id", "obj-id", "objid", "id", "key")
_WRITE_OPS = {"write", "set", "w", "put", "update", "1"}


def next_access(ids: np.ndarray) -> np.ndarray:
    """For each access, the index of the next access to the same page, -1 if none."""
    nxt = np.full(ids.size, -1, np.int64)
    order = np.argsort(ids, kind="stable")
    same = ids[order[1:]] == ids[order[:-1]]
    nxt[order[:-1][same]] = order[1:][same]
    return nxt


def oracle_general_bytes(trace: Trace) -> bytes:
    """``trace`` as oracleGeneral records (next-access indices filled in)."""
    rec = np.empty(len(trace), ORACLE_GENERAL)
    rec["time"] = np.arange(len(trace), dtype=np.uint64).astype(np.uint32)
    rec["obj_id"] = trace.pages
    rec["obj_size"] = PAGE_BYTES
    rec["next"] = next_access(trace.ids)
    return rec.tobytes()


def parse_oracle_general(data: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Pages and write flags (all False) of oracleGeneral ``data``."""
    if len(data) % RECORD:
        raise ValueError(f"{name}: {len(data)} bytes is not a whole number of 24-byte "
                         f"oracleGeneral records (the last {len(data) % RECORD} bytes are "
                         f"cut short); is this an oracleGeneral trace?")
    rec = np.frombuffer(data, ORACLE_GENERAL)
    pages = rec["obj_id"][rec["obj_size"] != 0]
    return np.ascontiguousarray(pages, np.uint64), np.zeros(pages.size, np.bool_)


def csv_text(trace: Trace) -> str:
    """``trace`` as libCacheSim csv with a header."""
    out = io.StringIO()
    out.write("time,obj_id,obj_size,op\n")
    ops = np.where(trace.writes, "write", "read")
    for i, (page, op) in enumerate(zip(trace.pages.tolist(), ops.tolist(), strict=True)):
        out.write(f"{i},{page},{PAGE_BYTES},{op}\n")
    return out.getvalue()


def parse_csv(text: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Pages and write flags of libCacheSim csv ``text`` (header required)."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        return np.empty(0, np.uint64), np.empty(0, np.bool_)
    cols = [h.strip().lower() for h in header]
    id_col = next((cols.index(c) for c in _ID_NAMES if c in cols), None)
    if id_col is None:
        raise ValueError(f"{name}:1: expected a csv header naming an obj_id column "
                         f"(e.g. 'time,obj_id,obj_size,op'); found {','.join(header)!r}")
    op_col = cols.index("op") if "op" in cols else None
    pages: list[int] = []
    writes: list[bool] = []
    for lineno, row in enumerate(rows, 2):
        if not row or not any(c.strip() for c in row):
            continue
        try:
            page = int(row[id_col].strip(), 0)
            if page < 0:
                raise ValueError
        except (ValueError, IndexError):
            cell = row[id_col] if id_col < len(row) else ""
            raise ValueError(f"{name}:{lineno}: expected a non-negative integer obj_id in "
                             f"column {id_col + 1}; found {cell!r}") from None
        pages.append(page)
        writes.append(op_col is not None and op_col < len(row)
                      and row[op_col].strip().lower() in _WRITE_OPS)
    return np.asarray(pages, np.uint64), np.asarray(writes, np.bool_)


def save_libcachesim(trace: Trace, path: str | os.PathLike, format: str) -> Path:
    """Write ``trace`` to ``path`` in ``format`` (``"oracleGeneral"`` or ``"csv"``),
    atomically (a half-written file never carries the final name)."""
    path = Path(path)
    data = oracle_general_bytes(trace) if format == "oracleGeneral" else csv_text(trace).encode()
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
