import itertools
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


# ---- training through the Trainer ----------------------------------------------------------

STALL = dict(hidden_size=16, lr=0.3, epochs=8, seq_len=16, validation_fraction=0.2, seed=1)
TWO_TEXTS = TEXT + "a dog ran in the fog; " * 30


def test_fit_trains_through_the_trainer_on_stream_chunks(monkeypatch):
    import lstmkit.models.char_language_model as module
    from lstmkit.training import StreamChunks, Trainer

    runs = []

    class Spy(Trainer):
        def fit(self, model, step, train, validation=None, resume_from=None):
            history = super().fit(model, step, train, validation, resume_from)
            runs.append((self, train, validation, history))
            return history

    monkeypatch.setattr(module, "Trainer", Spy)
    model = small(epochs=3, validation_fraction=0.2).fit(TEXT)
    ((trainer, train, validation, history),) = runs
    assert isinstance(train, StreamChunks) and train.random_offset and train.length == 24
    assert isinstance(validation, StreamChunks) and not validation.random_offset
    assert train.inputs.shape[0] == 4  # batch_size streams
    assert trainer.monitor == "val_nats_per_char" and trainer.mode == "min"
    # the records are the Trainer's History, epoch by epoch
    assert [r["loss"] for r in model.history_] == history["loss"]
    assert [r["val_nats_per_char"] for r in model.history_] == history["val_nats_per_char"]
    assert [r["lr"] for r in model.history_] == history["lr"]
    assert [r["epoch"] for r in model.history_] == [1, 2, 3] and model.n_epochs_ == 3


def test_the_validation_record_is_what_evaluate_says_of_the_held_out_text():
    held = TWO_TEXTS[-int(len(TWO_TEXTS) * 0.2) :]
    seen = []

    def on_epoch(model, record):
        seen.append((record["val_nats_per_char"], model.evaluate(held)["nats_per_char"]))

    small(epochs=3, validation_fraction=0.2).fit(TWO_TEXTS, on_epoch=on_epoch)
    assert len(seen) == 3 and all(record == scored for record, scored in seen)


def test_the_learning_rate_halves_after_each_epoch_that_is_not_the_best():
    model = small(**STALL, patience=None).fit(TWO_TEXTS)
    records = model.history_
    assert len(records) == 8  # no early stopping with patience None
    best, halvings = math.inf, 0
    for before, after in itertools.pairwise(records):
        stalled = not before["val_nats_per_char"] < best
        best = min(best, before["val_nats_per_char"])
        assert after["lr"] == before["lr"] * (0.5 if stalled else 1.0)
        halvings += stalled
    assert halvings >= 1  # the run does stall, so the rule was exercised


def test_early_stopping_keeps_the_best_epoch():
    model = small(**STALL, patience=1).fit(TWO_TEXTS)
    scores = [r["val_nats_per_char"] for r in model.history_]
    best = int(np.argmin(scores))
    assert len(scores) == best + 2 < 8  # stopped one epoch after the best
    held = TWO_TEXTS[-int(len(TWO_TEXTS) * 0.2) :]
    assert model.evaluate(held)["nats_per_char"] == scores[best]  # its weights put back


def test_max_time_stops_within_the_first_epoch():
    model = small(max_time=1e-9).fit(TEXT)
    assert model.n_epochs_ == 1
    assert model.history_[0]["chars"] == 4 * 24  # one chunk of 4 streams x 24 characters


def test_ctrl_c_leaves_a_usable_model_with_the_best_epoch_and_the_history():
    from lstmkit.training import TrainingInterrupted

    snapshots = []

    def on_epoch(model, record):
        snapshots.append(model.network_.state_dict())
        scores = [r["val_nats_per_char"] for r in model.history_]
        if scores[-1] > min(scores):  # Ctrl-C after the first epoch worse than the best
            raise KeyboardInterrupt

    model = small(**STALL, patience=None)
    with pytest.raises(TrainingInterrupted):
        model.fit(TWO_TEXTS, on_epoch=on_epoch)
    scores = [r["val_nats_per_char"] for r in model.history_]
    assert model.n_epochs_ == len(scores) == len(snapshots) < 8
    best = int(np.argmin(scores))
    assert best != len(scores) - 1  # the last epoch is not the best: the restore is visible
    for name, value in model.network_.state_dict().items():
        np.testing.assert_array_equal(value, snapshots[best][name], err_msg=name)
    assert not model.network_.training  # left in eval mode, ready to sample
    assert len(model.sample("the", length=20, seed=0)) == 20


def test_verbose_prints_a_line_per_epoch(capsys):
    small(epochs=2, verbose=1).fit(TEXT)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"]
    small(epochs=2, verbose=0).fit(TEXT)
    assert capsys.readouterr().err == ""
