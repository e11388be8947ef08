"""Padding and length-bucketed batching of variable-length sequences."""

import numpy as np
import pytest

from lstmkit.data import SequenceData, length_batches, pad_sequences


def test_pad_sequences_keeps_every_value_and_pads_the_rest():
    seqs = [np.ones((3, 2)), 2 * np.ones((1, 2)), 3 * np.ones((4, 2))]
    padded, lengths = pad_sequences(seqs)
    assert padded.shape == (3, 4, 2) and lengths.tolist() == [3, 1, 4]
    for seq, row, length in zip(seqs, padded, lengths, strict=True):
        np.testing.assert_array_equal(row[:length], seq)
        assert not row[length:].any()
    with pytest.raises(ValueError, match=r"sequences\[1\] must be a non-empty array"):
        pad_sequences([np.ones((2, 2)), np.ones((2, 3))])


def test_batches_cover_every_item_once_with_similar_lengths():
    lengths = np.random.default_rng(0).integers(1, 100, size=1000)
    batches = length_batches(lengths, 32, rng=1)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    padded_work = sum(len(b) * lengths[b].max() for b in batches)
    assert padded_work < 1.05 * lengths.sum(), "bucketing should waste little padding"
    again = length_batches(lengths, 32, rng=1)
    assert all(np.array_equal(a, b) for a, b in zip(batches, again, strict=True))
    other = length_batches(lengths, 32, rng=2)
    assert not all(np.array_equal(a, b) for a, b in zip(batches, other, strict=True))


def test_unshuffled_batches_are_in_length_order():
    batches = length_batches([5, 1, 3, 2], 2, shuffle=False)
    assert [b.tolist() for b in batches] == [[1, 3], [2, 0]]
    with pytest.raises(ValueError, match="batch_size must be a positive integer; got 0"):
        length_batches([1], 0)


def test_sequence_data_batches_pad_to_their_own_longest():
    data = SequenceData([np.ones((5, 1)), np.ones((2, 1)), np.ones((3, 1))], targets=[0, 1, 0])
    batch = data.batch([1, 2])
    assert batch.x.shape == (2, 3, 1) and batch.lengths.tolist() == [2, 3]
    assert batch.y.tolist() == [1, 0]
    padded = SequenceData(np.arange(12.0).reshape(2, 3, 2), lengths=[3, 1])
    assert padded.lengths.tolist() == [3, 1]
    np.testing.assert_array_equal(padded.sequences[1], [[6.0, 7.0]])
    with pytest.raises(ValueError, match=r"targets must have one entry per sequence \(3\); got 2"):
        SequenceData([np.ones((1, 1))] * 3, targets=[0, 1])


def test_targets_are_cut_to_the_batch_only_when_they_are_per_step():
    sequences = [np.ones((2, 1)), np.ones((4, 1))]
    vectors = SequenceData(sequences, targets=np.arange(10.0).reshape(2, 5))
    assert vectors.batch([0]).y.shape == (1, 5), "a 5-step forecast target stays whole"
    steps = SequenceData(sequences, targets=np.zeros((2, 4)), per_step_targets=True)
    assert steps.batch([0]).y.shape == (1, 2)
