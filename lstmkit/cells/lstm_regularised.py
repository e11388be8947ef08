"""One step of the regularised and layer-normalised LSTM, forward and backward.

The step behind `lstmkit.LSTM(layer_norm=True)`, `dropout_state`, `zoneout_cell` and
`zoneout_hidden` (the options that act inside the recurrence). Names as in `lstmkit.cells.lstm`
(N batch, I input, H cell, P output of the step), plus `LN(a; w, b)`, the layer normalisation
of `lstmkit.ops.layer_norm` over the last axis (eps = 1e-5), and the masks of `StepNoise`:

    zx = LN(x @ weight_ih.T; ln_ih_weight, ln_ih_bias)    (zx = x @ weight_ih.T without LN)
    hm = h * m_state                                      dropout_state: one (N, P) mask per
                                                          sequence, the same at every step
    zh = LN(hm @ weight_hh.T; ln_hh_weight, ln_hh_bias)   (zh = hm @ weight_hh.T without LN)
    z  = zx + zh + bias_ih + bias_hh                      (N, 4H) = [z_i z_f z_g z_o]
    i, f, o = sigmoid(z_i), sigmoid(z_f), sigmoid(z_o);   g = tanh(z_g)
    c^ = f * c + i * g
    a  = tanh(LN(c^; ln_c_weight, ln_c_bias))             (a = tanh(c^) without LN)
    r  = o * a;     h^ = r @ weight_hr.T with a projection, else h^ = r
    c' = d_c * c + (1 - d_c) * c^                          zoneout of c
    h' = d_h * h + (1 - d_h) * h^                          zoneout of h

The layer normalisation follows Ba, Kiros and Hinton (2016): the input and recurrent products
are normalised separately over all 4H gate pre-activations, and the cell state is normalised
only on its way to h (c' itself is not). Zoneout follows Krueger et al. (2016): in training
d_c, d_h are 0/1 masks, fresh at every step, 1 with probability zoneout_cell / zoneout_hidden
(the unit keeps its previous value); in evaluation they are those probabilities, the
expectation. Note h^ is computed from c^, so zoneout of c does not change this step's h.

Backward, with dh', dc' arriving at the step's outputs:

    dh^ = (1 - d_h) * dh'        dh = d_h * dh' + (dzh-path below)
    dc^ = (1 - d_c) * dc'        dc = d_c * dc' + dc^ * f
    dr  = dh^ @ weight_hr (projection) else dh^;   dz_o = dr * a * o * (1 - o)
    dc^ += LN_c backward of dr * o * (1 - a^2)
    dz_i = dc^ * g * i * (1 - i)   dz_f = dc^ * c * f * (1 - f)   dz_g = dc^ * i * (1 - g^2)
    dzx = dz;  dzh = dz;  dhm = (LN_hh backward of dzh) @ weight_hh;  dh += dhm * m_state

and the input part `zx` is differentiated once for all steps (`regularised.input_part_backward`).
The parts shared with the regularised GRU (input and recurrent parts, zoneout, the masks of a
step, the cell protocol) are in `regularised.py`.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lstmkit.cells.lstm import split_gates
from lstmkit.cells.regularised import (
    LN_EPS,
    RegularisedCellSpec,
    recurrent_part,
    recurrent_part_backward,
    zone,
)
from lstmkit.ops.activations import sigmoid, sigmoid_grad_from_output, tanh_grad_from_output
from lstmkit.ops.layer_norm import layer_norm_backward, layer_norm_forward

LN_PARAMETERS = (
    "ln_ih_weight",
    "ln_ih_bias",
    "ln_hh_weight",
    "ln_hh_bias",
    "ln_c_weight",
    "ln_c_bias",
)


@dataclass
class RegularisedStepCache:
    """What one step keeps for its backward pass (the input part `zx` excluded)."""

    h_prev: np.ndarray  # (N, P)
    c_prev: np.ndarray  # (N, H)
    h_masked: np.ndarray  # (N, P) hm, h after dropout_state
    gates: np.ndarray  # (N, 4H) activations i, f, g, o
    ln_h: tuple | None  # (xhat, rstd) of LN_hh
    ln_c: tuple | None  # (xhat, rstd) of LN_c
    act: np.ndarray  # (N, H) a
    r: np.ndarray  # (N, H) o * a
    keep_state: np.ndarray | None  # (N, P) m_state
    zone_h: object  # d_h: an (N, P) 0/1 mask or the probability
    zone_c: object  # d_c: an (N, H) 0/1 mask or the probability


def regularised_step(params, zx, h, c, layer_norm, keep_state=None, zone_h=0.0, zone_c=0.0):
    """One step from the input part zx (N, 4H) and the state (h, c): (h', c', cache)."""
    zh, h_masked, ln_h = recurrent_part(params, h, keep_state, layer_norm)
    z = zx + zh
    if "bias_ih" in params:
        z += params["bias_ih"] + params["bias_hh"]
    hidden = c.shape[-1]
    gates = sigmoid(z)  # right for i, f, o; g is replaced below
    gates[:, 2 * hidden : 3 * hidden] = np.tanh(z[:, 2 * hidden : 3 * hidden])
    i, f, g, o = split_gates(gates)
    c_hat = f * c + i * g
    normalised, ln_c = c_hat, None
    if layer_norm:
        normalised, *ln_c = layer_norm_forward(
            c_hat, params["ln_c_weight"], params["ln_c_bias"], LN_EPS
        )
    act = np.tanh(normalised)
    r = o * act
    h_hat = r @ params["weight_hr"].T if "weight_hr" in params else r
    cache = RegularisedStepCache(
        h_prev=h,
        c_prev=c,
        h_masked=h_masked,
        gates=gates,
        ln_h=ln_h,
        ln_c=ln_c,
        act=act,
        r=r,
        keep_state=keep_state,
        zone_h=zone_h,
        zone_c=zone_c,
    )
    return zone(h, h_hat, zone_h), zone(c, c_hat, zone_c), cache


def regularised_step_backward(params, cache: RegularisedStepCache, dh, dc):
    """Backward of `regularised_step`: (dzx, dh_prev, dc_prev, grads).

    dh (N, P) and dc (N, H, or None for zero) arrive at h' and c'; dzx (N, 4H) is the gradient
    at the input part, for `input_part_backward`; `grads` is keyed like `params` (the parameters
    of the input part excluded).
    """
    dc = np.zeros_like(cache.c_prev) if dc is None else dc
    dh_hat, dh_prev = (1 - cache.zone_h) * dh, cache.zone_h * dh
    dc_hat, dc_prev = (1 - cache.zone_c) * dc, cache.zone_c * dc
    grads = {}
    dr = dh_hat
    if "weight_hr" in params:
        dr = dh_hat @ params["weight_hr"]
        grads["weight_hr"] = dh_hat.T @ cache.r
    i, f, g, o = split_gates(cache.gates)
    dnormalised = dr * o * tanh_grad_from_output(cache.act)
    if cache.ln_c is not None:
        dnormalised, grads["ln_c_weight"], grads["ln_c_bias"] = layer_norm_backward(
            dnormalised, *cache.ln_c, params["ln_c_weight"]
        )
    dc_hat = dc_hat + dnormalised
    dz = np.empty_like(cache.gates)
    dz_i, dz_f, dz_g, dz_o = split_gates(dz)
    np.multiply(dc_hat * g, sigmoid_grad_from_output(i), out=dz_i)
    np.multiply(dc_hat * cache.c_prev, sigmoid_grad_from_output(f), out=dz_f)
    np.multiply(dc_hat * i, tanh_grad_from_output(g), out=dz_g)
    np.multiply(dr * cache.act, sigmoid_grad_from_output(o), out=dz_o)
    dc_prev = dc_prev + dc_hat * f
    if "bias_ih" in params:
        grads["bias_ih"] = dz.sum(axis=0)
        grads["bias_hh"] = grads["bias_ih"].copy()
    dh_prev = dh_prev + recurrent_part_backward(
        params, dz, cache.h_masked, cache.keep_state, cache.ln_h, grads
    )
    return dz, dh_prev, dc_prev, grads


@dataclass(frozen=True)
class RegularisedLSTMCellSpec(RegularisedCellSpec):
    """The step above under the cell protocol (`lstmkit.cells.spec`): state (h, c).

    `layer_norm` adds the parameters `ln_ih_weight`, `ln_ih_bias`, `ln_hh_weight`,
    `ln_hh_bias` (4H,) and `ln_c_weight`, `ln_c_bias` (H,); `zoneout_cell` and
    `zoneout_hidden` are the probabilities d_c, d_h used in evaluation (when `params` holds no
    "noise"). Training-mode masks come in `params["noise"]` (a `StepNoise` of one step).
    """

    state_names: ClassVar[tuple] = ("h", "c")
    gates: ClassVar[int] = 4
    proj_size: int = 0
    layer_norm: bool = False
    zoneout_cell: float = 0.0
    zoneout_hidden: float = 0.0

    def parameter_shapes(self, input_size, hidden_size, bias=True):
        shapes = super().parameter_shapes(input_size, hidden_size, bias)
        if self.proj_size:
            shapes["weight_hh"] = (4 * hidden_size, self.proj_size)
            shapes["weight_hr"] = (self.proj_size, hidden_size)
        if self.layer_norm:
            for name in LN_PARAMETERS:
                shapes[name] = (hidden_size if name.startswith("ln_c") else 4 * hidden_size,)
        return shapes

    def state_sizes(self, hidden_size):
        return (self.proj_size or hidden_size, hidden_size)

    def zoneout_probabilities(self) -> tuple:
        return (self.zoneout_hidden, self.zoneout_cell)

    def masked_step(self, params, zx, state, masks):
        keep_state, (zone_h, zone_c) = masks
        h, c, cache = regularised_step(
            params, zx, state[0], state[1], self.layer_norm, keep_state, zone_h, zone_c
        )
        return (h, c), cache

    def masked_step_backward(self, params, cache, dstate):
        dh, dc = dstate
        if dh is None:
            dh = np.zeros_like(cache.h_prev)
        dzx, dh_prev, dc_prev, grads = regularised_step_backward(params, cache, dh, dc)
        return dzx, (dh_prev, dc_prev), grads
