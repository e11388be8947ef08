"""SequenceTagger: learns a small tagging task (CRF and softmax heads), uses characters for
unknown words, save/load, seed reproducibility, errors; the network's gradient (character
features gathered per distinct word) by finite differences."""

import numpy as np
import pytest

from lstmkit.data import Vocabulary
from lstmkit.models import NotFittedError, SequenceTagger
from lstmkit.models.sequence_tagger import TaggedData
from lstmkit.models.tagger_network import TaggerNetwork
from lstmkit.testing import numerical_gradient, relative_error

SMALL = dict(word_dim=12, char_dim=8, char_hidden_size=8, hidden_size=16, dropout=0.1)

NOUNS = ["cat", "dog", "bird", "fish", "cow"]
VERBS = ["runs", "eats", "sees", "jumps", "sings"]


def toy_corpus(count, seed):
    """DET NOUN VERB [DET NOUN]; "like" is VERB after a NOUN and ADP after a VERB."""
    rng = np.random.default_rng(seed)
    sentences, tags = [], []
    for _ in range(count):
        s = ["the", str(rng.choice(NOUNS)), str(rng.choice(VERBS))]
        t = ["DET", "NOUN", "VERB"]
        if rng.random() < 0.5:
            s += ["like", "the", str(rng.choice(NOUNS))]
            t += ["ADP", "DET", "NOUN"]
        else:
            s[2], t[2] = "like", "VERB"
        sentences.append(s)
        tags.append(t)
    return sentences, tags


@pytest.mark.parametrize("crf", [True, False])
def test_learns_a_small_task(crf):
    sentences, tags = toy_corpus(120, seed=0)
    test_sentences, test_tags = toy_corpus(40, seed=1)
    model = SequenceTagger(crf=crf, epochs=15, lr=1e-2, seed=0, validation_fraction=0, **SMALL)
    model.fit(sentences, tags)
    assert model.score(test_sentences, test_tags) >= 0.97
    assert model.classes_ == ["ADP", "DET", "NOUN", "VERB"]
    predicted = model.predict([["the", "dog", "like"]])
    assert predicted == [["DET", "NOUN", "VERB"]]


def test_save_load_round_trip_and_seed(tmp_path):
    sentences, tags = toy_corpus(40, seed=2)
    model = SequenceTagger(epochs=2, seed=3, **SMALL).fit(sentences, tags)
    twin = SequenceTagger(epochs=2, seed=3, **SMALL).fit(sentences, tags)
    for name, value in model.network_.params.items():
        np.testing.assert_array_equal(value, twin.network_.params[name])
    path = tmp_path / "tagger.safetensors"
    model.save(path)
    loaded = SequenceTagger.load(path)
    probe = [["the", "zebra", "Runs", "like", "a", "cat"], ["cow"]]
    assert loaded.predict(probe) == model.predict(probe)
    assert loaded.get_params() == model.get_params()
    assert loaded.word_vocabulary_.tokens == model.word_vocabulary_.tokens


def test_network_gradient_matches_finite_differences():
    sentences = [["a", "bb", "a"], ["ccc", "bb"], ["a"]]
    chars = Vocabulary.build([list("abc")])
    words = Vocabulary.build(sentences)
    tags = [np.array([0, 1, 0]), np.array([2, 1]), np.array([0])]
    data = TaggedData(sentences, [words.encode(s) for s in sentences], tags, chars, 20)
    batch = data.batch(np.arange(3))
    assert len(batch.char_ids) == 3  # three distinct forms, each encoded once
    network = TaggerNetwork(
        len(words), len(chars), 3, 4, 3, 2, 3, dropout=0.0, crf=True, dtype="float64", seed=0
    )
    weights = np.random.default_rng(1).standard_normal(batch.word_ids.shape + (3,))
    weights *= batch.mask[:, :, None]

    def loss():
        return float(np.sum(network.forward(batch) * weights))

    loss()
    network.zero_grad()
    network.backward(weights)
    for name, array in network.params.items():
        if name.startswith(("crf_layer", "encoder")):
            continue  # the CRF is not in this loss; both are tested alone in tests/nn
        error = relative_error(network.grads[name], numerical_gradient(loss, array))
        assert error < 1e-6, f"gradient of {name}: relative error {error:.2e}"


def test_bad_input_is_reported():
    model = SequenceTagger(epochs=1, **SMALL)
    with pytest.raises(NotFittedError):
        model.predict([["a"]])
    with pytest.raises(ValueError, match=r"tags\[1\] must have one tag per word \(2\); got 1"):
        model.fit([["a"], ["b", "c"]], [["X"], ["Y"]])
    with pytest.raises(ValueError, match=r"sentences\[0\] must be a list of words, not a string"):
        model.fit(["a b"], [["X", "Y"]])
    with pytest.raises(ValueError, match=r"sentences\[1\] must be a non-empty list of strings"):
        model.fit([["a"], []], [["X"], []])
    with pytest.raises(ValueError, match="validation_data must be a"):
        model.fit([["a"]], [["X"]], validation_data=[["a"]])
