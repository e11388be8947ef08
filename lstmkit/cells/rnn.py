"""One vanilla (Elman) RNN time step, forward and backward.

`params`: `weight_ih` (H, I), `weight_hh` (H, H), optional `bias_ih`, `bias_hh` (H,).

    h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)          act = tanh (default) or relu, or any
                                                         function of the ONNX set
    backward:  da = dh' * act'(h')    dh = da @ W_hh     dx = da @ W_ih

With `RNNOptions.clip` the pre-activation is bounded to [-clip, clip] before act (ONNX).
This is the baseline that shows why gates matter: dh is multiplied by W_hh^T diag(act') at
every step, so over long spans it vanishes or explodes. `RNNCellSpec` is the step under the
cell protocol (`lstmkit.cells.spec`), state (h,).
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lstmkit.cells.lstm import clip_
from lstmkit.cells.spec import CellSpec
from lstmkit.ops.activation_set import TANH, Activation


@dataclass(frozen=True)
class RNNOptions:
    """The activation (tanh by default) and the ONNX operator's clip."""

    activation: Activation = TANH
    clip: float | None = None


DEFAULT_RNN_OPTIONS = RNNOptions()


def rnn_cell_forward(
    gates, h_prev, weight_hh, h_new, options=DEFAULT_RNN_OPTIONS, inside=None
) -> None:
    """One step from the input projection: `gates` (n, H) holds x W_ih^T + b_ih + b_hh on
    entry and the pre-activation (clipped) on exit; writes h' into `h_new`."""
    np.matmul(h_prev, weight_hh.T, out=h_new)
    gates += h_new
    if options.clip is not None:
        clip_(gates, options.clip, inside)
    options.activation(gates, out=h_new)


def rnn_cell_backward(dh, h_new, weight_hh, da, dh_prev, options=DEFAULT_RNN_OPTIONS, inside=None):
    """Backward of one step: writes da = dh * act'(h') into `da` and da @ W_hh into `dh_prev`."""
    options.activation.derivative(h_new, out=da)
    da *= dh
    if inside is not None:
        da *= inside
    np.matmul(da, weight_hh, out=dh_prev)


@dataclass
class RNNStepCache:
    x: np.ndarray  # (N, I)
    h_prev: np.ndarray  # (N, H)
    h: np.ndarray  # (N, H) the new state, act(a)
    inside: np.ndarray | None


def rnn_step(x, h, params, options: RNNOptions = DEFAULT_RNN_OPTIONS):
    """One RNN step: returns (h', cache)."""
    gates = x @ params["weight_ih"].T
    if "bias_ih" in params:
        gates += params["bias_ih"] + params["bias_hh"]
    h_new = np.empty_like(gates)
    inside = np.empty(gates.shape, bool) if options.clip is not None else None
    rnn_cell_forward(gates, h, params["weight_hh"], h_new, options, inside)
    return h_new, RNNStepCache(x=x, h_prev=h, h=h_new, inside=inside)


def rnn_step_backward(dh, cache: RNNStepCache, params, options: RNNOptions = DEFAULT_RNN_OPTIONS):
    """Backward of `rnn_step`: returns (dx, dh_prev, grads)."""
    da, dh_prev = np.empty_like(cache.h), np.empty_like(cache.h)
    rnn_cell_backward(dh, cache.h, params["weight_hh"], da, dh_prev, options, cache.inside)
    grads = {"weight_ih": da.T @ cache.x, "weight_hh": da.T @ cache.h_prev}
    if "bias_ih" in params:
        grads["bias_ih"] = da.sum(axis=0)
        grads["bias_hh"] = grads["bias_ih"].copy()
    return da @ params["weight_ih"], dh_prev, grads


@dataclass(frozen=True)
class RNNCellSpec(CellSpec):
    """The RNN step under the cell protocol (`lstmkit.cells.spec`): state (h,)."""

    gates: ClassVar[int] = 1
    kind: ClassVar[str] = "rnn"
    options: RNNOptions = DEFAULT_RNN_OPTIONS

    def step(self, params, x, state):
        h, cache = rnn_step(x, state[0], params, self.options)
        return (h,), cache

    def step_backward(self, params, cache, dstate):
        dh = dstate[0]
        if dh is None:
            dh = np.zeros_like(cache.h)
        dx, dh_prev, grads = rnn_step_backward(dh, cache, params, self.options)
        return dx, (dh_prev,), grads
