"""The loop over directions, shared by the recurrent layers and the ONNX operators.

With `reverse` flipping each sequence's valid prefix in time (`BatchLayout.reverse`, its own
inverse), direction d runs its cell's scan (`scans.py`) as

    forward direction:   y_d = scan(x)
    reverse direction:   y_d = reverse(scan(reverse(x)))

from its own initial states, and backward is the same composition read backwards; the input
gradients of all directions are summed. Everything is in the internal layout: x (T, N, I)
time-major and batch-sorted, states (D, N, size) with row d for direction d.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.recurrent.layout import BatchLayout
from lstmkit.recurrent.scans import scan_for


@dataclass(frozen=True)
class Direction:
    """One direction of one layer: its cell spec, parameters (suffix-free names), whether it
    runs in reverse, and where its parameter gradients go (None: inference only)."""

    cell: object
    params: dict
    reverse: bool = False
    grads: dict | None = None


def run_directions(directions, x, initial, layout: BatchLayout):
    """Run every direction over x (T, N, I) from `initial` (one (D, N, size) array per state).

    Returns (outputs, finals, caches): outputs[d] (T, N, out) in x's time order (zero past
    each length; possibly a view of the cache, so read it, do not write it), finals one new
    (D, N, size) array per state, caches[d] for `directions_backward`.
    """
    finals = [np.empty_like(s) for s in initial]
    outputs, caches = [], []
    for d, direction in enumerate(directions):
        flip = layout.reverse if direction.reverse else _identity
        y, direction_finals, cache = scan_for(direction.cell).forward(
            direction.cell, direction.params, flip(x), tuple(s[d] for s in initial), layout
        )
        for target, value in zip(finals, direction_finals, strict=True):
            target[d] = value
        outputs.append(flip(y))
        caches.append(cache)
    return outputs, finals, caches


def directions_backward(directions, caches, d_outputs, dfinals, layout: BatchLayout):
    """Backward of `run_directions`; adds each direction's parameter gradients to its `grads`.

    d_outputs[d] (T, N, out): the gradient at outputs[d]; the scans may write over these
    arrays (give the call arrays it may consume). dfinals: one (D, N, size) array per state.
    Returns (dx (T, N, I) summed over the directions, one new (D, N, size) array per state).
    """
    dinitial = [np.empty_like(s) for s in dfinals]
    dx_sum = None
    for d, direction in enumerate(directions):
        flip = layout.reverse if direction.reverse else _identity
        dx, dstates = scan_for(direction.cell).backward(
            direction.cell,
            direction.params,
            direction.grads,
            caches[d],
            flip(d_outputs[d]),
            tuple(s[d] for s in dfinals),
            layout,
            dy_writable=True,
        )
        for target, value in zip(dinitial, dstates, strict=True):
            target[d] = value
        dx = flip(dx)
        dx_sum = dx if dx_sum is None else dx_sum + dx
    return dx_sum, dinitial


def _identity(array):
    return array
