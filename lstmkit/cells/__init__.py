"""One time step of a recurrent cell, as pure functions (no time, no state kept)."""

from lstmkit.cells.lstm import LSTMStepCache, lstm_step, lstm_step_backward

__all__ = ["LSTMStepCache", "lstm_step", "lstm_step_backward"]
