"""CharEncoder: one feature vector per word from its characters, by a small bidirectional LSTM.

For a word of L characters with ids c_0..c_{L-1} (W words padded to C characters in a batch):

    x_t          = char_embedding[c_t]                               (W, C, E)
    ->h_{L-1}    = final state of the forward LSTM over x_0..x_{L-1}  (reads the prefix last)
    <-h_0        = final state of the reverse LSTM over x_{L-1}..x_0  (reads the suffix last)
    features     = [->h_{L-1}, <-h_0]                                 (W, 2H)

The forward direction ends on the word's last characters (suffixes: -ly, -ing, -ed) and the
reverse direction on its first ones (prefixes, capitals), which is what makes character
features useful for unknown words. Each word runs over its own length only (the LSTM's
`lengths`), so padding changes nothing.

Backward: d features splits into the two final states' gradients, dh_n = (dfeat[:, :H],
dfeat[:, H:]), which the LSTM backpropagates through time (its outputs y get zero gradient)
into the embedding.

`encode_words` turns strings into the padded id batch: a word longer than `max_length`
characters keeps its first and last `max_length // 2` characters (a long URL or number tells
little more from its middle, and the cost per batch grows with the longest word).
"""

import numpy as np

from lstmkit.errors import NoForwardPassError
from lstmkit.module import Module
from lstmkit.nn.embedding import Embedding
from lstmkit.random import spawn
from lstmkit.recurrent import LSTM
from lstmkit.validation import check_array, check_positive_int, resolve_dtype


class CharEncoder(Module):
    """Word features (W, 2 * hidden_size) from padded character ids (W, C) and lengths (W,).

    Args:
        num_chars: size of the character vocabulary (id 0 is padding).
        char_dim: E, the size of the character embeddings (default 25).
        hidden_size: H of each direction (default 25).
        dtype: "float32" (default) or "float64".
        seed: None, an int, a np.random.Generator or a SeedSequence (lstmkit.random): the
            embedding and the LSTM are initialised from two children of it.
    """

    def __init__(self, num_chars, char_dim=25, hidden_size=25, dtype="float32", seed=None):
        super().__init__()
        self.num_chars = check_positive_int(num_chars, "num_chars")
        self.char_dim = check_positive_int(char_dim, "char_dim")
        self.hidden_size = check_positive_int(hidden_size, "hidden_size")
        self.dtype = resolve_dtype(dtype)
        seeds = spawn(seed, 2)  # embedding, LSTM
        self.embedding = Embedding(
            self.num_chars, self.char_dim, padding_idx=0, dtype=self.dtype, seed=seeds[0]
        )
        self.lstm = LSTM(
            self.char_dim, self.hidden_size, bidirectional=True, dtype=self.dtype, seed=seeds[1]
        )
        self._shape = None

    @property
    def output_size(self) -> int:
        return 2 * self.hidden_size

    def get_config(self) -> dict:
        return {
            "num_chars": self.num_chars,
            "char_dim": self.char_dim,
            "hidden_size": self.hidden_size,
            "dtype": self.dtype.name,
        }

    def forward(self, char_ids, lengths):
        """features (W, 2H) = [forward final state, reverse final state] per word."""
        shape = np.shape(char_ids)
        if len(shape) != 2:
            raise ValueError(
                f"char_ids must have shape (W, C), one row of character ids per word; got {shape}"
            )
        x = self.embedding(char_ids)
        y, (h_n, _) = self.lstm(x, lengths=lengths)
        self._shape = y.shape
        return np.concatenate([h_n[0], h_n[1]], axis=1)

    def backward(self, dfeatures):
        """Adds every parameter's gradient into `grads`; the ids have none (returns None)."""
        if self._shape is None:
            raise NoForwardPassError("CharEncoder.backward called before forward")
        words, hidden = self._shape[0], self.hidden_size
        dfeatures = check_array(dfeatures, "dfeatures", (words, 2 * hidden), self.dtype)
        dh_n = np.stack([dfeatures[:, :hidden], dfeatures[:, hidden:]])
        dx, _ = self.lstm.backward(np.zeros(self._shape, self.dtype), (dh_n, None))
        self.embedding.backward(dx)

    def __repr__(self) -> str:
        return f"CharEncoder({self.num_chars}, {self.char_dim}, {self.hidden_size})"


def encode_words(words, vocabulary, max_length=20) -> tuple[np.ndarray, np.ndarray]:
    """Strings -> (char ids (W, C) int64 padded with 0, lengths (W,)); characters outside
    `vocabulary` become its <unk>; an empty word is one <unk>. Words longer than `max_length`
    keep their first and last max_length // 2 characters."""
    max_length = check_positive_int(max_length, "max_length")
    half = max_length // 2
    clipped = [w if len(w) <= max_length else w[:half] + w[len(w) - half :] for w in words]
    lengths = np.array([max(len(w), 1) for w in clipped], dtype=np.int64)
    ids = np.zeros((len(clipped), int(lengths.max(initial=1))), dtype=np.int64)
    for row, word in enumerate(clipped):
        if word:
            ids[row, : len(word)] = vocabulary.encode(list(word))
        else:
            ids[row, 0] = vocabulary.unk_id
    return ids, lengths
