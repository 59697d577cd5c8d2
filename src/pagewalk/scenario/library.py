"""The built-in scenarios shipped in ``pagewalk/scenarios/*.toml``.

``builtin_names()`` lists them in story order (their ``order`` key);
``resolve(name_or_path)`` loads a file path, or a built-in by name.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .format import Scenario, ScenarioError, load, loads


def _dir():
    return resources.files("pagewalk") / "scenarios"


def builtin() -> list[Scenario]:
    """Every built-in scenario, in story order."""
    out = []
    for entry in _dir().iterdir():
        if entry.name.endswith(".toml"):
            out.append(loads(entry.read_text(encoding="utf-8"), entry.name))
    for s in out:
        s.name = Path(s.path).stem
    return sorted(out, key=lambda s: (s.order, s.name))


def builtin_names() -> list[str]:
    return [s.name for s in builtin()]


def resolve(name_or_path: str) -> Scenario:
    """A scenario file (if the path exists or ends in .toml) or a built-in by name."""
    p = Path(name_or_path)
    if p.exists() or name_or_path.endswith(".toml") or "/" in name_or_path:
        return load(p)
    entry = _dir() / f"{name_or_path}.toml"
    if not entry.is_file():
        names = ", ".join(builtin_names())
        raise ScenarioError(f"{name_or_path}: no such file and no built-in scenario of that "
                            f"name; built-ins: {names}")
    return loads(entry.read_text(encoding="utf-8"), f"{name_or_path}.toml")
