"""Overcommit accounting and m.sysctl, measured on the 6.18 host (mode 0, ratio 50):
a single private writable or shared request of RAM + swap succeeds, one page more is
ENOMEM; MAP_NORESERVE and read-only mappings are not charged; sbrk beyond it fails
and leaves the break where it was."""

from __future__ import annotations

import errno

import pytest

import pagewalk as pw

P = 4096


@pytest.fixture
def m():
    return pw.Machine(memory="16MiB", swap="16MiB")


def meminfo(m, key):
    return m.meminfo()[key]


def test_mode0_refuses_a_single_request_larger_than_ram_plus_swap(m):
    t = m.spawn()
    n = (4096 + 4096) * P
    a = t.mmap(n)
    t.munmap(a, n)
    for flags, prot in (("private|anonymous", "rw"), ("shared|anonymous", "rw")):
        with pytest.raises(pw.SyscallError) as e:
            t.mmap(n + P, prot=prot, flags=flags)
        assert e.value.errno == errno.ENOMEM
    t.mmap(n + P, flags="private|anonymous|noreserve")
    t.mmap(n + P, prot="r")
    brk = t.brk()
    with pytest.raises(pw.SyscallError):
        t.sbrk(n + P)
    assert t.brk() == brk


def test_committed_as_and_commit_limit(m):
    t = m.spawn()
    base = meminfo(m, "Committed_AS")
    assert meminfo(m, "CommitLimit") == 16384 // 2 + 16384
    a = t.mmap(256 * P)
    assert meminfo(m, "Committed_AS") == base + 1024
    t.mmap(256 * P, prot="r")
    t.mmap(256 * P, flags="private|anonymous|noreserve")
    assert meminfo(m, "Committed_AS") == base + 1024
    t.munmap(a, 256 * P)
    assert meminfo(m, "Committed_AS") == base
    assert " ac " in t.smaps()


def test_mode2_never(m):
    t = m.spawn()
    m.sysctl["vm.overcommit_memory"] = 2
    assert m.sysctl["vm.overcommit_memory"] == 2
    limit = m.meminfo()["CommitLimit"] // 4            # pages
    room = limit - m.meminfo()["Committed_AS"] // 4 - m.sysctl["vm.admin_reserve_kbytes"] // 4
    with pytest.raises(pw.SyscallError) as e:
        t.mmap(room * P)
    assert e.value.errno == errno.ENOMEM
    a = t.mmap((room // 2) * P)
    with pytest.raises(pw.SyscallError):               # the child would not fit
        t.fork()
    with pytest.raises(pw.SyscallError):               # NORESERVE is ignored in mode 2
        t.mmap((room // 2 + 16) * P, flags="private|anonymous|noreserve")
    r = t.mmap((room // 2 + 16) * P, prot="r")         # read-only: not charged...
    with pytest.raises(pw.SyscallError):               # ...until it becomes writable
        t.mprotect(r, (room // 2 + 16) * P, "rw")
    t.munmap(a, (room // 2) * P)
    t.mprotect(r, (room // 2 + 16) * P, "rw")
    m.check()


def test_sysctl_view_and_bad_writes(m):
    assert dict(m.sysctl)["vm.swappiness"] == 60 and "vm.page-cluster" in m.sysctl
    m.sysctl["vm.swappiness"] = "10"
    assert m.config.swappiness == 10
    for name, value in (("vm.overcommit_memory", 3), ("vm.swappiness", 201),
                        ("vm.overcommit_ratio", -1), ("vm.page-cluster", "x")):
        with pytest.raises(pw.InvalidArgument):
            m.sysctl[name] = value
    with pytest.raises(pw.InvalidArgument, match="did you mean"):
        m.sysctl["vm.swapiness"] = 1
    assert m.config.swappiness == 10 and m.config.overcommit_memory == 0
