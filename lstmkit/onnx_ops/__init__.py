"""The ONNX LSTM, GRU and RNN operators (opset 14 and later), exactly, in NumPy, for inference.

Each function takes the operator's inputs positionally, in the operator's order, and its
attributes as keywords, with the operator's defaults; optional inputs are None when absent.
Every attribute is implemented: `direction` (forward / reverse / bidirectional), `layout` (0:
sequence first, 1: batch first), `sequence_lens` (each sequence runs over its first
sequence_lens[b] steps, the reverse direction over that prefix reversed; Y is zero past it and
Y_h / Y_c are the states at its last valid step), `clip` (every gate pre-activation bounded to
[-clip, clip] before its activation), `input_forget` (LSTM: f = 1 - i), `linear_before_reset`
(GRU), and `activations` / `activation_alpha` / `activation_beta` with every function the
operators list (see `lstmkit.ops.activation_set`, which also states the alpha/beta defaults).

They run the same cell specs, time loops and direction loop as `lstmkit.LSTM`, `GRU` and `RNN`
(each direction one `lstmkit.cells` spec with that direction's options); the gate reordering
between ONNX's layout and lstmkit's is `lstmkit.onnx_ops.weights`. Outputs have X's dtype
(float32 or float64). sequence_lens must lie in 1..seq_length.
"""

from lstmkit.cells.gru import GRUCellSpec, GRUOptions
from lstmkit.cells.lstm import LSTMCellSpec, LSTMOptions
from lstmkit.cells.rnn import RNNCellSpec, RNNOptions
from lstmkit.onnx_ops.inputs import check_direction, check_flag, check_X, hidden_size_of
from lstmkit.onnx_ops.runner import run_operator
from lstmkit.ops.activation_set import SIGMOID, TANH, resolve_activations
from lstmkit.recurrent.validation import check_clip

__all__ = ["gru", "lstm", "rnn"]


def _prepare(
    X,
    W,
    R,
    gates,
    default_activations,
    *,
    layout,
    direction,
    hidden_size,
    activations,
    activation_alpha,
    activation_beta,
    clip,
):
    """Checks shared by the three operators -> (X, reversed flags, hidden size, activations
    per direction, clip)."""
    X = check_X(X, layout)
    reversed_flags = check_direction(direction)
    hidden = hidden_size_of(W, R, gates, hidden_size)
    count, directions = len(default_activations), len(reversed_flags)
    if activations is not None and directions == 1 and len(activations) == 2 * count:
        # The RNN schema's default lists two names even for one direction, and onnxruntime
        # takes such lists for every operator, using the first ones: accept them too.
        defaults = default_activations * 2
    else:
        defaults = default_activations * directions
    resolved = resolve_activations(activations, activation_alpha, activation_beta, defaults)
    per_direction = [resolved[d * count : (d + 1) * count] for d in range(directions)]
    return X, reversed_flags, hidden, per_direction, check_clip(clip)


def lstm(
    X,
    W,
    R,
    B=None,
    sequence_lens=None,
    initial_h=None,
    initial_c=None,
    P=None,
    *,
    hidden_size=None,
    direction="forward",
    activations=None,
    activation_alpha=None,
    activation_beta=None,
    clip=None,
    input_forget=0,
    layout=0,
):
    """ONNX LSTM -> (Y, Y_h, Y_c).

    X [seq_length, batch_size, input_size] (layout 0); W [num_directions, 4*hidden_size,
    input_size], R [num_directions, 4*hidden_size, hidden_size], B [num_directions,
    8*hidden_size], P [num_directions, 3*hidden_size]; gates in ONNX order i, o, f, c.

        i  = f(X W_i^T + H R_i^T + P_i * C + Wb_i + Rb_i)
        f  = f(X W_f^T + H R_f^T + P_f * C + Wb_f + Rb_f)       (1 - i with input_forget)
        c~ = g(X W_c^T + H R_c^T + Wb_c + Rb_c)
        C' = f * C + i * c~
        o  = f(X W_o^T + H R_o^T + P_o * C' + Wb_o + Rb_o)
        H' = o * h(C')

    with activations (f, g, h) = (Sigmoid, Tanh, Tanh) unless given (6 for bidirectional).
    """
    X, reversed_flags, hidden, per_direction, clip = _prepare(
        X,
        W,
        R,
        4,
        (SIGMOID, TANH, TANH),
        layout=layout,
        direction=direction,
        hidden_size=hidden_size,
        activations=activations,
        activation_alpha=activation_alpha,
        activation_beta=activation_beta,
        clip=clip,
    )
    coupled = check_flag(input_forget, "input_forget")
    cells = [
        LSTMCellSpec(LSTMOptions(*a, clip=clip, input_forget=coupled), peepholes=P is not None)
        for a in per_direction
    ]
    Y, (Y_h, Y_c) = run_operator(
        cells,
        X,
        W,
        R,
        B,
        P,
        sequence_lens,
        (("initial_h", initial_h), ("initial_c", initial_c)),
        reversed_flags,
        layout,
        hidden,
    )
    return Y, Y_h, Y_c


def gru(
    X,
    W,
    R,
    B=None,
    sequence_lens=None,
    initial_h=None,
    *,
    hidden_size=None,
    direction="forward",
    activations=None,
    activation_alpha=None,
    activation_beta=None,
    clip=None,
    linear_before_reset=0,
    layout=0,
):
    """ONNX GRU -> (Y, Y_h). Gates in ONNX order z, r, h; B = [Wb, Rb].

        z = f(X W_z^T + H R_z^T + Wb_z + Rb_z)       r = f(X W_r^T + H R_r^T + Wb_r + Rb_r)
        h~ = g(X W_h^T + (r * H) R_h^T + Rb_h + Wb_h)         linear_before_reset = 0
        h~ = g(X W_h^T + r * (H R_h^T + Rb_h) + Wb_h)         linear_before_reset = 1
        H' = (1 - z) * h~ + z * H

    with activations (f, g) = (Sigmoid, Tanh) unless given (4 for bidirectional).
    """
    X, reversed_flags, hidden, per_direction, clip = _prepare(
        X,
        W,
        R,
        3,
        (SIGMOID, TANH),
        layout=layout,
        direction=direction,
        hidden_size=hidden_size,
        activations=activations,
        activation_alpha=activation_alpha,
        activation_beta=activation_beta,
        clip=clip,
    )
    before = check_flag(linear_before_reset, "linear_before_reset")
    cells = [GRUCellSpec(GRUOptions(before, *a, clip=clip)) for a in per_direction]
    Y, (Y_h,) = run_operator(
        cells,
        X,
        W,
        R,
        B,
        None,
        sequence_lens,
        (("initial_h", initial_h),),
        reversed_flags,
        layout,
        hidden,
    )
    return Y, Y_h


def rnn(
    X,
    W,
    R,
    B=None,
    sequence_lens=None,
    initial_h=None,
    *,
    hidden_size=None,
    direction="forward",
    activations=None,
    activation_alpha=None,
    activation_beta=None,
    clip=None,
    layout=0,
):
    """ONNX RNN -> (Y, Y_h): H' = f(X W_i^T + H R_i^T + Wb_i + Rb_i), f = Tanh unless given
    (2 activations for bidirectional)."""
    X, reversed_flags, hidden, per_direction, clip = _prepare(
        X,
        W,
        R,
        1,
        (TANH,),
        layout=layout,
        direction=direction,
        hidden_size=hidden_size,
        activations=activations,
        activation_alpha=activation_alpha,
        activation_beta=activation_beta,
        clip=clip,
    )
    cells = [RNNCellSpec(RNNOptions(a[0], clip=clip)) for a in per_direction]
    Y, (Y_h,) = run_operator(
        cells,
        X,
        W,
        R,
        B,
        None,
        sequence_lens,
        (("initial_h", initial_h),),
        reversed_flags,
        layout,
        hidden,
    )
    return Y, Y_h
