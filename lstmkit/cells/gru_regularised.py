"""One step of the regularised and layer-normalised GRU, forward and backward.

The step behind `lstmkit.GRU(layer_norm=True)`, `dropout_state` and `zoneout_hidden`, in
PyTorch's form (reset after the recurrent product, `linear_before_reset=True`). Names as in
`lstmkit.cells.gru` (rows r, z, n), with the parts shared with the LSTM from
`lstmkit.cells.regularised`:

    zx = LN(x @ weight_ih.T; ln_ih_weight, ln_ih_bias)     (N, 3H)   (no LN: x @ weight_ih.T)
    hm = h * m_state                                       dropout_state, one mask per sequence
    zh = LN(hm @ weight_hh.T; ln_hh_weight, ln_hh_bias)    (N, 3H)
    a  = zx + bias_ih;   b = zh + bias_hh                  [a_r a_z a_n], [b_r b_z b_n]
    r  = sigmoid(a_r + b_r);   z = sigmoid(a_z + b_z);   n = tanh(a_n + r * b_n)
    h^ = (1 - z) * n + z * h
    h' = d_h * h + (1 - d_h) * h^                          zoneout

The update h^ uses the unmasked h: dropout_state masks only the copy of h in the recurrent
product. Backward, with dh' at h':

    dh^ = (1 - d_h) * dh'              dh = d_h * dh' + z * dh^ + (recurrent part, masked)
    dn  = dh^ * (1 - z) * (1 - n^2)    dz = dh^ * (h - n) * z * (1 - z)
    dr  = dn * b_n * r * (1 - r)
    dzx = [dr, dz, dn]                 dzh = [dr, dz, dn * r]
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lstmkit.cells.gru import split3
from lstmkit.cells.regularised import (
    RegularisedCellSpec,
    recurrent_part,
    recurrent_part_backward,
    zone,
)
from lstmkit.ops.activations import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output

LN_PARAMETERS = ("ln_ih_weight", "ln_ih_bias", "ln_hh_weight", "ln_hh_bias")


@dataclass
class RegularisedGRUStepCache:
    """What one step keeps for its backward pass (the input part `zx` excluded)."""

    h_prev: np.ndarray  # (N, H)
    h_masked: np.ndarray  # (N, H) hm
    gates: np.ndarray  # (N, 3H) r, z, n
    b_n: np.ndarray  # (N, H) the recurrent n part, bias_hh included
    ln_h: tuple | None  # (xhat, rstd) of LN_hh
    keep_state: np.ndarray | None  # (N, H) m_state
    zone_h: object  # d_h: an (N, H) 0/1 mask or the probability


def regularised_gru_step(params, zx, h, layer_norm, keep_state=None, zone_h=0.0):
    """One step from the input part zx (N, 3H) and h: (h', cache)."""
    zh, h_masked, ln_h = recurrent_part(params, h, keep_state, layer_norm)
    if "bias_ih" in params:
        zx = zx + params["bias_ih"]
        zh = zh + params["bias_hh"]
    a_r, a_z, a_n = split3(zx)
    b_r, b_z, b_n = split3(zh)
    hidden = h.shape[-1]
    gates = np.empty_like(zx)
    gates[:, : 2 * hidden] = sigmoid(zx[:, : 2 * hidden] + zh[:, : 2 * hidden])
    r, z, n = split3(gates)
    n[...] = np.tanh(a_n + r * b_n)
    h_hat = (1 - z) * n + z * h
    cache = RegularisedGRUStepCache(
        h_prev=h,
        h_masked=h_masked,
        gates=gates,
        b_n=b_n,
        ln_h=ln_h,
        keep_state=keep_state,
        zone_h=zone_h,
    )
    return zone(h, h_hat, zone_h), cache


def regularised_gru_step_backward(params, cache: RegularisedGRUStepCache, dh):
    """Backward of `regularised_gru_step`: (dzx, dh_prev, grads); `grads` keyed like `params`
    (the input part's parameters excluded)."""
    r, z, n = split3(cache.gates)
    dh_hat = (1 - cache.zone_h) * dh
    dh_prev = cache.zone_h * dh + z * dh_hat
    dzx = np.empty_like(cache.gates)
    dx_r, dx_z, dx_n = split3(dzx)
    np.multiply(dh_hat * (1 - z), tanh_grad_from_output(n), out=dx_n)
    np.multiply(dh_hat * (cache.h_prev - n), sigmoid_grad_from_output(z), out=dx_z)
    np.multiply(dx_n * cache.b_n, sigmoid_grad_from_output(r), out=dx_r)
    dzh = dzx.copy()
    dzh[:, 2 * n.shape[-1] :] *= r
    grads = {}
    if "bias_ih" in params:
        grads["bias_ih"] = dzx.sum(axis=0)
        grads["bias_hh"] = dzh.sum(axis=0)
    dh_prev = dh_prev + recurrent_part_backward(
        params, dzh, cache.h_masked, cache.keep_state, cache.ln_h, grads
    )
    return dzx, dh_prev, grads


@dataclass(frozen=True)
class RegularisedGRUCellSpec(RegularisedCellSpec):
    """The step above under the cell protocol (`lstmkit.cells.spec`): state (h,).

    `layer_norm` adds `ln_ih_weight`, `ln_ih_bias`, `ln_hh_weight`, `ln_hh_bias` (3H,);
    `zoneout_hidden` is d_h in evaluation (when `params` holds no "noise").
    """

    state_names: ClassVar[tuple] = ("h",)
    gates: ClassVar[int] = 3
    layer_norm: bool = False
    zoneout_hidden: float = 0.0

    def parameter_shapes(self, input_size, hidden_size, bias=True):
        shapes = super().parameter_shapes(input_size, hidden_size, bias)
        if self.layer_norm:
            shapes.update({name: (3 * hidden_size,) for name in LN_PARAMETERS})
        return shapes

    def zoneout_probabilities(self) -> tuple:
        return (self.zoneout_hidden,)

    def masked_step(self, params, zx, state, masks):
        keep_state, (zone_h,) = masks
        h, cache = regularised_gru_step(params, zx, state[0], self.layer_norm, keep_state, zone_h)
        return (h,), cache

    def masked_step_backward(self, params, cache, dstate):
        (dh,) = dstate
        if dh is None:
            dh = np.zeros_like(cache.h_prev)
        dzx, dh_prev, grads = regularised_gru_step_backward(params, cache, dh)
        return dzx, (dh_prev,), grads
