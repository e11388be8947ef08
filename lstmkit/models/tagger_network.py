"""The network behind `SequenceTagger`: word and character features, a BiLSTM, per-tag scores,
and (optionally) a CRF over them.

For a padded batch of N sentences of T words (lengths (N,)), whose U distinct word forms are
spelled out as characters (char_ids (U, C), char_lengths (U,)) and located by
word_index (N, T) -> 0..U-1:

    w = word_embedding[word_ids]                     (N, T, Ew)
    u = char_encoder(char_ids, char_lengths)         (U, 2 Hc)   each distinct form once
    c = u[word_index]                                (N, T, 2 Hc)
    x = dropout([w, c])                              (N, T, Ew + 2 Hc)
    y = BiLSTM(x, lengths)                           (N, T, 2 H)
    emissions = linear(dropout(y))                   (N, T, K)

`regularisers` ({option: value}; None or {}: none) turns on the word-level BiLSTM's own
regularisers (layer_norm, dropout_state, weight_drop, zoneout...; docs/lstm.md section 3a);
the character encoder stays plain.

The CRF (`self.crf`, None for a softmax head) is a child so that its parameters are trained
and saved with the rest; the loss is computed by the estimator. Backward runs the same chain
in reverse; the character features' gradient is summed over every position of each form
(`np.add.at`) before going into the character encoder.
"""

from dataclasses import dataclass

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.models.network_inputs import check_ids, check_index
from lstmkit.module import Module
from lstmkit.nn.char_encoder import CharEncoder
from lstmkit.nn.crf import CRF
from lstmkit.nn.dropout import Dropout
from lstmkit.nn.embedding import Embedding
from lstmkit.nn.linear import Linear
from lstmkit.random import spawn
from lstmkit.recurrent import LSTM


@dataclass
class TaggerBatch:
    """A padded batch of sentences (see the module docstring); tags (N, T) or None."""

    word_ids: np.ndarray
    lengths: np.ndarray
    char_ids: np.ndarray
    char_lengths: np.ndarray
    word_index: np.ndarray
    tags: np.ndarray | None
    indices: np.ndarray

    @property
    def mask(self) -> np.ndarray:
        return np.arange(self.word_ids.shape[1]) < self.lengths[:, None]


class TaggerNetwork(Module):
    """Word embeddings + character BiLSTM features + BiLSTM + linear (+ CRF)."""

    def __init__(
        self,
        num_words,
        num_chars,
        num_tags,
        word_dim=100,
        char_dim=25,
        char_hidden_size=25,
        hidden_size=100,
        num_layers=1,
        dropout=0.5,
        crf=True,
        dtype="float32",
        seed=None,
        regularisers=None,
    ):
        super().__init__()
        self.num_words, self.num_chars, self.num_tags = num_words, num_chars, num_tags
        self.word_dim, self.char_dim, self.char_hidden_size = word_dim, char_dim, char_hidden_size
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        self.crf, self.dtype, self.regularisers = crf, dtype, regularisers
        # words, chars, input dropout, encoder, output dropout, output layer
        seeds = spawn(seed, 6)
        self.words = Embedding(num_words, word_dim, padding_idx=0, dtype=dtype, seed=seeds[0])
        # N(0, 1/Ew) rather than N(0, 1): inputs of order one whatever the embedding size
        self.words.weight *= self.words.weight.dtype.type(1 / np.sqrt(word_dim))
        self.chars = CharEncoder(num_chars, char_dim, char_hidden_size, dtype=dtype, seed=seeds[1])
        self.input_drop = Dropout(dropout, seed=seeds[2])
        self.encoder = LSTM(
            word_dim + self.chars.output_size,
            hidden_size,
            num_layers=num_layers,
            bidirectional=True,
            dropout=dropout if num_layers > 1 else 0.0,
            dtype=dtype,
            seed=seeds[3],
            **(regularisers or {}),
        )
        self.output_drop = Dropout(dropout, seed=seeds[4])
        self.output = Linear(2 * hidden_size, num_tags, dtype=dtype, seed=seeds[5])
        if crf:
            self.crf_layer = CRF(num_tags, dtype=dtype)
        self._index = None

    @property
    def crf_head(self) -> CRF | None:
        return self.crf_layer if self.crf else None

    def forward(self, batch: TaggerBatch) -> np.ndarray:
        """emissions (N, T, K) for a batch whose word_ids and word_index are (N, T)."""
        word_ids = check_ids(batch.word_ids, "word_ids", vocab_size=self.num_words)
        w = self.words(word_ids)
        u = self.chars(batch.char_ids, batch.char_lengths)
        word_index = check_index(
            batch.word_index, "word_index", word_ids.shape, len(u), "the number of word forms"
        )
        x = self.input_drop(np.concatenate([w, u[word_index]], axis=2))
        y, _ = self.encoder(x, lengths=batch.lengths)
        self._index = (word_index, batch.mask, len(u))
        return self.output(self.output_drop(y))

    def backward(self, demissions) -> None:
        """Backpropagate dL/demissions into every parameter's gradient (the CRF's are added by
        its own backward, which gives demissions)."""
        if self._index is None:
            raise NoForwardPassError("TaggerNetwork.backward called before forward")
        word_index, mask, distinct = self._index
        dy = self.output_drop.backward(self.output.backward(demissions))
        dx, _ = self.encoder.backward(dy)
        dx = self.input_drop.backward(dx)
        self.words.backward(dx[:, :, : self.word_dim])
        du = np.zeros((distinct, self.chars.output_size), dx.dtype)
        np.add.at(du, word_index[mask], dx[:, :, self.word_dim :][mask])
        self.chars.backward(du)
