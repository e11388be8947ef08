"""One LSTM time step, forward and backward, as pure functions.

Shape legend: N batch, I input, H hidden (cell), P output of the step (P = proj_size with a
projection, else P = H). `params` holds the step's weights under PyTorch's names without the
layer suffix: `weight_ih` (4H, I), `weight_hh` (4H, P), optional `bias_ih`, `bias_hh` (4H,),
optional `weight_hr` (P, H) for the projection and `weight_ch` (3, H) for peepholes (rows i, f, o).
The 4H rows of the weights and biases are stacked in the gate order i, f, g, o.

    z  = x @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh        (N, 4H) = [z_i z_f z_g z_o]
    i  = sigmoid(z_i + p_i * c)          input gate
    f  = sigmoid(z_f + p_f * c)          forget gate
    g  = tanh(z_g)                       candidate cell value
    c' = f * c + i * g                   the additive cell update
    o  = sigmoid(z_o + p_o * c')         output gate
    r  = o * tanh(c')
    h' = r @ weight_hr.T   with a projection, else h' = r

The peephole terms `p_* = weight_ch[*]` are present only with peepholes and follow the ONNX
operator: the input and forget gates look at the previous cell state c, the output gate at the
new one c'. Note the cell update uses the forget gate of THIS step (not f of t-1), and the forget
gate multiplies the cell state, not the hidden state: the two most common tutorial mistakes.

Backward, with dh' and dc' the gradients arriving at the step's outputs:

    dr   = dh' @ weight_hr   (projection)   else dr = dh'
    do   = dr * tanh(c')                          dz_o = do * o * (1 - o)
    dc'  = dc' + dr * o * (1 - tanh(c')^2) + dz_o * p_o
    dz_i = dc' * g * i * (1 - i)     dz_f = dc' * c * f * (1 - f)     dz_g = dc' * i * (1 - g^2)
    dc   = dc' * f + dz_i * p_i + dz_f * p_f
    dh   = dz @ weight_hh            dx = dz @ weight_ih

`LSTMOptions` adds the ONNX operator's variants: other activations in place of sigmoid and tanh,
clipping of the pre-activations, and coupled input and forget gates (f = 1 - i).

`lstm_pointwise_forward` / `lstm_pointwise_backward` are the element-wise part of a step, working
in place on preallocated buffers; the layer's time loop (`lstmkit.recurrent`) calls them with
slices of its (T, N, ...) arrays, so the step below and the layer share one implementation.
`LSTMCellSpec` is the step under the cell protocol (`lstmkit.cells.spec`), state (h, c).
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lstmkit.cells.spec import CellSpec
from lstmkit.ops.activation_set import SIGMOID, TANH, Activation


@dataclass(frozen=True)
class LSTMOptions:
    """Variants of the step beyond peepholes and projection (the ONNX operator's attributes).

    gate_activation (ONNX's f, default sigmoid) makes i, f, o; cell_activation (g, default
    tanh) makes the candidate g; output_activation (h, default tanh) replaces tanh in
    r = o * h(c'). `clip` bounds every gate pre-activation (peephole and biases included) to
    [-clip, clip] before its activation; its gradient is zero where the bound was hit.
    `input_forget` couples the gates: f = 1 - i, and f's own weights go unused.
    """

    gate_activation: Activation = SIGMOID
    cell_activation: Activation = TANH
    output_activation: Activation = TANH
    clip: float | None = None
    input_forget: bool = False


DEFAULT_OPTIONS = LSTMOptions()


def split_gates(a: np.ndarray):
    """Views of the i, f, g, o blocks of an (n, 4H) gate array."""
    hidden = a.shape[-1] // 4
    return (
        a[..., :hidden],
        a[..., hidden : 2 * hidden],
        a[..., 2 * hidden : 3 * hidden],
        a[..., 3 * hidden :],
    )


def clip_(z: np.ndarray, bound: float, inside: np.ndarray) -> None:
    """Clip z to [-bound, bound] in place; `inside` records where it was not clipped."""
    np.less_equal(np.abs(z), bound, out=inside)
    np.clip(z, -bound, bound, out=z)


def lstm_pointwise_forward(
    gates, c_prev, c, act_c, r, peepholes=None, options=DEFAULT_OPTIONS, inside=None
) -> None:
    """Element-wise part of a step, in place.

    On entry `gates` (n, 4H) holds the pre-activations z; on exit it holds i, f, g, o.
    Writes the new cell state into `c`, h(c) (tanh by default) into `act_c` and
    r = o * h(c) into `r` (all (n, H)). `r` doubles as scratch space before its final value is
    written. With `options.clip`, `inside` (n, 4H) bool receives where no clipping happened.
    """
    hidden = c.shape[-1]
    i, f, g, o = split_gates(gates)
    gate_act, clip = options.gate_activation, options.clip
    if peepholes is not None:
        np.multiply(c_prev, peepholes[0], out=r)
        i += r
        np.multiply(c_prev, peepholes[1], out=r)
        f += r
    if clip is not None:
        clip_(gates[:, : 3 * hidden], clip, inside[:, : 3 * hidden])
    if options.input_forget:
        gate_act(i)
        np.subtract(1, i, out=f)
    else:
        gate_act(gates[:, : 2 * hidden])  # i and f are adjacent: one call for both
    options.cell_activation(g)
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=r)
    c += r
    if peepholes is not None:
        np.multiply(c, peepholes[2], out=r)
        o += r
    if clip is not None:
        clip_(o, clip, inside[:, 3 * hidden :])
    gate_act(o)
    options.output_activation(c, out=act_c)
    np.multiply(o, act_c, out=r)


def lstm_pointwise_backward(
    dr,
    dc,
    gates,
    c_prev,
    act_c,
    dgates,
    scratch,
    peepholes=None,
    options=DEFAULT_OPTIONS,
    inside=None,
):
    """Element-wise part of a step's backward pass, in place.

    `dr` (n, H): gradient of r = o * h(c'). `dc` (n, H): on entry the gradient arriving at
    c' from later steps, on exit the gradient at c (the previous cell state). Writes dz into
    `dgates` (n, 4H). `scratch` is an (n, H) work buffer; `inside` is the forward's clip record.
    """
    i, f, g, o = split_gates(gates)
    dz_i, dz_f, dz_g, dz_o = split_gates(dgates)
    gate_act, s = options.gate_activation, scratch
    # r = o * h(c'): the path into c' ...
    options.output_activation.derivative(act_c, out=s)
    s *= o
    s *= dr
    dc += s
    # ... and into o
    np.multiply(dr, act_c, out=dz_o)
    dz_o *= gate_act.derivative(o, out=s)
    if inside is not None:
        dz_o *= inside[:, 3 * o.shape[-1] :]
    if peepholes is not None:
        np.multiply(dz_o, peepholes[2], out=s)
        dc += s
    # c' = f * c + i * g
    np.multiply(dc, g, out=dz_i)
    np.multiply(dc, c_prev, out=dz_f)
    if options.input_forget:  # f = 1 - i
        dz_i -= dz_f
        dz_f.fill(0)
    else:
        dz_f *= gate_act.derivative(f, out=s)
    dz_i *= gate_act.derivative(i, out=s)
    options.cell_activation.derivative(g, out=s)
    s *= i
    np.multiply(dc, s, out=dz_g)
    if inside is not None:
        dgates[:, : 3 * o.shape[-1]] *= inside[:, : 3 * o.shape[-1]]
    dc *= f
    if peepholes is not None:
        np.multiply(dz_i, peepholes[0], out=s)
        dc += s
        np.multiply(dz_f, peepholes[1], out=s)
        dc += s


@dataclass
class LSTMStepCache:
    """What one step keeps for its backward pass."""

    x: np.ndarray  # (N, I) input
    h_prev: np.ndarray  # (N, P)
    c_prev: np.ndarray  # (N, H)
    gates: np.ndarray  # (N, 4H) activations i, f, g, o
    c: np.ndarray  # (N, H) new cell state
    act_c: np.ndarray  # (N, H) h(c), tanh(c) by default
    r: np.ndarray  # (N, H) o * h(c), before the projection
    inside: np.ndarray | None  # (N, 4H) where no clipping happened (with options.clip)


def lstm_step(x, h, c, params, options: LSTMOptions = DEFAULT_OPTIONS):
    """One LSTM step: returns (h', c', cache). See the module docstring for the equations.

    x (N, I), h (N, P), c (N, H); `params` as described in the module docstring.
    """
    weight_ih, weight_hh = params["weight_ih"], params["weight_hh"]
    gates = x @ weight_ih.T + h @ weight_hh.T
    if "bias_ih" in params:
        gates += params["bias_ih"] + params["bias_hh"]
    c_new = np.empty_like(c, dtype=gates.dtype)
    act_c = np.empty_like(c_new)
    r = np.empty_like(c_new)
    inside = np.empty(gates.shape, bool) if options.clip is not None else None
    lstm_pointwise_forward(gates, c, c_new, act_c, r, params.get("weight_ch"), options, inside)
    h_new = r @ params["weight_hr"].T if "weight_hr" in params else r
    cache = LSTMStepCache(
        x=x, h_prev=h, c_prev=c, gates=gates, c=c_new, act_c=act_c, r=r, inside=inside
    )
    return h_new, c_new, cache


def lstm_step_backward(dh, dc, cache: LSTMStepCache, params, options=DEFAULT_OPTIONS):
    """Backward of `lstm_step`.

    dh (N, P) and dc (N, H) are the gradients arriving at h' and c' (dc may be None).
    Returns (dx, dh_prev, dc_prev, grads) with `grads` a dict keyed like `params`.
    """
    peepholes = params.get("weight_ch")
    dr = dh @ params["weight_hr"] if "weight_hr" in params else np.array(dh, copy=True)
    dc = np.zeros_like(cache.c) if dc is None else np.array(dc, dtype=cache.c.dtype, copy=True)
    dgates = np.empty_like(cache.gates)
    scratch = np.empty_like(cache.c)
    lstm_pointwise_backward(
        dr,
        dc,
        cache.gates,
        cache.c_prev,
        cache.act_c,
        dgates,
        scratch,
        peepholes,
        options,
        cache.inside,
    )
    grads = {
        "weight_ih": dgates.T @ cache.x,
        "weight_hh": dgates.T @ cache.h_prev,
    }
    if "bias_ih" in params:
        grads["bias_ih"] = dgates.sum(axis=0)
        grads["bias_hh"] = grads["bias_ih"].copy()
    if "weight_hr" in params:
        grads["weight_hr"] = dh.T @ cache.r
    if peepholes is not None:
        grads["weight_ch"] = peephole_grad(dgates, cache.c_prev, cache.c)
    dx = dgates @ params["weight_ih"]
    dh_prev = dgates @ params["weight_hh"]
    return dx, dh_prev, dc, grads


def peephole_grad(dgates, c_prev, c):
    """Gradient of the (3, H) peephole weights, summed over every leading axis.

    p_i and p_f multiply the previous cell state, p_o the new one.
    """
    dz_i, dz_f, _, dz_o = split_gates(dgates)
    axes = tuple(range(dgates.ndim - 1))
    return np.stack(
        [(dz_i * c_prev).sum(axis=axes), (dz_f * c_prev).sum(axis=axes), (dz_o * c).sum(axis=axes)]
    )


@dataclass(frozen=True)
class LSTMCellSpec(CellSpec):
    """The LSTM step under the cell protocol (`lstmkit.cells.spec`): state (h, c).

    h has P = proj_size (or H) features, c has H. `peepholes` and `proj_size` only shape the
    parameters (`weight_ch` (3, H), `weight_hr` (P, H)); the step uses them when `params`
    holds them, as `lstm_step` does.
    """

    state_names: ClassVar[tuple] = ("h", "c")
    gates: ClassVar[int] = 4
    kind: ClassVar[str] = "lstm"
    options: LSTMOptions = DEFAULT_OPTIONS
    proj_size: int = 0
    peepholes: bool = False

    def parameter_shapes(self, input_size, hidden_size, bias=True):
        shapes = super().parameter_shapes(input_size, hidden_size, bias)
        if self.proj_size:
            shapes["weight_hh"] = (4 * hidden_size, self.proj_size)
            shapes["weight_hr"] = (self.proj_size, hidden_size)
        if self.peepholes:
            shapes["weight_ch"] = (3, hidden_size)
        return shapes

    def state_sizes(self, hidden_size):
        return (self.proj_size or hidden_size, hidden_size)

    def step(self, params, x, state):
        h, c, cache = lstm_step(x, state[0], state[1], params, self.options)
        return (h, c), cache

    def step_backward(self, params, cache, dstate):
        dh, dc = dstate
        if dh is None:
            dh = np.zeros_like(cache.h_prev, dtype=cache.gates.dtype)
        dx, dh_prev, dc_prev, grads = lstm_step_backward(dh, dc, cache, params, self.options)
        return dx, (dh_prev, dc_prev), grads
