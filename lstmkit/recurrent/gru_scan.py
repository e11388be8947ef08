"""The GRU time loop of one direction of one layer, forward and exact backward (BPTT).

Same arrangement as `lstm_scan.py`: time-major, batch sorted by length, the input projections
of all steps as one GEMM, the per-step work in `lstmkit.cells.gru` on slices of preallocated
arrays, and the weight gradients as whole-sequence GEMMs after the backward loop:

    dW_ih = dA^T X,   dW_hh[r, z rows] = dA_rz^T H_prev,
    dW_hh[n rows] = dN_h^T H_prev (linear_before_reset) or dN_h^T (R * H_prev) (otherwise)

where dA are the pre-activation gradients and dN_h the gradients of the recurrent n rows.

With numba and SciPy installed (and LSTMKIT_JIT not "0"), float32 layers with the default
options (linear_before_reset, sigmoid and tanh, no clip) run the whole loop of a direction as
ONE compiled call, forward and backward (`lstmkit.ops.compiled_loops`: the per-step product
through BLAS, the element-wise work as the fused kernels of `lstmkit.ops.fused`; backward does
one product per step, [dA_r, dA_z, dN_h] @ W_hh). Everything else runs the NumPy loop, the
reference; the GEMMs before and after the loop are the same on both paths.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.gru import (
    DEFAULT_GRU_OPTIONS,
    GRUCellSpec,
    gru_cell_backward,
    gru_cell_forward,
)
from lstmkit.ops.jit import loops_for
from lstmkit.recurrent.layout import BatchLayout, contiguous_t, gradient_buffer


@dataclass
class GRUScanCache:
    """Everything one direction of one layer keeps for its backward pass."""

    x: np.ndarray  # (T, N, I)
    gates: np.ndarray  # (T, N, 3H) activations r, z, n
    h: np.ndarray  # (T+1, N, H), h[0] = h_0; zero past each length
    hn: np.ndarray  # (T, N, H) h W_hn^T + b_hn (linear_before_reset) or r * h
    inside: np.ndarray | None  # (T, N, 3H) bool, where no clipping happened (clip only)


def gru_scan_forward(cell: GRUCellSpec, params, x, states, layout: BatchLayout):
    """Run the GRU over x (T, N, I) from states = (h0,), with `cell.options`; returns
    (y, (h_n,), cache), y a view of cache.h[1:]."""
    (h0,), options = states, cell.options
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    dtype = weight_hh.dtype
    gates = np.empty((steps, batch, 3 * hidden), dtype=dtype)
    np.matmul(
        x.reshape(steps * batch, inputs), contiguous_t(weight_ih), out=gates.reshape(-1, 3 * hidden)
    )
    if "bias_ih" in params:
        gates += params["bias_ih"]
    h = np.zeros((steps + 1, batch, hidden), dtype=dtype)
    h[0] = h0
    hn = np.zeros((steps, batch, hidden), dtype=dtype)
    inside = np.ones(gates.shape, bool) if options.clip is not None else None
    recurrent = np.empty((batch, 3 * hidden), dtype=dtype)
    bias_hh = params.get("bias_hh")
    loops = _kernels(dtype, options)
    if loops is not None:
        small = loops.use_loops_for(layout.batch_sizes, weight_hh)  # products as loops
        loops.gru_loop(
            gates,
            recurrent,
            np.zeros(3 * hidden, dtype) if bias_hh is None else bias_hh,
            loops.operand(weight_hh, small),
            h,
            hn,
            np.asarray(layout.batch_sizes, np.int64),
            small,
        )
    for t, n in enumerate(layout.batch_sizes if loops is None else ()):
        gru_cell_forward(
            gates[t, :n],
            h[t, :n],
            weight_hh,
            bias_hh,
            h[t + 1, :n],
            hn[t, :n],
            hn[t, :n],
            recurrent[:n],
            options,
            None if inside is None else inside[t, :n],
        )
    cache = GRUScanCache(x=x, gates=gates, h=h, hn=hn, inside=inside)
    return h[1:], (layout.final(h),), cache


def gru_scan_backward(
    cell: GRUCellSpec,
    params,
    grads,
    cache: GRUScanCache,
    dy,
    dfinals,
    layout: BatchLayout,
    dy_writable: bool = False,
):
    """Backpropagate through the sequence; adds parameter gradients into `grads` and returns
    (dx, (dh_0,)). dy (T, N, H) is ignored past each length; dfinals = (dh_n,), dh_n (N, H)
    entering at the last step.
    With `dy_writable` the caller gives up dy: the gradients of the recurrent n rows are
    written over it (each step reads its dy before writing there), saving a (T, N, H) array;
    otherwise over a copy.
    """
    (dh_n,), options = dfinals, cell.options
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    steps, batch, _ = cache.x.shape
    hidden = weight_hh.shape[1]
    dtype = weight_hh.dtype
    dgates = np.zeros((steps, batch, 3 * hidden), dtype=dtype)
    dgate_hn = gradient_buffer(dy, dy_writable, layout)  # holds dy; each step writes over it
    dh = np.array(dh_n, dtype=dtype, copy=True)
    loops = _kernels(dtype, options)
    if loops is not None:
        small = loops.use_loops_for(layout.batch_sizes, weight_hh)
        loops.gru_loop_backward(
            dh,
            dgate_hn,
            cache.gates,
            cache.h,
            cache.hn,
            dgates,
            np.empty((batch, 3 * hidden), dtype),  # [dA_r, dA_z, dN_h] of a step
            np.zeros_like(dh),  # their product with W_hh, for the step before
            loops.operand(weight_hh.T, small),
            np.asarray(layout.batch_sizes, np.int64),
            small,
        )
    else:
        _numpy_backward_loop(weight_hh, cache, dh, dgates, dgate_hn, layout, options)

    da = dgates.reshape(-1, 3 * hidden)
    dn_h = dgate_hn.reshape(-1, hidden)
    h_prev = cache.h[:steps].reshape(-1, hidden)
    recurrent_input = h_prev if options.linear_before_reset else cache.hn.reshape(-1, hidden)
    grads["weight_ih"] += da.T @ cache.x.reshape(steps * batch, -1)
    grads["weight_hh"][: 2 * hidden] += da[:, : 2 * hidden].T @ h_prev
    grads["weight_hh"][2 * hidden :] += dn_h.T @ recurrent_input
    if "bias_ih" in params:
        grads["bias_ih"] += da.sum(axis=0)
        grads["bias_hh"][: 2 * hidden] += da[:, : 2 * hidden].sum(axis=0)
        grads["bias_hh"][2 * hidden :] += dn_h.sum(axis=0)
    dx = (da @ weight_ih).reshape(steps, batch, -1)
    return dx, (dh,)


def _numpy_backward_loop(weight_hh, cache, dh, dgates, dgate_hn, layout, options):
    """The backward time loop with `cells.gru` (any options, any dtype); dh: dh_n -> dh_0.
    dgate_hn holds dy on entry; each step reads its dy before writing dgate_hn there."""
    dh_prev, scratch = np.empty_like(dh), np.empty_like(dh)
    for t in range(len(layout.batch_sizes) - 1, -1, -1):
        n = layout.batch_sizes[t]
        dh[:n] += dgate_hn[t, :n]
        gru_cell_backward(
            dh[:n],
            cache.gates[t, :n],
            cache.h[t, :n],
            cache.hn[t, :n],
            weight_hh,
            dgates[t, :n],
            dgate_hn[t, :n],
            dh_prev[:n],
            scratch[:n],
            options,
            None if cache.inside is None else cache.inside[t, :n],
        )
        dh[:n] = dh_prev[:n]


def _kernels(dtype, options):
    """The compiled loops when they apply (float32, default options), else None."""
    return loops_for(dtype, options == DEFAULT_GRU_OPTIONS)
