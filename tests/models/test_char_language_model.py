import math
from collections import Counter

import numpy as np
import pytest

from lstmkit.losses import cross_entropy
from lstmkit.models import CharLanguageModel
from lstmkit.models.char_lm_network import CharLMNetwork
from lstmkit.testing import numerical_gradient, relative_error

TEXT = "the cat sat on the mat. " * 40


def small(**kw):
    settings = dict(
        embedding_dim=8, hidden_size=32, num_layers=1, dropout=0.0, lr=1e-2, epochs=12,
        batch_size=4, seq_len=24, validation_fraction=0.0, seed=0,
    )  # fmt: skip
    settings.update(kw)
    return CharLanguageModel(**settings)


@pytest.fixture(scope="module")
def fitted():
    return small().fit(TEXT)


def unigram_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log(c / len(text)) for c in counts.values())


def test_learns_a_repeating_text_far_below_the_unigram_entropy(fitted):
    nats = fitted.evaluate(TEXT)["nats_per_char"]
    assert unigram_entropy(TEXT) > 2.0
    assert nats < 0.3
    result = fitted.evaluate(TEXT)
    assert result["bits_per_char"] == pytest.approx(nats / math.log(2))
    assert fitted.sample("the c", length=10, temperature=0) == "at sat on "


def test_sampling_at_temperature_zero_or_top_1_is_greedy(fitted):
    prime = "on the"
    greedy = fitted.sample(prime, length=30, temperature=0)
    assert fitted.sample(prime, length=30, top_k=1, seed=5) == greedy
    # brute force: one forward pass over prime + greedy; each generated character must be the
    # argmax of the logits after the characters before it (also checks that stepping one
    # character at a time with the carried state equals the full-sequence forward)
    ids = fitted.vocabulary_.encode(list(prime + greedy))
    logits, _ = fitted.network_.eval()(ids[None, :-1])
    logits[..., fitted.vocabulary_.unk_id] = -np.inf
    np.testing.assert_array_equal(logits[0, len(prime) - 1 :].argmax(-1), ids[len(prime) :])


def test_sampling_keeps_only_the_state(fitted):
    stream = fitted.generate("the", length=1000, temperature=1.0, seed=0)
    first = [next(stream) for _ in range(50)]  # a lazy generator: 1000 steps not run
    assert len(first) == 50
    # each step runs the network on one character: the layer's record spans one step
    assert fitted.network_.lstm._record.steps == 1


def test_seeded_sampling_reproducible_and_top_k_restricts(fitted):
    a = fitted.sample("the", length=40, temperature=1.5, seed=3)
    assert a == fitted.sample("the", length=40, temperature=1.5, seed=3)
    assert len(a) == 40 and set(a) <= set(TEXT)
    assert fitted.sample(length=5, temperature=0)  # no prime: starts after a default char


def test_parallel_scoring_with_full_warmup_equals_one_stream(fitted):
    text = TEXT[:300]
    one = fitted.evaluate(text, streams=1)["nats_per_char"]
    four = fitted.evaluate(text, streams=4, warmup=len(text), chunk=37)["nats_per_char"]
    # float32 network: other batch shapes and chunk cuts change round-off only (~1e-7)
    assert four == pytest.approx(one, rel=1e-5)
    # by hand: mean -log p(c_t | c_<t) from one forward pass
    ids = fitted.vocabulary_.encode(list(text))
    logits, _ = fitted.network_.eval()(ids[None, :-1])
    loss, _ = cross_entropy(logits.astype(np.float64), ids[None, 1:])
    assert one == pytest.approx(float(loss), rel=1e-5)


def test_save_load_round_trip(fitted, tmp_path):
    fitted.save(tmp_path / "lm.safetensors")
    loaded = CharLanguageModel.load(tmp_path / "lm.safetensors")
    assert loaded.vocabulary_ == fitted.vocabulary_
    assert loaded.history_ == fitted.history_
    assert loaded.sample("the", 50, seed=1) == fitted.sample("the", 50, seed=1)
    assert loaded.evaluate(TEXT[:200]) == fitted.evaluate(TEXT[:200])


def test_same_seed_same_model_bit_for_bit():
    kw = dict(epochs=2, dropout=0.2, num_layers=2, hidden_size=8, validation_fraction=0.2)
    a, b = small(**kw).fit(TEXT), small(**kw).fit(TEXT)
    for name, value in a.network_.params.items():
        np.testing.assert_array_equal(value, b.network_.params[name])
    assert [r["val_nats_per_char"] for r in a.history_] == [
        r["val_nats_per_char"] for r in b.history_
    ]


def test_chunks_with_carried_state_equal_one_pass():
    network = CharLMNetwork(7, 4, 6, num_layers=2, dtype="float64", seed=0)
    ids = np.random.default_rng(0).integers(0, 7, (3, 20))
    whole, _ = network(ids)
    first, state = network(ids[:, :8])
    second, _ = network(ids[:, 8:], state)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12)


def test_network_gradients_match_finite_differences():
    network = CharLMNetwork(5, 3, 4, num_layers=2, dtype="float64", seed=1)
    rng = np.random.default_rng(2)
    ids, targets = rng.integers(0, 5, (2, 6)), rng.integers(0, 5, (2, 6))
    initial = (rng.normal(size=(2, 2, 4)), rng.normal(size=(2, 2, 4)))  # carried state

    def loss():
        logits, _ = network(ids, initial)
        return float(cross_entropy(logits, targets)[0])

    network.zero_grad()
    logits, _ = network(ids, initial)
    network.backward(cross_entropy(logits, targets)[1])
    for name, value in network.params.items():
        numeric = numerical_gradient(loss, value)
        assert relative_error(network.grads[name], numeric) < 1e-6, name


def test_bad_arguments(fitted):
    with pytest.raises(ValueError, match="text must be a str"):
        small().fit(["a list"])
    with pytest.raises(ValueError, match="at least 2 characters per stream"):
        small(batch_size=4).fit("abcdef")
    with pytest.raises(ValueError, match="temperature"):
        fitted.sample(temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        fitted.sample(top_k=0)
    with pytest.raises(ValueError, match="length"):
        fitted.sample(length=-3)
    with pytest.raises(ValueError, match="not fitted"):
        small().sample()
