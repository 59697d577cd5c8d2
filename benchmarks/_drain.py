"""The floor of any recorder that reads lackey's log through a pipe: valgrind
lackey with ``--log-fd`` on a pipe that is drained by :class:`BatchedPipe`
(record's own reader) and thrown away: no parser, no page table, no file.

    python benchmarks/_drain.py PROG [ARGS...]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from pagewalk.trace.pipebatch import BatchedPipe


def main() -> None:
    rfd, wfd = os.pipe()
    argv = [shutil.which("valgrind") or "valgrind", "--tool=lackey", "--trace-mem=yes",
            "--trace-children=yes", f"--log-fd={wfd}", *sys.argv[1:]]
    proc = subprocess.Popen(argv, pass_fds=(wfd,))
    os.close(wfd)
    buf = memoryview(bytearray(1 << 20))
    with BatchedPipe(rfd) as pipe:
        while pipe.readinto(buf):
            pass
    sys.exit(proc.wait())


if __name__ == "__main__":
    main()
