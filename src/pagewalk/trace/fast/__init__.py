"""The fast engine: numba kernels over dense page ids, one module per policy.

Each ``run_<policy>(ids, writes, npages, frames, demand, ...)`` returns the
counter vector described in :mod:`.common`.  They define no behaviour of their
own: :mod:`pagewalk.trace.reference` is the readable twin of every kernel and a
differential test holds the two to identical counters.
"""
