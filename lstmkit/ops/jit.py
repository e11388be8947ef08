"""The optional numba kernels: loaded on first use, never at `import lstmkit`.

`fused_kernels()` returns the module `lstmkit.ops.fused` when numba is installed
(`pip install lstmkit[fast]`) and the environment variable LSTMKIT_JIT is not "0"; otherwise
None, and every layer runs its NumPy path. The answer is found at the first call and kept for
the life of the process, so LSTMKIT_JIT must be set before the first layer runs.

The two paths compute the same equations, not the same bits: the kernels evaluate sigmoid and
tanh by a rational approximation (at most 3.6e-7 from the exact tanh, the size of float32
rounding; see `lstmkit.ops.fused`), which is why they serve float32 only and float64 always
takes the NumPy path. They cover each cell's default options only (LSTMOptions(),
GRUOptions(), RNNOptions(): default activations, no clip, no coupled gates; for the LSTM also
no peepholes; the LSTM's and GRU's layer_norm, zoneout and training-mode dropout_state run a
NumPy loop, while dropout_input, dropout_output and weight_drop keep the kernels). The layer
decides whether its options are the defaults and passes that as
`default_options`; `fused_for(dtype, default_options)` adds the float32 check and returns the
kernels or None.

The scans of `lstmkit.recurrent` run each direction of each layer as one compiled call
(`lstmkit.ops.compiled_loops`: the whole time loop, forward and backward, with BLAS called from
the compiled code for the per-step products) under the same rule, and SciPy importable besides:
numba's `np.dot` reaches BLAS through `scipy.linalg.cython_blas` (the `fast` extra installs
both). `loops_for(dtype, default_options)` returns that module or None; with None the scans
run their NumPy loops, which are the reference (and the float64 path of the
finite-difference checks). The products then run on SciPy's BLAS (OpenBLAS in its wheels), a
thread pool beside NumPy's: OPENBLAS_NUM_THREADS sizes both, and threadpoolctl sizes it only
once it is loaded, at the first float32 layer run; code that limits threads calls
`preload_loops()` first.
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


@functools.cache
def _loops_module():
    """`lstmkit.ops.compiled_loops`, or None when SciPy (numba's BLAS) is missing."""
    try:
        import scipy.linalg.cython_blas  # noqa: F401  (numba's np.dot calls BLAS through it)
    except ImportError:
        return None
    from lstmkit.ops import compiled_loops

    return compiled_loops


def loops_for(dtype, default_options: bool):
    """The compiled whole-loop module for arrays of `dtype` with default options, or None
    (the rule of `fused_for`, and SciPy importable)."""
    if fused_for(dtype, default_options) is None:
        return None
    return _loops_module()


def preload_loops():
    """Load the compiled loops, and with them SciPy's BLAS, now rather than at the first layer
    run, so that a thread limit set next (threadpoolctl limits the pools loaded when it is
    entered) covers that pool too. Returns the module, or None where the loops do not apply."""
    return loops_for(np.float32, True)
