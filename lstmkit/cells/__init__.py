"""One time step of a recurrent cell, as pure functions (no time, no state kept)."""

from lstmkit.cells.gru import GRUOptions, GRUStepCache, gru_step, gru_step_backward
from lstmkit.cells.lstm import LSTMOptions, LSTMStepCache, lstm_step, lstm_step_backward
from lstmkit.cells.rnn import RNNOptions, RNNStepCache, rnn_step, rnn_step_backward

__all__ = [
    "GRUOptions",
    "GRUStepCache",
    "LSTMOptions",
    "LSTMStepCache",
    "RNNOptions",
    "RNNStepCache",
    "gru_step",
    "gru_step_backward",
    "lstm_step",
    "lstm_step_backward",
    "rnn_step",
    "rnn_step_backward",
]
