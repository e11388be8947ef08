"""The time loop of any cell of the protocol (`lstmkit.cells.spec`): its steps, one by one.

This is the scan every cell gets without further work; the built-in cells also have fused
loops (`scans.py`) that compute the same faster. Layout as in `layout.py`: x is time-major and
batch-sorted, and at step t only the first `n = batch_sizes[t]` rows run:

    state_0 = states;   state_{t+1}[:n], cache_t = cell.step(params, x[t, :n], state_t[:n])
    y[t] = state_{t+1}[0]  (zero past each length);   finals = the state at each last step

Backward walks time in reverse carrying dstate; the output gradient dy[t] joins dstate[0]
(the output is the first state), and the parameter gradients of all steps are summed here:

    dx[t, :n], dstate[:n], grads_t = cell.step_backward(params, cache_t, arriving)
    arriving = (dstate[0][:n] + dy[t, :n], dstate[1][:n], ...)

With `step_params`, step t runs with `step_params(t, n)` in place of `params` (how the
regularised scan hands each step its own masks).
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.recurrent.layout import BatchLayout


@dataclass
class CellScanCache:
    """What the loop keeps for backward: the input and each step's cache."""

    x: np.ndarray  # (T, N, I)
    steps: list  # cache of step t, for the first batch_sizes[t] rows


def cell_scan_forward(cell, params, x, states, layout: BatchLayout, step_params=None):
    """Step `cell` over x (T, N, I) from `states` (a tuple of (N, size) arrays).

    Returns (y (T, N, out), finals tuple, cache), as the fused scans do.
    """
    steps, batch, _ = x.shape
    dtype = params["weight_hh"].dtype
    # history[k][t] is state k before step t; rows that have ended keep zeros after their end
    history = [np.zeros((steps + 1, batch, s.shape[-1]), dtype) for s in states]
    for past, initial in zip(history, states, strict=True):
        past[0] = initial
    caches = []
    for t, n in enumerate(layout.batch_sizes):
        p = params if step_params is None else step_params(t, n)
        new, cache = cell.step(p, x[t, :n], tuple(past[t, :n] for past in history))
        for past, value in zip(history, new, strict=True):
            past[t + 1, :n] = value
        caches.append(cache)
    finals = tuple(layout.final(past) for past in history)
    return history[0][1:], finals, CellScanCache(x=x, steps=caches)


def cell_scan_backward(
    cell,
    params,
    grads,
    cache: CellScanCache,
    dy,
    dfinals,
    layout: BatchLayout,
    dy_writable=False,
    step_params=None,
):
    """Backward of `cell_scan_forward`: adds the parameter gradients into `grads` and returns
    (dx (T, N, I), dinitial tuple). dy (T, N, out) is ignored past each length; dy is only
    read (`dy_writable` is accepted for the scans' common signature)."""
    dstate = [np.array(d, copy=True) for d in dfinals]
    dx = np.zeros(cache.x.shape, dstate[0].dtype)
    for t in range(len(layout.batch_sizes) - 1, -1, -1):
        n = layout.batch_sizes[t]
        arriving = [d[:n] for d in dstate]
        arriving[0] = arriving[0] + dy[t, :n]
        p = params if step_params is None else step_params(t, n)
        dx[t, :n], dprevious, step_grads = cell.step_backward(p, cache.steps[t], tuple(arriving))
        for target, value in zip(dstate, dprevious, strict=True):
            target[:n] = value
        for name, grad in step_grads.items():
            grads[name] += grad
    return dx, tuple(dstate)
