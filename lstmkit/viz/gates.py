"""Inside an LSTM layer: every gate, the cell state and the hidden state over time, for one
input sequence, as arrays (`layer_gates`) and as heatmaps (`plot_gates`).

Per step t, for the chosen layer and direction (the equations of `lstmkit.cells.lstm`):

    i_t = sigmoid(...)   f_t = sigmoid(...)   g_t = tanh(...)   o_t = sigmoid(...)
    c_t = f_t * c_{t-1} + i_t * g_t           h_t = o_t * tanh(c_t)

f_t near 1 keeps what the cell holds; near 0 erases it; i_t * g_t is what is written. The
heatmap of f beside that of c shows which units carry information across many steps.
"""

import numpy as np

from lstmkit.cells.trace import trace_lstm_cell
from lstmkit.io.atomic import write_figure

NAMES = ("x", "i", "f", "g", "o", "c", "h")
TITLES = {
    "x": "input x (features)",
    "i": "input gate i: how much of g is written",
    "f": "forget gate f: how much of c is kept",
    "g": "candidate g",
    "o": "output gate o: how much of tanh(c) is shown",
    "c": "cell state c",
    "h": "hidden state h (the output)",
}


def direction_params(layer, layer_index: int, reverse: bool) -> dict:
    """The cell parameters (names without suffix) of one layer and direction of an LSTM."""
    suffix = f"_l{layer_index}" + ("_reverse" if reverse else "")
    params = {
        name.removesuffix(suffix): value
        for name, value in layer.params.items()
        if name.endswith(suffix)
    }
    if not params:
        raise ValueError(f"the LSTM has no layer {layer_index} (reverse={reverse})")
    return params


def layer_gates(layer, x, layer_index: int = 0, reverse: bool = False) -> dict:
    """{"x", "i", "f", "g", "o", "c", "h"}: (T, size) arrays for one sequence x (T, I) through
    `layer` (an lstmkit LSTM), at `layer_index` (0 = first) and direction (`reverse`).

    The layers below `layer_index` are run first (both directions when bidirectional, their
    outputs concatenated as the layer does), so "x" is what that layer actually reads.
    """
    if not 0 <= layer_index < layer.num_layers:
        raise ValueError(f"layer must lie in 0..{layer.num_layers - 1}; got {layer_index}")
    if reverse and not layer.bidirectional:
        raise ValueError("reverse=True needs a bidirectional LSTM; this one is not")
    x = np.asarray(x, dtype=layer.dtype)
    for below in range(layer_index):
        outputs = [_run(layer, x, below, False)["h"]]
        if layer.bidirectional:
            outputs.append(_run(layer, x, below, True)["h"])
        x = np.concatenate(outputs, axis=1)
    return _run(layer, x, layer_index, reverse)


def _run(layer, x, layer_index, reverse) -> dict:
    params = direction_params(layer, layer_index, reverse)
    steps = x[::-1] if reverse else x
    records = trace_lstm_cell(steps, params, options=layer.options)
    arrays = {name: np.stack([record[name] for record in records]) for name in NAMES}
    if reverse:  # back to the input's time order
        arrays = {name: value[::-1] for name, value in arrays.items()}
    return arrays


def plot_gates(plt, path, gates: dict, title: str = "") -> None:
    """Heatmaps (units down, time across) of x, i, f, g, o, c and h; written to `path` (PNG)."""
    steps = len(gates["x"])
    figure, axes = plt.subplots(
        len(NAMES), 1, figsize=(max(6.0, 0.25 * steps + 3), 15), sharex=True, layout="constrained"
    )
    for axis, name in zip(axes, NAMES, strict=True):
        values = np.asarray(gates[name], dtype=np.float64).T  # (units, T)
        if name in ("i", "f", "o"):
            options = {"cmap": "viridis", "vmin": 0.0, "vmax": 1.0}
        else:
            bound = float(np.max(np.abs(values))) or 1.0
            options = {"cmap": "RdBu_r", "vmin": -bound, "vmax": bound}
        image = axis.imshow(values, aspect="auto", interpolation="nearest", **options)
        axis.set_title(TITLES[name], fontsize=10, loc="left")
        axis.set_ylabel("unit" if name != "x" else "feature")
        figure.colorbar(image, ax=axis, pad=0.01)
    axes[-1].set_xlabel("time step t")
    figure.suptitle(title)
    write_figure(path, figure, dpi=100)
    plt.close(figure)
