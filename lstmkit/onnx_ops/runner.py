"""What the three ONNX operators share: their inputs, in and out of the layers' direction loop.

ONNX's X, initial states and outputs are converted to lstmkit's internal batch layout
(time-major, sorted by length), the directions run through the layers' own direction loop
(`lstmkit.recurrent.directions`: the reverse direction over each sequence's valid prefix,
reversed), and the results come back in ONNX's shapes: Y [seq_length, num_directions,
batch_size, hidden_size] and Y_h / Y_c [num_directions, batch_size, hidden_size] (layout 0),
or [batch_size, seq_length, num_directions, hidden_size] and [batch_size, num_directions,
hidden_size] (layout 1).
"""

import numpy as np

from lstmkit.onnx_ops.inputs import check_sequence_lens, check_tensor
from lstmkit.onnx_ops.weights import onnx_to_lstmkit
from lstmkit.recurrent.directions import Direction, run_directions
from lstmkit.recurrent.layout import BatchLayout


def run_operator(
    cells,
    X,
    W,
    R,
    B,
    P,
    sequence_lens,
    initial_states,
    reversed_flags,
    layout: int,
    hidden: int,
):
    """Run the operator whose directions run the cell specs `cells` (one per direction).

    `initial_states` is a tuple of (name, value-or-None) for the state inputs (initial_h, and
    initial_c for the LSTM). Returns (Y, finals) with finals a tuple of arrays, one per state,
    in ONNX's shapes.
    """
    dtype = X.dtype
    batch_first = layout == 1
    steps, batch = (X.shape[1], X.shape[0]) if batch_first else (X.shape[0], X.shape[1])
    directions = len(reversed_flags)
    gates = cells[0].gates
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
    kind = cells[0].kind
    runs = []
    for d, (cell, is_reversed) in enumerate(zip(cells, reversed_flags, strict=True)):
        bias, peepholes = None if B is None else B[d], None if P is None else P[d]
        params = onnx_to_lstmkit(kind, W[d], R[d], bias, peepholes)
        runs.append(Direction(cell, params, is_reversed))
    outputs, finals, _ = run_directions(runs, x, states, batch_layout)
    # [seq_length, num_directions, batch_size, hidden_size]
    Y = np.stack([batch_layout.to_user(y, batch_first=False) for y in outputs], axis=1)
    finals = [batch_layout.states_to_user(f) for f in finals]
    if batch_first:
        return Y.transpose(2, 0, 1, 3).copy(), tuple(f.transpose(1, 0, 2).copy() for f in finals)
    return Y, tuple(finals)
