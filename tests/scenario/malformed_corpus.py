"""Malformed scenarios (issue 10's review used 92): every op, every key, wrong types,
missing parameters, out-of-range sizes, unbounded work, broken TOML. Each must be
refused by ``pagewalk run`` before anything runs: one line naming the file, exit 2.

``CASES`` maps a case name to the scenario text (a ``str``; ``"\\udcff"`` stands for
a byte that is not UTF-8, written with ``surrogateescape``).
"""

from __future__ import annotations

HEAD = '[machine]\nmemory = "16MiB"\n\n'
MMAP = '[[steps]]\nop = "mmap"\nlength = "4p"\nas = "a"\n\n'
FILE = '[[files]]\nname = "f.bin"\nsize = "8p"\n\n'


def step(body: str, *, before: str = "") -> str:
    """A scenario with a 16 MiB machine, one 4-page mapping "a", then ``body``."""
    return HEAD + before + MMAP + "[[steps]]\n" + body + "\n"


def machine(body: str) -> str:
    return "[machine]\n" + body + "\n\n" + MMAP


CASES: dict[str, str] = {
    # -- the document --------------------------------------------------------------
    "bad-toml": "[[steps\n",
    "not-utf8": "\udcff",
    "nested": "a = " + "[" * 5000 + "]" * 5000 + "\n",
    "int-beyond-toml": "[machine]\nmemory = 99999999999999999999\n\n" + MMAP,
    "unknown-top-key": "colour = 1\n" + HEAD + MMAP,
    "title-int": "title = 5\n" + HEAD + MMAP,
    "order-nan": "order = nan\n" + HEAD + MMAP,
    "order-string": 'order = "first"\n' + HEAD + MMAP,
    "host-string": 'host = "yes"\n' + HEAD + MMAP,
    "host-false-no-reason": "host = false\n" + HEAD + MMAP,
    "requires-gpu": 'requires = ["gpu"]\n' + HEAD + MMAP,
    "tasks-string": 'tasks = "init"\n' + HEAD + MMAP,
    "tasks-empty": "tasks = []\n" + HEAD + MMAP,
    "tasks-int": "tasks = [1]\n" + HEAD + MMAP,
    "same-task-twice": 'tasks = ["a", "a"]\n' + HEAD + MMAP,
    "no-steps": HEAD,
    "steps-empty": "steps = []\n" + HEAD,
    "steps-string": 'steps = "mmap"\n' + HEAD,
    "step-not-table": "steps = [1]\n" + HEAD,
    # -- [machine] -------------------------------------------------------------------
    "machine-int": "machine = 5\n" + MMAP,
    "machine-unknown-knob": machine("colour = 1"),
    "memory-words": machine('memory = "lots"'),
    "memory-negative": machine("memory = -1"),
    "memory-2-50": machine("memory = 1125899906842624"),
    "memory-float": machine("memory = 1.5"),
    "memory-too-small": machine('memory = "64KiB"'),
    "memory-i386-8gib": machine('memory = "8GiB"\npaging = "i386"'),
    "swap-2tib": machine('swap = "2TiB"'),
    "profile-unknown": machine('profile = "bsd"'),
    "paging-unknown": machine('paging = "arm"'),
    "swappiness-string": machine('swappiness = "high"'),
    "swappiness-500": machine("swappiness = 500"),
    "max-fault-retries-0": machine("max_fault_retries = 0"),
    "fault-around-odd": machine("fault_around_bytes = 5000"),
    "page-cluster-99": machine("page_cluster = 99"),
    "initial-stack-1": machine("initial_stack = 1"),
    "overcommit-7": machine("overcommit_memory = 7"),
    "thp-sometimes": machine('thp = "sometimes"'),
    "swap-device-tape": machine('swap_device = "tape"'),
    "cost-inf": machine("cost_syscall = inf"),
    # -- [[files]] -------------------------------------------------------------------
    "files-int": "files = 5\n" + HEAD + MMAP,
    "file-not-table": "files = [1]\n" + HEAD + MMAP,
    "file-unknown-key": HEAD + '[[files]]\nname = "f"\nsize = "4p"\nmode = 1\n\n' + MMAP,
    "file-no-name": HEAD + '[[files]]\nsize = "4p"\n\n' + MMAP,
    "file-name-slash": HEAD + '[[files]]\nname = "a/b"\nsize = "4p"\n\n' + MMAP,
    "file-size-and-data": HEAD + '[[files]]\nname = "f"\nsize = "4p"\ndata = "x"\n\n' + MMAP,
    "file-neither": HEAD + '[[files]]\nname = "f"\n\n' + MMAP,
    "file-size-words": HEAD + '[[files]]\nname = "f"\nsize = "big"\n\n' + MMAP,
    "file-chunk-0": HEAD + '[[files]]\nname = "f"\nsize = "4p"\nchunk = 0\n\n' + MMAP,
    "file-data-int": HEAD + '[[files]]\nname = "f"\ndata = 5\n\n' + MMAP,
    # -- every step: op, task, common keys ----------------------------------------
    "op-missing": HEAD + "[[steps]]\nlength = 4096\n",
    "op-unknown": HEAD + '[[steps]]\nop = "mmapp"\n',
    "op-list": HEAD + '[[steps]]\nop = ["mmap"]\n',
    "op-int": HEAD + "[[steps]]\nop = 5\n",
    "key-for-other-op": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\ndepth = 5\n',
    "task-int": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\ntask = 5\n',
    "task-unknown": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\ntask = "ghost"\n',
    "task-dead": step('op = "exit"') + '[[steps]]\nop = "mmap"\nlength = 4096\n',
    "task-killed": step('op = "touch"\naddr = 4096\nlength = 4096\n'
                        'expect = { signal = "SIGSEGV" }') + '[[steps]]\nop = "exec"\n',
    "expect-not-table": step('op = "touch"\nmap = "a"\nexpect = 5'),
    "expect-unknown": step('op = "touch"\nmap = "a"\nexpect = { minflt = 1 }'),
    "expect-min-flt-string": step('op = "touch"\nmap = "a"\nexpect = { min_flt = "x" }'),
    "expect-handler-int": step('op = "touch"\nmap = "a"\nexpect = { handler = 5 }'),
    "expect-cpu-bound": step('op = "run"\nexpect = { cpu_utilization = "0.8" }'),
    "tolerance-string": step('op = "touch"\nmap = "a"\ntolerance = "x"'),
    "tolerance-unknown": step('op = "touch"\nmap = "a"\ntolerance = { faults = 1 }'),
    "show-pictures": step('op = "touch"\nmap = "a"\nshow = ["pictures"]'),
    "step-host-string": step('op = "touch"\nmap = "a"\nhost = "no"'),
    "compare-int": step('op = "touch"\nmap = "a"\ncompare = 1'),
    # -- mmap ---------------------------------------------------------------------
    "mmap-no-length": HEAD + '[[steps]]\nop = "mmap"\n',
    "mmap-length-0": HEAD + '[[steps]]\nop = "mmap"\nlength = 0\n',
    "mmap-length-negative": HEAD + '[[steps]]\nop = "mmap"\nlength = "-4k"\n',
    "mmap-length-float": HEAD + '[[steps]]\nop = "mmap"\nlength = 1.5\n',
    "mmap-prot-bad": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\nprot = "rwz"\n',
    "mmap-flags-bad": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\nflags = "private|bogus"\n',
    "mmap-file-undeclared": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\nfile = "nope"\n',
    "mmap-file-anonymous": HEAD + FILE + '[[steps]]\nop = "mmap"\nlength = 4096\n'
                                         'file = "f.bin"\nflags = "shared|anonymous"\n',
    "mmap-offset-words": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\noffset = "x"\n',
    "mmap-as-int": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\nas = 5\n',
    "mmap-isolated-string": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\nisolated = "y"\n',
    # -- range ops ----------------------------------------------------------------
    "munmap-no-range": step('op = "munmap"'),
    "munmap-map-and-addr": step('op = "munmap"\nmap = "a"\naddr = 4096'),
    "munmap-unknown-map": step('op = "munmap"\nmap = "b"'),
    "munmap-addr-no-length": step('op = "munmap"\naddr = 65536'),
    "mprotect-no-prot": step('op = "mprotect"\nmap = "a"'),
    "madvise-bad-advice": step('op = "madvise"\nmap = "a"\nadvice = "forget"'),
    "madvise-no-advice": step('op = "madvise"\nmap = "a"'),
    "msync-bad-mode": step('op = "msync"\nmap = "a"\nmode = "later"'),
    "touch-write-int": step('op = "touch"\nmap = "a"\nwrite = 1'),
    "touch-order-bad": step('op = "touch"\nmap = "a"\norder = "sideways"'),
    "touch-stride-0": step('op = "touch"\nmap = "a"\nstride = 0'),
    "touch-huge": step('op = "touch"\naddr = 4096\nlength = "1TiB"'),
    "touch-seed-negative": step('op = "touch"\nmap = "a"\norder = "random"\nseed = -1'),
    "read-addr-negative": step('op = "read"\naddr = -4096'),
    "write-no-data": step('op = "write"\nmap = "a"'),
    "write-data-int": step('op = "write"\nmap = "a"\ndata = 5'),
    "mremap-flags-bad": step('op = "mremap"\nmap = "a"\nflags = "teleport"'),
    "mremap-to-unknown": step('op = "mremap"\nmap = "a"\nflags = "maymove|fixed"\nto = "zz"'),
    "mremap-new-length-0": step('op = "mremap"\nmap = "a"\nnew_length = 0'),
    "mlock-onfault-string": step('op = "mlock"\nmap = "a"\nonfault = "yes"'),
    "mincore-unknown-map": step('op = "mincore"\nmap = "zz"'),
    # -- the other ops -------------------------------------------------------------
    "sbrk-words": step('op = "sbrk"\nincrement = "x"'),
    "brk-no-heap": step('op = "brk"'),
    "stack-1tib": step('op = "stack"\ndepth = "1TiB"'),
    "stack-no-depth": step('op = "stack"'),
    "fork-no-child": step('op = "fork"'),
    "fork-child-taken": step('op = "fork"\nchild = "init"'),
    "exit-code-string": step('op = "exit"\ncode = "zero"'),
    "wait-missing-child": step('op = "wait"\nchild = "ghost"'),
    "mlockall-flags-bad": step('op = "mlockall"\nflags = "everything"'),
    "mlockall-no-flags": step('op = "mlockall"'),
    "clear-refs-9": step('op = "clear_refs"\nvalue = 9'),
    "evict-no-file": step('op = "evict"'),
    "evict-unknown-file": step('op = "evict"\nfile = "ghost.bin"'),
    "drop-caches-extra-key": step('op = "drop_caches"\nlength = 5'),
    "program-unknown": step('op = "program"\nprogram = "bitcoin"'),
    "program-missing-pages": step('op = "program"\nprogram = "loop"'),
    "program-nice-string": step('op = "program"\nprogram = "loop"\npages = 4\nnice = "low"'),
    "program-work-negative": step('op = "program"\nprogram = "loop"\npages = 4\nwork = -1'),
    "program-file-scan-no-file": step('op = "program"\nprogram = "file_scan"'),
    "until-inf": step('op = "run"\nuntil = inf'),
    "until-nan": step('op = "run"\nuntil = nan'),
    "until-negative": step('op = "run"\nuntil = -5'),
    "replay-no-frames": step('op = "replay"\nrefs = [1, 2]'),
    "replay-frames-0": step('op = "replay"\nframes = 0\nrefs = [1, 2]'),
    "replay-frames-2-31": step('op = "replay"\nframes = 2147483648\nrefs = [1, 2]'),
    "replay-refs-and-loop": step('op = "replay"\nframes = 2\nrefs = [1]\nloop = 4'),
    "replay-refs-empty": step('op = "replay"\nframes = 2\nrefs = []'),
    "replay-refs-negative": step('op = "replay"\nframes = 2\nrefs = [1, -2]'),
    "replay-repeat": step('op = "replay"\nframes = 2\nrefs = [1, 2]\nrepeat = 1000000000000'),
    "replay-loop-huge": step('op = "replay"\nframes = 2\nloop = 1000000000000'),
    "replay-policy-unknown": step('op = "replay"\nframes = 2\nrefs = [1, 2]\npolicy = "psychic"'),
    "replay-loop-0": step('op = "replay"\nframes = 2\nloop = 0'),
    # -- keys not covered above -----------------------------------------------------
    "mmap-align-words": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\nalign = "wide"\n',
    "mmap-addr-string": HEAD + '[[steps]]\nop = "mmap"\nlength = 4096\naddr = "low"\n'
                                'flags = "private|anonymous|fixed"\n',
    "touch-offset-words": step('op = "touch"\nmap = "a"\noffset = "middle"'),
    "mremap-new-addr-string": step('op = "mremap"\nmap = "a"\nflags = "maymove|fixed"\n'
                                   'new_addr = "x"'),
    "program-locality-string": step('op = "program"\nprogram = "random_access"\npages = 4\n'
                                    'accesses = 8\nlocality = "high"'),
    "program-passes-negative": step('op = "program"\nprogram = "loop"\npages = 4\n'
                                    'passes = -1'),
    "program-seconds-inf": step('op = "program"\nprogram = "compute"\nseconds = inf'),
    "program-accesses-0": step('op = "program"\nprogram = "random_access"\npages = 4\n'
                               'accesses = 0'),
    "program-think-string": step('op = "program"\nprogram = "loop"\npages = 4\n'
                                 'think = "long"'),
    "program-seed-float": step('op = "program"\nprogram = "loop"\npages = 4\nseed = 1.5'),
    "exec-extra-key": step('op = "exec"\nchild = "x"'),
    "munlockall-extra-key": step('op = "munlockall"\nflags = "current"'),
    "brk-heap-words": step('op = "brk"\nheap = "tall"'),
    "sbrk-as-int": step('op = "sbrk"\nincrement = "4k"\nas = 7'),
    "exit-code-300": step('op = "exit"\ncode = 300'),
    "title-step-list": step('op = "touch"\nmap = "a"\ntitle = ["x"]'),
    "note-table": step('op = "touch"\nmap = "a"\nnote = { a = 1 }'),
    "replay-mode-unknown": step('op = "replay"\nframes = 2\nrefs = [1, 2]\nmode = "both"'),
}
