"""Simulated time, the disk and the scheduler (kernel/sched.py, kernel/disk.py)."""

from __future__ import annotations

import pytest

import pagewalk as pw
from pagewalk.kernel.disk import DISK_PRESETS, Disk
from pagewalk.kernel.sched import clear_refs_young

P = pw.programs


def _cold_file(m, size="4MiB"):
    f = m.create_file("data.bin", size=size, data=b"x" * 4096)
    m.drop_caches()
    return f


def test_disk_fifo_and_presets():
    d = Disk(DISK_PRESETS["hdd"])
    one = DISK_PRESETS["hdd"].service_ns(1)
    assert one == round((8.5e-3 + 4096 / 150e6) * 1e9)
    w = d.submit(0, 32, write=True)                    # reclaim's write first ...
    r = d.submit(0, 1, write=False)                    # ... the read waits behind it
    assert r == w + one
    assert d.busy_ns(0, r) == r and d.reads == 1 and d.writes == 1
    assert DISK_PRESETS["nvme"].service_ns(8) < DISK_PRESETS["ssd"].service_ns(8) \
        < DISK_PRESETS["hdd"].service_ns(8)
    with pytest.raises(pw.InvalidArgument, match="nvme, ssd, hdd"):
        pw.Machine(disk="floppy")
    with pytest.raises(pw.InvalidArgument, match="cpus"):
        pw.Machine(cpus=0)


def test_compute_alone_and_cpus():
    m = pw.Machine(memory="16MiB")
    m.spawn("a", program=P.compute(0.3))
    m.spawn("b", program=P.compute(0.3))
    r = m.run()
    assert r.elapsed == pytest.approx(0.6, rel=1e-3)   # one CPU: the sum
    assert r.cpu_utilization == pytest.approx(1.0, abs=1e-3)
    assert r.tasks["a"].nivcsw > 0 and r.tasks["a"].nvcsw == 0
    m2 = pw.Machine(memory="16MiB", cpus=2)
    m2.spawn("a", program=P.compute(0.3))
    m2.spawn("b", program=P.compute(0.3))
    r2 = m2.run()
    assert r2.elapsed == pytest.approx(0.3, rel=1e-3)  # two CPUs: in parallel
    assert r2.tasks["a"].nivcsw == 0


def test_overlap_of_io_and_computation():
    """On one CPU a cold-file scan and a computation of the same length finish in
    about the larger of their times, not in their sum."""
    def alone(prog_name):
        m = pw.Machine(memory="32MiB", disk="hdd", profile="classic")
        f = _cold_file(m)
        prog = P.file_scan(f) if prog_name == "scan" else None
        m.spawn(prog_name, program=prog)
        return m.run().elapsed, f

    scan_alone, _ = alone("scan")
    assert 0.25 < scan_alone < 0.5                     # ~32 hdd requests of 128 KiB
    m = pw.Machine(memory="32MiB", disk="hdd", profile="classic")
    f = _cold_file(m)
    m.spawn("scan", program=P.file_scan(f))
    m.spawn("calc", program=P.compute(scan_alone))
    r = m.run()
    both = r.elapsed
    assert both < 1.25 * scan_alone                    # about max(scan, compute) ...
    assert both < 0.7 * (2 * scan_alone)               # ... far from their sum
    s, c = r.tasks["scan"], r.tasks["calc"]
    assert s.maj_flt >= 1 and s.blocked > 0.8 * scan_alone * 0.8
    assert s.nvcsw >= 16                               # blocked on each readahead request
    assert c.cpu == pytest.approx(scan_alone, rel=1e-6)
    assert r.disk_utilization > 0.6 and r.cpu_utilization > 0.75


def test_major_fault_blocks_and_another_task_runs():
    m = pw.Machine(memory="32MiB", disk="hdd", profile="classic")
    f = _cold_file(m, "64KiB")
    m.spawn("scan", program=P.file_scan(f))
    m.spawn("calc", program=P.compute(0.05))
    r = m.run()
    kinds = [(e.kind, e.task) for e in r.timeline]
    i = kinds.index(("block", "scan"))
    assert kinds[i + 1] == ("run", "calc")             # the CPU goes to the other task
    assert ("wake", "scan") in kinds
    assert r.tasks["scan"].maj_flt == 1 and r.tasks["scan"].blocked > 8e-3


def test_determinism_same_timeline():
    def once():
        m = pw.Machine(memory="16MiB", swap="64MiB", disk="ssd")
        for i in range(4):
            m.spawn(f"r{i}", program=P.random_access(pages=600, accesses=3000, locality=0.5,
                                                     write=True, work=1e-5, seed=i))
        m.spawn("calc", program=P.compute(0.01))
        r = m.run()
        return r.timeline, r.elapsed, {n: (t.min_flt, t.maj_flt) for n, t in r.tasks.items()}

    a, b = once(), once()
    assert a == b
    assert len(a[0]) > 50


def test_until_and_resume():
    m = pw.Machine(memory="16MiB")
    m.spawn("a", program=P.compute(0.1))
    r1 = m.run(until=0.04)
    assert r1.elapsed == pytest.approx(0.04) and r1.tasks["a"].finished is None
    assert m.now == pytest.approx(0.04)
    r2 = m.run()
    assert r2.tasks["a"].finished == pytest.approx(0.1)
    assert m.run().elapsed == 0                        # nothing left: cheap and empty


def test_user_generator_program_and_syscall():
    seen = {}

    def writer(t):
        a = yield P.syscall(t.mmap, "16p")
        for i in range(16):
            t.write(a + i * 4096, b"hi")               # the untimed API, then a yield
            yield
        yield P.access(a, "16p", work=1e-6)
        seen["bytes"] = t.read(a, 2)

    m = pw.Machine(memory="16MiB")
    t = m.spawn("w", program=writer)
    r = m.run()
    assert seen["bytes"] == b"hi"
    assert r.tasks["w"].min_flt == t.stats.min_flt == 16
    assert r.tasks["w"].cpu > 16 * 1e-6                # 16 minor faults and the accesses
    assert t.state == "Z"                              # the program returned: it exited


def test_untimed_api_still_works_and_time_advances():
    m = pw.Machine(memory="16MiB", disk="hdd")
    p = m.spawn("init")
    a = p.mmap("100p")
    p.touch(a, "100p", write=True)
    assert p.stats.min_flt == 100
    assert m.now == pytest.approx(100 * 1e-6)          # 100 minor faults at 1 us
    f = _cold_file(m, "16KiB")
    before = m.now
    assert f.read(0, 4) == b"xxxx"                     # a read(2) of a cold page
    assert m.now - before > 8e-3                       # waited for the hdd


def test_program_signal_ends_task():
    def bad(t):
        yield P.access(0x1000)                          # nothing mapped there

    m = pw.Machine(memory="16MiB")
    t = m.spawn("bad", program=bad)
    r = m.run()
    assert "SIGSEGV" in r.tasks["bad"].error and not t.alive


def test_working_set_sampling_accessed_bits():
    m = pw.Machine(memory="32MiB", ws_interval=0.005, ws_tau=0.02)
    m.spawn("w", program=P.loop(pages=300, passes=8, write=True, work=2e-5))
    r = m.run()
    series = r.tasks["w"].working_set
    assert series and max(ws for _, ws in series) == 300   # a pass is 6 ms < tau
    # clear_refs_young: test-and-clear the accessed bit, flush the TLB entry
    p = m.spawn("p")
    a = p.mmap("4p")
    p.touch(a, "4p", write=True)
    young = clear_refs_young(p.mm)
    assert {v for v in young if a >> 12 <= v < (a >> 12) + 4} == set(range(a >> 12,
                                                                           (a >> 12) + 4))
    assert (a >> 12) not in p.mm.tlb_r
    assert not p.pagemap(a).accessed if hasattr(p.pagemap(a), "accessed") else True
    p.touch(a)
    assert a >> 12 in clear_refs_young(p.mm)
    assert len(clear_refs_young(p.mm) & set(range(a >> 12, (a >> 12) + 4))) == 0
    m.check()


def test_replay_program():
    tr = pw.Trace.from_pages([1, 2, 3, 1, 2, 3, 100, 1], writes=[True] * 8)
    m = pw.Machine(memory="16MiB")
    t = m.spawn("r", program=P.replay(tr))
    r = m.run()
    assert r.tasks["r"].min_flt == 4                   # four distinct pages, first writes
    assert not t.alive


def test_report_text_and_plot(tmp_path):
    m = pw.Machine(memory="32MiB", disk="ssd")
    f = _cold_file(m, "256KiB")
    m.spawn("scan", program=P.file_scan(f))
    m.spawn("loop", program=P.loop(pages=64, passes=3, write=True, work=1e-5))
    r = m.run()
    text = r.show()
    assert "scan" in text and "maj_flt" in text and "elapsed" in text
    spans = r.intervals()
    assert {s for _, _, s in spans["scan"]} >= {"running", "blocked"}
    out = r.plot(tmp_path / "t.png")
    assert out.stat().st_size > 1000
    d = r.to_dict()
    assert d["tasks"]["loop"]["min_flt"] == 64
