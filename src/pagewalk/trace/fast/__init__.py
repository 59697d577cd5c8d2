"""The fast engine: numba kernels over dense page ids, one module per policy.

Each ``run_<policy>(ids, writes, npages, frames, demand, ...)`` returns the
counter vector described in :mod:`.common`.  They define no behaviour of their
own: :mod:`pagewalk.trace.reference` is the readable twin of every kernel and a
differential test holds the two to identical counters.

Two rules keep the kernels fast: helpers that take arrays are compiled with
``_nrt=False`` (no reference counting: each call would otherwise cost two
atomic operations, which made the kernels ten times slower), and cache mode
never reads the write flags.  Numba's on-disk cache (``cache=True``) is keyed
on each kernel's own source file: after editing ``common.py`` during
development, delete ``__pycache__/*.nbi`` here so the kernels are rebuilt.
"""
