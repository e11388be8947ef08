"""The optional numba kernels: loaded on first use, never at `import lstmkit`.

`fused_kernels()` returns the module `lstmkit.ops.fused` when numba is installed
(`pip install lstmkit[fast]`) and the environment variable LSTMKIT_JIT is not "0"; otherwise
None, and every layer runs its NumPy path, which computes the same function exactly.
The kernels cover the common case only: float32 with the default activations and no clip,
peepholes or coupled gates; `fused_for` says whether a given call is that case.
"""

import functools
import os

import numpy as np


@functools.cache
def fused_kernels():
    """The fused-kernel module, or None (numba missing, or disabled with LSTMKIT_JIT=0)."""
    if os.environ.get("LSTMKIT_JIT", "1") == "0":
        return None
    try:
        from lstmkit.ops import fused
    except ImportError:  # numba (or its llvmlite) is not installed
        return None
    return fused


def fused_for(dtype, default_options: bool):
    """The kernels to use for arrays of `dtype` with options that are the defaults, or None."""
    if not default_options or np.dtype(dtype) != np.float32:
        return None
    return fused_kernels()
