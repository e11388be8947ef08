"""SequenceClassifier: learns, handles variable lengths exactly, reproduces, saves and loads."""

import numpy as np
import pytest

from lstmkit.models import NotFittedError, SequenceClassifier

LABELS = np.array(["slow", "medium", "fast"])


def waves(count, seed):
    """Noisy sine waves of three frequencies, lengths 8..30, two channels; labels are strings."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for _ in range(count):
        label = int(rng.integers(3))
        t = np.arange(int(rng.integers(8, 31)))
        phase = rng.uniform(0, 2 * np.pi)
        wave = np.sin(0.3 * (label + 1) * t + phase)
        X.append(np.stack([wave, wave**2], axis=1) + 0.1 * rng.standard_normal((len(t), 2)))
        y.append(LABELS[label])
    return X, np.array(y)


FAST = dict(hidden_size=16, epochs=40, patience=10, lr=1e-2)


def test_learns_variable_length_waves_far_above_chance():
    X, y = waves(240, 0)
    X_test, y_test = waves(120, 1)
    model = SequenceClassifier(seed=0, **FAST).fit(X, y)
    assert model.score(X_test, y_test) > 0.9
    assert set(model.classes_) == set(LABELS)
    assert model.predict(X_test[:5]).dtype == y.dtype, "labels come back as given"


@pytest.fixture(scope="module")
def fitted():
    X, y = waves(120, 2)
    return SequenceClassifier(seed=3, **{**FAST, "epochs": 5}).fit(X, y), X


def test_a_batch_equals_each_sequence_alone(fitted):
    model, X = fitted
    together = model.predict_proba(X[:20])
    alone = np.concatenate([model.predict_proba([x]) for x in X[:20]])
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-6)
    np.testing.assert_allclose(together.sum(axis=1), 1.0, rtol=0, atol=1e-9)


def test_padded_input_with_lengths_equals_the_list(fitted):
    model, X = fitted
    lengths = np.array([len(x) for x in X[:10]])
    padded = np.zeros((10, lengths.max(), 2))
    for n, x in enumerate(X[:10]):
        padded[n, : len(x)] = x
    np.testing.assert_allclose(
        model.predict_proba(padded, lengths), model.predict_proba(X[:10]), rtol=0, atol=1e-7
    )


def test_same_seed_same_model():
    X, y = waves(60, 4)
    a = SequenceClassifier(seed=5, **{**FAST, "epochs": 3}).fit(X, y)
    b = SequenceClassifier(seed=5, **{**FAST, "epochs": 3}).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_save_load_round_trip(fitted, tmp_path):
    model, X = fitted
    model.save(tmp_path / "clf.safetensors")
    loaded = SequenceClassifier.load(tmp_path / "clf.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()


def test_errors():
    with pytest.raises(NotFittedError):
        SequenceClassifier().predict([np.zeros((3, 1))])
    with pytest.raises(ValueError, match=r"y must hold one label per sequence \(2\)"):
        SequenceClassifier().fit([np.zeros((3, 1))] * 2, [0, 1, 2])
    with pytest.raises(ValueError, match=r"X\[1\] must have shape \(T, 1\)"):
        SequenceClassifier().fit([np.zeros((3, 1)), np.zeros((3, 2))], [0, 1])
    with pytest.raises(ValueError, match="at least two classes"):
        SequenceClassifier().fit([np.zeros((3, 1))] * 2, [1, 1])
    model = SequenceClassifier(seed=0, **{**FAST, "epochs": 1}).fit(*waves(20, 6))
    with pytest.raises(ValueError, match=r"X\[0\] must have shape \(T, 2\)"):
        model.predict([np.zeros((4, 3))])
