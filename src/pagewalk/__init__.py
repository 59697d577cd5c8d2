"""pagewalk: an executable model of Linux demand paging.

    import pagewalk as pw
    m = pw.Machine(memory="64MiB", swap="256MiB", paging="x86_64", profile="linux")
    p = m.spawn("init")
    a = p.mmap(1000 * 4096, prot="rw", flags="private|anonymous")
    p.touch(a, 1000 * 4096)            # 1000 minor faults: the zero page
    p.stats.min_flt, m.vmstat["pgfault"]

See DESIGN.md for the layers; ``pagewalk --help`` for the command line.
"""

from . import programs  # pw.programs: built-in task programs (issue 6)
from .config import Config
from .errors import (
    BusError,
    InvalidArgument,
    KernelBug,
    KernelPanic,
    Killed,
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
]

