"""Run one LSTM cell over a short sequence and keep every gate: the learner's view."""

import numpy as np

from lstmkit.cells.lstm import DEFAULT_OPTIONS, lstm_step, split_gates


def trace_lstm_cell(x, params, h=None, c=None, options=DEFAULT_OPTIONS) -> list[dict]:
    """Step `lstm_step` over x (T, I) for one sequence; one record per step.

    Each record holds 1-D arrays `x, i, f, g, o, c, h` for that step (c and h are the new
    states). `params` and `options` as for `lstmkit.cells.lstm_step`; h and c default to zeros.
    """
    x = np.asarray(x, dtype=params["weight_ih"].dtype)
    hidden = params["weight_ih"].shape[0] // 4
    out_size = params["weight_hh"].shape[1]
    h = np.zeros((1, out_size), x.dtype) if h is None else np.asarray(h, x.dtype).reshape(1, -1)
    c = np.zeros((1, hidden), x.dtype) if c is None else np.asarray(c, x.dtype).reshape(1, -1)
    records = []
    for x_t in x:
        h, c, cache = lstm_step(x_t[None, :], h, c, params, options)
        i, f, g, o = (gate[0].copy() for gate in split_gates(cache.gates))
        records.append(
            {"x": x_t.copy(), "i": i, "f": f, "g": g, "o": o, "c": c[0].copy(), "h": h[0].copy()}
        )
    return records
