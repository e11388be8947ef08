import numpy as np
import pytest

from lstmkit.losses import cross_entropy
from lstmkit.models import TextClassifier
from lstmkit.models.text_network import TextNetwork
from lstmkit.testing import numerical_gradient, relative_error

FILLER = "the a movie film was is very quite really plot acting story and it".split()


def keyword_task(n, seed):
    """Texts of filler words with one keyword that decides the label (chance: 1/3)."""
    rng = np.random.default_rng(seed)
    keywords = {"awful": 0, "great": 7, "meh": 3}  # int labels, not 0..C-1
    texts, labels = [], []
    for _ in range(n):
        words = list(rng.choice(FILLER, rng.integers(2, 9)))
        keyword = rng.choice(list(keywords))
        words.insert(rng.integers(len(words) + 1), keyword)
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", ""]))
        labels.append(keywords[keyword])
    return texts, labels


def small(**kw):
    settings = dict(embedding_dim=12, hidden_size=12, epochs=12, lr=1e-2, seed=0)
    settings.update(kw)
    return TextClassifier(**settings)


@pytest.fixture(scope="module")
def task():
    return keyword_task(240, 0), keyword_task(150, 1)


@pytest.fixture(scope="module")
def fitted(task):
    (texts, labels), _ = task
    return small().fit(texts, labels)


def test_learns_a_keyword_task_far_above_chance(fitted, task):
    _, (texts, labels) = task
    assert fitted.score(texts, labels) > 0.9  # chance 1/3
    assert fitted.predict(["Great film", "It was awful!"]).tolist() == [7, 0]
    assert fitted.classes_.tolist() == [0, 3, 7]
    probabilities = fitted.predict_proba(texts[:5])
    assert probabilities.shape == (5, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_string_labels_come_back_as_given_and_empty_texts_work(task):
    (texts, labels), _ = task
    names = np.array(["bad", "fine", "good"])[np.searchsorted([0, 3, 7], labels)]
    model = small(epochs=2, validation_fraction=0.0).fit(texts, names.tolist())
    predicted = model.predict(["", "   ", "great"])
    assert predicted.dtype.kind == "U" and set(predicted) <= {"bad", "fine", "good"}


def test_save_load_round_trip(fitted, task, tmp_path):
    _, (texts, _) = task
    fitted.save(tmp_path / "clf.safetensors")
    loaded = TextClassifier.load(tmp_path / "clf.safetensors")
    assert loaded.vocabulary_ == fitted.vocabulary_
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))
    np.testing.assert_array_equal(loaded.predict(texts), fitted.predict(texts))


def test_same_seed_same_model(task):
    (texts, labels), _ = task
    a = small(epochs=2).fit(texts[:80], labels[:80])
    b = small(epochs=2).fit(texts[:80], labels[:80])
    for name, value in a.network_.params.items():
        np.testing.assert_array_equal(value, b.network_.params[name])


def test_pretrained_vectors_start_the_embedding_and_coverage_is_reported(task, tmp_path):
    (texts, labels), _ = task
    path = tmp_path / "vectors.txt"
    path.write_text("great 0.5 0.5 0.5 0.5\nAWFUL -0.5 -0.5 -0.5 -0.5\nzebra 1 1 1 1\n")
    model = small(vectors=str(path), epochs=1, lr=1e-9).fit(texts, labels)
    assert model.network_.embedding.embedding_dim == 4  # from the file, not embedding_dim
    coverage = model.vectors_coverage_
    assert coverage["found"] == 1 and coverage["total"] == len(model.vocabulary_) - 2
    # lowercase text: "great" is found as written ("awful" only as "AWFUL", not a fallback)
    row = model.network_.embedding.weight[model.vocabulary_.id_of("great")]
    np.testing.assert_allclose(row, 0.5, atol=1e-6)  # lr 1e-9: still the loaded vector
    assert not model.network_.embedding.weight[0].any()  # <pad> stays zero


def test_network_gradients_match_finite_differences():
    network = TextNetwork(6, 3, 2, hidden_size=3, dropout=0.0, dtype="float64", seed=0)
    rng = np.random.default_rng(1)
    ids = np.array([[2, 3, 5, 1], [4, 2, 0, 0]])
    lengths, targets = np.array([4, 2]), np.array([1, 0])
    network.embedding.weight[...] = rng.normal(size=network.embedding.weight.shape)
    network.embedding.weight[0] = 0

    def loss():
        return float(cross_entropy(network(ids, lengths), targets)[0])

    network.zero_grad()
    network.backward(cross_entropy(network(ids, lengths), targets)[1])
    for name, value in network.params.items():
        numeric = numerical_gradient(loss, value)
        if name == "embedding.weight":
            numeric[0] = 0  # the <pad> row is frozen by design
        assert relative_error(network.grads[name], numeric) < 1e-6, name


def test_bad_input(fitted):
    with pytest.raises(ValueError, match="one label per text"):
        small().fit(["a", "b"], [1])
    with pytest.raises(ValueError, match="at least two classes"):
        small().fit(["a", "b"], [1, 1])
    with pytest.raises(ValueError, match="not one string"):
        fitted.predict("a text")
    with pytest.raises(ValueError, match=r"texts\[1\] must be a str"):
        fitted.predict(["ok", 3])
    with pytest.raises(ValueError, match="not fitted"):
        small().predict(["a"])


def scripted_validation_fit(monkeypatch, task, monitor, val_loss, val_accuracy):
    """Fit with the validation loss and accuracy of each epoch replaced by the given scripts;
    returns (the estimator, the network's weights after each epoch)."""
    import lstmkit.models.text_classifier as module
    from lstmkit.training import StepResult

    class Scripted(TextClassifier):
        def _step(self, batch, training):
            result = super()._step(batch, training)
            if training:
                return result
            epoch, n = len(states), len(batch.y)  # the validation split is one batch
            return StepResult(val_loss[epoch], n, {"accuracy": val_accuracy[epoch] * n})

    states, trainer_class = [], module.Trainer

    def recording_trainer(**settings):
        record = lambda epoch, values: states.append(model.network_.state_dict())  # noqa: E731
        return trainer_class(**settings, callbacks=(record,))

    monkeypatch.setattr(module, "Trainer", recording_trainer)
    (texts, labels), _ = task
    model = Scripted(embedding_dim=8, hidden_size=8, epochs=10, patience=3, seed=0)
    model.set_params(monitor=monitor)
    return model.fit(texts[:60], labels[:60]), states


# the failure mode seen on the UCI sentiment sentences (docs/language.md): the validation loss
# is lowest after epoch 1 while the validation accuracy keeps climbing for a few epochs
RISING_LOSS = [0.68, 0.70, 0.80, 0.90, 1.00, 1.10, 1.20, 1.30, 1.40, 1.50]
CLIMBING_ACCURACY = [0.55, 0.60, 0.75, 0.70, 0.75, 0.70, 0.70, 0.70, 0.70, 0.70]


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_default_early_stops_on_validation_accuracy_not_loss(monkeypatch, task):
    assert TextClassifier().monitor == "val_accuracy"
    model, states = scripted_validation_fit(
        monkeypatch, task, "val_accuracy", RISING_LOSS, CLIMBING_ACCURACY
    )
    # best accuracy first reached at epoch 3 (the equal one at epoch 5 is no improvement);
    # patience 3 ends training after epoch 6, and epoch 3's weights are put back
    assert model.n_epochs_ == 6 and len(states) == 6
    assert_same_weights(model.network_.state_dict(), states[2])


def test_monitor_val_loss_keeps_the_former_behaviour(monkeypatch, task):
    model, states = scripted_validation_fit(
        monkeypatch, task, "val_loss", RISING_LOSS, CLIMBING_ACCURACY
    )
    assert model.n_epochs_ == 4
    assert_same_weights(model.network_.state_dict(), states[0])


def test_a_file_saved_before_monitor_existed_loads_with_the_default(fitted, task):
    arrays, config = fitted.export_state()
    del config["params"]["monitor"]
    loaded = TextClassifier.restore_state(config, arrays)
    assert loaded.monitor == "val_accuracy"
    texts = task[1][0][:20]
    np.testing.assert_array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))


def test_bad_monitor_is_refused(task):
    (texts, labels), _ = task
    with pytest.raises(ValueError, match="monitor"):
        small(monitor="accuracy").fit(texts, labels)
