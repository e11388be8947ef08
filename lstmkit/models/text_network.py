"""The network of the text classifier: a word embedding in front of a `SequenceNetwork`.

e      = embedding[ids]                 ids (N, T) -> (N, T, E); the <pad> row (id 0)
                                        stays zero and gets no gradient
e      = dropout(e, embedding_dropout)  training only
logits = sequence_network(e, lengths)   encoder -> pooling -> dropout -> linear (N, C)

`regularisers` ({option: value}; None or {}: none) turns on the encoder's own regularisers
(layer_norm, dropout_state, weight_drop, zoneout...; docs/lstm.md section 3a).
"""

import numpy as np

from lstmkit.models.network_inputs import check_ids
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.module import Module
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.random import spawn


class TextNetwork(Module):
    """Embedding (pad id 0) + recurrent encoder + pooling + output layer."""

    def __init__(
        self,
        vocab_size,
        embedding_dim,
        output_size,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        pooling="max",
        dropout=0.0,
        embedding_dropout=0.0,
        dtype="float32",
        seed=None,
        regularisers=None,
    ):
        super().__init__()
        self.vocab_size, self.embedding_dim, self.output_size = (
            vocab_size,
            embedding_dim,
            output_size,
        )
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.bidirectional, self.pooling, self.dropout = bidirectional, pooling, dropout
        self.embedding_dropout, self.dtype = embedding_dropout, dtype
        self.regularisers = regularisers
        embedding_seed, drop_seed, encoder_seed = spawn(seed, 3)
        self.embedding = Embedding(
            vocab_size, embedding_dim, padding_idx=0, dtype=dtype, seed=embedding_seed
        )
        # 0.1 scale: N(0, 1) rows would saturate the gates of a 100-wide input at the start
        self.embedding.weight *= 0.1
        self.embedding_drop = Dropout(embedding_dropout, seed=drop_seed)
        self.encoder = SequenceNetwork(
            embedding_dim,
            output_size,
            cell=cell,
            hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            head=pooling,
            dropout=dropout,
            dtype=dtype,
            seed=encoder_seed,
            regularisers=regularisers,
        )

    def load_pretrained(self, rows: np.ndarray, found: np.ndarray) -> None:
        """Start the embedding from `rows` where `found`; the other rows keep their random
        start, rescaled to the pre-trained rows' standard deviation. The pad row stays 0."""
        weight = self.embedding.weight
        if found.any():
            scale = float(rows[found].std()) / max(float(weight[~found].std()), 1e-12)
            weight[~found] *= scale
            weight[found] = rows[found]
        weight[0] = 0

    def forward(self, ids, lengths=None):
        """logits (N, output_size) for ids (N, T) with lengths (N,)."""
        ids = check_ids(ids, "ids")
        return self.encoder(self.embedding_drop(self.embedding(ids)), lengths)

    def backward(self, dlogits):
        """Backpropagate dL/dlogits into every parameter's gradient."""
        self.embedding.backward(self.embedding_drop.backward(self.encoder.backward(dlogits)))
