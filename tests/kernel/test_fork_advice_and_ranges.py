"""MADV_WIPEONFORK / KEEPONFORK / DONTFORK / DOFORK and the address-range errnos of
munmap, mprotect, madvise, msync and mmap, as measured on the 6.18 host."""

from __future__ import annotations

import errno

import pytest

import pagewalk as pw

P = 4096
TS = (1 << 47) - P           # TASK_SIZE on x86_64
KERNEL = 0xFFFF800000000000


def test_wipeonfork_child_reads_zeros(machine, task):
    a = task.mmap(4 * P)
    task.write(a, b"parent")
    task.madvise(a, 4 * P, "wipeonfork")
    assert " wf " in task.smaps()
    child = task.fork()
    assert child.read(a, 6) == b"\0" * 6 and task.read(a, 6) == b"parent"
    grandchild = task.fork()
    task.madvise(a, 4 * P, "keeponfork")
    keeper = task.fork()
    assert keeper.read(a, 6) == b"parent" and grandchild.read(a, 6) == b"\0" * 6
    machine.check()


def test_dontfork_child_has_no_mapping(machine, task):
    a = task.mmap(4 * P)
    task.write(a, b"x")
    task.madvise(a, 4 * P, "dontfork")
    child = task.fork()
    with pytest.raises(pw.SegmentationFault):
        child.read(a, 1)
    task.madvise(a, 4 * P, "dofork")
    assert task.fork().read(a, 1) == b"x"


@pytest.mark.parametrize("kind", ["shared|anonymous", "private-file"])
def test_wipeonfork_only_on_private_anonymous_memory(machine, task, kind):
    if kind == "private-file":
        f = machine.create_file("w.bin", size=4 * P)
        a = task.mmap(4 * P, flags="private", file=f)
    else:
        a = task.mmap(4 * P, flags=kind)
    before = task.smaps()
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(a, 4 * P, "wipeonfork")
    assert e.value.errno == errno.EINVAL and task.smaps() == before
    task.madvise(a, 4 * P, "keeponfork")
    task.madvise(a, 4 * P, "dontfork")
    task.madvise(a, 4 * P, "dofork")


@pytest.mark.parametrize("call,err", [
    (lambda t: t.munmap(TS, 2 * P), errno.EINVAL),
    (lambda t: t.munmap(KERNEL, P), errno.EINVAL),
    (lambda t: t.munmap(0x10000, 1 << 60), errno.EINVAL),
    (lambda t: t.mprotect(TS, 2 * P, "r"), errno.ENOMEM),
    (lambda t: t.mprotect(KERNEL, P, "r"), errno.ENOMEM),
    (lambda t: t.mprotect((1 << 64) - P, 2 * P, "r"), errno.ENOMEM),
    (lambda t: t.madvise(TS, 2 * P, "dontneed"), errno.ENOMEM),
    (lambda t: t.madvise(KERNEL, P, "dontneed"), errno.ENOMEM),
    (lambda t: t.madvise((1 << 64) - P, 2 * P, "dontneed"), errno.EINVAL),
    (lambda t: t.msync(TS, 2 * P), errno.ENOMEM),
    (lambda t: t.msync(KERNEL, P), errno.ENOMEM),
    (lambda t: t.mmap(2 * P, addr=TS, flags="private|anonymous|fixed"), errno.ENOMEM),
    (lambda t: t.mmap(P, addr=KERNEL, flags="private|anonymous|fixed"), errno.ENOMEM),
    (lambda t: t.mmap(1 << 47), errno.ENOMEM),
    (lambda t: t.mmap(1 << 60, flags="private|anonymous|noreserve"), errno.ENOMEM),
])
def test_address_range_errnos(task, call, err):
    before = task.maps()
    with pytest.raises(pw.SyscallError) as e:
        call(task)
    assert e.value.errno == err
    assert task.maps() == before


def test_mmap_hint_beyond_task_size_is_moved(task):
    for hint in (TS, KERNEL):
        a = task.mmap(P, addr=hint)
        assert a + P <= TS + P
