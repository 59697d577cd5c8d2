"""mlock, mlock2, munlock, mlockall, munlockall against the kernel's selftest
(tools/testing/selftests/mm/mlock2-tests.c) and the 6.18 host (measured as root;
the model's task is unprivileged unless cap_ipc_lock=True)."""

from __future__ import annotations

import errno

import pytest
from tests.conftest import delta

import pagewalk as pw

P = 4096


def smaps_entry(t: pw.Task, addr: int) -> dict[str, str]:
    """The smaps fields of the VMA that contains ``addr`` (get_value_for_name)."""
    out: dict[str, str] = {}
    inside = False
    for line in t.smaps().splitlines():
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            lo, hi = (int(x, 16) for x in head.split("-"))
            inside = lo <= addr < hi
            if inside:
                out["start"] = lo
                out["end"] = hi
        elif inside:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    assert out, f"no VMA at {addr:#x}"
    return out


def kb(entry: dict, name: str) -> int:
    return int(entry[name].split()[0])


def is_vmflag_set(t, addr, flag) -> bool:
    return flag in smaps_entry(t, addr)["VmFlags"].split()


def lock_check(t, addr) -> bool:
    """mlock2-tests.c: lock_check: `lo` set and Rss == Size."""
    e = smaps_entry(t, addr)
    return is_vmflag_set(t, addr, "lo") and kb(e, "Rss") == kb(e, "Size")


def is_vma_lock_on_fault(t, addr) -> bool:
    """mlock2-tests.c: is_vma_lock_on_fault: `lo` set and only part faulted in."""
    e = smaps_entry(t, addr)
    return is_vmflag_set(t, addr, "lo") and kb(e, "Rss") < kb(e, "Size")


def vmlck(t) -> int:
    line = next(s for s in t.status().splitlines() if s.startswith("VmLck"))
    return int(line.split()[1])


# -- mlock2-tests.c ---------------------------------------------------------------------
def test_mlock_lock(task):
    """mlock2-tests.c: test_mlock_lock."""
    m = task.mmap(2 * P)
    task.mlock2(m, 2 * P, "")
    assert lock_check(task, m)
    task.munlock(m, 2 * P)
    assert not is_vmflag_set(task, m, "lo")


def test_mlock_onfault(task):
    """mlock2-tests.c: test_mlock_onfault (onfault_check, unlock_onfault_check)."""
    m = task.mmap(2 * P)
    task.mlock2(m, 2 * P, "onfault")
    task.write(m, b"a")
    assert is_vma_lock_on_fault(task, m)
    assert is_vmflag_set(task, m, "lf")
    task.munlock(m, 2 * P)
    assert not is_vma_lock_on_fault(task, m) and not is_vma_lock_on_fault(task, m + P)


def test_lock_onfault_of_present(task):
    """mlock2-tests.c: test_lock_onfault_of_present."""
    m = task.mmap(2 * P)
    task.write(m, b"a")
    task.mlock2(m, 2 * P, "onfault")
    assert is_vma_lock_on_fault(task, m) or is_vma_lock_on_fault(task, m + P)
    assert task.machine.meminfo()["Unevictable"] == 4    # the present page is locked


def test_munlockall0(task):
    """mlock2-tests.c: test_munlockall0."""
    m = task.mmap(2 * P)
    task.mlockall("current")
    assert lock_check(task, m)
    task.munlockall()
    assert not is_vmflag_set(task, m, "lo")


def test_munlockall1(task):
    """mlock2-tests.c: test_munlockall1."""
    m = task.mmap(2 * P)
    task.mlockall("current|onfault")
    task.write(m, b"a")
    assert is_vma_lock_on_fault(task, m)
    task.munlockall()
    assert not is_vma_lock_on_fault(task, m) and not is_vma_lock_on_fault(task, m + P)
    task.mlockall("current|future")
    assert lock_check(task, m)
    task.munlockall()
    assert not is_vmflag_set(task, m, "lo")


@pytest.mark.parametrize("call_mlock", [True, False])
def test_vma_management(task, call_mlock):
    """mlock2-tests.c: test_vma_management (and test_mlockall for call_mlock=False)."""
    if not call_mlock:
        task.mlockall("current|onfault|future")
    m = task.mmap(3 * P)
    if call_mlock:
        task.mlock2(m, 3 * P, "onfault")
    starts = [smaps_entry(task, m + i * P)["start"] for i in range(3)]
    assert len(set(starts)) == 1
    task.munlock(m + P, P)
    starts = [smaps_entry(task, m + i * P)["start"] for i in range(3)]
    assert len(set(starts)) == 3                # split for munlock
    task.munlock(m, 3 * P)
    starts = [smaps_entry(task, m + i * P)["start"] for i in range(3)]
    assert len(set(starts)) == 1                # merged again
    task.munlockall()


# -- measured on the host ------------------------------------------------------------------
def test_mlock_populates_and_counts(task):
    m = task.mmap(8 * P)
    assert delta(task, lambda: task.mlock(m + 5, 10)) == (1, 0)    # rounds to the page
    assert vmlck(task) == 4
    assert task.machine.meminfo()["Mlocked"] == 4
    assert kb(smaps_entry(task, m), "Locked") == 4


def test_zero_length_is_a_no_op(task):
    task.mlock(0x10000000, 0)
    task.munlock(0x10000000, 0)


def test_mlock_over_a_hole_locks_what_comes_before(task):
    """6.18: ENOMEM, and the VMAs before the hole are locked (as the kernel does)."""
    m = task.mmap(4 * P)
    task.munmap(m + 2 * P, 2 * P)
    with pytest.raises(pw.SyscallError) as e:
        task.mlock(m, 4 * P)
    assert e.value.errno == errno.ENOMEM
    assert is_vmflag_set(task, m, "lo")
    with pytest.raises(pw.SyscallError) as e:
        task.munlock(m, 4 * P)
    assert e.value.errno == errno.ENOMEM
    assert not is_vmflag_set(task, m, "lo")


def test_mlock_beyond_task_size_and_wrap(task):
    with pytest.raises(pw.SyscallError) as e:
        task.mlock((1 << 47) - P, 2 * P)
    assert e.value.errno == errno.ENOMEM
    with pytest.raises(pw.InvalidArgument):
        task.mlock((1 << 64) - P, 2 * P)


def test_mlock_read_only_maps_the_zero_page(task):
    r = task.mmap(4 * P, prot="r")
    task.mlock(r, 4 * P)
    assert kb(smaps_entry(task, r), "Rss") == 0 and task.pagemap(r).zero_page


def test_mlock_prot_none_is_enomem_but_locks_and_mprotect_populates(task):
    n = task.mmap(4 * P, prot="none")
    with pytest.raises(pw.SyscallError) as e:
        task.mlock(n, 4 * P)
    assert e.value.errno == errno.ENOMEM
    assert is_vmflag_set(task, n, "lo") and task.stats.rss == 0
    task.mprotect(n, 4 * P, "rw")
    assert lock_check(task, n) and task.stats.rss == 4


@pytest.mark.parametrize("flags", [0, "onfault", "", 8, "current|bogus"])
def test_mlockall_bad_flags(task, flags):
    with pytest.raises(pw.InvalidArgument):
        task.mlockall(flags)


def test_mlock2_bad_flags(task):
    m = task.mmap(P)
    with pytest.raises(pw.InvalidArgument):
        task.mlock2(m, P, "sometimes")


def test_dontneed_on_locked_memory_is_einval(task):
    m = task.mmap(4 * P)
    task.mlock(m, P)
    with pytest.raises(pw.SyscallError) as e:
        task.madvise(m, P, "dontneed")
    assert e.value.errno == errno.EINVAL
    task.madvise(m + 3 * P, P, "dontneed")


# -- the unevictable list, limits, fork --------------------------------------------------
def test_reclaim_never_takes_locked_pages():
    m = pw.Machine(memory="16MiB", swap="64MiB")
    t = m.spawn()
    locked = t.mmap(256 * P)
    t.write(locked, b"L" * 256 * P)
    t.mlock(locked, 256 * P)
    pfns = [t.pagemap(locked + i * P).pfn for i in range(256)]
    big = t.mmap("24MiB")
    t.touch(big, "24MiB", write=True)
    assert m.vmstat["pswpout"] > 0
    assert [t.pagemap(locked + i * P).pfn for i in range(256)] == pfns
    assert m.meminfo()["Unevictable"] == 1024
    assert t.read(locked, 4) == b"LLLL"
    t.munlock(locked, 256 * P)
    assert m.meminfo()["Unevictable"] == 0
    m.check()


def test_rlimit_memlock():
    m = pw.Machine(rlimit_memlock="64KiB")
    t = m.spawn()
    a = t.mmap(32 * P)
    with pytest.raises(pw.SyscallError) as e:
        t.mlock(a, 17 * P)
    assert e.value.errno == errno.ENOMEM and not is_vmflag_set(t, a, "lo")
    t.mlock(a, 16 * P)
    with pytest.raises(pw.SyscallError) as e:
        t.mmap(P, flags="private|anonymous|locked")
    assert e.value.errno == errno.EAGAIN
    with pytest.raises(pw.SyscallError) as e:
        t.mremap(a, 16 * P, 17 * P, "maymove")
    assert e.value.errno == errno.EAGAIN
    root = pw.Machine(rlimit_memlock="64KiB", cap_ipc_lock=True).spawn()
    b = root.mmap(32 * P)
    root.mlock(b, 32 * P)


def test_mlockall_future_locks_new_mappings(task):
    task.mlockall("future")
    m = task.mmap(4 * P)
    assert lock_check(task, m)
    task.munlockall()
    n = task.mmap(4 * P)
    assert not is_vmflag_set(task, n, "lo")


def test_locks_are_not_inherited(machine, task):
    m = task.mmap(4 * P)
    task.mlock(m, 4 * P)
    child = task.fork()
    assert not is_vmflag_set(child, m, "lo") and vmlck(child) == 0
    assert vmlck(task) == 16
    child.write(m, b"c")
    child.exit()
    task.wait(child)
    machine.check()
