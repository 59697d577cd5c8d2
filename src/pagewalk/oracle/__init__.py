"""pagewalk's host oracle: the same scenarios, run in real processes on Linux.

See ``host.py`` for the API (``HostMachine``, ``HostTask``, ``host_settings``)
and ``probe.c`` for the native probe that measures each step's page faults.
"""

from pagewalk.oracle.host import (
    Delta,
    HostError,
    HostFile,
    HostMachine,
    HostTask,
    HostUnavailable,
    Stats,
    build_probe,
    host_settings,
    vmstat,
)

__all__ = [
    "Delta",
    "HostError",
    "HostFile",
    "HostMachine",
    "HostTask",
    "HostUnavailable",
    "Stats",
    "build_probe",
    "host_settings",
    "vmstat",
]
