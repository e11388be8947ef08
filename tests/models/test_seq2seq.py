"""Seq2Seq: exact gradients of the whole network, padding, learning, saving, errors."""

import numpy as np
import pytest

from lstmkit.models import NotFittedError
from lstmkit.models.seq2seq import Seq2Seq
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.testing import relative_error

SOURCES = np.array([[2, 3, 4, 5], [3, 4, 0, 0], [6, 2, 5, 0]])
SOURCE_LENGTHS = np.array([4, 2, 3])
INPUTS = np.array([[2, 3, 4], [2, 5, 0], [2, 3, 5]])  # <bos> then the target, padded


def _check_gradients(network, loss, names=None, per_parameter=6, eps=1e-6):
    """Analytic gradients (already in network.grads) against central differences at a few
    random entries of every parameter (all entries would take minutes)."""
    analytic = {name: grad.copy() for name, grad in network.grads.items()}
    rng = np.random.default_rng(0)
    for name in names or network.params:
        flat = network.params[name].reshape(-1)
        chosen = rng.choice(flat.size, size=min(per_parameter, flat.size), replace=False)
        numeric = np.empty(len(chosen))
        for k, index in enumerate(chosen):
            original = flat[index]
            flat[index] = original + eps
            upper = loss()
            flat[index] = original - eps
            lower = loss()
            flat[index] = original
            numeric[k] = (upper - lower) / (2 * eps)
        expected = analytic[name].reshape(-1)[chosen]
        assert relative_error(expected, numeric) < 1e-6, name


def _network(cell, attention, input_feeding=True, seed=0):
    network = Seq2SeqNetwork(
        7,
        6,
        cell=cell,
        embedding_size=3,
        hidden_size=4,
        attention=attention,
        input_feeding=input_feeding,
        dtype="float64",
        seed=seed,
    )
    for value in network.params.values():
        value *= 3  # larger gradients everywhere, far above finite-difference noise
    return network


@pytest.mark.parametrize(
    "cell, attention, input_feeding",
    [
        ("lstm", "bahdanau", True),
        ("lstm", "luong_dot", False),
        ("lstm", None, True),
        ("gru", "luong_general", True),
        ("gru", None, False),
    ],
)
def test_whole_model_gradient_matches_finite_differences(cell, attention, input_feeding):
    network = _network(cell, attention, input_feeding)
    weights = np.random.default_rng(1).standard_normal((3, 3, 6))
    weights[1, 2] = 0  # a padded target position contributes nothing

    def loss():
        return float((network.forward(SOURCES, SOURCE_LENGTHS, INPUTS) * weights).sum())

    loss()
    network.zero_grad()
    network.backward(weights)
    _check_gradients(network, loss)


def test_gradient_with_scheduled_sampling_is_exact_for_the_sampled_inputs():
    network = _network("lstm", "bahdanau")
    weights = np.random.default_rng(2).standard_normal((3, 3, 6))

    def loss():
        rng = np.random.default_rng(5)  # the same choices on every call
        logits = network.forward(SOURCES, SOURCE_LENGTHS, INPUTS, sampling=0.7, rng=rng)
        return float((logits * weights).sum())

    loss()
    network.zero_grad()
    network.backward(weights)
    _check_gradients(network, loss)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_padded_batch_equals_items_one_by_one(cell):
    network = _network(cell, "bahdanau")
    logits = network.forward(SOURCES, SOURCE_LENGTHS, INPUTS)
    target_lengths = [3, 2, 3]
    for n in range(3):
        s, t = SOURCE_LENGTHS[n], target_lengths[n]
        alone = network.forward(SOURCES[n : n + 1, :s], np.array([s]), INPUTS[n : n + 1, :t])
        np.testing.assert_allclose(alone[0], logits[n, :t], rtol=1e-12, atol=1e-12)


def _reverse_task(count, seed):
    rng = np.random.default_rng(seed)
    sources = ["".join(rng.choice(list("abcd"), size=rng.integers(1, 6))) for _ in range(count)]
    return sources, [s[::-1] for s in sources]


@pytest.fixture(scope="module")
def reverser():
    sources, targets = _reverse_task(300, seed=0)
    model = Seq2Seq(
        hidden_size=24,
        embedding_size=8,
        epochs=20,
        lr=1e-2,
        batch_size=32,
        seed=0,
        validation_fraction=0.1,
    )
    return model.fit(sources, targets)


def test_learns_to_reverse_strings(reverser):
    sources, targets = _reverse_task(100, seed=1)
    assert reverser.score(sources, targets) >= 0.9
    assert reverser.score(sources[:40], targets[:40], beam_size=3) >= 0.9


def test_padded_greedy_predictions_equal_one_by_one(reverser):
    sources, _ = _reverse_task(20, seed=2)
    together = reverser.predict(sources)
    assert together == [reverser.predict([s])[0] for s in sources]


def test_attention_of_a_prediction(reverser):
    texts, attention = reverser.predict(["abcd", "da"], return_attention=True)
    for text, source, weights in zip(texts, ["abcd", "da"], attention, strict=True):
        assert weights.shape == (len(text) + 1, len(source))  # + <eos>
        np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)


def test_save_and_load_give_identical_predictions(reverser, tmp_path):
    path = tmp_path / "reverser.safetensors"
    reverser.save(path)
    loaded = Seq2Seq.load(path)
    sources, _ = _reverse_task(30, seed=3)
    assert loaded.predict(sources) == reverser.predict(sources)
    assert loaded.predict(sources, beam_size=3) == reverser.predict(sources, beam_size=3)
    assert loaded.get_params() == reverser.get_params()
    for name, value in reverser.network_.params.items():
        np.testing.assert_array_equal(loaded.network_.params[name], value)


def test_same_seed_same_model_and_word_level():
    sources = ["the cat sat", "a dog ran", "the dog sat"]
    targets = ["sat cat the", "ran dog a", "sat dog the"]
    kwargs = dict(
        level="word",
        hidden_size=8,
        embedding_size=4,
        epochs=2,
        seed=3,
        validation_fraction=0,
        cell="gru",
        attention="luong_general",
    )
    a = Seq2Seq(**kwargs).fit(sources, targets)
    b = Seq2Seq(**kwargs).fit(sources, targets)
    for name, value in a.network_.params.items():
        np.testing.assert_array_equal(b.network_.params[name], value)
    prediction = a.predict(["the cat ran"])[0]
    assert set(prediction.split()) <= {"the", "cat", "sat", "a", "dog", "ran"}


def test_learning_rate_halves_when_held_out_exact_match_stalls():
    sources, targets = _reverse_task(60, seed=5)
    kwargs = dict(hidden_size=4, embedding_size=2, epochs=5, lr=1e-4, seed=0, patience=10)
    history = Seq2Seq(**kwargs).fit(sources, targets).history_
    assert history["val_exact"] == [0.0] * 5  # too small and slow to learn: a plateau
    assert history["lr"] == pytest.approx([1e-4, 1e-4, 1e-4, 5e-5, 5e-5])
    constant = Seq2Seq(**kwargs, lr_decay=1.0).fit(sources, targets).history_
    assert constant["lr"] == pytest.approx([1e-4] * 5)


def test_no_attention_and_scheduled_sampling_train():
    sources, targets = _reverse_task(60, seed=4)
    model = Seq2Seq(
        attention=None,
        hidden_size=8,
        embedding_size=4,
        epochs=2,
        seed=0,
        scheduled_sampling=0.5,
        validation_fraction=0,
    )
    model.fit(sources, targets)
    assert model.n_epochs_ == 2
    _, attention = model.predict(sources[:2], return_attention=True)
    assert attention == [None, None]


def test_errors():
    with pytest.raises(NotFittedError):
        Seq2Seq().predict(["x"])
    with pytest.raises(ValueError, match="equal length"):
        Seq2Seq().fit(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="level must be 'char' or 'word'"):
        Seq2Seq(level="byte").fit(["a"], ["b"])
    with pytest.raises(ValueError, match=r"scheduled_sampling must be a number in \[0, 1\]"):
        Seq2Seq(scheduled_sampling=1.5).fit(["a"], ["b"])
    with pytest.raises(ValueError, match=r"lr_decay must be a number in \(0, 1\]; got 0"):
        Seq2Seq(lr_decay=0).fit(["a"], ["b"])
    with pytest.raises(ValueError, match="attention must be one of"):
        Seq2Seq(attention="cosine", epochs=1).fit(["a"], ["b"])
    model = Seq2Seq(hidden_size=4, embedding_size=2, epochs=1, validation_fraction=0)
    model.fit(["ab"], ["ba"])
    with pytest.raises(ValueError, match=r"sources\[1\] is empty"):
        model.predict(["a", ""])
    with pytest.raises(ValueError, match="beam_size must be a positive integer; got 0"):
        model.predict(["a"], beam_size=0)
    assert model.predict(["zz"])[0] is not None  # unknown characters map to <unk>
