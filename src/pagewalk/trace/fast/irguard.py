"""Find reference counting inside the loops of a compiled kernel.

numba keeps an atomic ``NRT_incref``/``NRT_decref`` pair around a call when it
cannot prove the call's array arguments stay alive on their own; the pattern
that triggers it in this package was an expression such as ``demand and
writes[i]`` written inside the argument list of ``access(...)``.  Inside a
replay loop the pair costs two atomic operations per access, most of the time
the access takes, and it is invisible in the Python source.

:func:`refcounts_in_loops` reads a kernel's optimised LLVM IR, builds the
control-flow graph of the kernel's own function (not its Python wrapper),
marks the basic blocks that lie on a cycle (strongly connected components with
more than one block, or a block branching to itself) and returns the
``NRT_incref``/``NRT_decref`` calls found in those blocks.  An empty list means
the loops are free of reference counting.  The test suite runs it on every
kernel (tests/trace/test_kernel_ir.py).
"""

from __future__ import annotations

import re

_DEFINE = re.compile(r"^define [^@]*@(\S+)\(", re.M)
_LABEL = re.compile(r"^([-\w.$]+):", re.M)
_TARGET = re.compile(r"label %([-\w.$]+)")
_REFCOUNT = re.compile(r"call void @(NRT_incref|NRT_decref)\(")


def _functions(ir: str) -> dict[str, str]:
    """Body text of each function defined in ``ir``, by mangled name."""
    out: dict[str, str] = {}
    starts = list(_DEFINE.finditer(ir))
    for m in starts:
        end = ir.find("\n}\n", m.end())
        out[m.group(1)] = ir[m.end():end if end >= 0 else len(ir)]
    return out


def _blocks(body: str) -> dict[str, str]:
    """Basic blocks of one function body, by label (the first one is 'entry')."""
    first = body.find("{\n")
    body = body[first + 2:]
    marks = list(_LABEL.finditer(body))
    blocks: dict[str, str] = {}
    if not marks or marks[0].start() > 0:
        blocks["%entry"] = body[:marks[0].start() if marks else len(body)]
    for j, m in enumerate(marks):
        end = marks[j + 1].start() if j + 1 < len(marks) else len(body)
        blocks[m.group(1)] = body[m.end():end]
    return blocks


def _cyclic(succ: dict[str, list[str]]) -> set[str]:
    """Blocks on a cycle of the graph ``succ`` (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: set[str] = set()
    counter = 0
    for root in succ:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, k = work.pop()
            if k == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack.add(v)
            nexts = succ.get(v, [])
            if k < len(nexts):
                work.append((v, k + 1))
                w = nexts[k]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in succ.get(v, []):
                    result.update(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return result


def refcounts_in_loops(ir: str, name: str) -> list[str]:
    """``"block: NRT_incref"`` for every refcount call on a cycle of the
    function whose mangled name contains ``name`` (the compiled kernel itself,
    not its ``cpython.``/``cfunc.`` wrappers)."""
    funcs = {k: v for k, v in _functions(ir).items()
             if name in k and not k.startswith(("cpython.", "cfunc."))
             and not k.startswith('"cpython.')}
    if not funcs:
        raise LookupError(f"no function named like {name!r} in the IR")
    found = []
    for body in funcs.values():
        blocks = _blocks(body)
        succ = {b: _TARGET.findall(text) for b, text in blocks.items()}
        for b in sorted(_cyclic(succ)):
            found += [f"{b}: {m}" for m in _REFCOUNT.findall(blocks[b])]
    return found


def kernel_refcounts_in_loops(kernel) -> list[str]:
    """:func:`refcounts_in_loops` for every signature ``kernel`` (a numba
    dispatcher) has been compiled for.

    Code loaded from numba's on-disk cache cannot be inspected, so the kernel's
    Python function is compiled afresh (same options, no cache) for each of
    those signatures."""
    from numba import njit

    short = kernel.py_func.__name__
    options = {k: v for k, v in kernel.targetoptions.items()
               if k not in ("cache", "nopython")}   # njit implies nopython
    fresh = njit(**options)(kernel.py_func)
    found = []
    for sig in kernel.signatures:
        fresh.compile(sig)
        ir = fresh.inspect_llvm(sig)
        found += [f"{short}{sig}: {x}" for x in refcounts_in_loops(ir, short)]
    return found
