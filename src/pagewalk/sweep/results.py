"""The results table of a sweep: tidy rows, stored in Parquet, appended as they come.

One row per cell (trace x method x policy x mode x seed x frames), columns
:data:`COLUMNS`.  While a sweep runs, each finished chunk is written at once
as its own Parquet file in ``OUTPUT.parts/`` (written to a temporary name and
renamed, so a killed sweep leaves only whole files); at the end the parts and
any earlier ``OUTPUT`` are merged into the single file ``OUTPUT`` (again via
a rename) and the parts are removed.  ``--resume`` reads both back and skips
the cells they hold.

A failed cell has ``status`` "failed", its reason in ``error`` and empty
counters; ``frames`` is 0 when the trace could not even be read (its sizes
were unknown).  When a later run computes a cell that failed before, the
failed row is dropped.

Counters are pandas' nullable ``Int64`` (so a failed row can be empty),
``miss_ratio``, ``sample_rate`` and ``wall_s`` are floats.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .grid import ChunkKey

KEY = ["trace", "method", "policy", "mode", "seed", "frames"]
COUNTERS = ["accesses", "distinct_pages", "minor", "major", "faults", "pswpin", "pswpout",
            "zero_maps", "evictions"]
SCHEMA = pa.schema(
    [("trace", pa.string()), ("policy", pa.string()), ("frames", pa.int64()),
     ("mode", pa.string()), ("method", pa.string()), ("seed", pa.int64()),
     ("sample_rate", pa.float64())]
    + [(c, pa.int64()) for c in COUNTERS]
    + [("miss_ratio", pa.float64()), ("wall_s", pa.float64()), ("status", pa.string()),
       ("error", pa.string()), ("worker", pa.string()), ("version", pa.string()),
       ("spec_hash", pa.string())])
COLUMNS = SCHEMA.names


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The DataFrame of ``table``: ints as nullable ``Int64``, strings as ``object``."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def empty() -> pd.DataFrame:
    return to_frame(SCHEMA.empty_table())


class ResultStore:
    """``output`` (a Parquet file) and its ``.parts`` directory of pending chunks."""

    def __init__(self, output: Path, csv: Path | None = None) -> None:
        self.output = Path(output)
        self.csv = csv
        self.parts = self.output.with_name(self.output.name + ".parts")

    def reset(self) -> None:
        """Forget earlier results (a sweep without ``--resume``)."""
        shutil.rmtree(self.parts, ignore_errors=True)
        self.output.unlink(missing_ok=True)

    def read(self) -> pd.DataFrame:
        """Every row stored so far: the output file and the parts."""
        tables = []
        if self.output.is_file():
            tables.append(pq.read_table(self.output, schema=SCHEMA))
        if self.parts.is_dir():
            tables += [pq.read_table(p, schema=SCHEMA)
                       for p in sorted(self.parts.glob("*.parquet"))]
        if not tables:
            return empty()
        return tidy(to_frame(pa.concat_tables(tables)))

    def append(self, rows: Iterable[dict[str, object]], spec_hash: str) -> None:
        """Write ``rows`` (one finished chunk) as a new part, atomically."""
        rows = [{**r, "spec_hash": spec_hash} for r in rows]
        if not rows:
            return
        self.parts.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(rows, schema=SCHEMA)
        name = f"part-{uuid.uuid4().hex}"
        tmp = self.parts / f".{name}.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, self.parts / f"{name}.parquet")

    def finish(self) -> pd.DataFrame:
        """Merge everything into ``output`` (and the CSV), remove the parts; the table."""
        df = self.read()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.output.with_name(f".{self.output.name}.tmp")
        pq.write_table(pa.Table.from_pandas(df, schema=SCHEMA, preserve_index=False), tmp)
        os.replace(tmp, self.output)
        if self.csv is not None:
            write_csv(df, self.csv)
        shutil.rmtree(self.parts, ignore_errors=True)
        return df


def write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_csv(tmp, index=False)
    os.replace(tmp, path)


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    """One row per cell, sorted: an ok row wins over a failed one, the newest
    over older ones; a chunk's frames-0 failure goes once any of its cells is ok."""
    if df.empty:
        return df.reset_index(drop=True)
    df = df.copy()
    df["_ok"] = df["status"] == "ok"
    df["_n"] = range(len(df))
    df = df.sort_values(["_ok", "_n"]).drop_duplicates(KEY, keep="last")
    chunk = KEY[:-1]
    ok_chunks = df.loc[df["_ok"], chunk].drop_duplicates()
    stale = (~df["_ok"]) & (df["frames"] == 0)
    if stale.any():
        marked = df.loc[stale, chunk].merge(ok_chunks, how="left", indicator=True)
        drop = marked["_merge"].eq("both").to_numpy()
        df = df.drop(index=df.index[stale][drop])
    df = df.drop(columns=["_ok", "_n"]).sort_values(KEY, kind="stable")
    return df[COLUMNS].reset_index(drop=True)


def done_cells(df: pd.DataFrame) -> tuple[dict[ChunkKey, set[int]], dict[str, int]]:
    """From stored rows: the frames already computed per chunk key, and the
    distinct pages of every trace seen."""
    done: dict[ChunkKey, set[int]] = {}
    ok = df[df["status"] == "ok"]
    for rec in ok[KEY].itertuples(index=False):
        done.setdefault((rec.trace, rec.method, rec.policy, rec.mode, int(rec.seed)),
                        set()).add(int(rec.frames))
    distinct = {str(t): int(d) for t, d in
                ok.groupby("trace")["distinct_pages"].first().items()}
    return done, distinct
