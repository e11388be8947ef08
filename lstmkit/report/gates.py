"""Gate heatmaps in a report: one sequence through the first layer of a trained model's LSTM,
every gate and state per unit and time step (`lstmkit.viz.gates`, the plot of
`lstmkit inspect`), written as gates.png in the --out folder and embedded like the other plots.

Per step t of the sequence the LSTM reads (the equations of `lstmkit.cells.lstm`):

    i_t, f_t, o_t = sigmoid(...)    g_t = tanh(...)
    c_t = f_t * c_{t-1} + i_t * g_t        h_t = o_t * tanh(c_t)

The gates are traced step by step from the layer's own parameters (`layer_gates`), which
holds only for the plain LSTM cell that evaluation runs: a layer normalised or zoned out
inside its recurrence computes something else, and gets no heatmap.
"""

from lstmkit.recurrent.lstm import LSTM
from lstmkit.report.figures import pyplot

GATES = "gates.png"  # the file in the --out folder


def traceable(layer) -> bool:
    """Whether `layer` is an LSTM whose evaluation runs the plain cell that the trace steps."""
    if not isinstance(layer, LSTM):
        return False
    return not (layer.layer_norm or layer.zoneout_cell or layer.zoneout_hidden)


def gate_image(folder, layer, x, title: str, caption: str) -> list:
    """Draw the gates of `layer`'s first layer (forward direction) over x (T, I), the input
    that layer reads, as GATES in `folder`; returns the report's image entries: [(caption,
    GATES)], none without matplotlib (the page says why) or for a layer the trace does not
    model."""
    plt = pyplot()
    if plt is None or not traceable(layer):
        return []
    from lstmkit.viz import gates as viz  # looked up at call time: tests watch what is drawn

    viz.plot_gates(plt, folder / GATES, viz.layer_gates(layer, x, 0), title)
    return [(caption, GATES)]
