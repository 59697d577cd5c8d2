"""pagewalk: an executable model of Linux demand paging.

    import pagewalk as pw
    m = pw.Machine(memory="64MiB", swap="256MiB", paging="x86_64", profile="linux")
    p = m.spawn("init")
    a = p.mmap(1000 * 4096, prot="rw", flags="private|anonymous")
    p.touch(a, 1000 * 4096)            # 1000 minor faults: the zero page
    p.stats.min_flt, m.vmstat["pgfault"]

See DESIGN.md for the layers; ``pagewalk --help`` for the command line.
"""

from importlib import import_module
from typing import TYPE_CHECKING

# Every public name loads on first use (PEP 562), from the module that defines it:
# `import pagewalk` costs nothing, the kernel model does not pay for the trace
# engine (numba, compiled kernels), and the `pagewalk` command imports only the
# layer its sub-command drives.
_LAZY = {
    "programs": ".programs",  # pw.programs: built-in task programs (issue 6)
    "Config": ".config",
    **dict.fromkeys(("BusError", "InvalidArgument", "KernelBug", "KernelPanic", "Killed",
                     "MissingDependency", "PagewalkError", "PagewalkWarning",
                     "SegmentationFault", "Signal", "SyscallError"), ".errors"),
    "Task": ".kernel.task",
    "TaskStats": ".kernel.task",
    "Machine": ".machine",
    "PageInfo": ".observe.procfs",
    "FaultRecord": ".observe.tracepoints",
    "Tracer": ".observe.tracepoints",
    "parse_size": ".units",
    **dict.fromkeys(("MissRatioCurve", "ReplayResult", "Trace", "load_trace", "mrc",
                     "replay"), ".trace"),
}
if TYPE_CHECKING:
    from . import programs
    from .config import Config
    from .errors import (
        BusError,
        InvalidArgument,
        KernelBug,
        KernelPanic,
        Killed,
        MissingDependency,
        PagewalkError,
        PagewalkWarning,
        SegmentationFault,
        Signal,
        SyscallError,
    )
    from .kernel.task import Task, TaskStats
    from .machine import Machine
    from .observe.procfs import PageInfo
    from .observe.tracepoints import FaultRecord, Tracer
    from .trace import MissRatioCurve, ReplayResult, Trace, load_trace, mrc, replay
    from .units import parse_size


# pw.sweep is the function (issue 16; dask is imported on call).  Imported now, not
# lazily: importing the sub-package later would rebind pagewalk.sweep to the module.
from .sweep import sweep  # noqa: E402


def __getattr__(name: str) -> object:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'pagewalk' has no attribute {name!r}")
    module = import_module(where, __name__)
    value = module if name == "programs" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"

__all__ = [
    "BusError",
    "Config",
    "FaultRecord",
    "InvalidArgument",
    "KernelBug",
    "KernelPanic",
    "Killed",
    "Machine",
    "MissRatioCurve",
    "MissingDependency",
    "PageInfo",
    "PagewalkError",
    "PagewalkWarning",
    "ReplayResult",
    "SegmentationFault",
    "Signal",
    "SyscallError",
    "Task",
    "TaskStats",
    "Trace",
    "Tracer",
    "__version__",
    "load_trace",
    "mrc",
    "parse_size",
    "programs",
    "replay",
    "sweep",
]

