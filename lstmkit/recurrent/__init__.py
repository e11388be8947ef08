"""The time loop: recurrent layers built from the cells of `lstmkit.cells`."""

from lstmkit.recurrent.gru import GRU
from lstmkit.recurrent.lstm import LSTM
from lstmkit.recurrent.rnn import RNN

__all__ = ["GRU", "LSTM", "RNN"]
