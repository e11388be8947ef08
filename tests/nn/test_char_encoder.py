"""CharEncoder: finite-difference gradients, a padded batch equals its words alone, the
feature halves are the two directions' final states; encode_words."""

import numpy as np
import pytest

from lstmkit.data import Vocabulary
from lstmkit.nn.char_encoder import CharEncoder, encode_words
from lstmkit.recurrent import LSTM
from lstmkit.testing import numerical_gradient, relative_error


def test_every_gradient_matches_finite_differences():
    encoder = CharEncoder(7, char_dim=3, hidden_size=2, dtype="float64", seed=0)
    rng = np.random.default_rng(1)
    lengths = np.array([4, 1, 3])
    ids = rng.integers(1, 7, size=(3, 4))
    ids[np.arange(4) >= lengths[:, None]] = 0
    weights = rng.standard_normal((3, 4))

    def loss():
        return float(np.sum(encoder(ids, lengths) * weights))

    encoder(ids, lengths)
    encoder.zero_grad()
    assert encoder.backward(weights) is None
    analytic = {name: g.copy() for name, g in encoder.grads.items()}
    assert set(analytic) >= {"embedding.weight", "lstm.weight_ih_l0_reverse"}
    for name, array in encoder.params.items():
        error = relative_error(analytic[name], numerical_gradient(loss, array))
        assert error < 1e-6, f"gradient of {name}: relative error {error:.2e}"


def test_padded_batch_equals_words_alone_and_halves_are_final_states():
    encoder = CharEncoder(9, char_dim=4, hidden_size=3, dtype="float64", seed=2)
    rng = np.random.default_rng(3)
    lengths = np.array([5, 2, 1])
    ids = rng.integers(1, 9, size=(3, 5))
    features = encoder(ids, lengths)
    assert features.shape == (3, 6)
    for n, length in enumerate(lengths):
        alone = encoder(ids[n : n + 1, :length], np.array([length]))
        np.testing.assert_allclose(features[n], alone[0], rtol=1e-12)
        # forward half: a one-directional LSTM with the forward weights over the word;
        # reverse half: the same with the reverse weights over the reversed word
        x = encoder.embedding.weight[ids[n, :length]][None]
        for half, suffix, steps in ((0, "", x), (1, "_reverse", x[:, ::-1])):
            single = LSTM(4, 3, dtype="float64")
            single.load_state_dict({k: encoder.lstm.params[k + suffix] for k in single.params})
            _, (h_n, _) = single(steps)
            np.testing.assert_allclose(features[n, 3 * half : 3 * half + 3], h_n[0, 0], rtol=1e-12)


def test_encode_words_pads_clips_and_maps_unknown_characters():
    vocabulary = Vocabulary.build([list("abcdefghij")])
    ids, lengths = encode_words(["ab", "", "abcdefghij", "az"], vocabulary, max_length=6)
    a, b, c = (vocabulary.id_of(ch) for ch in "abc")
    h, i, j = (vocabulary.id_of(ch) for ch in "hij")
    unk = vocabulary.unk_id
    np.testing.assert_array_equal(lengths, [2, 1, 6, 2])
    np.testing.assert_array_equal(ids[0], [a, b, 0, 0, 0, 0])
    np.testing.assert_array_equal(ids[1], [unk, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(ids[2], [a, b, c, h, i, j])  # first 3 and last 3
    np.testing.assert_array_equal(ids[3, :2], [a, unk])
    with pytest.raises(ValueError, match="max_length must be a positive integer"):
        encode_words(["a"], vocabulary, max_length=0)
