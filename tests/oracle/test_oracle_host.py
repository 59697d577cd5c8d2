"""The host oracle against this host's kernel: hygiene, then the known numbers.

Skipped (visibly, with the reason) when the host cannot run the probe: not
Linux, or no C compiler.  Numbers are per-process getrusage deltas, so they do
not depend on what else runs on the machine.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from pagewalk.errors import BusError, SegmentationFault, SyscallError
from pagewalk.oracle import Delta, HostMachine, host_settings

pytestmark = pytest.mark.host

PAGE = 4096
N = 1000
L = N * PAGE


@pytest.fixture
def h(probe: Path) -> Iterator[HostMachine]:
    with HostMachine() as m:
        yield m


def _windows(addr: int, length: int, window: int = 64 << 10) -> int:
    """Read faults needed when each maps its fault_around_bytes-aligned window
    (of 4 KiB folios): the number of aligned windows [addr, addr+length) meets."""
    return (addr + length - 1) // window - addr // window + 1


# ---------------------------------------------------------------- hygiene

def test_empty_step_measures_zero(h: HostMachine) -> None:
    t = h.spawn()
    assert [t.nop() for _ in range(5)] == [Delta(0, 0)] * 5
    assert t.touch(0x1000, 0) == Delta(0, 0)


def test_empty_step_after_fork_parent_and_child(h: HostMachine) -> None:
    t = h.spawn()
    a = t.mmap_isolated(16 * PAGE)
    t.touch(a, 16 * PAGE, write=True)
    c = t.fork()
    assert t.nop() == Delta(0, 0)
    assert c.nop() == Delta(0, 0)
    # pages present before fork are mapped (read-only) in both: reads are free
    assert c.touch(a, 16 * PAGE) == Delta(0, 0)
    assert t.touch(a, 16 * PAGE) == Delta(0, 0)
    # a grandchild too
    g = c.fork()
    assert g.nop() == Delta(0, 0)
    assert c.nop() == Delta(0, 0)


def test_empty_step_after_exec(h: HostMachine) -> None:
    t = h.spawn()
    c = t.fork()
    c.exec()
    assert c.nop() == Delta(0, 0)
    assert c.stats.min_flt == 0          # exec's own faults are not a measured step


def test_read_write_roundtrip(h: HostMachine) -> None:
    t = h.spawn()
    a = t.mmap(3 * PAGE)
    data = bytes(range(256)) * 40
    t.write(a + 100, data)
    assert t.last == Delta(3, 0)        # the write spans 3 pages
    assert t.read(a + 100, len(data)) == data
    assert t.last == Delta(0, 0)


def test_stats_accumulate(h: HostMachine) -> None:
    t = h.spawn()
    a = t.mmap(10 * PAGE)
    t.touch(a, 10 * PAGE)
    t.touch(a, 10 * PAGE, write=True)
    assert (t.stats.min_flt, t.stats.maj_flt) == (20, 0)


# ---------------------------------------------------------------- anonymous memory

def test_zero_page_then_cow(h: HostMachine) -> None:                       # a, b
    t = h.spawn()
    a = t.mmap_isolated(L)
    assert t.touch(a, L) == Delta(N, 0)
    assert t.touch(a, L, write=True) == Delta(N, 0)
    b = t.mmap_isolated(L)
    assert t.touch(b, L, write=True) == Delta(N, 0)
    assert t.touch(b, L) == Delta(0, 0)


def test_fork_cow(h: HostMachine) -> None:                                 # c
    t = h.spawn()
    a = t.mmap_isolated(L)
    t.touch(a, L, write=True)
    c = t.fork()
    assert c.touch(a, L) == Delta(0, 0)
    assert c.touch(a, L, write=True) == Delta(N, 0)
    assert t.touch(a, L, write=True) == Delta(N, 0)   # reuse, but still a wp fault each
    assert t.touch(a, L, write=True) == Delta(0, 0)


def test_fork_child_exited_parent_still_faults(h: HostMachine) -> None:   # d
    t = h.spawn()
    a = t.mmap_isolated(L)
    t.touch(a, L, write=True)
    c = t.fork()
    c.exit(0)
    assert t.wait(c) == "exit:0"
    assert t.touch(a, L, write=True) == Delta(N, 0)   # PTEs stay write-protected


def test_fork_does_not_copy_vma_without_anon_vma(h: HostMachine) -> None:  # e
    t = h.spawn()
    a = t.mmap_isolated(L)
    t.touch(a, L)                                      # zero page only: no anon_vma
    c = t.fork()
    assert c.touch(a, L) == Delta(N, 0)
    assert c.touch(a, L, write=True) == Delta(N, 0)


def test_merged_vma_inherits_anon_vma_and_is_copied(probe: Path) -> None:  # e (surprise)
    with HostMachine() as h:
        t = h.spawn()
        base = t.mmap(L + 3 * PAGE, prot="-")          # PROT_NONE reservation
        a = t.mmap(PAGE, flags="private|anonymous|fixed", addr=base + PAGE + L)
        t.touch(a, PAGE, write=True)       # a's VMA gets an anon_vma
        # directly below a: the new VMA merges with a's (and takes its anon_vma)
        b = t.mmap(L, flags="private|anonymous|fixed", addr=base + PAGE)
        assert b + L == a
        assert t.maps().count(f"{b:x}-{a + PAGE:x} rw-p") == 1
        t.touch(b, L)
        c = t.fork()
        assert c.touch(b, L) == Delta(0, 0)


def test_mprotect_restores_write_without_faults(h: HostMachine) -> None:  # g
    t = h.spawn()
    a = t.mmap_isolated(L)
    t.touch(a, L, write=True)
    t.mprotect(a, L, "r")
    t.mprotect(a, L, "rw")
    assert t.touch(a, L, write=True) == Delta(0, 0)
    c = t.fork()
    t.mprotect(a, L, "r")
    t.mprotect(a, L, "rw")
    assert t.touch(a, L, write=True) == Delta(N, 0)
    assert c.touch(a, L, write=True) == Delta(N, 0)


def test_madvise_dontneed(h: HostMachine) -> None:                          # h
    t = h.spawn()
    a = t.mmap_isolated(L)
    t.touch(a, L, write=True)
    t.madvise(a, L, "dontneed")
    assert t.touch(a, L) == Delta(N, 0)
    assert t.touch(a, L, write=True) == Delta(N, 0)
    assert t.read(a, 8) == bytes([0xA5]) + bytes(7)


def test_shared_anonymous(h: HostMachine) -> None:                          # k
    t = h.spawn()
    a = t.mmap_isolated(L, flags="shared|anonymous")
    assert t.touch(a, L) == Delta(N, 0)                # shmem: no zero page
    assert t.touch(a, L, write=True) == Delta(0, 0)    # read fault mapped it writable
    c = t.fork()
    # not copied at fork; each read fault maps its 64 KiB-aligned window
    assert c.touch(a, L) == Delta(_windows(a, L), 0)


def test_brk(h: HostMachine) -> None:                                       # m
    t = h.spawn()
    old = t.sbrk(L)
    assert t.brk() == old + L
    assert t.touch(old, L, write=True) == Delta(N, 0)


def test_stack_growth(h: HostMachine) -> None:                              # m
    t = h.spawn()
    first = t.stack(1 << 20)
    assert 200 < first.min_flt <= 256
    assert t.stack(1 << 20) == Delta(0, 0)


def test_thp(h: HostMachine) -> None:                                       # l
    st = host_settings()
    if st["thp"] not in ("madvise", "always") or st["thp_sizes"].get("2048kB") == "never":
        pytest.skip(f"THP not available for madvise here: {st['thp']}, {st['thp_sizes']}")
    t = h.spawn()
    huge = 2 << 20
    raw = t.mmap(4 * huge)
    a = (raw + huge - 1) & ~(huge - 1)
    t.madvise(a, 2 * huge, "hugepage")
    assert t.touch(a, 2 * huge, write=True) == Delta(2, 0)
    c = t.fork()
    assert c.touch(a, 1, write=True) == Delta(1, 0)           # split PMD, COW 4 KiB
    assert c.touch(a, 2 * huge, write=True) == Delta(1023, 0)
    assert t.touch(a, 2 * huge, write=True) == Delta(2, 0)    # parent reuses both PMDs


def test_thp_reuse_natural_count_within_the_models_bound(h: HostMachine) -> None:
    """The one "natural" check: no TLB flush, no fences.  On a VM whose TLB
    fractures huge pages the kernel counts spurious write faults after the
    reuse; the model states how many there can be at most, and the kernel must
    fall inside (on a host that does not fracture: exactly the model's 2)."""
    st = host_settings()
    if st["thp"] not in ("madvise", "always") or st["thp_sizes"].get("2048kB") == "never":
        pytest.skip(f"THP not available for madvise here: {st['thp']}, {st['thp_sizes']}")
    import pagewalk as pw
    from pagewalk.oracle.classify import StepClass, classify, natural_agrees
    huge = 2 << 20
    m = pw.Machine(memory="64MiB", thp="madvise")
    for task_of in (h, m):
        t = task_of.spawn("init")
        raw = t.mmap(4 * huge)
        a = (raw + huge - 1) & ~(huge - 1)
        t.madvise(a, 2 * huge, "hugepage")
        t.touch(a, 2 * huge, write=True)
        c = t.fork()
        c.touch(a, 2 * huge, write=True)
        if task_of is h:
            kernel = t.touch(a, 2 * huge, write=True, natural=True)
        else:
            with m.trace() as tr:
                t.touch(a, 2 * huge, write=True)
            faults = [f for f in tr.faults if f.pid == t.pid]
            cl = classify(faults, touched=list(range(a, a + 2 * huge, PAGE)))
    assert cl.kind is StepClass.SPURIOUS_TLB and cl.natural == (2, 1024)
    assert natural_agrees(cl, kernel.min_flt), f"kernel {kernel}, model bound {cl.natural}"
    assert kernel.maj_flt == 0


# ---------------------------------------------------------------- files

def test_file_fault_around_small_folios(h: HostMachine) -> None:           # i
    t = h.spawn()
    f = h.create_file("small.bin", size=L, chunk=PAGE)
    orig = f.read_bytes()
    a = t.mmap(L, prot="rw", flags="private", file=f)
    assert t.touch(a, L) == Delta(_windows(a, L), 0)
    assert t.touch(a, L) == Delta(0, 0)
    assert t.touch(a, L, write=True) == Delta(N, 0)
    assert f.read_bytes() == orig
    b = t.mmap(L, prot="rw", flags="shared", file=f)
    assert t.touch(b, L) == Delta(_windows(b, L), 0)
    assert t.touch(b, L, write=True) == Delta(N, 0)
    t.msync(b, L)
    assert f.read_bytes()[:1] == b"\xa5"


def test_file_large_folios_map_whole_folio(h: HostMachine) -> None:        # i (surprise)
    t = h.spawn()
    f = h.create_file("big.bin", size=L)               # one write(): large folios
    a = t.mmap(L, prot="r", flags="private", file=f)
    d = t.touch(a, L)
    assert d.maj_flt == 0
    assert d.min_flt <= 63                              # 6 on ext4 / 6.18


def test_file_cold_random_is_all_major(h: HostMachine) -> None:            # j
    t = h.spawn()
    f = h.create_file("cold.bin", size=L)
    f.evict()
    a = t.mmap(L, prot="r", flags="private", file=f)
    t.madvise(a, L, "random")
    assert t.touch(a, L) == Delta(0, N)
    b = t.mmap(L, prot="r", flags="private", file=f)
    assert t.touch(b, L).maj_flt == 0                  # now cached


def test_file_cold_readahead_one_major(h: HostMachine) -> None:            # j
    t = h.spawn()
    f = h.create_file("cold2.bin", size=L)
    f.evict()
    a = t.mmap(L, prot="r", flags="private", file=f)
    d = t.touch(a, L)
    # io-timing: the first fault is major and starts the readahead; a later fault
    # that finds its page still under that read waits, retries and counts as
    # major too (FAULT_FLAG_TRIED), so only the first major is certain
    assert d.maj_flt >= 1
    assert d.min_flt + d.maj_flt < 100


# ---------------------------------------------------------------- signals and errors

def test_signals(h: HostMachine) -> None:                                   # f
    t = h.spawn()
    t.sigmode(fatal=False)
    with pytest.raises(SegmentationFault) as e:
        t.touch(0, 1)
    assert (e.value.code, e.value.address, t.last) == ("SEGV_MAPERR", 0, Delta(0, 0))
    with pytest.raises(SegmentationFault) as e:
        t.touch(0xFFFFFFFF81000000, 1)
    assert (e.value.code, e.value.address) == ("SEGV_MAPERR", 0xFFFFFFFF81000000)
    with pytest.raises(SegmentationFault) as e:
        t.touch(1 << 47, 1)                             # non-canonical: #GP
    assert (e.value.code, e.value.address) == ("SI_KERNEL", 0)
    r = t.mmap(PAGE, prot="r")
    with pytest.raises(SegmentationFault) as e:
        t.touch(r, PAGE, write=True)
    assert (e.value.code, e.value.address, t.last) == ("SEGV_ACCERR", r, Delta(0, 0))
    f = h.create_file("one.bin", size=PAGE)
    b = t.mmap(2 * PAGE, prot="r", flags="private", file=f)
    with pytest.raises(BusError) as e2:
        t.touch(b + PAGE, 1)
    assert (e2.value.code, e2.value.address, t.last) == ("BUS_ADRERR", b + PAGE, Delta(0, 0))


def test_fatal_signal_kills_task(h: HostMachine) -> None:
    t = h.spawn()
    c = t.fork()
    with pytest.raises(SegmentationFault):
        c.touch(0, 1)
    assert not c.alive
    assert t.wait(c) == "signal:SIGSEGV"
    assert t.nop() == Delta(0, 0)


def test_exec_gives_fresh_address_space(h: HostMachine) -> None:
    t = h.spawn()
    c = t.fork()
    a = c.mmap(PAGE)
    c.exec()
    c.sigmode(fatal=False)
    with pytest.raises(SegmentationFault) as e:
        c.touch(a, 1)
    assert e.value.code == "SEGV_MAPERR"


def test_syscall_error(h: HostMachine) -> None:
    t = h.spawn()
    with pytest.raises(SyscallError) as e:
        t.munmap(0x1001, PAGE)
    assert e.value.errno == errno.EINVAL
    assert t.nop() == Delta(0, 0)


def test_host_settings_keys() -> None:
    st = host_settings()
    for k in ("kernel", "thp", "read_ahead_kb", "page_cluster", "swap", "fault_around_bytes"):
        assert k in st
