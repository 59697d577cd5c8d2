"""pagewalk: an executable model of Linux demand paging.

    import pagewalk as pw
    m = pw.Machine(memory="64MiB", swap="256MiB", paging="x86_64", profile="linux")
    p = m.spawn("init")
    a = p.mmap(1000 * 4096, prot="rw", flags="private|anonymous")
    p.touch(a, 1000 * 4096)            # 1000 minor faults: the zero page
    p.stats.min_flt, m.vmstat["pgfault"]

See DESIGN.md for the layers; ``pagewalk --help`` for the command line.
"""

from typing import TYPE_CHECKING

from . import programs  # pw.programs: built-in task programs (issue 6)
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
from .sweep import sweep  # pw.sweep: the function (issue 16); dask is imported on call
from .units import parse_size

# The trace engine (numba, compiled kernels) loads on first use of one of these
# names, so that `import pagewalk` and the kernel model do not pay for it.
_TRACE_NAMES = ("MissRatioCurve", "ReplayResult", "Trace", "load_trace", "mrc", "replay")
if TYPE_CHECKING:
    from .trace import MissRatioCurve, ReplayResult, Trace, load_trace, mrc, replay


def __getattr__(name: str) -> object:
    if name in _TRACE_NAMES:
        from . import trace
        value = getattr(trace, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pagewalk' has no attribute {name!r}")

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

