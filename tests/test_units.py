from __future__ import annotations

import pytest

from pagewalk.units import format_size, parse_size


@pytest.mark.parametrize("text,value", [
    (4096, 4096), ("4k", 4096), ("4KiB", 4096), ("64MiB", 64 << 20), ("2G", 2 << 30),
    ("1000p", 1000 * 4096), ("0", 0), ("1.5KiB", 1536), (" 8 mb ", 8 << 20),
])
def test_parse_size(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("bad", ["", "k", "12 parsecs", "1.3B", -1, True, 3.5, None])
def test_parse_size_rejects(bad):
    with pytest.raises(ValueError):
        parse_size(bad, "memory")


def test_format_size():
    assert format_size(64 << 20) == "64MiB"
    assert format_size(3) == "3B"
