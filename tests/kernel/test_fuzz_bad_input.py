"""Bad input over the public API (issue 10): hypothesis throws values of every
type and size (None, bools, huge and negative ints, nan and inf, strings, bytes,
lists, dead tasks, other machines' objects) at every public entry point. Each
call either succeeds or raises a documented ``pw`` exception (never a bare
TypeError, OverflowError, MemoryError, IndexError or a KernelBug); when it is
refused the machine is exactly as before. Signals are allowed for memory
accesses (the task dies, as a process would)."""

from __future__ import annotations

import errno
import math

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

import pagewalk as pw

PAGE = 4096

BAD = st.one_of(
    st.none(), st.booleans(),
    st.integers(-(2 ** 70), 2 ** 70),
    st.sampled_from([0, 1, 4095, 4096, 4097, 2 ** 31, 2 ** 32, 2 ** 47, 2 ** 47 - PAGE,
                     2 ** 48, 2 ** 56, 2 ** 57, 2 ** 63, 2 ** 64, -1, -PAGE]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.5, 1e300]),
    st.text(max_size=12),
    st.sampled_from(["4k", "1TiB", "16TiB", "1" * 400 + ".5", "1e15", "-1", "0x1000",
                     "rw", "rwx", "shared", "private|anonymous", "dontneed", ""]),
    st.binary(max_size=16),
    st.lists(st.integers(0, 10), max_size=3),
    st.just(object()),
)


def build():
    m = pw.Machine(memory="4MiB", swap="4MiB")
    t = m.spawn("init")
    a = t.mmap(4 * PAGE)
    t.write(a, b"keep")
    f = m.create_file("f", data=b"file")
    z = t.fork("zombie")
    z.exit(3)
    return m, t, a, f, z


def snapshot(m: pw.Machine):
    return (m.phys.nr_free, dict(m.vmstat), m.nr_pagetable, m.next_pid,
            m.swap.si.inuse_pages if m.swap.si else 0,
            {name: (f.size, f.cached()) for name, f in m.filemap.files.items()},
            {pid: (t.state, t.maps() if t.mm is not None else None, t.sp,
                   len(t.children), t.mm.brk if t.mm is not None else None)
             for pid, t in m.tasks.items()})


def calls(m, t, a, f, z):
    """name -> function of one drawn argument list."""
    other = pw.Machine(memory="2MiB", swap=0)
    of = other.create_file("o", size=PAGE)
    return {
        "mmap": lambda x, y, w: t.mmap(x, prot=y if isinstance(y, str | int) else "rw",
                                       flags=w) if w is not None else t.mmap(x, y),
        "mmap_file": lambda x, y, w: t.mmap(PAGE, flags="shared", file=x, offset=y),
        "mmap_other_file": lambda x, y, w: t.mmap(PAGE, flags="shared", file=of),
        "mmap_addr": lambda x, y, w: t.mmap(PAGE, addr=x, flags=y),
        "munmap": lambda x, y, w: t.munmap(x, y),
        "munmap_a": lambda x, y, w: t.munmap(a, x),
        "mprotect": lambda x, y, w: t.mprotect(a, x, y),
        "mprotect_any": lambda x, y, w: t.mprotect(x, y, w),
        "madvise": lambda x, y, w: t.madvise(a, x, y),
        "madvise_any": lambda x, y, w: t.madvise(x, y, w),
        "msync": lambda x, y, w: t.msync(a, x, y),
        "msync_any": lambda x, y, w: t.msync(x, y),
        "read_n": lambda x, y, w: t.read(a, x),
        "write_data": lambda x, y, w: t.write(a, x),
        "touch_len": lambda x, y, w: t.touch(a, x, write=False),
        "touch_pages": lambda x, y, w: t.touch_pages(x if isinstance(x, list) else [x]),
        "push": lambda x, y, w: t.push(x),
        "brk": lambda x, y, w: t.brk(x),
        "sbrk": lambda x, y, w: t.sbrk(x),
        "fork": lambda x, y, w: t.fork(x),
        "exec": lambda x, y, w: z.exec(x),
        "exit": lambda x, y, w: t.exit(x),
        "wait": lambda x, y, w: t.wait(x),
        "pagemap": lambda x, y, w: t.pagemap(x),
        "task": lambda x, y, w: m.task(x),
        "spawn": lambda x, y, w: m.spawn(x if isinstance(x, str) and x else "s",
                                         program=y, nice=w),
        "spawn_nice": lambda x, y, w: m.spawn("s", program=pw.programs.loop(1), nice=x),
        "spawn_program": lambda x, y, w: m.spawn("s", program=pw.programs.loop(x, y)),
        "create_file": lambda x, y, w: m.create_file(x, size=y, data=w),
        "file_read": lambda x, y, w: f.read(x, y),
        "file_write": lambda x, y, w: f.write(x, y),
        "dead_task": lambda x, y, w: z.mmap(PAGE),
        "dead_read": lambda x, y, w: z.read(a, 1),
        "run_until": lambda x, y, w: m.run(until=x),
        "parse_size": lambda x, y, w: pw.parse_size(x),
    }


NAMES = sorted(calls(*build()))


@settings(max_examples=600, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(NAMES), x=BAD, y=BAD, w=BAD)
def test_every_public_call_refuses_bad_input_with_a_pw_exception(name, x, y, w) -> None:
    m, t, a, f, z = build()
    fn = calls(m, t, a, f, z)[name]
    before = snapshot(m)
    try:
        fn(x, y, w)
    except pw.Signal:
        assert name in ("read_n", "write_data", "touch_len", "touch_pages", "push")
        m.check()
        return
    except pw.KernelBug:
        raise
    except pw.PagewalkError:
        assert snapshot(m) == before, f"{name}({x!r}, {y!r}, {w!r}) changed the machine"
        m.check()
        return
    m.check()


CONFIG_FIELDS = sorted(f for f in pw.Config.__dataclass_fields__ if f != "extra")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(CONFIG_FIELDS), value=BAD)
def test_machine_settings_are_checked_when_the_machine_is_made(field, value) -> None:
    """A bad setting is refused by Machine(...); a machine that was made works."""
    try:
        m = pw.Machine(**{"memory": "4MiB", "swap": "4MiB", field: value})
    except pw.InvalidArgument:
        return
    t = m.spawn("init")
    p = t.mmap(4 * PAGE)
    t.write(p, b"ok")
    assert t.read(p, 2) == b"ok"
    m.check()


@pytest.mark.parametrize("call,exc", [
    (lambda m, t: t.wait(5), pw.InvalidArgument),
    (lambda m, t: m.task([]), pw.InvalidArgument),
    (lambda m, t: t.push(None), pw.InvalidArgument),
    (lambda m, t: t.push(2 ** 40), pw.InvalidArgument),
    (lambda m, t: m.filemap.files["f"].write(-1, b"x"), pw.InvalidArgument),
    (lambda m, t: m.filemap.files["f"].write(math.inf, b"x"), pw.InvalidArgument),
    (lambda m, t: m.filemap.files["f"].write(0, 5), pw.InvalidArgument),
    (lambda m, t: pw.parse_size("1" * 400 + ".5"), pw.InvalidArgument),
    (lambda m, t: pw.Machine(max_fault_retries=0), pw.InvalidArgument),
    (lambda m, t: pw.Machine(max_fault_retries=1), pw.InvalidArgument),
    (lambda m, t: pw.Machine(cost_context_switch=1e299), pw.InvalidArgument),
    (lambda m, t: pw.Machine(initial_stack=1), pw.InvalidArgument),
    (lambda m, t: pw.Machine(swappiness="60"), pw.InvalidArgument),
    (lambda m, t: pw.Machine(cost_syscall=math.nan), pw.InvalidArgument),
    (lambda m, t: pw.Machine(memory="65TiB"), pw.InvalidArgument),
    (lambda m, t: pw.Machine(memory="8GiB", paging="i386"), pw.InvalidArgument),
    (lambda m, t: m.spawn("x", program=5), pw.InvalidArgument),
    (lambda m, t: m.spawn("x", nice="a"), pw.InvalidArgument),
    (lambda m, t: t.munmap(t.mm.task_size - PAGE, 2 ** 47), pw.InvalidArgument),
    (lambda m, t: t.mprotect(t.mm.task_size - PAGE, 2 * PAGE, "r"), pw.SyscallError),
    (lambda m, t: m.run(until=math.inf), pw.InvalidArgument),
    (lambda m, t: pw.replay([1, 2, 3], frames=2 ** 64), pw.InvalidArgument),
])
def test_issue10_bad_calls(call, exc) -> None:
    m, t, a, _, _ = build()
    before = snapshot(m)
    with pytest.raises(exc):
        call(m, t)
    assert snapshot(m) == before
    assert t.read(a, 4) == b"keep" and t.maps().count("[stack]") == 1
    m.check()


def test_zero_lengths_follow_the_kernel() -> None:
    """munmap(addr, 0) is EINVAL; mprotect, madvise and msync of 0 bytes succeed and
    change nothing (an unaligned address is still EINVAL)."""
    m, t, a, _, _ = build()
    before = snapshot(m)
    with pytest.raises(pw.InvalidArgument):
        t.munmap(a, 0)
    t.mprotect(a, 0, "r")
    t.madvise(a, 0, "dontneed")
    t.msync(a, 0)
    assert snapshot(m) == before
    for call in (lambda: t.mprotect(a + 1, 0, "r"), lambda: t.madvise(a + 1, 0, "dontneed")):
        with pytest.raises(pw.InvalidArgument) as info:
            call()
        assert info.value.errno == errno.EINVAL


def test_a_huge_swap_area_costs_nothing_until_used() -> None:
    m = pw.Machine(memory="4MiB", swap="1TiB")
    assert len(m.swap.si.swap_map) == 1            # the header slot only
    t = m.spawn("init")
    p = t.mmap(8 * PAGE)
    t.write(p, b"x")
    t.madvise(p, 8 * PAGE, "pageout")
    assert m.swap.si.inuse_pages == 1 and t.read(p, 1) == b"x"
    m.check()


def test_reaped_tasks_leave_the_task_list() -> None:
    m = pw.Machine(memory="4MiB", swap=0)
    init = m.spawn("init")
    for _ in range(50):
        c = init.fork()
        c.exit(0)
        assert init.wait(c) == 0
    assert list(m.tasks) == [1]
    assert c.state == "X"                           # the user's object still says so
    with pytest.raises(pw.SyscallError) as info:
        m.task(c.pid)
    assert info.value.errno == errno.ESRCH
