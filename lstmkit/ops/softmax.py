"""Numerically stable softmax and log-softmax along one axis.

With m = max_j z_j taken along `axis` and s = z - m (the shifted scores):

    log_softmax(z)_k = s_k - log(sum_j exp(s_j))
    softmax(z)_k     = exp(s_k) / sum_j exp(s_j)

Subtracting m changes nothing in exact arithmetic but makes every exponent s_j <= 0, so `exp`
never overflows (z = 1000 is harmless), and the sum is at least exp(0) = 1 (the maximum's own
term), so the log never sees 0 and log_softmax never returns -inf for finite z.

Exponents far below zero underflow instead: exp(-2000) is 0, and NumPy flags it (an error under
`np.errstate(under="raise")`). `exp` is therefore only evaluated where s_j >= EXP_FLOOR =
log(tiny) + 1 (about -707 in float64, -86 in float32), and the terms below
are written as exact zeros. Those terms are smaller than e * tiny (about 6e-308 in float64,
3e-38 in float32): dropping them from a sum that is at least 1 changes nothing representable,
and a softmax output that small differs from 0 by less than e * tiny.

Computations stay in the input's floating dtype (integers become float64, float16 float32).
"""

import numpy as np


def _shifted(z, axis: int) -> np.ndarray:
    """s = z - max(z, axis), as a new array in z's floating dtype."""
    z = np.asarray(z)
    z = z.astype(np.result_type(z, np.float32), copy=False)
    if z.shape[axis] == 0:  # nothing to normalise; np.max would refuse the empty axis
        return z.copy()
    return z - np.max(z, axis=axis, keepdims=True)


def _exp_flushed(s: np.ndarray) -> np.ndarray:
    """exp(s) for s <= 0, with results below e * tiny written as exact 0 (no underflow flag)."""
    floor = float(np.log(np.finfo(s.dtype).tiny)) + 1.0
    e = np.zeros_like(s)
    np.exp(s, out=e, where=s >= floor)
    return e


def log_softmax(z, axis: int = -1) -> np.ndarray:
    """log_softmax(z)_k = s_k - log(sum_j exp(s_j)), s = z - max(z), along `axis`."""
    s = _shifted(z, axis)
    s -= np.log(np.sum(_exp_flushed(s), axis=axis, keepdims=True))
    return s


def softmax(z, axis: int = -1) -> np.ndarray:
    """softmax(z)_k = exp(s_k) / sum_j exp(s_j), s = z - max(z), along `axis`."""
    e = _exp_flushed(_shifted(z, axis))
    e /= np.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax_with_softmax(z, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """(log_softmax(z), softmax(z)) from one shift and one `exp`, for losses that need both."""
    s = _shifted(z, axis)
    e = _exp_flushed(s)
    total = np.sum(e, axis=axis, keepdims=True)
    s -= np.log(total)
    e /= total
    return s, e
