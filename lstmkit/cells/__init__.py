"""One time step of a recurrent cell, as pure functions (no time, no state kept).

Every cell has the same protocol (`lstmkit.cells.spec.CellSpec`): a spec declaring its state
tuple, with `step(params, x, state) -> (state', cache)` and
`step_backward(params, cache, dstate') -> (dx, dstate, grads)`. `lstm_step`, `gru_step` and
`rnn_step` (and their backwards) are the same steps with the cells' own argument lists.
"""

from lstmkit.cells.gru import GRUCellSpec, GRUOptions, GRUStepCache, gru_step, gru_step_backward
from lstmkit.cells.lstm import (
    LSTMCellSpec,
    LSTMOptions,
    LSTMStepCache,
    lstm_step,
    lstm_step_backward,
)
from lstmkit.cells.rnn import RNNCellSpec, RNNOptions, RNNStepCache, rnn_step, rnn_step_backward
from lstmkit.cells.spec import CellSpec

__all__ = [
    "CellSpec",
    "GRUCellSpec",
    "GRUOptions",
    "GRUStepCache",
    "LSTMCellSpec",
    "LSTMOptions",
    "LSTMStepCache",
    "RNNCellSpec",
    "RNNOptions",
    "RNNStepCache",
    "gru_step",
    "gru_step_backward",
    "lstm_step",
    "lstm_step_backward",
    "rnn_step",
    "rnn_step_backward",
]
