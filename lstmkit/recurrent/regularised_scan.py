"""The time loop of the regularised / layer-normalised cells, forward and exact backward.

The cells are `lstmkit.cells.lstm_regularised` and `lstmkit.cells.gru_regularised` (equations
there; what they share in `lstmkit.cells.regularised`). Layout as in `layout.py`: x is
time-major and batch-sorted, and at step t only the first `n = batch_sizes[t]` rows run.
Training-mode masks arrive in `params["noise"]` (`StepNoise`): `state` (N, P) is used at every
step, `zone_h` (T, N, P) and `zone_c` (T, N, H) give step t's zoneout masks in this scan's own
time order (for a reverse direction, step t is the sequence's step lengths - 1 - t).

As in the plain scans, the input part of every step is computed at once before the loop (one
GEMM `(T*N, I) x (I, G*H)`, then LN_ih over all steps) and differentiated once after it:

    forward:   zx = input_part(x);   state_{t+1}[:n], cache_t = masked_step(zx[t, :n], state_t[:n])
    backward:  dzx[t, :n], dstate[:n], grads_t = masked_step_backward(cache_t, arriving)
               arriving = (dstate[0][:n] + dy[t, :n], dstate[1][:n], ...);   dx = input_part'(dzx)

This loop is NumPy only: the numba kernels of `lstmkit.ops.fused` do not cover these options.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.regularised import input_part, input_part_backward
from lstmkit.recurrent.layout import BatchLayout


@dataclass
class RegularisedScanCache:
    x: np.ndarray  # (T, N, I)
    input_record: tuple | None  # LN_ih's (xhat, rstd) over all steps
    steps: list  # per step t, the step cache of its first batch_sizes[t] rows


def regularised_scan_forward(cell, params, x, states, layout: BatchLayout):
    """(y (T, N, P), finals, cache) for x (T, N, I) from `states` (a tuple of (N, size))."""
    steps, batch, _ = x.shape
    dtype = params["weight_hh"].dtype
    noise = params.get("noise")
    zx, input_record = input_part(params, x, cell.layer_norm)
    # history[k][t] is state k before step t; rows that have ended keep zeros after their end
    history = [np.zeros((steps + 1, batch, s.shape[-1]), dtype) for s in states]
    for past, initial in zip(history, states, strict=True):
        past[0] = initial
    caches = []
    for t, n in enumerate(layout.batch_sizes):
        masks = cell.step_masks(noise, t, n)
        previous = tuple(past[t, :n] for past in history)
        new, cache = cell.masked_step(params, zx[t, :n], previous, masks)
        for past, value in zip(history, new, strict=True):
            past[t + 1, :n] = value
        caches.append(cache)
    finals = tuple(layout.final(past) for past in history)
    cache = RegularisedScanCache(x=x, input_record=input_record, steps=caches)
    return history[0][1:], finals, cache


def regularised_scan_backward(
    cell, params, grads, cache: RegularisedScanCache, dy, dfinals, layout, dy_writable=False
):
    """Adds the parameter gradients into `grads`; returns (dx (T, N, I), dinitial tuple).

    dy (T, N, P) is read only and ignored past each length (`dy_writable` is accepted for the
    scans' common signature)."""
    dstate = [np.array(d, copy=True) for d in dfinals]
    dzx = np.zeros(cache.x.shape[:2] + (params["weight_ih"].shape[0],), dstate[0].dtype)
    for t in range(len(layout.batch_sizes) - 1, -1, -1):
        n = layout.batch_sizes[t]
        arriving = [d[:n] for d in dstate]
        arriving[0] = arriving[0] + dy[t, :n]
        dzx[t, :n], dprevious, step_grads = cell.masked_step_backward(
            params, cache.steps[t], tuple(arriving)
        )
        for target, value in zip(dstate, dprevious, strict=True):
            target[:n] = value
        for name, grad in step_grads.items():
            grads[name] += grad
    dx, input_grads = input_part_backward(params, dzx, cache.x, cache.input_record)
    for name, grad in input_grads.items():
        grads[name] += grad
    return dx, tuple(dstate)
