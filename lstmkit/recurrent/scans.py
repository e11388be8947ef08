"""Which time loop runs a cell: its fused scan when it has one, else the generic cell loop.

Every scan has one signature (the cell protocol's, over time; states are tuples in the cell's
`state_names` order):

    forward(cell, params, x, states, layout)                         -> (y, finals, cache)
    backward(cell, params, grads, cache, dy, dfinals, layout, dy_writable=False)
                                                                     -> (dx, dinitial)

x, y and dy are time-major and batch-sorted (`layout.py`); backward adds the parameter
gradients into `grads`. With `dy_writable` the caller gives up dy, which a scan may then
write its own per-step gradients over.

The built-in cells run the fused loops of `lstm_scan.py`, `gru_scan.py`, `rnn_scan.py`: in
float32 with the cell's default configuration (and numba and SciPy installed, LSTMKIT_JIT not
"0"; the rule is `lstmkit.ops.jit.loops_for`) each direction of each layer is ONE compiled call
of `lstmkit.ops.compiled_loops`, forward and backward; otherwise their NumPy loops, the
reference, run. A streaming step at small batch sizes runs one fused kernel of
`lstmkit.ops.fused` (named by `step_kernel`; float32 with the default configuration only). The
regularised cells (`regularised_scan.py`) have a NumPy loop of their own with no compiled
path. Any other cell spec runs `cell_scan.py`, its own steps one by one.
"""

from dataclasses import dataclass

from lstmkit.cells.gru import GRUCellSpec
from lstmkit.cells.gru_regularised import RegularisedGRUCellSpec
from lstmkit.cells.lstm import LSTMCellSpec
from lstmkit.cells.lstm_regularised import RegularisedLSTMCellSpec
from lstmkit.cells.rnn import RNNCellSpec
from lstmkit.recurrent.cell_scan import cell_scan_backward, cell_scan_forward
from lstmkit.recurrent.gru_scan import gru_scan_backward, gru_scan_forward
from lstmkit.recurrent.lstm_scan import lstm_scan_backward, lstm_scan_forward
from lstmkit.recurrent.regularised_scan import (
    regularised_scan_backward,
    regularised_scan_forward,
)
from lstmkit.recurrent.rnn_scan import rnn_scan_backward, rnn_scan_forward


@dataclass(frozen=True)
class Scan:
    """The time loop of one kind of cell."""

    forward: object
    backward: object
    # the `lstmkit.ops.fused` kernel of one whole step, taking
    # (x, *states, weight_ih, weight_hh, bias_ih, bias_hh, *new states), or None
    step_kernel: str | None = None


GENERIC = Scan(cell_scan_forward, cell_scan_backward)

FUSED = {
    LSTMCellSpec: Scan(lstm_scan_forward, lstm_scan_backward, "lstm_step"),
    GRUCellSpec: Scan(gru_scan_forward, gru_scan_backward, "gru_step"),
    RNNCellSpec: Scan(rnn_scan_forward, rnn_scan_backward, "rnn_step"),
    # NumPy only: no compiled loop covers layer norm, zoneout or dropout_state
    RegularisedLSTMCellSpec: Scan(regularised_scan_forward, regularised_scan_backward),
    RegularisedGRUCellSpec: Scan(regularised_scan_forward, regularised_scan_backward),
}


def scan_for(cell) -> Scan:
    """The scan of `cell`: the fused one of its exact type, else the generic loop."""
    return FUSED.get(type(cell), GENERIC)


def fused_step_applies(cell) -> bool:
    """Whether the fused step kernel computes `cell`'s step: a built-in cell in its default
    configuration (e.g. an LSTM without projection, peepholes, clip or other activations)."""
    return scan_for(cell).step_kernel is not None and cell == type(cell)()
