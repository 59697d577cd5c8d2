"""Bad arguments raise InvalidArgument (a ValueError, errno EINVAL) that says what is
accepted, and leave the machine exactly as it was."""

from __future__ import annotations

import errno

import pytest
from tests.conftest import PAGE

import pagewalk as pw


def snapshot(m: pw.Machine):
    return (m.phys.nr_free, dict(m.vmstat), m.nr_pagetable,
            {pid: (t.alive, t.maps() if t.alive else None, t.stats.min_flt)
             for pid, t in m.tasks.items()})


@pytest.mark.parametrize("call,match", [
    (lambda t: t.mmap(PAGE, prot="rwq"), "unknown letter 'q'"),
    (lambda t: t.mmap(PAGE, prot=9), "unknown bits"),
    (lambda t: t.mmap(PAGE, flags="private|shared|anonymous"), "private and shared"),
    (lambda t: t.mmap(PAGE, flags="anonymous"), "private or shared"),
    (lambda t: t.mmap(PAGE, flags="private|anonymous|huge"), "unknown flag 'huge'"),
    (lambda t: t.mmap(0), "length is 0"),
    (lambda t: t.mmap(-4096), "negative"),
    (lambda t: t.mmap("12 parsecs"), "does not parse"),
    (lambda t: t.mmap(PAGE, flags="private|anonymous|fixed", addr=0x10001), "page-aligned"),
    (lambda t: t.mmap(PAGE, flags="private"), "no file given"),
    (lambda t: t.munmap(0x10001, PAGE), "not page aligned"),
    (lambda t: t.munmap(0x10000, 0), "length is 0"),
    (lambda t: t.mprotect(0x10000, PAGE, "rz"), "unknown letter"),
    (lambda t: t.madvise(0x10000, PAGE, "forget"), "unknown advice"),
    (lambda t: t.read(-1, 4), "outside the CPU's address range"),
    (lambda t: t.read(1 << 64, 4), "outside"),
    (lambda t: t.touch(0x10000, "1 banana"), "does not parse"),
    (lambda t: t.write(0x10000, 42), "must be bytes"),
    (lambda t: t.exit(300), "0 to 255"),
])
def test_bad_arguments_are_value_errors_and_change_nothing(machine, task, call, match):
    a = task.mmap(4 * PAGE)
    task.write(a, b"keep")
    before = snapshot(machine)
    with pytest.raises(ValueError, match=match) as info:
        call(task)
    assert isinstance(info.value, pw.InvalidArgument)
    assert isinstance(info.value, pw.SyscallError) and info.value.errno == errno.EINVAL
    assert snapshot(machine) == before
    assert task.alive and task.read(a, 4) == b"keep"
    machine.check()


@pytest.mark.parametrize("kwargs,match", [
    ({"memory": "lots"}, "does not parse"),
    ({"paging": "sparc"}, "unknown paging mode 'sparc'"),
    ({"profile": "bsd"}, "unknown profile"),
    ({"thp": "sometimes"}, "thp="),
    ({"fault_around_bytes": 5000}, "power of two"),
    ({"no_such_knob": 1}, "unknown machine setting"),
    ({"memory": 4095 * 1024}, "whole pages"),
])
def test_bad_machine_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pw.Machine(**kwargs)


def test_mprotect_with_a_hole_fails_and_changes_nothing(machine, task):
    a = task.mmap(3 * PAGE)
    task.munmap(a + PAGE, PAGE)
    maps = task.maps()
    with pytest.raises(pw.SyscallError) as info:
        task.mprotect(a, 3 * PAGE, "r")
    assert info.value.errno == errno.ENOMEM
    assert task.maps() == maps


def test_dead_task_refuses_calls(machine, task):
    c = task.fork()
    c.exit(3)
    with pytest.raises(pw.SyscallError) as info:
        c.mmap(PAGE)
    assert info.value.errno == errno.ESRCH and "exited" in str(info.value)
    assert task.wait(c) == 3


def test_wait_for_a_running_child_is_refused(task):
    c = task.fork()
    with pytest.raises(pw.SyscallError, match="still running"):
        task.wait(c)


def test_fixed_noreplace_on_a_mapping_is_eexist(task):
    a = task.mmap(PAGE)
    with pytest.raises(pw.SyscallError) as info:
        task.mmap(PAGE, flags="private|anonymous|fixed_noreplace", addr=a)
    assert info.value.errno == errno.EEXIST


def test_brk_below_heap_start_is_enomem(task):
    start = task.brk()
    with pytest.raises(pw.SyscallError) as info:
        task.brk(start - PAGE)
    assert info.value.errno == errno.ENOMEM
    assert task.brk() == start
