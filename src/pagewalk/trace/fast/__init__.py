"""The fast engine: numba kernels over dense page ids, one module per policy.

Each ``run_<policy>(ids, writes, npages, frames, demand, ...)`` returns the
counter vector described in :mod:`.common`.  They define no behaviour of their
own: :mod:`pagewalk.trace.reference` is the readable twin of every kernel and a
differential test holds the two to identical counters.

Two rules keep the kernels fast.  First, nothing but a plain name goes into
the argument list of a helper called in a loop: write ``w = demand and
writes[i]`` on its own line, then ``access(st, p, w, ...)``.  numba increments
and decrements the reference count of each array argument around every call
and normally prunes the pair; a short-circuit expression among the arguments
puts a branch between the two and the pair stays, two atomic operations per
access (most of an access's cost).  ``_nrt=False`` on a helper does not
prevent this: it only compiles the helper itself without the runtime (it may
not allocate), the caller's reference counting is unchanged.
:mod:`.irguard` finds such pairs in a kernel's loops and the test suite runs
it on every kernel.  Second, cache mode never reads the write flags.

Numba's on-disk cache (``cache=True``) is keyed on each kernel's own source
file: after editing ``common.py`` during development, delete
``__pycache__/*.nbi`` here so the kernels are rebuilt.
"""
