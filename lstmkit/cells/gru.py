"""One GRU time step, forward and backward.

Shape legend: N batch, I input, H hidden. `params` holds PyTorch's names without the layer
suffix: `weight_ih` (3H, I), `weight_hh` (3H, H), optional `bias_ih`, `bias_hh` (3H,), rows
stacked in the gate order r, z, n.

    r  = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)            reset gate
    z  = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)            update gate
    n  = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))         linear_before_reset=True (PyTorch)
    n  = tanh(x W_in^T + b_in + (r * h) W_hn^T + b_hn)         linear_before_reset=False (ONNX's
                                                               default, Cho et al. 2014)
    h' = (1 - z) * n + z * h

`GRUOptions` holds the variant and the ONNX operator's extras: the gate activation (f, default
sigmoid) for r and z, the candidate activation (g, default tanh) for n, and `clip`, which
bounds each pre-activation to [-clip, clip] before its activation.

Backward, with dh' the gradient at h' and a_* the pre-activations:

    dz_n = dh' * (1 - z) * g'(n)                da_z = dh' * (h - n) * f'(z)
    linear_before_reset=True:   hn = h W_hn^T + b_hn
        da_r = dz_n * hn * f'(r);   the recurrent n-row gradient is dz_n * r
        dh   = dh' * z + [da_r, da_z, dz_n * r] @ W_hh
    linear_before_reset=False:  d(rh) = dz_n @ W_hn
        da_r = d(rh) * h * f'(r);   the recurrent n-row gradient is dz_n (its input is r * h)
        dh   = dh' * z + d(rh) * r + [da_r, da_z] @ W_hh[r, z rows]

`gru_cell_forward` / `gru_cell_backward` do one step given the input projection
x W_ih^T + b_ih (the time loop computes it for all steps at once); `gru_step` and
`gru_step_backward` are the whole step as a public function; `GRUCellSpec` is the step under
the cell protocol (`lstmkit.cells.spec`), state (h,).
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lstmkit.cells.lstm import clip_
from lstmkit.cells.spec import CellSpec
from lstmkit.ops.activation_set import SIGMOID, TANH, Activation


@dataclass(frozen=True)
class GRUOptions:
    """The GRU variant and the ONNX operator's activations and clip."""

    linear_before_reset: bool = True
    gate_activation: Activation = SIGMOID
    candidate_activation: Activation = TANH
    clip: float | None = None


DEFAULT_GRU_OPTIONS = GRUOptions()


def split3(a: np.ndarray):
    """Views of the r, z, n blocks of an (n, 3H) array."""
    hidden = a.shape[-1] // 3
    return a[..., :hidden], a[..., hidden : 2 * hidden], a[..., 2 * hidden :]


def gru_cell_forward(
    gates,
    h_prev,
    weight_hh,
    bias_hh,
    h_new,
    hn,
    rh,
    recurrent,
    options=DEFAULT_GRU_OPTIONS,
    inside=None,
) -> None:
    """One step, in place, from the input projection.

    On entry `gates` (n, 3H) holds x W_ih^T + b_ih; on exit r, z, n. Writes h' into `h_new`.
    With linear_before_reset it keeps hn = h W_hn^T + b_hn in `hn`, otherwise r * h in `rh`
    (each (n, H), what backward needs). `recurrent` is an (n, 3H) work buffer; `inside` (n, 3H)
    bool records where no clipping happened (with options.clip).
    """
    hidden = h_prev.shape[-1]
    r, z, n = split3(gates)
    rz = gates[:, : 2 * hidden]
    if options.linear_before_reset:
        np.matmul(h_prev, weight_hh.T, out=recurrent)
        if bias_hh is not None:
            recurrent += bias_hh
        rz += recurrent[:, : 2 * hidden]
    else:
        np.matmul(h_prev, weight_hh[: 2 * hidden].T, out=recurrent[:, : 2 * hidden])
        if bias_hh is not None:
            recurrent[:, : 2 * hidden] += bias_hh[: 2 * hidden]
        rz += recurrent[:, : 2 * hidden]
    if options.clip is not None:
        clip_(rz, options.clip, inside[:, : 2 * hidden])
    options.gate_activation(rz)
    if options.linear_before_reset:
        np.copyto(hn, recurrent[:, 2 * hidden :])
        np.multiply(r, hn, out=h_new)  # h_new as scratch
        n += h_new
    else:
        np.multiply(r, h_prev, out=rh)
        candidate = recurrent[:, 2 * hidden :]
        np.matmul(rh, weight_hh[2 * hidden :].T, out=candidate)
        if bias_hh is not None:
            candidate += bias_hh[2 * hidden :]
        n += candidate
    if options.clip is not None:
        clip_(n, options.clip, inside[:, 2 * hidden :])
    options.candidate_activation(n)
    # h' = (1 - z) * n + z * h = n + z * (h - n)
    np.subtract(h_prev, n, out=h_new)
    h_new *= z
    h_new += n


def gru_cell_backward(
    dh,
    gates,
    h_prev,
    hn,
    weight_hh,
    dgates,
    dgate_hn,
    dh_prev,
    scratch,
    options=DEFAULT_GRU_OPTIONS,
    inside=None,
) -> None:
    """Backward of one step, in place.

    `dh` (n, H): gradient at h'. Writes the pre-activation gradients [da_r, da_z, dz_n] into
    `dgates` (n, 3H) (the input-side gradients: dW_ih = dgates^T x), the gradient of the
    recurrent n rows' output into `dgate_hn` (n, H), and the gradient at h into `dh_prev`.
    `hn` is the forward's hn (linear_before_reset) or r * h (otherwise; unused here).
    `scratch` is an (n, H) work buffer.
    """
    hidden = h_prev.shape[-1]
    r, z, n = split3(gates)
    da_r, da_z, dz_n = split3(dgates)
    s = scratch
    # h' = n + z * (h - n)
    np.subtract(h_prev, n, out=da_z)
    da_z *= dh
    da_z *= options.gate_activation.derivative(z, out=s)
    np.subtract(1, z, out=dz_n)
    dz_n *= dh
    dz_n *= options.candidate_activation.derivative(n, out=s)
    if inside is not None:
        da_z *= inside[:, hidden : 2 * hidden]
        dz_n *= inside[:, 2 * hidden :]
    np.multiply(dh, z, out=dh_prev)
    if options.linear_before_reset:
        np.multiply(dz_n, hn, out=da_r)
        np.multiply(dz_n, r, out=dgate_hn)
    else:
        np.matmul(dz_n, weight_hh[2 * hidden :], out=dgate_hn)  # d(r * h), kept briefly
        np.multiply(dgate_hn, h_prev, out=da_r)
        dgate_hn *= r
        dh_prev += dgate_hn
        np.copyto(dgate_hn, dz_n)
    da_r *= options.gate_activation.derivative(r, out=s)
    if inside is not None:
        da_r *= inside[:, :hidden]
    np.matmul(dgates[:, : 2 * hidden], weight_hh[: 2 * hidden], out=s)
    dh_prev += s
    if options.linear_before_reset:
        np.matmul(dgate_hn, weight_hh[2 * hidden :], out=s)
        dh_prev += s


@dataclass
class GRUStepCache:
    """What one step keeps for its backward pass."""

    x: np.ndarray  # (N, I)
    h_prev: np.ndarray  # (N, H)
    gates: np.ndarray  # (N, 3H) activations r, z, n
    hn: np.ndarray  # (N, H) h W_hn^T + b_hn (linear_before_reset) or r * h (otherwise)
    inside: np.ndarray | None  # (N, 3H) where no clipping happened (with clip)


def gru_step(x, h, params, options: GRUOptions = DEFAULT_GRU_OPTIONS):
    """One GRU step: returns (h', cache). x (N, I), h (N, H)."""
    gates = x @ params["weight_ih"].T
    if "bias_ih" in params:
        gates += params["bias_ih"]
    h_new, hn = np.empty_like(h, dtype=gates.dtype), np.empty_like(h, dtype=gates.dtype)
    inside = np.empty(gates.shape, bool) if options.clip is not None else None
    gru_cell_forward(
        gates,
        h,
        params["weight_hh"],
        params.get("bias_hh"),
        h_new,
        hn,
        hn,
        np.empty_like(gates),
        options,
        inside,
    )
    return h_new, GRUStepCache(x=x, h_prev=h, gates=gates, hn=hn, inside=inside)


def gru_step_backward(dh, cache: GRUStepCache, params, options: GRUOptions = DEFAULT_GRU_OPTIONS):
    """Backward of `gru_step`: returns (dx, dh_prev, grads), grads keyed like `params`."""
    dgates = np.empty_like(cache.gates)
    dgate_hn = np.empty_like(cache.h_prev, dtype=dgates.dtype)
    dh_prev = np.empty_like(dgate_hn)
    gru_cell_backward(
        dh,
        cache.gates,
        cache.h_prev,
        cache.hn,
        params["weight_hh"],
        dgates,
        dgate_hn,
        dh_prev,
        np.empty_like(dgate_hn),
        options,
        cache.inside,
    )
    hidden = dh_prev.shape[-1]
    recurrent_input = cache.h_prev if options.linear_before_reset else cache.hn
    grads = {
        "weight_ih": dgates.T @ cache.x,
        "weight_hh": np.concatenate(
            [dgates[:, : 2 * hidden].T @ cache.h_prev, dgate_hn.T @ recurrent_input]
        ),
    }
    if "bias_ih" in params:
        grads["bias_ih"] = dgates.sum(axis=0)
        grads["bias_hh"] = np.concatenate([grads["bias_ih"][: 2 * hidden], dgate_hn.sum(axis=0)])
    return dgates @ params["weight_ih"], dh_prev, grads


@dataclass(frozen=True)
class GRUCellSpec(CellSpec):
    """The GRU step under the cell protocol (`lstmkit.cells.spec`): state (h,)."""

    gates: ClassVar[int] = 3
    kind: ClassVar[str] = "gru"
    options: GRUOptions = DEFAULT_GRU_OPTIONS

    def step(self, params, x, state):
        h, cache = gru_step(x, state[0], params, self.options)
        return (h,), cache

    def step_backward(self, params, cache, dstate):
        dh = dstate[0]
        if dh is None:
            dh = np.zeros_like(cache.h_prev, dtype=cache.gates.dtype)
        dx, dh_prev, grads = gru_step_backward(dh, cache, params, self.options)
        return dx, (dh_prev,), grads
