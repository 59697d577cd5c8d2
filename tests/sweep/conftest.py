"""Small traces on disk for the sweep tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import pagewalk as pw


def make_traces(directory: Path, count: int = 2, n: int = 4000, pages: int = 300,
                seed: int = 1) -> list[Path]:
    """``count`` Zipf-ish traces (with writes) saved as .pwt in ``directory``."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        ids = (rng.zipf(1.2, n) % pages).astype(np.uint64) + np.uint64(0x400 + i * 0x10000)
        path = directory / f"t{i}.pwt"
        pw.Trace.from_pages(ids, rng.random(n) < 0.3).save(path)
        out.append(path)
    return out


@pytest.fixture
def traces(tmp_path: Path) -> list[Path]:
    (tmp_path / "traces").mkdir()
    return make_traces(tmp_path / "traces")
