"""The network an experiment trains: one recurrent layer and a linear read-out, and hidden
sizes that give LSTM, GRU and RNN about the same number of parameters.

    y, _ = encoder(x, lengths)              LSTM, GRU or vanilla (Elman, tanh) RNN
    out  = output(y[n, lengths[n] - 1])     targets at the sequence end   (N, O)
    out  = output(y)                        per-step targets             (N, T, O)

Parameters of one layer with input I and hidden H (two bias vectors, as torch):
LSTM 4 (H I + H H + 2 H), GRU 3 (...), RNN 1 (...), plus the read-out H O + O.
"""

from lstmkit.module import Module
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep
from lstmkit.random import spawn
from lstmkit.recurrent import GRU, LSTM, RNN

CELLS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


class TaskNetwork(Module):
    """Encoder + read-out.

    For the LSTM only: `forget_bias` is added to the forget gate's bias and `input_bias` to
    the input gate's (`b_if`, `b_ii` of `bias_ih_l0`) at initialisation. A negative input bias
    keeps the input gate nearly shut at first, so the cells do not fill with the noise of every
    step before the network has learned which steps matter: Hochreiter and Schmidhuber's (1997)
    remedy for "internal state drift" (they start input gates at biases of -3 and lower). A
    large forget bias brings the gate near the original LSTM's f = 1.
    """

    def __init__(
        self,
        input_size,
        output_size,
        cell="lstm",
        hidden_size=32,
        per_step=False,
        forget_bias=1.0,
        input_bias=0.0,
        dtype="float32",
        seed=None,
    ):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}")
        self.input_size, self.output_size, self.cell = input_size, output_size, cell
        self.hidden_size, self.per_step, self.forget_bias = hidden_size, per_step, forget_bias
        self.input_bias = float(input_bias)
        self.dtype = dtype
        extra = {"forget_bias": forget_bias} if cell == "lstm" else {}
        seeds = spawn(seed, 2)  # encoder, read-out
        self.encoder = CELLS[cell](input_size, hidden_size, dtype=dtype, seed=seeds[0], **extra)
        if cell == "lstm" and self.input_bias:
            self.encoder.params["bias_ih_l0"][:hidden_size] += self.input_bias
        self.last = LastStep()
        self.output = Linear(hidden_size, output_size, dtype=dtype, seed=seeds[1])

    def forward(self, x, lengths=None):
        """outputs (N, O), or (N, T, O) when per_step, for x (N, T, I)."""
        y, _ = self.encoder(x, lengths=lengths)
        return self.output(y if self.per_step else self.last(y, lengths))

    def backward(self, doutputs):
        """Backpropagate dL/doutputs into every gradient; returns dL/dx (N, T, I)."""
        dy = self.output.backward(doutputs)
        dx, _ = self.encoder.backward(dy if self.per_step else self.last.backward(dy))
        return dx


def parameter_count(cell: str, input_size: int, hidden_size: int, output_size: int) -> int:
    """Trainable parameters of TaskNetwork(cell, hidden_size)."""
    h = hidden_size
    return GATES[cell] * (h * input_size + h * h + 2 * h) + h * output_size + output_size


def matched_hidden_size(cell: str, input_size: int, output_size: int, budget: int) -> int:
    """The hidden size whose TaskNetwork has the parameter count closest to `budget`."""
    return min(
        range(1, 4 * int(budget**0.5) + 2),
        key=lambda h: abs(parameter_count(cell, input_size, h, output_size) - budget),
    )
