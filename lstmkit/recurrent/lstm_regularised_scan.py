"""The time loop of the regularised / layer-normalised LSTM step, forward and exact backward.

The step is `lstmkit.cells.lstm_regularised` (equations there). Layout as in `layout.py`: x is
time-major and batch-sorted, and at step t only the first `n = batch_sizes[t]` rows run.
Training-mode masks arrive in `params["noise"]` (`StepNoise`): `state` (N, P) is used at every
step, `zone_c` (T, N, H) and `zone_h` (T, N, P) give step t's zoneout masks in this scan's own
time order (for a reverse direction, step t is the sequence's step lengths - 1 - t).

As in the plain LSTM scan, the input part of every step is computed at once before the loop
(one GEMM `(T*N, I) x (I, 4H)`, then LN_ih over all steps) and differentiated once after it.
This loop is NumPy only: the numba kernels of `lstmkit.ops.fused` do not cover these options.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.lstm_regularised import (
    input_part,
    input_part_backward,
    regularised_step,
    regularised_step_backward,
)
from lstmkit.recurrent.layout import BatchLayout


@dataclass
class RegularisedScanCache:
    x: np.ndarray  # (T, N, I)
    input_record: tuple | None  # LN_ih's (xhat, rstd) over all steps
    steps: list  # per step t, the step cache of its first batch_sizes[t] rows


def _step_masks(cell, noise, t: int, n: int):
    """(keep_state, d_c, d_h) of step t for the first n rows."""
    keep_state, zone_c, zone_h = cell.step_masks(noise)
    if keep_state is not None:
        keep_state = keep_state[:n]
    if noise is not None and noise.zone_c is not None:
        zone_c = zone_c[t, :n]
    if noise is not None and noise.zone_h is not None:
        zone_h = zone_h[t, :n]
    return keep_state, zone_c, zone_h


def regularised_scan_forward(cell, params, x, states, layout: BatchLayout):
    """(y (T, N, P), (h_n, c_n), cache) for x (T, N, I) from states (h0, c0)."""
    h0, c0 = states
    steps, batch, _ = x.shape
    dtype = params["weight_hh"].dtype
    noise = params.get("noise")
    zx, input_record = input_part(params, x, cell.layer_norm)
    h = np.zeros((steps + 1, batch, h0.shape[-1]), dtype)
    c = np.zeros((steps + 1, batch, c0.shape[-1]), dtype)
    h[0], c[0] = h0, c0
    caches = []
    for t, n in enumerate(layout.batch_sizes):
        masks = _step_masks(cell, noise, t, n)
        h[t + 1, :n], c[t + 1, :n], cache = regularised_step(
            params, zx[t, :n], h[t, :n], c[t, :n], cell.layer_norm, *masks
        )
        caches.append(cache)
    cache = RegularisedScanCache(x=x, input_record=input_record, steps=caches)
    return h[1:], (layout.final(h), layout.final(c)), cache


def regularised_scan_backward(
    cell, params, grads, cache: RegularisedScanCache, dy, dfinals, layout, dy_writable=False
):
    """Adds the parameter gradients into `grads`; returns (dx (T, N, I), (dh_0, dc_0)).

    dy (T, N, P) is read only and ignored past each length (`dy_writable` is accepted for the
    scans' common signature)."""
    dh = np.array(dfinals[0], copy=True)
    dc = np.array(dfinals[1], copy=True)
    dzx = np.zeros(cache.x.shape[:2] + (params["weight_ih"].shape[0],), dh.dtype)
    for t in range(len(layout.batch_sizes) - 1, -1, -1):
        n = layout.batch_sizes[t]
        dzx[t, :n], dh[:n], dc[:n], step_grads = regularised_step_backward(
            params, cache.steps[t], dh[:n] + dy[t, :n], dc[:n]
        )
        for name, grad in step_grads.items():
            grads[name] += grad
    dx, input_grads = input_part_backward(params, dzx, cache.x, cache.input_record)
    for name, grad in input_grads.items():
        grads[name] += grad
    return dx, (dh, dc)
