"""Shared fixtures of the host-oracle tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from pagewalk.oracle import HostUnavailable, build_probe


@pytest.fixture(scope="session")
def probe() -> Path:
    """The compiled native probe; a visible skip naming the reason when this host
    cannot run it."""
    try:
        return build_probe()
    except HostUnavailable as e:
        pytest.skip(f"host oracle unavailable: {e}")
