"""No reference counting inside any compiled kernel's loops.

numba brackets a call with an atomic ``NRT_incref``/``NRT_decref`` pair on an
array argument when its refcount pruning cannot pair them up, e.g. when the
call's argument list holds a short-circuit expression (``demand and
writes[i]``).  Inside a replay loop that pair is most of an access's cost and
invisible in the source, so every kernel's optimised LLVM IR is checked here.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from numba import njit
from numba.core.registry import CPUDispatcher

import pagewalk.trace as pt
import pagewalk.trace.fast as fast
from pagewalk.trace.fast import opt as opt_module
from pagewalk.trace.fast.common import access
from pagewalk.trace.fast.irguard import kernel_refcounts_in_loops
from pagewalk.trace.mrc import _stack_distances
from pagewalk.trace.policies import MIN_FRAMES, MODES, POLICY_NAMES


def all_kernels() -> list[CPUDispatcher]:
    """Every ``run_*`` dispatcher in pagewalk.trace.fast, plus the MRC pass."""
    found = {}
    for info in pkgutil.iter_modules(fast.__path__):
        mod = importlib.import_module(f"{fast.__name__}.{info.name}")
        for name, obj in vars(mod).items():
            if name.startswith("run_") and isinstance(obj, CPUDispatcher):
                found[name] = obj
    found["_stack_distances"] = _stack_distances
    found["_chunk_states"] = opt_module._chunk_states
    return list(found.values())


@pytest.fixture(scope="module")
def compiled() -> list[CPUDispatcher]:
    tr = pt.Trace.from_pages([0, 1, 2, 0, 1, 3, 4, 0, 2, 2], [True, False] * 5)
    for policy in POLICY_NAMES:
        for mode in MODES:
            pt.replay(tr, frames=max(2, MIN_FRAMES.get(policy, 1)), policy=policy, mode=mode)
    pt.mrc(tr)
    return all_kernels()


def test_every_kernel_was_compiled(compiled: list[CPUDispatcher]) -> None:
    assert len(compiled) >= len(set(POLICY_NAMES)) + 1
    assert all(k.signatures for k in compiled), [k.py_func.__name__ for k in compiled
                                                 if not k.signatures]


def test_no_refcounting_inside_kernel_loops(compiled: list[CPUDispatcher]) -> None:
    found = [hit for k in compiled for hit in kernel_refcounts_in_loops(k)]
    assert found == []


def test_the_guard_sees_the_trap() -> None:
    """The check itself: a loop that passes ``demand and writes[i]`` inside
    the call keeps an NRT_incref in the loop; the hoisted twin does not."""

    @njit
    def trapped(ids, writes, npages, demand, cnt):
        st = np.zeros(npages, np.uint8)
        for i in range(ids.size):
            access(st, np.int64(ids[i]), demand and writes[i], demand, cnt)
        return cnt

    @njit
    def hoisted(ids, writes, npages, demand, cnt):
        st = np.zeros(npages, np.uint8)
        for i in range(ids.size):
            w = demand and writes[i]
            access(st, np.int64(ids[i]), w, demand, cnt)
        return cnt

    args = (np.zeros(3, np.uint8), np.zeros(3, np.bool_), 1, True, np.zeros(7, np.int64))
    trapped(*args)
    hoisted(*args)
    assert any("NRT_incref" in x for x in kernel_refcounts_in_loops(trapped))
    assert kernel_refcounts_in_loops(hoisted) == []
