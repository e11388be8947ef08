"""The time loop: recurrent layers built from the cells of `lstmkit.cells`."""

from lstmkit.recurrent.lstm import LSTM

__all__ = ["LSTM"]
