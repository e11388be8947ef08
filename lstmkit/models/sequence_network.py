"""The network behind the sequence models: a recurrent encoder, a head, and a linear output.

y, _   = encoder(x, lengths)          LSTM, GRU or RNN; stacked, optionally bidirectional
h      = head(y, lengths)             last valid step, or mean / max over valid steps
logits = linear(dropout(h))
"""

from lstmkit.module import Module
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.linear import Linear
from lstmkit.nn.pooling import LastStep, MaxPool, MeanPool
from lstmkit.random import spawn
from lstmkit.recurrent import GRU, LSTM, RNN

CELLS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
HEADS = {"last": LastStep, "mean": MeanPool, "max": MaxPool}


class SequenceNetwork(Module):
    """Encoder + head + output layer over padded batches (N, T, C) with lengths.

    `seed` (None, an int, a np.random.Generator or a SeedSequence; see lstmkit.random): the
    encoder, the dropout and the output layer each draw from their own child of it.
    `regularisers`: None or {option: value} of the encoder's regularisers (`layer_norm`,
    `dropout_state`, ...; docs/lstm.md section 3a), passed to it unchanged.
    """

    def __init__(
        self,
        input_size,
        output_size,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        head="mean",
        dropout=0.0,
        dtype="float32",
        seed=None,
        regularisers=None,
    ):
        super().__init__()
        check_choice(cell, CELLS, "cell")
        check_choice(head, HEADS, "head")
        self.input_size, self.output_size = input_size, output_size
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.bidirectional, self.head, self.dropout, self.dtype = (
            bidirectional,
            head,
            dropout,
            dtype,
        )
        self.regularisers = regularisers
        seeds = spawn(seed, 3)  # encoder, dropout, output layer
        self.encoder = recurrent_encoder(self, seeds[0], regularisers=regularisers)
        self.pool = HEADS[head]()
        self.drop = Dropout(dropout, seed=seeds[1])
        width = hidden_size * (2 if bidirectional else 1)
        self.output = Linear(width, output_size, dtype=dtype, seed=seeds[2])

    def forward(self, x, lengths=None):
        """logits (N, output_size) for x (N, T, C)."""
        y, _ = self.encoder(x, lengths=lengths)
        return self.output(self.drop(self.pool(y, lengths)))

    def backward(self, dlogits):
        """Backpropagate dL/dlogits into every parameter's gradient; returns dL/dx."""
        dy = self.pool.backward(self.drop.backward(self.output.backward(dlogits)))
        dx, _ = self.encoder.backward(dy)
        return dx


def check_choice(value, choices, name: str) -> None:
    """ValueError naming `name` unless `value` is one of `choices` (a network's options)."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}; got {value!r}")


def recurrent_encoder(network, seed, input_size=None, regularisers=None):
    """The recurrent layer of `network` (which stores input_size, cell, hidden_size,
    num_layers, bidirectional, dropout and dtype): dropout between stacked layers only.
    `input_size`, when given, replaces the network's (a strided front end widens the input);
    `regularisers`, {option: value} of the layer's regularisers (docs/lstm.md section 3a)."""
    return CELLS[network.cell](
        network.input_size if input_size is None else input_size,
        network.hidden_size,
        num_layers=network.num_layers,
        bidirectional=network.bidirectional,
        dropout=network.dropout if network.num_layers > 1 else 0.0,
        dtype=network.dtype,
        seed=seed,
        **(regularisers or {}),
    )
