"""The time loop: recurrent layers built from the cells of `lstmkit.cells`.

`RecurrentLayer(cell_spec, input_size, hidden_size, ...)` makes a stacked, bidirectional,
variable-length layer of any cell spec (`lstmkit.cells.spec`); LSTM, GRU and RNN are it with
their own cells and constructors.
"""

from lstmkit.recurrent.base import RecurrentLayer
from lstmkit.recurrent.gru import GRU
from lstmkit.recurrent.lstm import LSTM
from lstmkit.recurrent.rnn import RNN

__all__ = ["GRU", "LSTM", "RNN", "RecurrentLayer"]
