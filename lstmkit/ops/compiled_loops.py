"""Whole time loops of the LSTM, GRU and RNN scans compiled by numba (float32, default options).

Never import this module directly: `lstmkit.ops.jit.loops_for()` imports it on first use and
returns None when numba or SciPy is unavailable or LSTMKIT_JIT=0.

Why: the scans of `lstmkit.recurrent` spend, per step, one BLAS product and one fused
element-wise kernel (`lstmkit.ops.fused`). Driven from Python, each step also pays the
interpreter and NumPy's call overhead, several microseconds, which at hidden sizes of 32-192
and batches of 8-64 is a large part of the step. Each function here runs a whole direction of
one layer in one call:

- forward: per step t, with n = batch_sizes[t] sequences still running (the batch is sorted
  by length, `lstmkit.recurrent.layout`), `recurrent[:n] = h[t, :n] @ weight_hh_t` and the
  step's fused kernel;
- backward: per step, the fused backward kernel and `dh[:n] = dgates[t, :n] @ weight_hh`.

The products are numba's `np.dot(a, b, out)` on C-contiguous 2-D float32 arrays, which calls BLAS
(SciPy's, through `scipy.linalg.cython_blas`) from the compiled code, or, where the caller passes
`small` (the rule `lstmkit.ops.small_batch.use_loops`: a few rows of a large weight, where OpenBLAS
re-packs the whole weight every step), the compiled loop `lstmkit.ops.small_batch.matmul_rows`
(`small` is every loop's last argument). The weight arguments are named for BLAS's layout
(weight_hh_t = W_hh^T, C order); with `small` each is its transpose (W_hh itself, C order), the
layout of the loop's dot products; `small_batch.operand` makes either. The element-wise work is the
very kernels the Python-driven loop would call, so the equations and their float32 tanh
approximation are those of `lstmkit.ops.fused`. The input projection of all steps (one GEMM before
the loop) and the weight gradients (one GEMM each over all steps after it) stay with the callers in
`lstmkit.recurrent`, which also pack the weights (`contiguous_t`) once per call and hand every array
in C order: these functions check nothing.

Rows past a sequence's length are never touched, so they keep what the caller put there
(zeros in h, c, act_c and the gradients), exactly as in the NumPy loops.

Compiled once and cached on disk (`cache=True`). numba checks a cached function against its own file
only, not against the kernels it calls: after editing `fused.py` or `small_batch.py`, touch this
file (or clear lstmkit/ops/__pycache__) so that the loops are compiled again with the new kernels.
An installed release rewrites both files, so users never meet a stale cache.
"""

import numpy as np
from numba import njit

from lstmkit.ops.fused import (
    _JIT,
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)
from lstmkit.ops.small_batch import matmul_rows, operand, use_loops_for

__all__ = [
    "gru_loop",
    "gru_loop_backward",
    "lstm_loop",
    "lstm_loop_backward",
    "operand",
    "rnn_loop",
    "rnn_loop_backward",
    "use_loops_for",
]


@njit(inline="always", **_JIT)
def _product(a, w, out, small):
    """out = a @ W: with `small`, the compiled loop, w = W.T (M, K); else BLAS, w = W (K, M).
    The callers lay w out once per call for the path (`small_batch.operand`)."""
    if small:
        matmul_rows(a, w, out)
    else:
        np.dot(a, w, out)


@njit(**_JIT)
def lstm_loop(gates, recurrent, bias, weight_hh_t, weight_hr_t, c, act_c, r, h, batch_sizes, small):
    """LSTM forward over T steps, in place (the arrays of `LSTMScanCache`).

    gates (T, N, 4H) holds x W_ih^T on entry and i, f, g, o on exit (`fused.lstm_forward`
    adds bias = b_ih + b_hh); c, h (T+1, N, .) hold c_0, h_0 at index 0 and receive the states;
    act_c (T, N, H) receives tanh(c); recurrent (N, 4H) is scratch. With a projection
    (weight_hr_t (H, P) not empty) r (T, N, H) receives o * tanh(c) and h[t+1] = r_t weight_hr_t;
    without one, r is h[1:] and the kernel writes h there directly.
    """
    project = weight_hr_t.shape[0] > 0
    for t in range(batch_sizes.shape[0]):
        n = batch_sizes[t]
        _product(h[t, :n], weight_hh_t, recurrent[:n], small)
        lstm_forward(
            gates[t, :n], recurrent[:n], bias, c[t, :n], c[t + 1, :n], act_c[t, :n], r[t, :n]
        )
        if project:
            _product(r[t, :n], weight_hr_t, h[t + 1, :n], small)


@njit(**_JIT)
def lstm_loop_backward(
    dy,
    dh,
    dc,
    gates,
    c,
    act_c,
    dgates,
    weight_hh,
    weight_hr,
    dh_steps,
    dr,
    no_dy,
    batch_sizes,
    small,
):
    """Backward of `lstm_loop`: dh (N, P), dc (N, H) go from dh_n, dc_n to dh_0, dc_0; writes
    dz into dgates (T, N, 4H).

    Without a projection (weight_hr empty) the kernel reads dr = dh + dy[t] itself. With one,
    dh_t = dh + dy[t] is kept in dh_steps (T, N, P) for dW_hr, dr = dh_t weight_hr goes to the
    scratch dr (N, H), and the kernel gets zeros (no_dy (N, H)) for dy.
    """
    project = weight_hr.shape[0] > 0
    for t in range(batch_sizes.shape[0] - 1, -1, -1):
        n = batch_sizes[t]
        if project:
            dh_t = dh[:n]
            dh_t += dy[t, :n]
            dh_steps[t, :n] = dh_t
            _product(dh_t, weight_hr, dr[:n], small)
            lstm_backward(
                dr[:n], no_dy[:n], dc[:n], gates[t, :n], c[t, :n], act_c[t, :n], dgates[t, :n]
            )
        else:
            lstm_backward(
                dh[:n], dy[t, :n], dc[:n], gates[t, :n], c[t, :n], act_c[t, :n], dgates[t, :n]
            )
        _product(dgates[t, :n], weight_hh, dh[:n], small)


@njit(**_JIT)
def gru_loop(gates, recurrent, bias_hh, weight_hh_t, h, hn, batch_sizes, small):
    """GRU forward over T steps, in place: gates (T, N, 3H) holds x W_ih^T + b_ih on entry and
    r, z, n on exit; h (T+1, N, H) holds h_0 at 0 and receives the states; hn (T, N, H)
    receives h W_hn^T + b_hn (`fused.gru_forward`); recurrent (N, 3H) is scratch."""
    for t in range(batch_sizes.shape[0]):
        n = batch_sizes[t]
        _product(h[t, :n], weight_hh_t, recurrent[:n], small)
        gru_forward(gates[t, :n], recurrent[:n], bias_hh, h[t, :n], h[t + 1, :n], hn[t, :n])


@njit(**_JIT)
def gru_loop_backward(
    dh, dgate_hn, gates, h, hn, dgates, drec, dh_rec, weight_hh, batch_sizes, small
):
    """Backward of `gru_loop`: dh (N, H) goes from dh_n to dh_0.

    dgate_hn (T, N, H) holds dy on entry and the gradients of the recurrent n rows on exit;
    dgates (T, N, 3H) receives [dA_r, dA_z, dZ_n]. Per step `fused.gru_backward` leaves the
    direct path d * z in dh and [dA_r, dA_z, dN_h] in drec (N, 3H), whose product with
    weight_hh goes to dh_rec (N, H, zeros on entry) for the next step.
    """
    for t in range(batch_sizes.shape[0] - 1, -1, -1):
        n = batch_sizes[t]
        gru_backward(
            dh[:n],
            dh_rec[:n],
            dgate_hn[t, :n],
            gates[t, :n],
            h[t, :n],
            hn[t, :n],
            dgates[t, :n],
            drec[:n],
        )
        _product(drec[:n], weight_hh, dh_rec[:n], small)
    dh += dh_rec


@njit(**_JIT)
def rnn_loop(h, recurrent, bias, weight_hh_t, batch_sizes, small):
    """tanh RNN forward over T steps, in place: h (T+1, N, H) holds h_0 at 0 and each step's
    input projection x_t W_ih^T at t+1 on entry, the states on exit (`fused.rnn_forward` adds
    bias = b_ih + b_hh); recurrent (N, H) is scratch. Rows past a length keep their projection:
    the caller zeroes them."""
    for t in range(batch_sizes.shape[0]):
        n = batch_sizes[t]
        _product(h[t, :n], weight_hh_t, recurrent[:n], small)
        rnn_forward(h[t + 1, :n], recurrent[:n], bias)


@njit(**_JIT)
def rnn_loop_backward(dh, da, h, weight_hh, batch_sizes, small):
    """Backward of `rnn_loop`: dh (N, H) goes from dh_n to dh_0; da (T, N, H) holds dy on entry
    and the pre-activation gradients (dh + dy) (1 - h'^2) on exit (`fused.rnn_backward`)."""
    for t in range(batch_sizes.shape[0] - 1, -1, -1):
        n = batch_sizes[t]
        rnn_backward(dh[:n], da[t, :n], h[t + 1, :n])
        _product(da[t, :n], weight_hh, dh[:n], small)
