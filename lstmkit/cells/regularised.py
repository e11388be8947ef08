"""What the regularised / layer-normalised cells share: the normalised input part, zoneout,
the masks of one step, and the cell protocol built on the cell's own step.

A regularised cell (`lstm_regularised.py`, `gru_regularised.py`) computes each step from the
input part `zx`, which the time loop computes for all steps at once:

    zx = LN(x @ weight_ih.T; ln_ih_weight, ln_ih_bias)      (zx = x @ weight_ih.T without LN)

over all G*H gate rows (`LN` as `lstmkit.ops.layer_norm`, eps 1e-5), and then
`masked_step(params, zx, state, masks)` / `masked_step_backward(params, cache, dstate)`, where
`masks` = (m_state, zones): m_state the (N, P) dropout_state mask on h in the recurrent product
(None: none), zones one zoneout value per state in `state_names` order, a 0/1 mask of the step
(training) or the probability (evaluation). Zoneout of a state s with new value s^:

    s' = d * s + (1 - d) * s^          ds = d * ds',  ds^ = (1 - d) * ds'
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.cells.spec import CellSpec, StepNoise
from lstmkit.ops.layer_norm import layer_norm_backward, layer_norm_forward

LN_EPS = 1e-5  # torch.nn.LayerNorm's default


def input_part(params, x, layer_norm: bool):
    """zx for x (..., I), and the LN record (None without layer norm)."""
    projected = x @ params["weight_ih"].T
    if not layer_norm:
        return projected, None
    zx, xhat, rstd = layer_norm_forward(
        projected, params["ln_ih_weight"], params["ln_ih_bias"], LN_EPS
    )
    return zx, (xhat, rstd)


def input_part_backward(params, dzx, x, record):
    """(dx, grads) of `input_part` for dzx (..., G*H); sums over every leading axis."""
    grads = {}
    dprojected = dzx
    if record is not None:
        dprojected, grads["ln_ih_weight"], grads["ln_ih_bias"] = layer_norm_backward(
            dzx, *record, params["ln_ih_weight"]
        )
    rows = dprojected.reshape(-1, dprojected.shape[-1])
    grads["weight_ih"] = rows.T @ x.reshape(rows.shape[0], -1)
    return dprojected @ params["weight_ih"], grads


def recurrent_part(params, h, keep_state, layer_norm: bool):
    """(zh, hm, LN record): zh = LN(hm @ weight_hh.T; ln_hh_weight, ln_hh_bias), hm = h * m."""
    h_masked = h if keep_state is None else h * keep_state
    zh = h_masked @ params["weight_hh"].T
    if not layer_norm:
        return zh, h_masked, None
    zh, xhat, rstd = layer_norm_forward(zh, params["ln_hh_weight"], params["ln_hh_bias"], LN_EPS)
    return zh, h_masked, (xhat, rstd)


def recurrent_part_backward(params, dzh, h_masked, keep_state, record, grads):
    """dh of `recurrent_part` for dzh; writes weight_hh's (and LN_hh's) gradients in grads."""
    if record is not None:
        dzh, grads["ln_hh_weight"], grads["ln_hh_bias"] = layer_norm_backward(
            dzh, *record, params["ln_hh_weight"]
        )
    grads["weight_hh"] = dzh.T @ h_masked
    dh = dzh @ params["weight_hh"]
    return dh if keep_state is None else dh * keep_state


def zone(previous, new, keep):
    """keep * previous + (1 - keep) * new: exactly `previous` or `new` for a 0/1 mask."""
    if np.isscalar(keep) and keep == 0:
        return new
    return keep * previous + (1 - keep) * new


@dataclass(frozen=True)
class RegularisedCellSpec(CellSpec):
    """Base of the regularised cell specs: the protocol's step from `masked_step`.

    Subclasses are frozen dataclasses with the fields `layer_norm` and the zoneout
    probabilities, and define `zoneout_probabilities()` (one per state), `masked_step` and
    `masked_step_backward`. Training-mode masks come in `params["noise"]` (`StepNoise`).
    """

    def zoneout_probabilities(self) -> tuple:
        raise NotImplementedError

    def step_masks(self, noise: StepNoise | None):
        """(m_state, zones) of one step: the noise's masks where it has them, else
        evaluation's values (no dropout, the zoneout probabilities)."""
        zones = self.zoneout_probabilities()
        if noise is None:
            return None, zones
        drawn = (noise.zone_h, noise.zone_c)[: len(zones)]
        zones = tuple(p if mask is None else mask for p, mask in zip(zones, drawn, strict=True))
        return noise.state, zones

    def step(self, params, x, state):
        zx, record = input_part(params, x, self.layer_norm)
        masks = self.step_masks(params.get("noise"))
        new, cache = self.masked_step(params, zx, tuple(state), masks)
        return new, (x, record, cache)

    def step_backward(self, params, cache, dstate):
        x, record, step_cache = cache
        dzx, dprevious, grads = self.masked_step_backward(params, step_cache, tuple(dstate))
        dx, input_grads = input_part_backward(params, dzx, x, record)
        return dx, dprevious, {**grads, **input_grads}
