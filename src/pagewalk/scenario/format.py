"""The scenario file format: TOML read with ``tomllib``, checked before anything runs.

A scenario describes a machine, files, tasks and an ordered list of steps::

    title = "Demand paging and the zero page"
    tasks = ["init"]                      # root tasks (the host runs exactly one)
    [machine]                             # Machine(...) arguments and any config knob
    memory = "64MiB"
    [[files]]
    name = "data.bin"
    size = "1000p"
    [[steps]]
    op = "mmap"
    length = "1000p"
    as = "buf"                            # later steps say map = "buf"
    [[steps]]
    op = "touch"
    map = "buf"
    expect = { min_flt = 1000, maj_flt = 0, handler = "do_anonymous_page" }

``load(path)`` returns a ``Scenario`` or raises ``ScenarioError`` whose message
names the file, the step and the key and says what is accepted.  The checks are
static: op names, keys, value types, sizes, task and mapping names, and that no
step runs on a task that exited (or was expected to die by a signal) earlier.
"""

from __future__ import annotations

import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from ..errors import InvalidArgument, PagewalkError
from ..kernel.mman import parse_map_flags, parse_prot
from ..mm.madvise import ADVICE
from ..units import parse_size

PAGE = 4096

# Keys every step may carry.
COMMON_KEYS = {
    "op": "the operation",
    "task": "the task that runs the step (default: the first root task)",
    "title": "a sentence shown next to the step",
    "expect": "a table of expectations",
    "tolerance": "host/model difference allowed by validate (int or {min_flt=, maj_flt=})",
    "show": "views to print after the step (maps, smaps, status, meminfo, vmstat)",
    "host": "false: do not run this step on the host",
    "compare": "false: validate shows but does not compare this step (default for fork/exec)",
    "note": "a remark shown by validate",
}

_RANGE = {"map": "a mapping name given at mmap (as = ...)",
          "addr": "a virtual address (int) instead of map",
          "offset": "bytes or pages into the mapping (\"10p\")",
          "length": "bytes or pages (default: the rest of the mapping)"}

# op -> {key: what it means}; keys in REQUIRED must be present.
OPS: dict[str, dict[str, str]] = {
    "mmap": {"length": "size of the mapping", "prot": "r, rw, rx, none ... (default rw)",
             "flags": "private|anonymous (default), shared, populate, fixed, ...",
             "file": "a file name from [[files]]", "offset": "file offset (bytes or pages)",
             "addr": "a fixed address (with flags fixed)", "as": "the mapping's name",
             "align": "place the mapping at a multiple of this size (both engines)",
             "isolated": "true: PROT_NONE guard pages around it in both engines (the host "
                         "isolates anonymous mappings unless false)"},
    "munmap": dict(_RANGE),
    "mprotect": {**_RANGE, "prot": "the new protection"},
    "madvise": {**_RANGE, "advice": "dontneed, free, pageout, willneed, random, ..."},
    "msync": {**_RANGE, "mode": "sync (default), async or invalidate"},
    "touch": {**_RANGE, "write": "true: write accesses (default false: reads)",
              "order": "seq (default), reverse or random", "seed": "random order's seed",
              "stride": "bytes or pages between accesses (default one page)"},
    "read": {**_RANGE},
    "write": {**_RANGE, "data": "a string to write"},
    "sbrk": {"increment": "size to grow the heap by (\"-4k\" shrinks)",
             "as": "a name for the new heap range"},
    "brk": {"heap": "heap size above the task's first break", "as": "a name for the heap"},
    "stack": {"depth": "bytes below the stack frame to access", "write": "default true"},
    "fork": {"child": "the child's name"},
    "exec": {},
    "exit": {"code": "exit status 0..255 (default 0)"},
    "wait": {"child": "the child to reap (default: any dead child)"},
    "drop_caches": {},
    # issue 11: mremap, mlock, mincore, clear_refs
    "mremap": {**_RANGE, "new_length": "the new size (default: the old length)",
               "flags": '"" (in place), maymove, maymove|fixed, maymove|dontunmap, ...',
               "to": "with fixed: the mapping whose start is the new address",
               "new_addr": "with fixed: the new address (int)",
               "as": "a name for the result (default: the mapping keeps its name)"},
    "mlock": {**_RANGE, "onfault": "true: mlock2(MLOCK_ONFAULT), lock pages as they fault"},
    "munlock": dict(_RANGE),
    "mlockall": {"flags": "current, future, onfault joined by |"},
    "munlockall": {},
    "mincore": dict(_RANGE),
    "clear_refs": {"value": "1 all, 2 anon, 3 file, 4 soft-dirty, 5 reset peak RSS"},
    "evict": {"file": "a file name from [[files]]"},
    # Timed runs (issue 6, kernel/sched.py): give tasks programs, then run them.
    "program": {"program": "loop, random_access, file_scan or compute (pw.programs)",
                "pages": "loop/random_access: working-set pages", "passes": "loop: passes",
                "write": "loop/random_access: write accesses", "work": "CPU seconds per page",
                "think": "loop: mean sleep after each pass (s)", "seed": "a seed",
                "accesses": "random_access: accesses", "locality": "random_access: 0..1",
                "file": "file_scan: a file from [[files]]", "seconds": "compute: seconds",
                "nice": "priority, -20..19 (load control suspends the highest first)"},
    "run": {"until": "simulated seconds to stop at (default: every program to its end)"},
    "replay": {"refs": "page numbers to access, in order", "loop": "refs = 0, 1, ... loop-1",
               "frames": "frames of memory",
               "policy": "fifo, lru, clock, opt, ...", "mode": "cache (default) or demand",
               "repeat": "repeat refs this many times (default 1)"},
}
REQUIRED = {
    "mmap": ("length",), "mprotect": ("prot",), "madvise": ("advice",), "write": ("data",),
    "sbrk": ("increment",), "brk": ("heap",), "stack": ("depth",), "fork": ("child",),
    "evict": ("file",), "replay": ("frames",), "program": ("program",),
    "mlockall": ("flags",), "clear_refs": ("value",),
}
PROGRAMS = ("loop", "random_access", "file_scan", "compute")
RANGE_OPS = ("munmap", "mprotect", "madvise", "msync", "touch", "read", "write", "mremap",
             "mlock", "munlock", "mincore")

EXPECT_KEYS = {
    "min_flt": "minor faults of the step (int)", "maj_flt": "major faults of the step (int)",
    "handler": "the handler every fault of the step ran (a name or a list of names)",
    "signal": "SIGSEGV or SIGBUS", "code": "SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR ...",
    "bytes": "the bytes read (a string)", "fill": "every byte read equals this int",
    "faults": "faults of a replay step", "rss": "the task's resident pages after the step",
    "status": "what wait reports: exit:N or signal:NAME", "errno": "ENOMEM, EINVAL ...",
    "cpu_utilization": "a run step's CPU utilization: \">0.8\" or \"<0.3\"",
    "resident": "mincore: how many pages of the range are resident (int)",
}
VIEWS = ("maps", "smaps", "status", "meminfo", "vmstat")
TOP_KEYS = ("title", "chapter", "description", "host", "host_reason", "requires", "tasks",
            "machine", "files", "steps", "order")
REQUIRES = ("swap", "drop_caches")
FILE_KEYS = ("name", "size", "data", "chunk")


class ScenarioError(PagewalkError, ValueError):
    """A malformed scenario: the message names the file, the step and the key."""


@dataclass(frozen=True)
class FileSpec:
    name: str
    size: int | None
    data: bytes | None
    chunk: int                     # host: bytes per write() when creating it (folio size)


@dataclass(frozen=True)
class Step:
    """One step; ``args`` holds the op's keys with sizes already in bytes."""

    index: int                     # 1-based, as shown to users
    op: str
    task: str
    args: dict[str, Any]
    expect: dict[str, Any]
    tolerance: tuple[int, int]     # (minor, major) allowed host/model difference
    show: tuple[str, ...]
    host: bool
    compare: bool
    title: str
    note: str

    @property
    def label(self) -> str:
        return f"{self.index} {self.op}"


@dataclass
class Scenario:
    path: str
    name: str
    title: str
    chapter: str
    description: str
    host: bool
    host_reason: str
    tasks: list[str]
    machine: dict[str, Any]
    files: list[FileSpec]
    steps: list[Step]
    order: int = 0
    requires: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class _Ctx:
    """Error context: which file, which step."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.where = ""

    def fail(self, key: str | None, problem: str, accepted: str = "") -> ScenarioError:
        parts = [self.path]
        if self.where:
            parts.append(self.where)
        if key:
            parts.append(f"key '{key}'")
        msg = ": ".join(parts) + f": {problem}"
        if accepted:
            msg += f"; accepted: {accepted}"
        return ScenarioError(msg)


def _size(ctx: _Ctx, key: str, value: Any, *, signed: bool = False, zero: bool = True) -> int:
    neg = False
    if signed and isinstance(value, str) and value.strip().startswith("-"):
        neg, value = True, value.strip()[1:]
    if signed and isinstance(value, int) and not isinstance(value, bool) and value < 0:
        neg, value = True, -value
    try:
        n = parse_size(value, key, allow_zero=zero)
    except InvalidArgument:
        raise ctx.fail(key, f"{value!r} is not a size",
                       'an int (bytes) or a string like "64MiB", "4k", "1000p" (pages)') from None
    return -n if neg else n


def _bool(ctx: _Ctx, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail(key, f"{value!r} is not a boolean", "true or false")
    return value


def _str(ctx: _Ctx, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ctx.fail(key, f"{value!r} is not a non-empty string", "a string in quotes")
    return value


def _int(ctx: _Ctx, key: str, value: Any, lo: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ctx.fail(key, f"{value!r} is not an integer >= {lo}", f"an integer >= {lo}")
    return value


def _machine(ctx: _Ctx, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ctx.fail("machine", "must be a table", "[machine] with memory, swap, ...")
    values = dict(table)
    profile = values.pop("profile", "linux")
    try:
        Config.for_profile(profile, **values)
    except (InvalidArgument, TypeError, ValueError, OverflowError) as e:
        msg = str(e).removeprefix("[EINVAL] ")
        raise ctx.fail("machine", msg) from None
    return dict(table)


def _files(ctx: _Ctx, items: Any) -> list[FileSpec]:
    if not isinstance(items, list):
        raise ctx.fail("files", "must be an array of tables", "[[files]] name = ..., size = ...")
    out: list[FileSpec] = []
    for i, f in enumerate(items, 1):
        ctx.where = f"file {i}"
        if not isinstance(f, dict):
            raise ctx.fail(None, "must be a table", "[[files]] name = ..., size = ...")
        for k in f:
            if k not in FILE_KEYS:
                raise ctx.fail(k, "unknown key", ", ".join(FILE_KEYS))
        if "name" not in f:
            raise ctx.fail("name", "missing", "a file name such as \"data.bin\"")
        name = _str(ctx, "name", f["name"])
        if "/" in name or " " in name:
            raise ctx.fail("name", f"{name!r} has a slash or a space", "a plain file name")
        if ("size" in f) == ("data" in f):
            raise ctx.fail("size", "give exactly one of size and data",
                           "size = \"1000p\" or data = \"text\"")
        size = _size(ctx, "size", f["size"]) if "size" in f else None
        data = _str(ctx, "data", f["data"]).encode() if "data" in f else None
        chunk = _size(ctx, "chunk", f.get("chunk", PAGE), zero=False)
        out.append(FileSpec(name, size, data, chunk))
    ctx.where = ""
    return out


def _tolerance(ctx: _Ctx, value: Any) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return _int(ctx, "tolerance", value), _int(ctx, "tolerance", value)
    if isinstance(value, dict):
        bad = set(value) - {"min_flt", "maj_flt"}
        if bad:
            raise ctx.fail("tolerance", f"unknown key {sorted(bad)[0]!r}", "min_flt, maj_flt")
        return (_int(ctx, "tolerance.min_flt", value.get("min_flt", 0)),
                _int(ctx, "tolerance.maj_flt", value.get("maj_flt", 0)))
    raise ctx.fail("tolerance", f"{value!r} is not a tolerance",
                   "an int, or { min_flt = N, maj_flt = M }")


def _expect(ctx: _Ctx, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ctx.fail("expect", "must be a table", "expect = { min_flt = 1000, ... }")
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k not in EXPECT_KEYS:
            raise ctx.fail(f"expect.{k}", "unknown expectation", ", ".join(EXPECT_KEYS))
        if k in ("min_flt", "maj_flt", "faults", "rss", "fill", "resident"):
            out[k] = _int(ctx, f"expect.{k}", v)
        elif k == "handler":
            names = [v] if isinstance(v, str) else v
            if not isinstance(names, list) or not names or not all(
                    isinstance(n, str) for n in names):
                raise ctx.fail("expect.handler", f"{v!r} is not a handler name",
                               "a string such as \"do_wp_page\" or a list of them")
            out[k] = tuple(names)
        elif k == "cpu_utilization":
            text = _str(ctx, f"expect.{k}", v).replace(" ", "")
            try:
                assert text[0] in "<>"
                float(text[1:])
            except (AssertionError, IndexError, ValueError):
                raise ctx.fail(f"expect.{k}", f"{v!r} is not a bound", "\">0.8\" or "
                               "\"<0.3\"") from None
            out[k] = text
        else:
            out[k] = _str(ctx, f"expect.{k}", v)
    return out


def _syscall_flags(ctx: _Ctx, op: str, value: Any) -> str:
    """mremap's and mlockall's flags, checked by the same parsers the calls use."""
    from ..mm.mlock import parse_mlockall_flags
    from ..mm.mremap import parse_mremap_flags
    if not isinstance(value, str):
        raise ctx.fail("flags", f"{value!r} is not a string", "names joined by |")
    try:
        (parse_mremap_flags if op == "mremap" else parse_mlockall_flags)(value)
    except InvalidArgument as e:
        raise ctx.fail("flags", str(e).removeprefix("[EINVAL] ")) from None
    return value


def _args(ctx: _Ctx, op: str, raw: dict[str, Any], files: set[str]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for k, v in raw.items():
        if op in ("mremap", "mlockall") and k == "flags":
            args[k] = _syscall_flags(ctx, op, v)
        elif k == "new_length":
            args[k] = _size(ctx, k, v, zero=False)
        elif k == "onfault":
            args[k] = _bool(ctx, k, v)
        elif k == "value" and op == "clear_refs":
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 5:
                raise ctx.fail(k, f"{v!r} is not a clear_refs value", "1, 2, 3, 4 or 5")
            args[k] = v
        elif k == "new_addr":
            args[k] = _int(ctx, k, v)
        elif k in ("length", "depth", "align"):
            args[k] = _size(ctx, k, v, zero=False)
        elif k in ("offset", "stride", "heap"):
            args[k] = _size(ctx, k, v, zero=(k != "stride"))
        elif k == "increment":
            args[k] = _size(ctx, k, v, signed=True)
        elif k in ("write", "isolated"):
            args[k] = _bool(ctx, k, v)
        elif op == "program" and k in ("pages", "passes", "accesses", "nice"):
            args[k] = _int(ctx, k, v, lo=-20 if k == "nice" else int(k != "passes"))
        elif k in ("work", "think", "seconds", "locality", "until"):
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1e9:
                raise ctx.fail(k, f"{v!r} is not a number of seconds",
                               "a finite number from 0 to 1e9")
            args[k] = float(v)
        elif k == "program":
            if v not in PROGRAMS:
                raise ctx.fail(k, f"{v!r} is not a built-in program", ", ".join(PROGRAMS))
            args[k] = v
        elif k in ("seed", "code", "frames", "repeat", "loop"):
            args[k] = _int(ctx, k, v, lo=1 if k in ("frames", "repeat", "loop") else 0)
            if k == "code" and v > 255:
                raise ctx.fail(k, f"{v} is not an exit status", "an integer from 0 to 255")
        elif k == "addr":
            args[k] = _int(ctx, k, v)
        elif k == "refs":
            if not isinstance(v, list) or not v or not all(
                    isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v):
                raise ctx.fail(k, "must be a non-empty list of page numbers", "[1, 2, 3, 1]")
            args[k] = list(v)
        elif k == "file":
            name = _str(ctx, k, v)
            if name not in files:
                raise ctx.fail(k, f"no file {name!r} in [[files]]",
                               ", ".join(sorted(files)) or "(no files declared)")
            args[k] = name
        elif k == "order":
            if v not in ("seq", "reverse", "random"):
                raise ctx.fail(k, f"{v!r} is not an order", "seq, reverse, random")
            args[k] = v
        elif k in ("prot", "flags"):
            text = _str(ctx, k, v) if v != "" else v
            try:
                (parse_prot if k == "prot" else parse_map_flags)(text)
            except InvalidArgument as e:
                raise ctx.fail(k, str(e).removeprefix("[EINVAL] ")) from None
            args[k] = text
        elif k == "advice":
            text = _str(ctx, k, v).lower().removeprefix("madv_")
            if text not in ADVICE:
                raise ctx.fail(k, f"{v!r} is not an advice", ", ".join(ADVICE))
            args[k] = text
        elif op == "replay" and k in ("policy", "mode"):
            from ..trace.policies import MODES, POLICY_NAMES  # only a replay step pays it
            names = POLICY_NAMES if k == "policy" else MODES
            if v not in names:
                raise ctx.fail(k, f"{v!r} is not a replay {k}", ", ".join(names))
            args[k] = v
        elif k == "mode" and op == "msync":
            if v not in ("sync", "async", "invalidate"):
                raise ctx.fail(k, f"{v!r} is not an msync mode", "sync, async, invalidate")
            args[k] = v
        else:
            args[k] = _str(ctx, k, v)
    return args


# What one step may ask of the model, so that a scenario's cost scales with its text.
MAX_REPLAY_REFS = 10_000_000        # refs x repeat (or loop x repeat) of a replay step
MAX_TOUCH = 1 << 32                 # bytes one touch/read/write step may span (4 GiB)
MAX_DEPTH = 1 << 30                 # stack depth (1 GiB; RLIMIT_STACK stops it sooner)
PROGRAM_PARAMS = {"loop": ("pages",), "random_access": ("pages", "accesses"),
                  "file_scan": ("file",), "compute": ("seconds",)}


def _check_work(ctx: _Ctx, op: str, args: dict[str, Any], alive: dict, dead: dict) -> None:
    """The checks that need more than one key: a program's own parameters, the
    child a wait names, and bounds on the work a step asks for."""
    if op == "program":
        for k in PROGRAM_PARAMS[args["program"]]:
            if k not in args:
                raise ctx.fail(k, f"missing (the {args['program']} program needs it)",
                               OPS["program"][k])
    if op == "wait" and "child" in args and args["child"] not in alive \
            and args["child"] not in dead:
        raise ctx.fail("child", f"no task {args['child']!r}",
                       ", ".join([*alive, *dead]) or "(no tasks)")
    if op == "replay":
        n = len(args["refs"]) if "refs" in args else args.get("loop", 1)
        if n * args.get("repeat", 1) > MAX_REPLAY_REFS:
            raise ctx.fail("repeat", f"{n * args.get('repeat', 1)} references is too many "
                           "for a scenario step", f"at most {MAX_REPLAY_REFS} (refs x repeat)")
        if args["frames"] > 1 << 30:
            raise ctx.fail("frames", f"{args['frames']} frames is too many", "at most 2**30")
    if op in ("touch", "read", "write") and args.get("length", 0) > MAX_TOUCH:
        raise ctx.fail("length", f"{args['length']} bytes is too long for one step",
                       "at most 4GiB")
    if op == "stack" and args["depth"] > MAX_DEPTH:
        raise ctx.fail("depth", f"{args['depth']} bytes is too deep", "at most 1GiB")


def parse(data: dict[str, Any], path: str) -> Scenario:
    """Check a decoded TOML document and build the ``Scenario``."""
    ctx = _Ctx(path)
    for k in data:
        if k not in TOP_KEYS:
            raise ctx.fail(k, "unknown top-level key", ", ".join(TOP_KEYS))
    machine = _machine(ctx, data.get("machine", {}))
    files = _files(ctx, data.get("files", []))
    tasks = data.get("tasks", ["init"])
    if not isinstance(tasks, list) or not tasks or not all(
            isinstance(t, str) and t for t in tasks):
        raise ctx.fail("tasks", f"{tasks!r} is not a list of task names", '["init"]')
    if len(set(tasks)) != len(tasks):
        twice = sorted({t for t in tasks if tasks.count(t) > 1})
        raise ctx.fail("tasks", f"task name {twice[0]!r} is given twice", "distinct names")
    order = data.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ctx.fail("order", f"{order!r} is not an integer", "an integer (sort key)")
    host = data.get("host", True)
    if not isinstance(host, bool):
        raise ctx.fail("host", f"{host!r} is not a boolean", "true or false (with host_reason)")
    host_reason = data.get("host_reason", "")
    if not host and not host_reason:
        raise ctx.fail("host_reason", "host = false needs a reason",
                       'host_reason = "why the host cannot run it"')
    requires = data.get("requires", [])
    if not isinstance(requires, list) or any(r not in REQUIRES for r in requires):
        raise ctx.fail("requires", f"{requires!r} is not a list of host needs", ", ".join(REQUIRES))
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ctx.fail("steps", "missing or empty", "one or more [[steps]] tables with op = ...")
    file_names = {f.name for f in files}
    # static life of tasks and their mappings
    alive: dict[str, dict[str, bool]] = {t: {} for t in tasks}   # task -> mapping names
    dead: dict[str, str] = {}
    steps: list[Step] = []
    for i, raw in enumerate(raw_steps, 1):
        ctx.where = f"step {i}"
        if not isinstance(raw, dict):
            raise ctx.fail(None, "must be a table", "[[steps]] op = ...")
        if "op" not in raw:
            raise ctx.fail("op", "missing", ", ".join(OPS))
        op = raw["op"]
        if not isinstance(op, str) or op not in OPS:
            raise ctx.fail("op", f"unknown op {op!r}", ", ".join(OPS))
        ctx.where = f"step {i} ({op})"
        keys = OPS[op]
        for k in raw:
            if k not in COMMON_KEYS and k not in keys:
                raise ctx.fail(k, "unknown key for this op",
                               ", ".join([*keys, *(c for c in COMMON_KEYS if c != "op")]))
        for k in REQUIRED.get(op, ()):
            if k not in raw:
                raise ctx.fail(k, "missing", keys[k])
        task = raw.get("task", tasks[0])
        if not isinstance(task, str):
            raise ctx.fail("task", f"{task!r} is not a task name", ", ".join(alive))
        if op != "replay":
            if task in dead:
                raise ctx.fail("task", f"task {task!r} is dead ({dead[task]})",
                               ", ".join(alive) or "(no live task)")
            if task not in alive:
                raise ctx.fail("task", f"no task {task!r}", ", ".join(alive))
        body = {k: v for k, v in raw.items() if k not in COMMON_KEYS}
        args = _args(ctx, op, body, file_names)
        if op in RANGE_OPS:
            if ("map" in args) == ("addr" in args):
                raise ctx.fail("map", "give exactly one of map and addr",
                               ", ".join(alive[task]) or "(no mappings: mmap with as = ...)")
            if "map" in args and args["map"] not in alive[task]:
                raise ctx.fail("map", f"task {task!r} has no mapping {args['map']!r}",
                               ", ".join(alive[task]) or "(none yet: mmap with as = \"name\")")
            if "addr" in args and "length" not in args and op != "read":
                raise ctx.fail("length", "missing (needed with addr)", "bytes or pages")
        if op == "mremap" and "to" in args and args["to"] not in alive[task]:
            raise ctx.fail("to", f"task {task!r} has no mapping {args['to']!r}",
                           ", ".join(alive[task]) or "(none yet)")
        if op == "replay" and ("refs" in args) == ("loop" in args):
            raise ctx.fail("refs", "give exactly one of refs and loop",
                           "refs = [1, 2, 3, 1] or loop = 64")
        _check_work(ctx, op, args, alive, dead)
        if op == "mmap" and "file" in args and "anonymous" in args.get("flags", ""):
            raise ctx.fail("flags", "'anonymous' together with file", "drop one of them")
        expect = _expect(ctx, raw.get("expect", {}))
        tol = _tolerance(ctx, raw.get("tolerance", 0))
        show = raw.get("show", [])
        if isinstance(show, str):
            show = [s.strip() for s in show.split(",") if s.strip()]
        if not isinstance(show, list) or any(s not in VIEWS for s in show):
            raise ctx.fail("show", f"{show!r} is not a list of views", ", ".join(VIEWS))
        for k in ("title", "note"):
            if k in raw and not isinstance(raw[k], str):
                raise ctx.fail(k, f"{raw[k]!r} is not a string", "a sentence in quotes")
        host_ok = _bool(ctx, "host", raw.get("host", True))
        # fork and exec on the host include the probe's own faults: shown, not compared
        compare = _bool(ctx, "compare", raw.get("compare", op not in ("fork", "exec")))
        # update the static state
        if "as" in args:
            alive[task][args["as"]] = True
        if op == "fork":
            child = args["child"]
            if child in alive or child in dead:
                raise ctx.fail("child", f"task name {child!r} is taken", "a new name")
            alive[child] = dict(alive[task])
        elif op == "exec":
            alive[task] = {}
        elif op == "munmap" and "map" in args and "offset" not in args and "length" not in args:
            alive[task].pop(args["map"], None)
        elif op == "exit":
            dead[task] = f"it exited at step {i}"
            del alive[task]
        if "signal" in expect and task in alive:
            dead[task] = f"it was killed by {expect['signal']} at step {i}"
            del alive[task]
        steps.append(Step(i, op, task, args, expect, tol, tuple(show), host_ok, compare,
                          str(raw.get("title", "")), str(raw.get("note", ""))))
    ctx.where = ""
    for k in ("title", "chapter", "description"):
        if k in data and not isinstance(data[k], str):
            raise ctx.fail(k, "must be a string", "a string in quotes")
    name = Path(path).stem
    return Scenario(path=path, name=name, title=data.get("title", name),
                    chapter=data.get("chapter", ""), description=data.get("description", ""),
                    host=host, host_reason=host_reason, tasks=list(tasks), machine=machine,
                    files=files, steps=steps, order=int(data.get("order", 0)),
                    requires=tuple(requires))


def loads(text: str, path: str = "<string>") -> Scenario:
    """Parse scenario text; ``path`` is used in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None
    return parse(data, path)


MAX_SCENARIO_BYTES = 4 << 20  # the built-in scenarios are a few KiB


def load(path: str | Path) -> Scenario:
    """Read and check a scenario file: a regular file of at most
    :data:`MAX_SCENARIO_BYTES` (a device, FIFO or directory is refused before it
    is opened, so ``/dev/zero`` cannot fill memory and a FIFO cannot block)."""
    p = Path(path)
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError(f"{path}: not a regular file; give a scenario file (.toml) "
                                "or a built-in name (pagewalk scenarios)")
        with p.open("rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
        if len(raw) > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{path}: more than {MAX_SCENARIO_BYTES >> 20} MiB; a "
                                "scenario is a small TOML file")
        text = raw.decode("utf-8")
    except OSError as e:
        raise ScenarioError(f"{path}: cannot read the scenario: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {e.start}); save the scenario "
                            "as UTF-8") from None
    return loads(text, str(path))
