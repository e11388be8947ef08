"""The network behind `Seq2Seq`: an encoder, a bridge to the decoder's state, the decoder.

Shape legend: N batch, S source steps, T target steps, E embedding size, H the decoder's
hidden size, D encoder directions (2 when bidirectional), G = H / D the encoder's size per
direction, so that the keys (the encoder outputs) are H wide like the decoder state.

    keys, (h_n, c_n) = encoder(source_embedding[source ids], source lengths)   (N, S, H)
    h_0 = tanh(bridge [h_n forward, h_n reverse])                           the learned bridge
    c_0 = tanh(bridge_cell [c_n forward, c_n reverse])                      (LSTM only)
    logits = decoder(target inputs, (h_0, c_0), keys, source mask)           (N, T, V)

The encoder is `lstmkit.LSTM` / `lstmkit.GRU` (padded batch with lengths: its outputs past a
source's length are zero and its final states are those at the last valid step); the decoder
is `lstmkit.models.seq2seq_decoder.Decoder`.
"""

import numpy as np

from lstmkit.models.network_inputs import check_ids
from lstmkit.models.seq2seq_decoder import Decoder, DecoderState, upgrade_state_dict
from lstmkit.module import Module
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.linear import Linear
from lstmkit.ops.softmax import log_softmax
from lstmkit.random import as_generator
from lstmkit.recurrent import GRU, LSTM
from lstmkit.validation import check_lengths

ENCODERS = {"lstm": LSTM, "gru": GRU}
ATTENTIONS = ("bahdanau", "luong_dot", "luong_general", None)


class Seq2SeqNetwork(Module):
    """Encoder-decoder over token ids; see the module docstring."""

    def __init__(
        self,
        source_vocab_size,
        target_vocab_size,
        cell="lstm",
        embedding_size=32,
        hidden_size=128,
        bidirectional=True,
        attention="bahdanau",
        input_feeding=True,
        dtype="float32",
        seed=None,
    ):
        super().__init__()
        if cell not in ENCODERS:
            raise ValueError(f"cell must be 'lstm' or 'gru'; got {cell!r}")
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {ATTENTIONS}; got {attention!r}")
        directions = 2 if bidirectional else 1
        if hidden_size % directions:
            raise ValueError(
                f"hidden_size must be even with a bidirectional encoder; got {hidden_size}"
            )
        self.source_vocab_size, self.target_vocab_size = source_vocab_size, target_vocab_size
        self.cell, self.embedding_size, self.hidden_size = cell, embedding_size, hidden_size
        self.bidirectional, self.attention = bool(bidirectional), attention
        self.input_feeding, self.dtype = bool(input_feeding), np.dtype(dtype).name
        # one generator, drawn from in a fixed order by the modules' initialisations: nothing
        # here draws while training (no dropout), so the modules cannot shift each other's draws
        rng = as_generator(seed)
        self.source_embedding = Embedding(
            source_vocab_size, embedding_size, padding_idx=0, dtype=dtype, seed=rng
        )
        self.encoder = ENCODERS[cell](
            embedding_size,
            hidden_size // directions,
            bidirectional=bidirectional,
            dtype=dtype,
            seed=rng,
        )
        self.bridge = Linear(hidden_size, hidden_size, dtype=dtype, seed=rng)
        if cell == "lstm":
            self.bridge_cell = Linear(hidden_size, hidden_size, dtype=dtype, seed=rng)
        self.decoder = Decoder(
            target_vocab_size,
            embedding_size,
            hidden_size,
            hidden_size,
            cell=cell,
            attention=attention,
            input_feeding=input_feeding,
            dtype=dtype,
            seed=rng,
        )
        self._bridged = None
        self._keys_shape = None

    def load_state_dict(self, state_dict) -> None:
        """Module's, and files saved before the decoder's cell was a module load too."""
        super().load_state_dict(upgrade_state_dict(state_dict))

    # ---- encoding --------------------------------------------------------------------------------

    def encode(self, source_ids, source_lengths):
        """(memory for attention or None, initial decoder state, keys (N, S, H), mask (N, S))
        for source_ids (N, S) and source_lengths (N,) in 1..S (None: every source is S long)."""
        return self._encode(*self._check_source(source_ids, source_lengths))

    def _check_source(self, source_ids, source_lengths) -> tuple[np.ndarray, np.ndarray]:
        source_ids = check_ids(source_ids, "source_ids", vocab_size=self.source_vocab_size)
        batch, steps = source_ids.shape
        if source_lengths is None:
            return source_ids, np.full(batch, steps, np.int64)
        return source_ids, check_lengths(source_lengths, batch, steps, "source_lengths")

    def _encode(self, source_ids, source_lengths):
        """`encode` for checked arrays."""
        embedded = self.source_embedding.forward(source_ids)
        keys, final = self.encoder.forward(embedded, lengths=source_lengths)
        if self.cell == "lstm":
            h_n, c_n = final
            c0 = np.tanh(self.bridge_cell.forward(_join_directions(c_n)))
        else:
            h_n, c0 = final, None
        h0 = np.tanh(self.bridge.forward(_join_directions(h_n)))
        self._bridged = (h0, c0, h_n.shape)
        mask = np.arange(keys.shape[1])[None, :] < source_lengths[:, None]
        state = self.decoder.initial_state(h0, c0)
        return self.decoder.memory(keys, mask), state, keys, mask

    def _encode_backward(self, dkeys, dh0, dc0, keys_shape) -> None:
        h0, c0, state_shape = self._bridged
        dh_n = _split_directions(self.bridge.backward(dh0 * (1.0 - h0 * h0)), state_shape)
        if dkeys is None:
            dkeys = np.zeros(keys_shape, self.encoder.dtype)
        if self.cell == "lstm":
            dc_n = _split_directions(self.bridge_cell.backward(dc0 * (1.0 - c0 * c0)), state_shape)
            dembedded, _ = self.encoder.backward(dkeys, (dh_n, dc_n))
        else:
            dembedded, _ = self.encoder.backward(dkeys, dh_n)
        self.source_embedding.backward(dembedded)

    # ---- training --------------------------------------------------------------------------------

    def forward(self, source_ids, source_lengths, target_inputs, sampling=0.0, rng=None):
        """logits (N, T, V) under teacher forcing (optionally scheduled sampling), for
        source_ids (N, S), source_lengths (N,) and target_inputs (N, T)."""
        source_ids, source_lengths = self._check_source(source_ids, source_lengths)
        target_inputs = check_ids(
            target_inputs, "target_inputs", len(source_ids), self.target_vocab_size
        )
        memory, state, keys, _ = self._encode(source_ids, source_lengths)
        self._keys_shape = keys.shape
        return self.decoder.forward(target_inputs, state, memory, sampling, rng)

    def backward(self, dlogits) -> None:
        """Adds dL/dparameter for every parameter (ids have no gradient)."""
        dkeys, dh0, dc0 = self.decoder.backward(dlogits)
        self._encode_backward(dkeys, dh0, dc0, self._keys_shape)

    # ---- inference -------------------------------------------------------------------------------

    def start(self, source_ids, source_lengths):
        """(memory, state) to decode from, in evaluation mode."""
        self.eval()
        memory, state, _, _ = self.encode(source_ids, source_lengths)
        return memory, state

    def step(self, ids, state: DecoderState, memory):
        """(log-probabilities (N, V) of the next token, new state, attention weights or None)."""
        ht, state, weights, _ = self.decoder.advance(ids, state, memory)
        logprobs = log_softmax(self.decoder.logits(ht).astype(np.float64), axis=1)
        return logprobs, state, weights


def _join_directions(states) -> np.ndarray:
    """(D, N, G) final states -> (N, D*G), forward direction first."""
    return np.concatenate(list(states), axis=1)


def _split_directions(dstates, shape) -> np.ndarray:
    directions, _, size = shape
    return np.stack([dstates[:, d * size : (d + 1) * size] for d in range(directions)])
