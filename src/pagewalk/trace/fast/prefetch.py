"""A software prefetch for compiled kernels: ``prefetch(a, i)``.

Kernels over traces with many pages (a Zipf trace over a million pages) wait
on memory: the state of the page of access ``i`` is a cache miss, and when the
kernel's next branch depends on it (hit or miss), a mispredicted branch
serialises those misses.  ``prefetch(a, i)`` asks the CPU to bring the cache
line of ``a[i]`` into its caches (LLVM's ``llvm.prefetch``: a read, high
locality) without waiting for it; a kernel calls it for the page a few
accesses ahead.  It is only a hint: it never faults, even for an index outside
the array, and it changes no result.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, arr, idx):
    """Prefetch the cache line of ``arr[idx]`` (1-D C-contiguous array, integer index)."""
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.layout == "C"
            and isinstance(idx, types.Integer)):
        return None
    sig = types.void(arr, idx)

    def codegen(context, builder, signature, args):
        aryty, idxty = signature.args
        ary = context.make_array(aryty)(context, builder, args[0])
        index = context.cast(builder, args[1], idxty, types.intp)
        ptr = builder.gep(ary.data, [index])  # C-contiguous: no strides to apply
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # read (0), high temporal locality (3), data cache (1)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen
