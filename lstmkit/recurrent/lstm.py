"""The LSTM layer: PyTorch's constructor, shapes and parameter layout, exact BPTT."""

import numbers

import numpy as np

from lstmkit.cells.lstm import LSTMCellSpec, LSTMOptions
from lstmkit.cells.lstm_regularised import RegularisedLSTMCellSpec
from lstmkit.recurrent.base import RecurrentLayer
from lstmkit.recurrent.regularisers import refuse_clashes
from lstmkit.recurrent.validation import check_clip, check_flag, check_probability


class LSTM(RecurrentLayer):
    """Long short-term memory layer (stacked, bidirectional, variable-length).

    Per step, for every layer and direction (equations of `lstmkit.cells.lstm`):

        i  = sigmoid(W_ii x + b_ii + W_hi h + b_hi [+ p_i * c])
        f  = sigmoid(W_if x + b_if + W_hf h + b_hf [+ p_f * c])
        g  = tanh(W_ig x + b_ig + W_hg h + b_hg)
        o  = sigmoid(W_io x + b_io + W_ho h + b_ho [+ p_o * c'])
        c' = f * c + i * g
        h' = o * tanh(c')                      (then h' = W_hr h' with proj_size > 0)

    Args:
        input_size: features I of the input.
        hidden_size: cell size H.
        num_layers: stacked layers; layer k > 0 reads the (dropout of the) output of layer k-1.
        bias: with False, no `bias_ih` / `bias_hh` parameters.
        batch_first: inputs and outputs are (N, T, .) if True (the default), else (T, N, .).
        dropout: dropout probability on the input of every layer but the first, training
            mode only, drawn from the layer's own seeded generator.
        bidirectional: add a reverse direction; outputs are [forward, reverse] along features.
        proj_size: if > 0, project h to this size (`weight_hr_l{k}`, as torch's LSTM).
        peepholes: add peephole weights `weight_ch_l{k}`, shape (3, H) for gates i, f, o; i and
            f see the previous cell state, o the new one (the ONNX LSTM operator's convention).
        forget_bias: added to the forget-gate slice of `bias_ih_l{k}` at initialisation
            (1.0 is the classic choice for learning long lags; 0.0 matches torch).
        clip: if set, every gate pre-activation is clipped to [-clip, clip] before its
            activation (ONNX's `clip`); gradients are zero where the bound is hit.
        input_forget: couple the gates, f = 1 - i (ONNX's `input_forget`); the forget-gate
            rows of the weights then receive zero gradient.
        dtype: "float32" (default) or "float64"; inputs are cast to it.
        seed: int, np.random.Generator or None: initialisation and dropout draw from it only.

    Regularised and normalised variants (keyword only; all off by default, and then the layer
    computes exactly what it computes without them). Equations in docs/lstm.md section 3a,
    `lstmkit.cells.lstm_regularised` and `lstmkit.recurrent.regularisers`:
        layer_norm: layer normalisation inside the cell (Ba, Kiros and Hinton 2016):
            z = LN(W_ih x; g_x, b_x) + LN(W_hh h; g_h, b_h) + b_ih + b_hh, gates as usual,
            c' = f * c + i * g, h' = o * tanh(LN(c'; g_c, b_c)); parameters
            `ln_ih_weight_l{k}`, `ln_ih_bias_l{k}`, `ln_hh_weight_l{k}`, `ln_hh_bias_l{k}`
            (4H,) and `ln_c_weight_l{k}`, `ln_c_bias_l{k}` (H,), `_reverse` for the reverse
            direction, initialised to gain 1 and bias 0 (eps 1e-5).
        dropout_input: variational dropout (Gal and Ghahramani 2016) of the input of every
            stacked layer: one mask per sequence and feature, the same at every step.
        dropout_output: the same on the output y of the last layer (not on h_n, c_n).
        dropout_state: the same on h where it enters the recurrent product W_hh h (one mask
            per sequence, unit, layer and direction); the state itself is not changed.
        weight_drop: DropConnect on weight_hh (AWD-LSTM): one mask per layer, direction and
            forward call, shared by the batch and the steps.
        zoneout_cell, zoneout_hidden: zoneout (Krueger et al. 2016): in training each unit
            of c (of h) keeps its previous value with this probability, drawn afresh at every
            step; in evaluation c' = p c + (1 - p) c^, the expectation.
    The dropouts use inverted scaling (kept values / (1 - p)); in evaluation mode they are
    off and the layer is the plain LSTM exactly. All masks draw from the layer's generator
    (replayable with `rng_states()`; `last_masks()` returns them). layer_norm, dropout_state
    and zoneout act inside the recurrence: they cannot be combined with peepholes, clip or
    input_forget, and they run a NumPy time loop instead of the numba kernels (see
    docs/performance.md); with proj_size, LN_hh normalises W_hh h over the 4H gate rows and
    zoneout_hidden acts on the projected h. dropout_input, dropout_output and weight_drop
    work with every other option and keep the fused kernels. ONNX export writes layer_norm
    and zoneout as a Scan of standard operators; `to_torch` refuses them.

    Shapes (D = 2 if bidirectional else 1, P = proj_size or hidden_size):
        x (N, T, I); y (N, T, D*P); h_n (D*num_layers, N, P); c_n (D*num_layers, N, H);
        state index of layer k, direction d is k*D + d, as in torch.

    `forward(x, state=None, lengths=None)` returns `y, (h_n, c_n)`. With `lengths` (N,) ints
    in 1..T, every sequence, in both directions, runs over its own first lengths[n] steps;
    outputs past a length are zero and (h_n, c_n) are the states at the last valid step, as
    torch with `pack_padded_sequence(..., enforce_sorted=False)`. For a bidirectional layer,
    h_n of the reverse direction is its state after step 0, so it is NOT `y[:, -1, P:]`.

    `backward(dy, dstate=None)`, with dstate = (dh_n, dc_n) (either may be None), returns
    `dx, (dh_0, dc_0)` and adds every parameter's gradient into `grads`.

    Example:
        >>> m = LSTM(8, 16, seed=0)
        >>> y, (h_n, c_n) = m(np.zeros((4, 10, 8)))
        >>> y.shape, h_n.shape
        ((4, 10, 16), (1, 4, 16))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
        proj_size=0,
        peepholes=False,
        forget_bias=0.0,
        clip=None,
        input_forget=False,
        dtype="float32",
        seed=None,
        *,
        layer_norm=False,
        dropout_input=0.0,
        dropout_output=0.0,
        dropout_state=0.0,
        weight_drop=0.0,
        zoneout_cell=0.0,
        zoneout_hidden=0.0,
    ):
        self.proj_size = _check_proj_size(proj_size, hidden_size)
        self.clip = check_clip(clip)
        self.input_forget = check_flag(input_forget, "input_forget")
        self.options = LSTMOptions(clip=self.clip, input_forget=self.input_forget)
        self.peepholes = check_flag(peepholes, "peepholes")
        self.forget_bias = _check_forget_bias(forget_bias, bias)
        self.layer_norm = check_flag(layer_norm, "layer_norm")
        self.dropout_state = check_probability(dropout_state, "dropout_state")
        self.zoneout_cell = check_probability(zoneout_cell, "zoneout_cell")
        self.zoneout_hidden = check_probability(zoneout_hidden, "zoneout_hidden")
        self._plain_cell = LSTMCellSpec(self.options, self.proj_size, self.peepholes)
        cell = self._plain_cell
        if self._in_recurrence_options():
            clashes = {
                "peepholes": self.peepholes,
                "clip": self.clip is not None,
                "input_forget": self.input_forget,
            }
            refuse_clashes(self._in_recurrence_options(), clashes)
            cell = RegularisedLSTMCellSpec(
                proj_size=self.proj_size,
                layer_norm=self.layer_norm,
                zoneout_cell=self.zoneout_cell,
                zoneout_hidden=self.zoneout_hidden,
            )
        super().__init__(
            cell,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            dtype,
            seed,
            dropout_input=dropout_input,
            dropout_output=dropout_output,
            weight_drop=weight_drop,
        )

    def forward(self, x, state=None, lengths=None):
        """y, (h_n, c_n) for x (N, T, I) from state = (h_0, c_0) (None: zeros)."""
        return super().forward(x, state, lengths)

    def backward(self, dy, dstate=None):
        """dx, (dh_0, dc_0) for dy = dL/dy and dstate = (dL/dh_n, dL/dc_n)."""
        return super().backward(dy, dstate)

    def step(self, x, state=None):
        """One time step for streaming: `y_t, (h, c) = m.step(x_t, (h, c))` (None: zeros).

        x (N, I) is one step's input; h, c have forward's shapes (num_layers, N, P / H) and
        y_t = h of the last layer, so stepping through a sequence gives forward's y[:, t],
        h_n and c_n. Inference only (nothing is kept for backward; no dropout);
        unidirectional layers only.

        Example:
            >>> m = LSTM(3, 5, seed=0)
            >>> state = None
            >>> for x_t in np.ones((4, 2, 3)):  # 4 steps of a batch of 2
            ...     y_t, state = m.step(x_t, state)
            >>> y_t.shape, state[1].shape
            ((2, 5), (1, 2, 5))
        """
        return self._run_step(x, state)

    def reset_parameters(self) -> None:
        """U(-1/sqrt(H), 1/sqrt(H)) for every parameter (layer-norm gains 1, biases 0), then
        forget_bias on b_if."""
        super().reset_parameters()
        if self.bias and self.forget_bias:
            hidden = self.hidden_size
            for name, value in self.params.items():
                if name.startswith("bias_ih"):
                    value[hidden : 2 * hidden] += self.forget_bias

    def _extra_repr(self) -> str:
        extra = super()._extra_repr()
        if self.proj_size:
            extra += f", proj_size={self.proj_size}"
        if self.peepholes:
            extra += ", peepholes=True"
        if self.forget_bias:
            extra += f", forget_bias={self.forget_bias}"
        if self.input_forget:
            extra += ", input_forget=True"
        return extra


def _check_proj_size(proj_size, hidden_size) -> int:
    valid = isinstance(proj_size, numbers.Integral) and not isinstance(proj_size, bool)
    if not valid or proj_size < 0:
        raise ValueError(f"proj_size must be a non-negative integer; got {proj_size!r}")
    if isinstance(hidden_size, numbers.Integral) and proj_size >= hidden_size > 0:
        raise ValueError(
            f"proj_size must be smaller than hidden_size ({hidden_size}); got {proj_size}"
        )
    return int(proj_size)


def _check_forget_bias(forget_bias, bias) -> float:
    if not isinstance(forget_bias, numbers.Real) or not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias must be a finite number; got {forget_bias!r}")
    if forget_bias and not bias:
        raise ValueError("forget_bias needs bias=True (it is added to bias_ih); got bias=False")
    return float(forget_bias)
