"""The direction loop shared by the three ONNX operators.

ONNX's X, initial states and outputs are converted to lstmkit's internal batch layout
(time-major, sorted by length), each direction runs the same scan as the layers (the reverse
direction over each sequence's valid prefix, reversed), and the results come back in ONNX's
shapes: Y [seq_length, num_directions, batch_size, hidden_size] and Y_h / Y_c
[num_directions, batch_size, hidden_size] (layout 0), or [batch_size, seq_length,
num_directions, hidden_size] and [batch_size, num_directions, hidden_size] (layout 1).
"""

import numpy as np

from lstmkit.onnx_ops.inputs import check_sequence_lens, check_tensor
from lstmkit.onnx_ops.weights import onnx_to_lstmkit
from lstmkit.recurrent.layout import BatchLayout


def run_directions(
    cell,
    scan,
    X,
    W,
    R,
    B,
    P,
    sequence_lens,
    initial_states,
    reversed_flags,
    options,
    layout: int,
    hidden: int,
):
    """Run `scan(params, x, states, batch_layout, options)` -> (y, finals) per direction.

    `initial_states` is a tuple of (name, value-or-None) for the state inputs (initial_h, and
    initial_c for the LSTM). `options` holds one cell-options object per direction.
    Returns (Y, finals) with finals a tuple of arrays, one per state, in ONNX's shapes.
    """
    dtype = X.dtype
    batch_first = layout == 1
    steps, batch = (X.shape[1], X.shape[0]) if batch_first else (X.shape[0], X.shape[1])
    directions = len(reversed_flags)
    gates = W.shape[1] // hidden
    W = check_tensor(
        W,
        "W",
        (directions, gates * hidden, X.shape[2]),
        dtype,
        "([num_directions, gates*hidden_size, input_size])",
    )
    R = check_tensor(
        R,
        "R",
        (directions, gates * hidden, hidden),
        dtype,
        "([num_directions, gates*hidden_size, hidden_size])",
    )
    B = check_tensor(
        B, "B", (directions, 2 * gates * hidden), dtype, "([num_directions, 2*gates*hidden_size])"
    )
    P = check_tensor(P, "P", (directions, 3 * hidden), dtype, "([num_directions, 3*hidden_size])")
    lengths = check_sequence_lens(sequence_lens, batch, steps)
    state_shape = (batch, directions, hidden) if batch_first else (directions, batch, hidden)
    meaning = (
        "([batch_size, num_directions, hidden_size], layout=1)"
        if batch_first
        else ("([num_directions, batch_size, hidden_size])")
    )
    states = []
    for name, value in initial_states:
        value = check_tensor(value, name, state_shape, dtype, meaning)
        if value is not None and batch_first:
            value = value.transpose(1, 0, 2)
        states.append(value)

    batch_layout = BatchLayout.build(lengths, batch, steps)
    x = batch_layout.to_internal(X, batch_first)
    states = [
        np.zeros((directions, batch, hidden), dtype)
        if s is None
        else batch_layout.states_to_internal(s)
        for s in states
    ]
    outputs, finals = [], [np.empty((directions, batch, hidden), dtype) for _ in states]
    for d, is_reversed in enumerate(reversed_flags):
        params = onnx_to_lstmkit(
            cell, W[d], R[d], None if B is None else B[d], None if P is None else P[d]
        )
        reverse = batch_layout.reverse if is_reversed else _identity
        y, direction_finals = scan(
            params, reverse(x), [s[d] for s in states], batch_layout, options[d]
        )
        outputs.append(batch_layout.to_user(reverse(y), batch_first=False))
        for target, value in zip(finals, direction_finals, strict=True):
            target[d] = value
    Y = np.stack(outputs, axis=1)  # [seq_length, num_directions, batch_size, hidden_size]
    finals = [batch_layout.states_to_user(f) for f in finals]
    if batch_first:
        return Y.transpose(2, 0, 1, 3).copy(), tuple(f.transpose(1, 0, 2).copy() for f in finals)
    return Y, tuple(finals)


def _identity(array):
    return array
