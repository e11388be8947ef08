"""SequenceClassifier from a memory-mapped padded array (issue 18): the sequences stay views of
the memmap (no float64 copy), the channel statistics are gathered in groups of steps, and the
batches are standardised one at a time; the model equals the one fitted in memory."""

import numpy as np
import pytest

from lstmkit.models import SequenceClassifier, sequence_classifier
from lstmkit.models.sequence_classifier import channel_statistics
from lstmkit.models.sequence_input import as_sequences


def padded(tmp_path):
    """A (24, 9, 2) float32 padded array with lengths 3-9 and a few NaN, saved and memmapped."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 9, 2)).astype(np.float32) * [1.0, 5.0] + [0.0, 3.0]
    X[2, 1, 0] = X[7, 0, 1] = np.nan
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    lengths = rng.integers(3, 10, 24)
    return np.load(tmp_path / "X.npy", mmap_mode="r"), lengths, np.arange(24) % 3


def test_a_memmapped_array_stays_on_disk_as_views(tmp_path):
    X, lengths, _ = padded(tmp_path)
    sequences = as_sequences(X, lengths)
    assert all(np.shares_memory(s, X) for s in sequences)


def test_a_memmapped_array_trains_the_model_the_array_in_memory_trains(tmp_path):
    X, lengths, y = padded(tmp_path)
    settings = dict(
        architecture="lstm",
        hidden_size=4,
        epochs=2,
        batch_size=8,
        ensemble=1,
        patience=None,
        seed=0,
    )
    from_disk = SequenceClassifier(**settings).fit(X, y, lengths)
    in_memory = SequenceClassifier(**settings).fit(np.array(X), y, lengths)
    assert np.array_equal(from_disk.mean_, in_memory.mean_)
    mine, theirs = from_disk.network_.params, in_memory.network_.params
    assert all(np.array_equal(mine[k], theirs[k]) for k in theirs)


@pytest.mark.parametrize("rows", [1, 7, 40])
def test_statistics_gathered_in_groups_are_those_of_all_steps_at_once(monkeypatch, rows):
    rng = np.random.default_rng(1)
    sequences = [
        rng.standard_normal((rng.integers(2, 9), 3)) * [1, 10, 1e-3] + [0, 5, 7] for _ in range(20)
    ]
    sequences[3][:, 2] = np.nan  # a channel without numbers in some groups
    monkeypatch.setattr(sequence_classifier, "STATISTICS_ROWS", rows)
    mean, scale = channel_statistics(sequences)
    stacked = np.concatenate(sequences)
    np.testing.assert_allclose(mean, np.nanmean(stacked, axis=0), rtol=1e-13, atol=0)
    np.testing.assert_allclose(scale, np.nanstd(stacked, axis=0), rtol=1e-12, atol=0)


def test_a_channel_without_numbers_is_still_refused(monkeypatch):
    monkeypatch.setattr(sequence_classifier, "STATISTICS_ROWS", 2)
    sequences = [np.array([[1.0, np.nan], [2.0, np.nan]]), np.array([[3.0, np.nan]])]
    with pytest.raises(ValueError, match="X holds no finite value in channel 1"):
        channel_statistics(sequences)


def test_predictions_for_a_memmapped_array_are_those_for_the_array_in_memory(tmp_path):
    X, lengths, y = padded(tmp_path)
    model = SequenceClassifier(architecture="lstm", hidden_size=4, epochs=1, ensemble=1, seed=0)
    model.fit(np.array(X), y, lengths)
    from_disk = model.predict_proba(X, lengths)  # standardised batch by batch, never whole
    assert np.array_equal(from_disk, model.predict_proba(np.array(X), lengths))
    assert np.array_equal(model.predict(X, lengths), model.predict(np.array(X), lengths))
