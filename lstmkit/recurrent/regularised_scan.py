"""The time loop of the regularised / layer-normalised cells, forward and exact backward.

The cells are `lstmkit.cells.lstm_regularised` and `lstmkit.cells.gru_regularised` (equations
there; what they share in `lstmkit.cells.regularised`). Layout as in `layout.py`: x is
time-major and batch-sorted, and at step t only the first `n = batch_sizes[t]` rows run.
Training-mode masks arrive in `params["noise"]` (`StepNoise`): `state` (N, P) is used at every
step, `zone_h` (T, N, P) and `zone_c` (T, N, H) give step t's zoneout masks in this scan's own
time order (for a reverse direction, step t is the sequence's step lengths - 1 - t).

As in the plain scans, the input part of every step is computed at once before the loop (one
GEMM `(T*N, I) x (I, G*H)`, then LN_ih over all steps) and differentiated once after it; the
loop between is the generic one (`cell_scan.py`) stepping the cell's `masked_step` over zx,
each step with its own masks:

    forward:   zx = input_part(x);   y, finals = cell_scan(masked_step, zx)
    backward:  dzx = cell_scan's backward;   dx = input_part_backward(dzx)

This loop is NumPy only: the numba kernels of `lstmkit.ops.fused` do not cover these options.
"""

from dataclasses import dataclass

from lstmkit.cells.regularised import input_part, input_part_backward
from lstmkit.cells.spec import StepNoise
from lstmkit.recurrent.cell_scan import cell_scan_backward, cell_scan_forward
from lstmkit.recurrent.layout import BatchLayout


@dataclass
class RegularisedScanCache:
    steps: object  # the generic loop's cache (its x is zx)
    x: object  # (T, N, I)
    input_record: tuple | None  # LN_ih's (xhat, rstd) over all steps


@dataclass(frozen=True)
class _StepOnInputPart:
    """A regularised cell as the generic loop sees it: one step from zx, its masks from
    params["noise"] (one step's, given by `_step_params`)."""

    cell: object

    def step(self, params, zx, state):
        masks = self.cell.step_masks(params.get("noise"))
        return self.cell.masked_step(params, zx, state, masks)

    def step_backward(self, params, cache, dstate):
        return self.cell.masked_step_backward(params, cache, dstate)


def _step_params(params):
    """step_params for the generic loop: params with step t's masks for its first n rows."""
    noise = params.get("noise")
    if noise is None:
        return None

    def at(t, n):
        def rows(mask, per_step):
            if mask is None:
                return None
            return mask[t, :n] if per_step else mask[:n]

        step_noise = StepNoise(
            state=rows(noise.state, False),
            zone_c=rows(noise.zone_c, True),
            zone_h=rows(noise.zone_h, True),
        )
        return {**params, "noise": step_noise}

    return at


def regularised_scan_forward(cell, params, x, states, layout: BatchLayout):
    """(y (T, N, P), finals, cache) for x (T, N, I) from `states` (a tuple of (N, size))."""
    zx, input_record = input_part(params, x, cell.layer_norm)
    y, finals, steps = cell_scan_forward(
        _StepOnInputPart(cell), params, zx, states, layout, _step_params(params)
    )
    return y, finals, RegularisedScanCache(steps=steps, x=x, input_record=input_record)


def regularised_scan_backward(
    cell, params, grads, cache: RegularisedScanCache, dy, dfinals, layout, dy_writable=False
):
    """Adds the parameter gradients into `grads`; returns (dx (T, N, I), dinitial tuple).

    dy (T, N, P) is read only and ignored past each length (`dy_writable` is accepted for the
    scans' common signature)."""
    dzx, dinitial = cell_scan_backward(
        _StepOnInputPart(cell),
        params,
        grads,
        cache.steps,
        dy,
        dfinals,
        layout,
        step_params=_step_params(params),
    )
    dx, input_grads = input_part_backward(params, dzx, cache.x, cache.input_record)
    for name, grad in input_grads.items():
        grads[name] += grad
    return dx, dinitial
