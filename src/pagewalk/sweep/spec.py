"""The sweep spec: which traces, policies, sizes, modes and curves a sweep computes.

A spec is a TOML file (or a dict with the same keys; its relative paths are then
relative to the current directory)::

    traces   = ["traces/*.pwt", "gzip.lackey"]  # paths or globs, relative to the spec
    policies = ["lru", "clock", "opt"]
    frames   = [64, 256, 1024]                  # frame counts, or
    # memory = ["1MiB", "4MiB"]                 # memory sizes, or
    # sizes  = { points = 24, up_to = "distinct" }  # log-spaced, 1 .. distinct pages
    modes    = ["cache", "demand"]              # default ["cache"]
    compute  = ["replay", "mrc"]                # default ["replay"]; also "shards"
    sample   = 0.01                             # SHARDS rate (compute "shards")
    seeds    = [0, 1, 2]                        # SHARDS hash seeds (default [0])
    format   = "auto"                           # trace format, as load_trace
    output   = "results.parquet"                # default: beside the spec
    csv      = true                             # also write results.csv (or a path)
    split    = 1                                # tasks per trace x policy x mode

Exactly one of ``frames``, ``memory`` and ``sizes`` is given.  ``sizes.up_to``
is ``"distinct"`` (each trace's number of distinct pages), a frame count, or a
memory size; ``sizes.from`` (default 1) is the smallest size.

``compute``: ``"replay"`` replays every trace x policy x mode x size;
``"mrc"`` adds the exact one-pass LRU curve (cache mode, Mattson stack
distances) at the same sizes, ``"shards"`` its SHARDS approximation at rate
``sample`` for each of ``seeds``.  Their rows carry ``method`` "mrc"/"shards"
and ``policy`` "lru".

:func:`load_spec` validates everything before any work starts: a bad spec
raises :class:`pagewalk.InvalidArgument` whose one-line message names the spec,
the key, the problem and what to write instead.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidArgument
from ..units import PAGE_SIZE, parse_size

KEYS = ("traces", "policies", "frames", "memory", "sizes", "modes", "compute", "sample",
        "seeds", "format", "output", "csv", "split")
METHODS = ("replay", "mrc", "shards")


@dataclass(frozen=True)
class SizeRule:
    """The frame counts of a sweep: an explicit list, or ``points`` log-spaced
    sizes from ``low`` up to ``up_to`` frames (``None``: the trace's distinct
    pages)."""

    frames: tuple[int, ...] = ()
    points: int = 0
    low: int = 1
    up_to: int | None = None

    @property
    def needs_trace(self) -> bool:
        """Whether the sizes depend on the trace (its distinct pages)."""
        return not self.frames and self.up_to is None

    def resolve(self, distinct_pages: int) -> list[int]:
        """The sorted frame counts for a trace with ``distinct_pages`` pages."""
        if self.frames:
            return sorted(set(self.frames))
        top = max(self.up_to if self.up_to is not None else distinct_pages, self.low, 1)
        if self.points == 1:
            return [top]
        import numpy as np  # here: `import pagewalk` (and the CLI's start) without numpy

        sizes = np.unique(np.geomspace(self.low, top, num=self.points).round().astype(np.int64))
        return [int(s) for s in sizes]

    def to_json(self) -> dict[str, object]:
        if self.frames:
            return {"frames": sorted(set(self.frames))}
        return {"points": self.points, "from": self.low, "up_to": self.up_to or "distinct"}


@dataclass(frozen=True)
class Spec:
    """A validated sweep spec; see the module docstring for the keys."""

    source: str                      # the spec's name in messages ("study.toml" or "<dict>")
    base: Path                       # relative paths are relative to this directory
    traces: tuple[tuple[str, str], ...]  # (label as matched, absolute path), in order
    policies: tuple[str, ...]
    sizes: SizeRule
    modes: tuple[str, ...] = ("cache",)
    compute: tuple[str, ...] = ("replay",)
    sample: float = 0.01
    seeds: tuple[int, ...] = (0,)
    format: str = "auto"
    output: Path = Path("results.parquet")
    csv: Path | None = None
    split: int = 1

    @property
    def hash(self) -> str:
        """12 hex digits identifying what is computed (not where it is written)."""
        canon = {"traces": [t for t, _ in self.traces], "policies": list(self.policies),
                 "sizes": self.sizes.to_json(), "modes": list(self.modes),
                 "compute": list(self.compute), "sample": self.sample,
                 "seeds": list(self.seeds), "format": self.format}
        text = json.dumps(canon, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def load_spec(spec: str | os.PathLike | Mapping[str, Any] | Spec) -> Spec:
    """A validated :class:`Spec` from a TOML path, a dict of the same keys, or a Spec."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        return _validate(dict(spec), "<dict>", Path.cwd())
    if not isinstance(spec, str | os.PathLike):
        raise InvalidArgument(f"sweep: spec={type(spec).__name__}; give a path to a TOML "
                              "file or a dict with keys traces, policies, frames ...")
    path = Path(spec)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such spec file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"{path}: not valid TOML ({exc}); see docs/sweep.md") from None
    return _validate(data, str(path), path.resolve().parent)


def _fail(where: str, key: str, problem: str) -> InvalidArgument:
    return InvalidArgument(f"{where}: {key}: {problem}")


def _str_list(data: dict, key: str, where: str, default: list[str] | None = None) -> list[str]:
    value = data.get(key, default)
    if value is None:
        raise _fail(where, key, "missing; write e.g. " + _EXAMPLES[key])
    if isinstance(value, str):
        value = [value]
    if (not isinstance(value, list) or not value
            or not all(isinstance(v, str) and v for v in value)):
        raise _fail(where, key, f"{value!r} is not a non-empty list of strings; write e.g. "
                    + _EXAMPLES[key])
    return list(dict.fromkeys(value))


def _choices(values: list[str], choices: tuple[str, ...], key: str, where: str) -> tuple:
    bad = [v for v in values if v not in choices]
    if bad:
        raise _fail(where, key, f"unknown {', '.join(map(repr, bad))}; choose from "
                    + ", ".join(choices))
    return tuple(values)


_EXAMPLES = {
    "traces": 'traces = ["traces/*.pwt"]',
    "policies": 'policies = ["lru", "clock"]',
    "modes": 'modes = ["cache", "demand"]',
    "compute": 'compute = ["replay", "mrc"]',
}


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _frames_of(value: object, where: str, key: str) -> int:
    """A frame count from an int or a memory size string ("64MiB", "1000p")."""
    if _int(value):
        if value < 1:  # type: ignore[operator]
            raise _fail(where, key, f"{value} frames; write an int >= 1")
        return int(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        try:
            frames = parse_size(value, key) // PAGE_SIZE
        except InvalidArgument as exc:
            raise _fail(where, key, exc.strerror) from None
        if frames < 1:
            raise _fail(where, key, f"{value!r} is less than one 4 KiB page; write at least "
                        "\"4KiB\"")
        return frames
    raise _fail(where, key, f"{value!r}; write a frame count (int) or a size like \"64MiB\"")


def _sizes(data: dict, where: str) -> SizeRule:
    given = [k for k in ("frames", "memory", "sizes") if k in data]
    if len(given) != 1:
        what = "none" if not given else " and ".join(given)
        raise _fail(where, "sizes", f"{what} given; write exactly one of frames = [64, 256], "
                    'memory = ["1MiB", "4MiB"] or sizes = { points = 24, up_to = "distinct" }')
    key = given[0]
    value = data[key]
    if key in ("frames", "memory"):
        if not isinstance(value, list) or not value:
            raise _fail(where, key, f"{value!r} is not a non-empty list; write e.g. "
                        + ("frames = [64, 256, 1024]" if key == "frames"
                           else 'memory = ["1MiB", "4MiB"]'))
        if key == "frames" and not all(_int(v) for v in value):
            raise _fail(where, key, f"{value!r}; write a list of ints >= 1 (or use memory = "
                        '["64MiB"] for sizes)')
        return SizeRule(frames=tuple(_frames_of(v, where, key) for v in value))
    if not isinstance(value, dict):
        raise _fail(where, key, f"{value!r}; write sizes = {{ points = 24, up_to = "
                    '"distinct" }')
    unknown = set(value) - {"points", "up_to", "from"}
    if unknown:
        raise _fail(where, key, f"unknown {', '.join(sorted(unknown))}; the keys are points, "
                    "up_to, from")
    points = value.get("points", 24)
    if not _int(points) or not 1 <= points <= 10_000:
        raise _fail(where, "sizes.points", f"{points!r}; write an int from 1 to 10000")
    up_to = value.get("up_to", "distinct")
    top = None if up_to == "distinct" else _frames_of(up_to, where, "sizes.up_to")
    low = _frames_of(value.get("from", 1), where, "sizes.from")
    if top is not None and low > top:
        raise _fail(where, "sizes.from", f"{low} frames is above up_to ({top} frames)")
    return SizeRule(points=points, low=low, up_to=top)


def _traces(data: dict, where: str, base: Path) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for pattern in _str_list(data, "traces", where):
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, root_dir=base, recursive=True))
            matches = [m for m in matches if (base / m).is_file()]
        else:
            matches = [pattern] if (base / pattern).is_file() else []
        if not matches:
            raise _fail(where, "traces", f"{pattern!r} matches no file (relative to {base}); "
                        "fix the path or the glob")
        for m in matches:
            out.setdefault(Path(m).as_posix(), str((base / m).resolve()))
    return tuple(out.items())


def _validate(data: dict, where: str, base: Path) -> Spec:
    # here, not at the top: importing pagewalk.trace loads numba, and `import pagewalk`
    # (which binds pw.sweep) must stay light
    from ..trace.io import FORMATS
    from ..trace.policies import MODES, POLICY_NAMES
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise _fail(where, unknown[0], "unknown key; the keys are " + ", ".join(KEYS))
    policies = _choices(_str_list(data, "policies", where), POLICY_NAMES, "policies", where)
    modes = _choices(_str_list(data, "modes", where, ["cache"]), MODES, "modes", where)
    compute = _choices(_str_list(data, "compute", where, ["replay"]), METHODS, "compute", where)
    sizes = _sizes(data, where)
    sample = data.get("sample", 0.01)
    if isinstance(sample, bool) or not isinstance(sample, int | float) or not 0 < sample <= 1:
        raise _fail(where, "sample", f"{sample!r}; write a SHARDS rate with 0 < rate <= 1, "
                    "e.g. 0.01")
    seeds = data.get("seeds", [0])
    if (not isinstance(seeds, list) or not seeds
            or not all(_int(s) and s >= 0 for s in seeds)):
        raise _fail(where, "seeds", f"{seeds!r}; write a list of ints >= 0, e.g. [0, 1, 2]")
    fmt = data.get("format", "auto")
    if fmt not in FORMATS:
        raise _fail(where, "format", f"{fmt!r}; write one of " + ", ".join(FORMATS))
    output = data.get("output", "results.parquet")
    if not isinstance(output, str) or not output.endswith(".parquet"):
        raise _fail(where, "output", f"{output!r}; write a path ending in .parquet")
    out_path = (base / output).resolve()
    csv_value = data.get("csv", False)
    if isinstance(csv_value, bool):
        csv = out_path.with_suffix(".csv") if csv_value else None
    elif isinstance(csv_value, str) and csv_value.endswith(".csv"):
        csv = (base / csv_value).resolve()
    else:
        raise _fail(where, "csv", f"{csv_value!r}; write true or a path ending in .csv")
    split = data.get("split", 1)
    if not _int(split) or not 1 <= split <= 1000:
        raise _fail(where, "split", f"{split!r}; write an int from 1 to 1000 (tasks per "
                    "trace x policy x mode)")
    return Spec(source=where, base=base, traces=_traces(data, where, base), policies=policies,
                sizes=sizes, modes=modes, compute=compute, sample=float(sample),
                seeds=tuple(dict.fromkeys(seeds)), format=fmt, output=out_path, csv=csv,
                split=split)
