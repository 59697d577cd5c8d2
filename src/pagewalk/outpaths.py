"""Output paths checked before the work starts.

A ten-minute replay that ends in "No such file or directory" for its plot has
wasted ten minutes.  :func:`check_output_path` raises ``InvalidArgument``
(one line: the option, the path, what is wrong, what to write) when ``path``
cannot be written: its folder is missing or not writable, it names a folder,
or (for plots) its suffix is not one matplotlib writes.  It creates nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InvalidArgument

PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def check_output_path(path: str | os.PathLike, option: str,
                      suffixes: tuple[str, ...] | None = None) -> Path:
    """``path`` as a ``Path`` if a file can be written there; else ``InvalidArgument``."""
    out = Path(path)
    if out.is_dir():
        raise InvalidArgument(f"{option} {out}: is a folder; write a file name, "
                              f"e.g. {out / ('out' + (suffixes[0] if suffixes else ''))}")
    if suffixes is not None and out.suffix.lower() not in suffixes:
        raise InvalidArgument(f"{option} {out}: unknown file type {out.suffix or '(none)'!r}; "
                              f"end the name in {', '.join(suffixes)}")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidArgument(f"{option} {out}: the folder {parent} does not exist; "
                              f"create it first or write another path")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise InvalidArgument(f"{option} {out}: not writable; write another path")
    return out
