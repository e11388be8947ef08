"""The vanilla RNN time loop of one direction of one layer, forward and exact backward.

Same arrangement as `lstm_scan.py`; the per-step work is `lstmkit.cells.rnn`. With numba and
SciPy installed (and LSTMKIT_JIT not "0"), float32 tanh layers without clip run the whole loop
of a direction as ONE compiled call, forward and backward (`lstmkit.ops.compiled_loops`: the
per-step product through BLAS, the element-wise work as the fused kernels of
`lstmkit.ops.fused`); everything else runs the NumPy loop, the reference.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.rnn import (
    DEFAULT_RNN_OPTIONS,
    RNNCellSpec,
    rnn_cell_backward,
    rnn_cell_forward,
)
from lstmkit.ops.jit import loops_for
from lstmkit.recurrent.layout import BatchLayout, contiguous_t, gradient_buffer


@dataclass
class RNNScanCache:
    """Everything one direction of one layer keeps for its backward pass."""

    x: np.ndarray  # (T, N, I)
    h: np.ndarray  # (T+1, N, H), h[0] = h_0; zero past each length
    inside: np.ndarray | None  # (T, N, H) bool, where no clipping happened (clip only)


def rnn_scan_forward(cell: RNNCellSpec, params, x, states, layout: BatchLayout):
    """Run the RNN over x (T, N, I) from states = (h0,), with `cell.options`; returns
    (y, (h_n,), cache), y a view of cache.h[1:]."""
    (h0,), options = states, cell.options
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    steps, batch, inputs = x.shape
    hidden = weight_hh.shape[1]
    dtype = weight_hh.dtype
    loops = _kernels(dtype, options)
    h = np.zeros((steps + 1, batch, hidden), dtype=dtype)
    h[0] = h0
    # The fused kernel works in place, so the input projections live in h[1:] and each step
    # turns its own into h': one (T, N, H) array instead of two (a training step's peak).
    gates = h[1:] if loops is not None else np.empty((steps, batch, hidden), dtype=dtype)
    np.matmul(
        x.reshape(steps * batch, inputs), contiguous_t(weight_ih), out=gates.reshape(-1, hidden)
    )
    bias = params["bias_ih"] + params["bias_hh"] if "bias_ih" in params else None
    if loops is None and bias is not None:
        gates += bias  # the fused kernel adds it as it reads the gates
    elif loops is not None and bias is None:
        bias = np.zeros(hidden, dtype)
    inside = np.ones(gates.shape, bool) if options.clip is not None else None
    if loops is not None:
        small = loops.use_loops_for(layout.batch_sizes, weight_hh)  # products as loops
        loops.rnn_loop(
            h,
            np.empty((batch, hidden), dtype),  # scratch for h @ W_hh^T
            bias,
            loops.operand(weight_hh, small),
            np.asarray(layout.batch_sizes, np.int64),
            small,
        )
        layout.zero_padding(h[1:])  # ended sequences: their projections were written there
    for t, n in enumerate(layout.batch_sizes if loops is None else ()):
        rnn_cell_forward(
            gates[t, :n],
            h[t, :n],
            weight_hh,
            h[t + 1, :n],
            options,
            None if inside is None else inside[t, :n],
        )
    return h[1:], (layout.final(h),), RNNScanCache(x=x, h=h, inside=inside)


def rnn_scan_backward(
    cell: RNNCellSpec,
    params,
    grads,
    cache: RNNScanCache,
    dy,
    dfinals,
    layout: BatchLayout,
    dy_writable: bool = False,
):
    """Backpropagate through the sequence from dfinals = (dh_n,); adds parameter gradients into
    `grads` and returns (dx, (dh_0,)). With `dy_writable` the caller gives up dy (T, N, H):
    the pre-activation gradients are written over it (each step reads its dy before writing
    there), which saves a (T, N, H) array; otherwise over a copy."""
    (dh_n,), options = dfinals, cell.options
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    steps, batch, _ = cache.x.shape
    hidden = weight_hh.shape[1]
    dtype = weight_hh.dtype
    da = gradient_buffer(dy, dy_writable, layout)  # holds dy; each step writes its da there
    dh = np.array(dh_n, dtype=dtype, copy=True)
    loops = _kernels(dtype, options)
    if loops is not None:
        batch_sizes = np.asarray(layout.batch_sizes, np.int64)
        small = loops.use_loops_for(batch_sizes, weight_hh)
        weight = loops.operand(weight_hh.T, small)
        loops.rnn_loop_backward(dh, da, cache.h, weight, batch_sizes, small)
    for t in range(steps - 1 if loops is None else -1, -1, -1):
        n = layout.batch_sizes[t]
        dh[:n] += da[t, :n]  # dy, before da is written there
        # dh may receive da @ W_hh in place: da is complete before the product is written
        rnn_cell_backward(
            dh[:n],
            cache.h[t + 1, :n],
            weight_hh,
            da[t, :n],
            dh[:n],
            options,
            None if cache.inside is None else cache.inside[t, :n],
        )
    da2 = da.reshape(-1, hidden)
    grads["weight_ih"] += da2.T @ cache.x.reshape(steps * batch, -1)
    grads["weight_hh"] += da2.T @ cache.h[:steps].reshape(-1, hidden)
    if "bias_ih" in params:
        bias_grad = da2.sum(axis=0)
        grads["bias_ih"] += bias_grad
        grads["bias_hh"] += bias_grad
    return (da2 @ weight_ih).reshape(steps, batch, -1), (dh,)


def _kernels(dtype, options):
    """The compiled loops when they apply (float32, tanh, no clip), else None."""
    return loops_for(dtype, options == DEFAULT_RNN_OPTIONS)
