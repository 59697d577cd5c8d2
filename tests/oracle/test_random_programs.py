"""Random short programs, run on this host's kernel and in pagewalk: every step's
minor and major fault counts (and any signal or errno) must be equal.

Each program maps anonymous, shared anonymous, private-file and shared-file
regions (1 GiB apart, so no two VMAs can merge on either side), and touches
them for reading or writing, mprotects them, madvises them (dontneed, cold,
willneed, free), unmaps them, and forks a child that touches a region while the
parent touches it too. Fork steps themselves are not compared (on the host
they include the probe's own faults). Files are written 4 KiB at a time on the
host so that the page cache holds small folios, as the model does.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import pagewalk as pw
from pagewalk.oracle import HostMachine, HostUnavailable, build_probe

pytestmark = pytest.mark.host

PAGE = 4096
KINDS = ("anon", "anon", "file_private", "file_shared", "shared_anon")
OPS = ("mmap", "mmap", "touch", "touch", "touch", "mprotect", "madvise", "fork_touch", "munmap")


def program(seed: int) -> list[tuple]:
    r = random.Random(seed)
    steps: list[tuple] = []
    regions = 0
    for _ in range(r.randint(3, 10)):
        op = r.choice(OPS)
        if op == "mmap" or not regions:
            steps.append(("mmap", regions, r.choice(KINDS), r.choice([1, 7, 16, 40, 100])))
            regions += 1
            continue
        i = r.randrange(regions)
        if op in ("touch", "fork_touch"):
            steps.append((op, i, r.random() < 0.5))
        elif op == "mprotect":
            steps.append((op, i, r.choice(["r", "rw"])))
        elif op == "madvise":
            steps.append((op, i, r.choice(["dontneed", "cold", "willneed", "free"])))
        else:
            steps.append((op, i))
    return steps


def run(machine, steps: list[tuple], host: bool) -> list[tuple]:
    """Run ``steps`` on a pw.Machine or a HostMachine; one result per step."""
    t = machine.spawn("init")
    regions: dict[int, tuple[int, int]] = {}
    out: list[tuple] = []

    def faults(task, method: str, *args, **kwargs) -> tuple:
        before = (task.stats.min_flt, task.stats.maj_flt)
        try:
            getattr(task, method)(*args, **kwargs)
            err = None
        except pw.Signal as e:
            err = f"{e.signal}/{e.code}"
        except OSError as e:
            err = f"errno {e.errno}"
        return task.stats.min_flt - before[0], task.stats.maj_flt - before[1], err

    for step in steps:
        op, i = step[0], step[1]
        if not t.alive:
            out.append(("dead",))
        elif op == "mmap":
            kind, n = step[2], step[3]
            hint = 0x100000000 * (i + 1)
            if kind in ("anon", "shared_anon"):
                flags = "private|anonymous" if kind == "anon" else "shared|anonymous"
                a = t.mmap(n * PAGE, prot="rw", flags=flags, addr=hint)
            else:
                extra = {"chunk": PAGE} if host else {}
                f = machine.create_file(f"random-{i}.bin", size=n * PAGE, **extra)
                flags = "private" if kind == "file_private" else "shared"
                a = t.mmap(n * PAGE, prot="rw", flags=flags, file=f, addr=hint)
            regions[i] = (a, n)
            out.append(("mmap", a == hint))
        elif i not in regions:
            out.append(("unmapped",))
        else:
            a, n = regions[i]
            if op == "touch":
                out.append(faults(t, "touch", a, n * PAGE, write=step[2]))
            elif op in ("mprotect", "madvise"):
                out.append(faults(t, op, a, n * PAGE, step[2]))
            elif op == "munmap":
                out.append(faults(t, "munmap", a, n * PAGE))
                del regions[i]
            else:                                              # fork_touch
                c = t.fork()
                child = faults(c, "touch", a, n * PAGE, write=step[2])
                parent = faults(t, "touch", a, n * PAGE, write=step[2])
                if c.alive:
                    c.exit(0)
                if t.alive:
                    t.wait(c)
                out.append(("fork", child, parent))
    return out


@pytest.fixture(scope="session")
def probe() -> Path:
    try:
        return build_probe()
    except HostUnavailable as e:
        pytest.skip(f"host oracle unavailable: {e}")


@pytest.mark.parametrize("seed", [*range(100), 184])
def test_random_program_counts_equal_the_kernel(probe, seed):
    steps = program(seed)
    with HostMachine() as h:
        kernel = run(h, steps, host=True)
    model = run(pw.Machine(memory="256MiB", swap=0), steps, host=False)
    for step, k, m in zip(steps, kernel, model, strict=True):
        assert k == m, f"seed {seed}: step {step}: kernel {k}, pagewalk {m}"
