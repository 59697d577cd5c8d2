"""Random short programs, run on this host's kernel and in pagewalk: every step's
minor and major fault counts (and any signal or errno) must be equal.

Each program maps anonymous, shared anonymous, private-file, shared-file and
huge-page (4 MiB, madvise hugepage) regions, 1 GiB apart so that no two VMAs can
merge on either side, and touches them (all of a region, or a random part)
for reading or writing, mprotects them, madvises them (dontneed, cold,
willneed, free), unmaps them, and forks a child that touches a region while the
parent touches it too, and writes and reads a few bytes (the bytes read are
compared too, and after each access step how many pages of the region are
mapped: /proc/PID/pagemap on the host, ``pagemap`` in the model). Fork steps
themselves are not compared (on the host they include the probe's own faults).
Files are written 4 KiB at a time on the host so that the page cache holds
small folios, as the model does.

Every compared count is classified by the model (``pagewalk.oracle.classify``:
deterministic, host-setting, address, spurious-TLB, I/O-timing) and compared
with that class's tolerance; the regions sit at the same addresses on both
sides, the model is configured from the host, and the probe flushes the TLB
and fences its stores, so in practice every step here compares exactly.  A
mismatch re-runs the host program (up to 4 more times) before it fails, and
the failure names the class and the kernel's range.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import pagewalk as pw
from pagewalk.oracle import HostMachine
from pagewalk.oracle.classify import Classification, StepClass, agrees, classify

pytestmark = pytest.mark.host

PAGE = 4096
KINDS = ("anon", "anon", "file_private", "file_shared", "shared_anon", "huge")
OPS = ("mmap", "mmap", "touch", "touch", "touch_part", "touch_part", "mprotect", "madvise",
       "fork_touch", "munmap", "munmap_part", "mprotect_part", "msync", "evict", "fork2_touch",
       "write_bytes", "write_bytes", "read_bytes", "read_bytes")


def program(seed: int) -> list[tuple]:
    r = random.Random(seed)
    side = random.Random(seed + 1_000_003)
    steps: list[tuple] = []
    sizes: list[int] = []
    for _ in range(r.randint(3, 10)):
        op = r.choice(OPS)
        if op == "mmap" or not sizes:
            kind = r.choice(KINDS)
            n = 1024 if kind == "huge" else r.choice([1, 7, 16, 40, 100])
            steps.append(("mmap", len(sizes), kind, n, r.random() < 0.15))
            sizes.append(n)
            continue
        i = r.randrange(len(sizes))
        if op in ("touch_part", "munmap_part", "mprotect_part"):
            first = r.randrange(sizes[i])
            extra = r.random() < 0.5 if op == "touch_part" else r.choice(["r", "rw", ""])
            steps.append((op, i, first, r.randint(1, sizes[i] - first), extra))
        elif op == "fork_touch":
            # then the child writes its own bytes and the parent reads them back
            # (a second stream, so that the programs' other steps stay as they were)
            off = side.randrange(sizes[i] * PAGE - 64)
            steps.append((op, i, r.random() < 0.5, off, side.randint(1, 64),
                          side.choice([b for b in range(1, 256) if b != 0xA5])))
        elif op in ("touch", "fork2_touch"):
            steps.append((op, i, r.random() < 0.5))
        elif op == "mprotect":
            steps.append((op, i, r.choice(["r", "rw"])))
        elif op in ("msync", "evict"):
            steps.append((op, i))
        elif op in ("write_bytes", "read_bytes"):
            off = r.randrange(sizes[i] * PAGE - 64)
            steps.append((op, i, off, r.randint(1, 64), r.randrange(256)))
        elif op == "madvise":
            steps.append((op, i, r.choice(["dontneed", "cold", "willneed", "free"])))
        else:
            steps.append((op, i))
    return steps


def kernel_partial_effect(task, method: str, addr: int, length: int, *rest) -> None:
    """A range with a hole: pagewalk changed nothing (its contract), Linux did not
    stop there: mprotect changed the VMAs up to the hole, madvise and msync acted on
    every mapped part. Do the same here so the two machines stay comparable."""
    end = addr + length
    pos = addr
    for vma in task.mm.mmap.overlapping(addr, end):
        if vma.vm_start > pos and method == "mprotect":
            return
        lo, hi = max(addr, vma.vm_start), min(end, vma.vm_end)
        try:
            getattr(task, method)(lo, hi - lo, *rest)
        except pw.SyscallError:
            return                                  # Linux stops at the first error too
        pos = hi


def run(machine, steps: list[tuple], host: bool,
        classes: list[list[Classification]] | None = None) -> list[tuple]:
    """Run ``steps`` on a pw.Machine or a HostMachine; one result per step.

    On the model, ``classes`` (if given) receives per step the classification
    of each count result of that step, in the order they appear."""
    t = machine.spawn("init")
    regions: dict[int, tuple[int, int]] = {}
    files: dict[int, object] = {}
    out: list[tuple] = []
    step_classes: list[Classification] = []

    def faults(task, method: str, *args, **kwargs) -> tuple:
        if host:
            return measure(task, method, *args, **kwargs)
        with machine.trace() as tr:
            res = measure(task, method, *args, **kwargs)
        touched = (list(range(args[0] & ~(PAGE - 1), args[0] + args[1], PAGE))
                   if method == "touch" else None)
        step_classes.append(classify([f for f in tr.faults if f.pid == task.pid],
                                     op=method, touched=touched))
        return res

    def measure(task, method: str, *args, **kwargs) -> tuple:
        before = (task.stats.min_flt, task.stats.maj_flt)
        try:
            if method == "read_and_keep":                  # read; keep the bytes
                args[2].append(task.read(args[0], args[1]))
            else:
                getattr(task, method)(*args, **kwargs)
            err = None
        except pw.SyscallError as e:
            err = f"errno {e.errno}"
            if e.errno == 12 and not host and method in ("mprotect", "madvise", "msync"):
                kernel_partial_effect(task, method, *args)
        except pw.Signal as e:
            err = f"{e.signal}/{e.code}"
        except OSError as e:
            err = f"errno {e.errno}"
        return task.stats.min_flt - before[0], task.stats.maj_flt - before[1], err

    def present(a: int, n: int) -> tuple:
        """How many pages of the region are mapped now (pagemap), after a step."""
        if not t.alive:
            return ("present", None)
        if host:
            return ("present", t.present_pages(a, n * PAGE))
        return ("present", sum(t.pagemap(a + k * PAGE).present for k in range(n)))

    for step in steps:
        op, i = step[0], step[1]
        if classes is not None:
            step_classes = []
            classes.append(step_classes)
        if not t.alive:
            out.append(("dead",))
        elif op == "mmap":
            kind, n, populate = step[2], step[3], step[4]
            pop = "|populate" if populate else ""
            hint = 0x100000000 * (i + 1)
            if kind in ("anon", "shared_anon", "huge"):
                flags = "shared|anonymous" if kind == "shared_anon" else "private|anonymous"
                a = t.mmap(n * PAGE, prot="rw", flags=flags + pop, addr=hint)
                if kind == "huge":
                    t.madvise(a, n * PAGE, "hugepage")
            else:
                extra = {"chunk": PAGE} if host else {}
                data = b"".join(bytes([(k + 1) & 0xFF]) * PAGE for k in range(n))
                f = files[i] = machine.create_file(f"random-{i}.bin", data=data, **extra)
                flags = "private" if kind == "file_private" else "shared"
                a = t.mmap(n * PAGE, prot="rw", flags=flags + pop, file=f, addr=hint)
            regions[i] = (a, n)
            out.append(("mmap", a == hint))
        elif i not in regions:
            out.append(("unmapped",))
        else:
            a, n = regions[i]
            if op == "touch":
                out.append((*faults(t, "touch", a, n * PAGE, write=step[2]), present(a, n)))
            elif op == "write_bytes":
                out.append((*faults(t, "write", a + step[2], bytes([step[4]]) * step[3]),
                            present(a, n)))
            elif op == "read_bytes":
                got: list[bytes] = []
                res = faults(t, "read_and_keep", a + step[2], step[3], got)
                out.append((*res, got[0].hex() if got else None, present(a, n)))
            elif op == "touch_part":
                out.append((*faults(t, "touch", a + step[2] * PAGE, step[3] * PAGE,
                                    write=step[4]), present(a, n)))
            elif op in ("mprotect", "madvise"):
                out.append(faults(t, op, a, n * PAGE, step[2]))
            elif op == "munmap":
                out.append(faults(t, "munmap", a, n * PAGE))
                del regions[i]
            elif op == "munmap_part":
                out.append(faults(t, "munmap", a + step[2] * PAGE, step[3] * PAGE))
            elif op == "mprotect_part":
                out.append(faults(t, "mprotect", a + step[2] * PAGE, step[3] * PAGE, step[4]))
            elif op == "msync":
                out.append(faults(t, "msync", a, n * PAGE) if i in files else ("anon",))
            elif op == "evict":
                if i in files:
                    files[i].evict()
                out.append(("evict",))
            elif op == "fork2_touch":                          # a grandchild touches
                c = t.fork()
                g = c.fork()
                grandchild = faults(g, "touch", a, n * PAGE, write=step[2])
                child = faults(c, "touch", a, n * PAGE, write=step[2])
                for task, parent in ((g, c), (c, t)):
                    if task.alive:
                        task.exit(0)
                    if parent.alive:
                        parent.wait(task)
                out.append(("fork2", grandchild, child))
            else:                                              # fork_touch
                c = t.fork()
                child = faults(c, "touch", a, n * PAGE, write=step[2])
                parent = faults(t, "touch", a, n * PAGE, write=step[2])
                # the child's own bytes must not show through in the parent
                # (unless the mapping is shared): catches a wrong COW reuse
                if c.alive:
                    child_w = faults(c, "write", a + step[3], bytes([step[5]]) * step[4])
                else:
                    child_w = ("dead",)
                if t.alive:
                    seen: list[bytes] = []
                    parent_r = (*faults(t, "read_and_keep", a + step[3], step[4], seen),
                                seen[0].hex() if seen else None)
                else:
                    parent_r = ("dead",)
                if c.alive:
                    c.exit(0)
                if t.alive:
                    t.wait(c)
                out.append(("fork", child, parent, child_w, parent_r))
    return out


@pytest.fixture(scope="session")
def probe(probe: Path) -> Path:
    """conftest's probe, and the model configured from this host's settings."""
    cfg = pw.Config.from_host()
    if cfg.extra["unsupported"]:
        pytest.skip("host setting(s) the model does not support: "
                    + "; ".join(str(u) for u in cfg.extra["unsupported"]))
    HOST_KNOBS.update(cfg.extra["knobs"])
    return probe


def _is_count(x: object) -> bool:
    return isinstance(x, tuple) and bool(x) and isinstance(x[0], int)


def counts(result: tuple) -> list[tuple]:
    """The (min, maj, rest...) count results inside one step's result, in order."""
    if result and result[0] in ("fork", "fork2"):
        return [x for x in result[1:] if _is_count(x)]
    return [result] if _is_count(result) else []


def step_ok(cls: list[Classification], k: tuple, m: tuple) -> bool:
    """Whether one kernel step result agrees with the model's under its classes."""
    if k == m:
        return True
    kc, mc = counts(k), counts(m)
    if not mc or len(kc) != len(mc) or len(cls) != len(mc) or len(k) != len(m):
        return False
    if [x for x in k if not _is_count(x)] != [x for x in m if not _is_count(x)]:
        return False
    return all(kk == mm or (_rest(c, kk) == _rest(c, mm) and agrees(c, mm[:2], kk[:2]))
               for c, kk, mm in zip(cls, kc, mc, strict=True))


def _rest(c: Classification, result: tuple) -> tuple:
    """What must be equal besides the counts: the errno/signal, the bytes read and
    the pages mapped afterwards (not after I/O: a page still under I/O is not
    mapped by fault-around, so that number depends on the I/O's timing)."""
    return tuple(x for x in result[2:] if not (
        c.kind is StepClass.IO_TIMING and isinstance(x, tuple) and x[:1] == ("present",)))


def model_machine() -> pw.Machine:
    """The model configured from this host (pw.Config.from_host), no swap."""
    return pw.Machine(memory="256MiB", swap=0, **HOST_KNOBS)


HOST_KNOBS: dict = {}


@pytest.mark.parametrize("seed", range(1000))
def test_random_program_counts_equal_the_kernel(probe, seed):
    steps = program(seed)
    classes: list[list[Classification]] = []
    model = run(model_machine(), steps, host=False, classes=classes)

    def host_run() -> list[tuple]:
        with HostMachine() as h:
            return run(h, steps, host=True)

    runs = [host_run()]
    bad = [i for i, (k, m) in enumerate(zip(runs[0], model, strict=True))
           if not step_ok(classes[i], k, m)]
    for _ in range(4):                      # a mismatch re-runs the host program
        if not bad:
            return
        runs.append(host_run())
        bad = [i for i in bad if not step_ok(classes[i], runs[-1][i], model[i])]
    if bad:
        i = bad[0]
        seen = sorted({repr(r[i]) for r in runs})
        why = "; ".join(dict.fromkeys(c.describe() for c in classes[i])) or "not a count: exact"
        pytest.fail(f"seed {seed}: step {steps[i]} [{why}]: kernel gave {', '.join(seen)} "
                    f"over {len(runs)} runs, pagewalk {model[i]}")
