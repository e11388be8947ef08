"""The network of the character language model: embedding, stacked LSTM, output layer.

    e       = embedding[ids]                   ids (N, T) -> e (N, T, E)
    y, s'   = lstm(e, s)                       stacked LSTM, state s = (h, c) in and out
    logits  = linear(dropout(y))               (N, T, V): scores of the next character

The state goes in and comes out so that consecutive chunks of a text continue each other
(truncated BPTT) and generation can run one step at a time. `regularisers` ({option: value},
e.g. {"weight_drop": 0.5, "dropout_state": 0.2}) turns on the LSTM's own regularisers
(docs/lstm.md section 3a); None or {} is the plain LSTM.
"""

from lstmkit.models.network_inputs import check_ids
from lstmkit.module import Module
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.linear import Linear
from lstmkit.random import spawn
from lstmkit.recurrent import LSTM


class CharLMNetwork(Module):
    """Embedding + stacked LSTM + linear output over `vocab_size` characters."""

    def __init__(
        self,
        vocab_size,
        embedding_dim=64,
        hidden_size=256,
        num_layers=2,
        dropout=0.0,
        dtype="float32",
        seed=None,
        regularisers=None,
    ):
        super().__init__()
        self.vocab_size, self.embedding_dim = vocab_size, embedding_dim
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        self.dtype, self.regularisers = dtype, regularisers
        seeds = spawn(seed, 4)  # embedding, LSTM, dropout, output layer
        self.embedding = Embedding(vocab_size, embedding_dim, dtype=dtype, seed=seeds[0])
        self.lstm = LSTM(
            embedding_dim,
            hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            forget_bias=1.0,  # remember by default: long lags are learned sooner
            dtype=dtype,
            seed=seeds[1],
            **(regularisers or {}),
        )
        self.drop = Dropout(dropout, seed=seeds[2])
        self.output = Linear(hidden_size, vocab_size, dtype=dtype, seed=seeds[3])

    def forward(self, ids, state=None):
        """(logits (N, T, V), state (h_n, c_n)) for ids (N, T) from state (None: zeros)."""
        y, state = self.lstm(self.embedding(check_ids(ids, "ids")), state)
        return self.output(self.drop(y)), state

    def backward(self, dlogits):
        """Backpropagate dL/dlogits into every gradient. The gradient into the initial state
        is dropped: that is where truncated BPTT cuts the graph."""
        dy = self.drop.backward(self.output.backward(dlogits))
        de, _ = self.lstm.backward(dy)
        self.embedding.backward(de)
