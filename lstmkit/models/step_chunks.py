"""The strided front end of a recurrent branch: `stride` consecutive steps read as one step.

    x (N, T, C), lengths (N,)  ->  chunks (N, ceil(T / s), s * C), ceil(lengths / s)

    chunks[n, j] = [x[n, j*s], x[n, j*s + 1], ..., x[n, j*s + s - 1]]   (steps concatenated)

Steps past a sequence's length (and past T, up to the next multiple of s) are read as zeros,
so a sequence in a padded batch gets exactly the chunks it gets alone. With s = 1 this is the
identity; with s >= T it is the "dimension shuffle" of LSTM-FCN (Karim et al. 2017: the whole
univariate series is one step of T features). In between, an LSTM over a series of length T
takes ceil(T / s) steps instead of T: for long series (ACSF1's 1460 steps) the recurrence is
the slow part of a fit, and its per-step cost grows only with the width s * C of its input
product, which one GEMM over all steps computes at once.
"""

import numpy as np


def chunk_steps(x, lengths, stride):
    """(chunks (N, ceil(T / stride), stride * C), chunk lengths (N,) or None)."""
    if stride == 1:  # the identity: the encoder itself reads no step past a length
        return x, lengths
    n, steps, channels = x.shape
    chunk_count = -(-steps // stride)
    padded = np.zeros((n, chunk_count * stride, channels), dtype=x.dtype)
    padded[:, :steps] = x
    if lengths is not None:
        lengths = np.asarray(lengths, dtype=np.int64)
        padded[np.arange(chunk_count * stride)[None, :] >= lengths[:, None]] = 0
        lengths = -(-lengths // stride)
    return padded.reshape(n, chunk_count, stride * channels), lengths


def unchunk_gradient(dchunks, steps, channels, lengths=None):
    """dL/dx (N, steps, channels) from dL/dchunks: the steps past T dropped, and zero past each
    length (those steps were read as zeros, whatever x held there, so x takes no gradient)."""
    if dchunks.shape[1:] == (steps, channels):  # stride 1: the encoder's own dx, already
        return dchunks  # zero past each length
    n = dchunks.shape[0]
    dx = dchunks.reshape(n, -1, channels)[:, :steps].copy()
    if lengths is not None:
        dx[np.arange(steps)[None, :] >= np.asarray(lengths)[:, None]] = 0
    return dx


# "auto": the recurrent branch reads the longest training series in this many steps
RECURRENT_STEPS = 32


def auto_recurrent_stride(longest: int) -> int:
    """The stride that reads a series of `longest` steps in at most RECURRENT_STEPS steps (1
    for series no longer than that): measured on the five sets of docs/benchmarks.md."""
    return max(1, -(-int(longest) // RECURRENT_STEPS))
