"""The medium-term scheduler (kernel/loadctl.py): admission and suspension by working set.

Every assertion is on simulated time, counters and the event log."""

from __future__ import annotations

import dataclasses

import pytest

import pagewalk as pw
from pagewalk.observe.thrash import WORKLOADS, thrash_machine

P = pw.programs
WRITE = WORKLOADS["write"]           # 64 MiB, hdd, 16 MiB working sets written in 4 passes


def _grower(pages: int = 1500, passes: int = 5, small: int = 0):
    """A program that declares nothing, so load control must measure it: ``small``
    pages for 20 passes first (a working set measured at ``small``), then ``pages``."""
    def grower(t):
        a = yield P.syscall(t.mmap, f"{pages}p")
        if small:
            for _ in range(20):
                yield P.access(a, f"{small}p", write=True, work=20e-6)
        for _ in range(passes):
            yield P.access(a, f"{pages}p", write=True, work=20e-6)
    return grower


def test_issue_case_first_three_run_from_demand_zero():
    """Ten writers of 16 MiB in 64 MiB: three are admitted, run from demand-zero pages
    without any swap traffic, and the fourth starts only when one of them is done."""
    m = thrash_machine(10, True, WRITE)
    r = m.run(until=WRITE.horizon)
    assert m.vmstat["pswpin"] == m.vmstat["pswpout"] == 0
    assert all(t.finished is not None and t.maj_flt == 0 for t in r.tasks.values())
    assert r.cpu_utilization > 0.95
    admitted = {e.task: e.time for e in r.timeline
                if e.kind == "resume" and e.detail.startswith("admitted")}
    assert [n for n, t in admitted.items() if t == r.start] == ["loop1", "loop2", "loop3"]
    first_exit = min(t.finished for t in r.tasks.values())
    assert admitted["loop4"] == pytest.approx(first_exit)
    waiting = [e for e in r.timeline if e.kind == "suspend"]
    assert len(waiting) == 7 and all("waiting for admission" in e.detail for e in waiting)


@pytest.mark.parametrize("n", [1, 3, 4, 5, 8, 12])
def test_write_workload_load_control_never_worse(n):
    """N writers (1..12; the closing note of issue 15 has every N): with load control
    the CPU stays busy and the run ends no later than without it (runs cut at 0.5 s:
    without load control N >= 5 thrash far past it)."""
    setup = dataclasses.replace(WRITE, horizon=0.5)
    with_lc = thrash_machine(n, True, setup).run(until=setup.horizon)
    without = thrash_machine(n, False, setup).run(until=setup.horizon)
    assert with_lc.cpu_utilization > 0.6
    assert all(t.finished is not None for t in with_lc.tasks.values())
    assert with_lc.elapsed <= without.elapsed + 1e-9
    if n >= 5:                                          # the disk does all the work
        assert without.cpu_utilization < 0.2 and without.disk_utilization > 0.9


@pytest.mark.parametrize("n", [1, 3, 4, 8, 12])
def test_compute_workload_load_control_never_worse(n):
    """The textbook workload (fewer passes, to keep the test short)."""
    setup = dataclasses.replace(WORKLOADS["compute"], passes=4, horizon=4.0)
    with_lc = thrash_machine(n, True, setup).run(until=setup.horizon)
    without = thrash_machine(n, False, setup).run(until=setup.horizon)
    assert with_lc.cpu_utilization > 0.6
    assert with_lc.elapsed <= without.elapsed + 1e-9
    assert sum(t.maj_flt for t in with_lc.tasks.values()) == 0


def test_newcomers_one_at_a_time_then_at_the_mean():
    """Nothing declared, nothing measured yet: newcomers start one at a time; once a
    working set was measured, a newcomer is guessed at the mean."""
    m = pw.Machine(memory="16MiB", swap="64MiB", disk="ssd", load_control=True)
    for i in range(3):
        m.spawn(f"g{i}", program=_grower())
    r = m.run()
    admitted = [(e.task, e.detail) for e in r.timeline if e.kind == "resume"]
    assert admitted == [("g0", "admitted, ws=0"), ("g1", "admitted, ws=1500"),
                        ("g2", "admitted, ws=1500")]
    assert m.vmstat["pswpout"] == 0 and r.cpu_utilization > 0.99


def test_sampled_working_sets_suspend_the_cheapest_and_prefetch():
    """Working sets that grow past memory: the task with the fewest pages to write is
    paged out whole (it holds no frames while it waits), and its resumption reads
    its pages back in one request."""
    m = pw.Machine(memory="16MiB", swap="64MiB", disk="ssd", load_control=True)
    for i in range(3):
        m.spawn(f"g{i}", program=_grower(small=300))
    r = m.run()
    events = [(e.kind, e.task) for e in r.timeline if e.kind in ("suspend", "resume")
              and not e.detail.startswith(("admitted", "waiting"))]
    assert len(events) == 2 and events[0][0] == "suspend" and events[1][0] == "resume"
    victim = events[0][1]
    assert all(t.finished is not None for t in r.tasks.values())
    back = next(e.time for e in r.timeline if e.kind == "resume" and e.task == victim
                and e.detail.startswith("resumed"))
    after = [e.kind for e in r.timeline if e.task == victim and e.time > back]
    assert after.count("block") == 1                  # the prefetch: one read, then no fault
    assert 0 < m.vmstat["pswpin"] == m.vmstat["pswpout"]
    assert r.disk_writes == 1 and r.disk_reads == 1   # paged out whole, prefetched whole
    assert all(t.maj_flt == 0 for t in r.tasks.values())   # seen growing before reclaim

    m2 = pw.Machine(memory="16MiB", swap="64MiB", disk="ssd")
    for i in range(3):
        m2.spawn(f"g{i}", program=_grower(small=300))
    r2 = m2.run()
    assert m2.vmstat["pswpout"] > 10 * m.vmstat["pswpout"]   # without: reclaim thrashes
    assert r.elapsed < r2.elapsed


def test_suspended_task_holds_no_frames():
    m = pw.Machine(memory="16MiB", swap="64MiB", disk="ssd", load_control=True)
    for i in range(3):
        m.spawn(f"g{i}", program=_grower(small=300))
    for _ in range(200):                              # step until someone is paged out
        r = m.run(until=m.now + 0.01)
        sus = [e for e in m.sched.entities if e.suspended and e.cpu_ns]
        if sus:
            break
    assert sus, r.show()
    st = sus[0].task.stats
    assert st.rss == 0 and st.swap > 0


def test_victim_rule_not_started_first_then_cheapest():
    m = pw.Machine(memory="16MiB", load_control=True)
    for name in ("a", "b", "c"):
        m.spawn(name, program=_grower(600, 1))
    mts = m.sched.medium
    ents = {e.label: e for e in m.sched.entities}
    a, b, c = ents["a"], ents["b"], ents["c"]
    # nobody ran: the first not started is as cheap as any, priority decides first
    c.nice = 5
    assert mts.victim([a, b, c]) is c
    c.nice = 0
    a.cpu_ns = b.cpu_ns = 1                       # a and b have run; c has not
    assert mts.victim([a, b, c]) is c
    assert mts.swap_out_cost(a) == 0              # nothing mapped yet


def test_lowest_priority_rule_and_knobs():
    m = pw.Machine(memory="16MiB", load_control=True, lc_victim="lowest-priority",
                   lc_working_set="sampled", lc_margin=0.2)
    assert m.sched.medium.victim_rule == "lowest-priority"
    assert not m.sched.medium.declared
    for bad, match in ((dict(lc_victim="oldest"), "lc_victim"),
                       (dict(lc_working_set="guess"), "lc_working_set"),
                       (dict(lc_margin=1.0), "lc_margin"), (dict(lc_margin="x"), "lc_margin")):
        with pytest.raises(pw.InvalidArgument, match=match):
            pw.Machine(**bad)


def test_declared_working_set():
    assert P.loop(pages=100, write=True).working_set == 100
    assert P.loop(pages=100).working_set is None       # reads map the zero page
    assert P.random_access(pages=10, accesses=5).working_set is None


def test_waiting_tasks_hold_no_frames():
    m = thrash_machine(6, True, WRITE)
    m.run(until=0.004)                                 # loop1 .. loop3 are running
    held = {t.name: t.stats.rss for t in m.tasks.values()}
    assert all(held[f"loop{i}"] == 0 for i in (4, 5, 6))
    assert held["loop1"] > 0
