"""The LSTM time loop of one direction of one layer, forward and exact backward (BPTT).

Everything is time-major and batch-sorted (see `layout.py`): at step t only the first
`n = batch_sizes[t]` rows run. The equations are those of `lstmkit.cells.lstm`, whose
element-wise functions this loop calls on slices of preallocated arrays. For speed
(see DESIGN.md section 3):

- the input projections of all steps are ONE GEMM, `(T*N, I) x (I, 4H)`, written straight into
  the gate array, with both biases added once;
- each step does one GEMM `h @ weight_hh.T` and the gate arithmetic in place, with no
  temporaries;
- backward does one GEMM per step (`dz @ weight_hh`) and computes every weight gradient after
  the loop as ONE GEMM over all steps: `dW_ih = dZ^T X`, `dW_hh = dZ^T H_prev`.

The rule for the compiled loops (`lstmkit.ops.jit.loops_for`): with numba and SciPy installed
and LSTMKIT_JIT not "0", a float32 layer with the default options (no peepholes, clip or other
activations; a projection is allowed) runs the whole loop of each direction, forward and
backward, as ONE compiled call (`lstmkit.ops.compiled_loops`: the per-step products through
BLAS, or at a few rows of a large weight as compiled loops by the rule
`lstmkit.ops.small_batch.use_loops`; the gate arithmetic as the fused kernels of
`lstmkit.ops.fused`). Everything else (float64, other options) runs the NumPy loop
below, the reference. The GEMMs before and after the loop are the same on both paths.

Rows past a sequence's length keep zeros in `h`, `act_c`, `r` and in the gradient `dgates`,
so the whole-array GEMMs after the loop need no masking.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.lstm import (
    DEFAULT_OPTIONS,
    LSTMCellSpec,
    lstm_pointwise_backward,
    lstm_pointwise_forward,
    peephole_grad,
)
from lstmkit.ops.jit import loops_for
from lstmkit.recurrent.layout import BatchLayout, contiguous_t


@dataclass
class LSTMScanCache:
    """Everything one direction of one layer keeps for its backward pass."""

    x: np.ndarray  # (T, N, I) this direction's input
    gates: np.ndarray  # (T, N, 4H) activations i, f, g, o
    c: np.ndarray  # (T+1, N, H) cell states, c[0] = c_0
    act_c: np.ndarray  # (T, N, H) h(c), tanh(c) by default
    h: np.ndarray  # (T+1, N, P) hidden states, h[0] = h_0; zero past each length
    r: np.ndarray | None  # (T, N, H) o * h(c) before the projection (projection only)
    inside: np.ndarray | None  # (T, N, 4H) bool, where no clipping happened (clip only)


def lstm_scan_forward(cell: LSTMCellSpec, params, x, states, layout: BatchLayout):
    """Run the LSTM over x (T, N, I) from states = (h0, c0), with `cell.options`.

    Returns (y, (h_n, c_n), cache): y (T, N, P) is zero past each sequence's length (a view of
    `cache.h[1:]`: read it, do not write it), h_n and c_n are the states at each sequence's
    last valid step.
    """
    (h0, c0), options = states, cell.options
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    weight_hr, peepholes = params.get("weight_hr"), params.get("weight_ch")
    steps, batch, inputs = x.shape
    gate_width, out_size = weight_hh.shape
    hidden = gate_width // 4
    dtype = weight_hh.dtype

    gates = np.empty((steps, batch, gate_width), dtype=dtype)
    np.matmul(
        x.reshape(steps * batch, inputs), contiguous_t(weight_ih), out=gates.reshape(-1, gate_width)
    )
    loops = _kernels(dtype, peepholes, options)
    bias = params["bias_ih"] + params["bias_hh"] if "bias_ih" in params else None
    if loops is None and bias is not None:
        gates += bias  # the compiled loops add it as they read the gates
    elif loops is not None and bias is None:
        bias = np.zeros(gate_width, dtype)
    h = np.zeros((steps + 1, batch, out_size), dtype=dtype)
    c = np.zeros((steps + 1, batch, hidden), dtype=dtype)
    h[0], c[0] = h0, c0
    cache = LSTMScanCache(
        x=x,
        gates=gates,
        c=c,
        act_c=np.zeros((steps, batch, hidden), dtype=dtype),
        h=h,
        r=np.zeros((steps, batch, hidden), dtype=dtype) if weight_hr is not None else None,
        inside=np.ones(gates.shape, bool) if options.clip is not None else None,
    )
    if loops is None:
        _numpy_forward(cache, weight_hh, weight_hr, peepholes, layout, options)
    else:
        _compiled_forward(loops, cache, bias, weight_hh, weight_hr, layout)
    return h[1:], (layout.final(h), layout.final(c)), cache


def _compiled_forward(loops, cache: LSTMScanCache, bias, weight_hh, weight_hr, layout):
    """The time loop of `lstm_scan_forward` as one call of `lstmkit.ops.compiled_loops`."""
    gates, c, h = cache.gates, cache.c, cache.h
    dtype, small = gates.dtype, loops.use_loops_for(layout.batch_sizes, weight_hh)
    loops.lstm_loop(
        gates,
        np.empty(gates.shape[1:], dtype),  # scratch for h @ W_hh^T
        bias,
        loops.operand(weight_hh, small),
        _absent(dtype) if weight_hr is None else loops.operand(weight_hr, small),
        c,
        cache.act_c,
        h[1:] if weight_hr is None else cache.r,  # no projection: the kernel writes h
        h,
        np.asarray(layout.batch_sizes, np.int64),
        small,
    )


def _numpy_forward(cache: LSTMScanCache, weight_hh, weight_hr, peepholes, layout, options):
    """The NumPy time loop of `lstm_scan_forward` (any options, any dtype): fills the cache."""
    h, r = cache.h, cache.r
    recurrent = np.empty((h.shape[1], weight_hh.shape[0]), dtype=h.dtype)
    weight_hh_t = contiguous_t(weight_hh)
    weight_hr_t = weight_hr.T if weight_hr is not None else None
    for t, n in enumerate(layout.batch_sizes):
        np.matmul(h[t, :n], weight_hh_t, out=recurrent[:n])
        r_t = r[t, :n] if r is not None else h[t + 1, :n]
        step_gates = cache.gates[t, :n]
        step_gates += recurrent[:n]
        lstm_pointwise_forward(
            step_gates,
            cache.c[t, :n],
            cache.c[t + 1, :n],
            cache.act_c[t, :n],
            r_t,
            peepholes,
            options,
            None if cache.inside is None else cache.inside[t, :n],
        )
        if weight_hr_t is not None:
            np.matmul(r_t, weight_hr_t, out=h[t + 1, :n])


def lstm_scan_backward(
    cell: LSTMCellSpec,
    params,
    grads,
    cache: LSTMScanCache,
    dy,
    dfinals,
    layout: BatchLayout,
    dy_writable: bool = False,
):
    """Backpropagate through the whole sequence.

    dy (T, N, P): gradient of the outputs (ignored past each length, where outputs are
    constant zero; read only, whatever `dy_writable` says); dfinals = (dh_n (N, P), dc_n (N, H)):
    gradients of the final states. Adds the parameter gradients into `grads` (same keys as
    `params`) and returns (dx, (dh_0, dc_0)).
    """
    (dh_n, dc_n), options = dfinals, cell.options
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    weight_hr, peepholes = params.get("weight_hr"), params.get("weight_ch")
    steps, batch, _ = cache.x.shape
    gate_width, out_size = weight_hh.shape
    hidden = gate_width // 4
    dtype = weight_hh.dtype

    dgates = np.zeros((steps, batch, gate_width), dtype=dtype)
    # The final-state gradient enters each row at its own last step: rows that have not yet
    # started running (backwards) are untouched until then, so it can be loaded up front.
    dh = np.array(dh_n, dtype=dtype, copy=True)
    dc = np.array(dc_n, dtype=dtype, copy=True)
    # for dW_hr after the loop
    dh_steps = np.zeros((steps, batch, out_size), dtype) if weight_hr is not None else None
    _backward_loop(params, cache, dy, dh, dc, dgates, dh_steps, layout, options)

    dz = dgates.reshape(-1, gate_width)
    grads["weight_ih"] += dz.T @ cache.x.reshape(steps * batch, -1)
    grads["weight_hh"] += dz.T @ cache.h[:steps].reshape(-1, out_size)
    if "bias_ih" in params:
        bias_grad = dz.sum(axis=0)
        grads["bias_ih"] += bias_grad
        grads["bias_hh"] += bias_grad
    if weight_hr is not None:
        grads["weight_hr"] += dh_steps.reshape(-1, out_size).T @ cache.r.reshape(-1, hidden)
    if peepholes is not None:
        grads["weight_ch"] += peephole_grad(dgates, cache.c[:steps], cache.c[1:])
    dx = (dz @ weight_ih).reshape(steps, batch, -1)
    return dx, (dh, dc)


def _backward_loop(params, cache, dy, dh, dc, dgates, dh_steps, layout, options):
    """The reverse time loop: dh, dc go from the final-state gradients to dh_0, dc_0; writes
    dz into dgates (T, N, 4H) and, with a projection, the gradients at h into dh_steps."""
    weight_hh, weight_hr = params["weight_hh"], params.get("weight_hr")
    loops = _kernels(dc.dtype, params.get("weight_ch"), options)
    if loops is None:
        _numpy_backward(params, cache, dy, dh, dc, dgates, dh_steps, layout, options)
    else:
        batch, hidden = dc.shape
        projected, small = weight_hr is not None, loops.use_loops_for(layout.batch_sizes, weight_hh)
        # with a projection the kernel gets dr = (dh + dy) W_hr, which already holds dy
        scratch = np.zeros((batch, hidden), dc.dtype) if projected else _absent(dc.dtype)
        loops.lstm_loop_backward(
            np.ascontiguousarray(dy),
            dh,
            dc,
            cache.gates,
            cache.c,
            cache.act_c,
            dgates,
            loops.operand(weight_hh.T, small),
            loops.operand(weight_hr.T, small) if projected else _absent(dc.dtype),
            dh_steps if projected else _absent(dc.dtype, 3),
            np.empty_like(scratch),  # dr
            scratch,  # zeros for dy
            np.asarray(layout.batch_sizes, np.int64),
            small,
        )


def _numpy_backward(params, cache, dy, dh, dc, dgates, dh_steps, layout, options):
    """`_backward_loop` in NumPy (any options, any dtype)."""
    weight_hh, weight_hr = params["weight_hh"], params.get("weight_hr")
    batch, hidden = dc.shape
    scratch = np.empty((batch, hidden), dtype=dc.dtype)
    dr_buffer = np.empty((batch, hidden), dtype=dc.dtype) if weight_hr is not None else None
    for t in range(len(layout.batch_sizes) - 1, -1, -1):
        n = layout.batch_sizes[t]
        dh_t = dh[:n]
        dh_t += dy[t, :n]
        if weight_hr is not None:
            dh_steps[t, :n] = dh_t
            dr = np.matmul(dh_t, weight_hr, out=dr_buffer[:n])
        else:
            dr = dh_t
        lstm_pointwise_backward(
            dr,
            dc[:n],
            cache.gates[t, :n],
            cache.c[t, :n],
            cache.act_c[t, :n],
            dgates[t, :n],
            scratch[:n],
            params.get("weight_ch"),
            options,
            None if cache.inside is None else cache.inside[t, :n],
        )
        np.matmul(dgates[t, :n], weight_hh, out=dh[:n])


def _absent(dtype, ndim=2):
    """An empty array: what the compiled loops get for the arrays of a projection they lack."""
    return np.empty((0,) * ndim, dtype)


def _kernels(dtype, peepholes, options):
    """The compiled loops when they apply (float32, default options, no peepholes), else None."""
    return loops_for(dtype, peepholes is None and options == DEFAULT_OPTIONS)
