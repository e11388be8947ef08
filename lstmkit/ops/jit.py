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
