"""The Batches protocol: length-bucketed batches as the Trainer always made them, the
contiguous stream chunks of truncated BPTT (order, content, offsets by seed), and the fresh
batches of online learning (one seed stream across epochs, epochs cut at the checks)."""

import numpy as np
import pytest

from lstmkit.data import SequenceData, length_batches
from lstmkit.training import Batches, LengthBatches, OnlineBatches, StreamChunks


class Recording:
    """A data set whose `batch(indices)` returns the indices and records the call."""

    def __init__(self, lengths):
        self.lengths = np.asarray(lengths)
        self.calls = []

    def __len__(self):
        return len(self.lengths)

    def batch(self, indices):
        self.calls.append(indices)
        return indices


def test_length_batches_are_those_of_length_batches_drawn_from_the_epoch_rng():
    data = Recording(np.random.default_rng(0).integers(1, 30, size=53))
    batches = LengthBatches(data, 8)
    assert isinstance(batches, Batches) and not batches.carries_state
    epoch = batches.epoch(np.random.default_rng(7))
    assert data.calls == []  # built lazily: one batch in memory at a time
    expected = length_batches(data.lengths, 8, np.random.default_rng(7))
    assert len(epoch) == len(batches) == 7
    for got, want in zip(epoch, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert len(data.calls) == 7
    other = [b.tolist() for b in batches.epoch(np.random.default_rng(8))]
    assert other != [b.tolist() for b in expected]  # another epoch, another order


def test_length_batches_without_shuffling_or_rng_come_in_length_order():
    data = Recording([5, 1, 4, 2, 3])
    in_order = length_batches(data.lengths, 2, shuffle=False)
    for batches in (LengthBatches(data, 2, shuffle=False).epoch(np.random.default_rng(0)),
                    LengthBatches(data, 2).epoch(None)):  # fmt: skip
        assert [b.tolist() for b in batches] == [b.tolist() for b in in_order]
    assert [b.tolist() for b in in_order] == [[1, 3], [4, 2], [0]]


def test_length_batches_of_a_sequence_data_set_are_its_batches():
    data = SequenceData([np.ones((n, 2)) for n in (3, 5, 4)], targets=np.array([0, 1, 0]))
    (batch,) = LengthBatches(data, 3).epoch(np.random.default_rng(0))
    assert sorted(batch.lengths.tolist()) == [3, 4, 5] and batch.x.shape == (3, 5, 2)


def streams(rows=3, width=23):
    ids = np.arange(rows * (width + 1)).reshape(rows, width + 1)
    return ids[:, :-1], ids[:, 1:]


def test_stream_chunks_come_in_order_and_cover_the_streams_from_the_offset():
    inputs, targets = streams()
    chunks = StreamChunks(inputs, targets, 5, random_offset=True)
    assert isinstance(chunks, Batches) and chunks.carries_state
    offset = int(np.random.default_rng(3).integers(5))  # the draw the epoch makes
    epoch = chunks.epoch(np.random.default_rng(3))
    assert [c.start for c in epoch] == list(range(offset, 23, 5))
    np.testing.assert_array_equal(np.concatenate([c.inputs for c in epoch], 1), inputs[:, offset:])
    np.testing.assert_array_equal(
        np.concatenate([c.targets for c in epoch], 1), targets[:, offset:]
    )
    for chunk in epoch:  # each chunk's targets are its inputs shifted by one: next ids
        np.testing.assert_array_equal(chunk.targets, chunk.inputs + 1)
        assert chunk.mask is None and chunk.inputs.shape[1] <= 5
    assert len(chunks) == 5  # ceil(23 / 5), the count at offset 0


def test_stream_chunk_offsets_are_drawn_per_epoch_and_reproducible_by_seed():
    inputs, targets = streams(width=100)
    chunks = StreamChunks(inputs, targets, 8, random_offset=True)

    def first_start(seed):
        return chunks.epoch(np.random.default_rng(seed))[0].start

    offsets = [first_start(seed) for seed in range(40)]
    assert offsets == [first_start(seed) for seed in range(40)]  # same seed, same offset
    assert set(offsets) == set(range(8))  # every offset below the chunk length occurs
    assert StreamChunks(inputs, targets, 8).epoch(np.random.default_rng(1))[0].start == 0
    assert chunks.epoch(None)[0].start == 0  # evaluation: from the first column


def test_the_offset_stays_below_the_width_of_short_streams():
    inputs, targets = streams(width=3)
    chunks = StreamChunks(inputs, targets, 64, random_offset=True)
    starts = {chunks.epoch(np.random.default_rng(s))[0].start for s in range(30)}
    assert starts == {0, 1, 2}


def test_stream_chunks_slice_the_mask_with_the_targets():
    inputs, targets = streams(rows=2, width=10)
    mask = np.zeros((2, 10), bool)
    mask[:, 4:] = True
    chunks = StreamChunks(inputs, targets, 4, mask=mask).epoch(None)
    assert [c.mask.sum() for c in chunks] == [0, 8, 4]
    np.testing.assert_array_equal(chunks[1].mask, mask[:, 4:8])


def test_stream_chunks_check_their_arguments():
    inputs, targets = streams()
    with pytest.raises(ValueError, match=r"inputs must be a \(B, W\) array"):
        StreamChunks(inputs[0], targets[0], 4)
    with pytest.raises(ValueError, match=r"targets must have the shape of inputs \(3, 23\)"):
        StreamChunks(inputs, targets[:, :5], 4)
    with pytest.raises(ValueError, match="mask must be a bool array of shape"):
        StreamChunks(inputs, targets, 4, mask=np.ones((3, 23)))
    with pytest.raises(ValueError, match="length must be a positive integer; got 0"):
        StreamChunks(inputs, targets, 0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer; got 0"):
        LengthBatches(Recording([1, 2]), 0)


def drawn(n, seed):
    """An online generator that returns what it was asked for."""
    return (n, seed)


def test_online_epochs_end_where_the_items_drawn_pass_each_multiple_of_every():
    batches = OnlineBatches(drawn, 32, 100_000, 4000, seed=0)
    assert isinstance(batches, Batches) and not batches.carries_state
    assert batches.ends == list(range(4000, 100_001, 4000)) and len(batches) == 125
    # every 2000 is not a multiple of 32: the epoch ends at the step that passes it
    # (2016 = 63 * 32, 4000 = 125 * 32, 6016 = 188 * 32), the last at the budget's step
    batches = OnlineBatches(drawn, 32, 6100, 2000, seed=0)
    assert batches.ends == [2016, 4000, 6016, 6112]
    assert [len(batches.epoch()) for _ in batches.ends] == [63, 62, 63, 3]
    assert len(batches) == 63
    # checks closer together than a batch: every step ends an epoch
    assert OnlineBatches(drawn, 16, 40, 5).ends == [16, 32, 48]


def test_online_seeds_run_on_across_epochs_whatever_the_trainers_rng():
    batches = OnlineBatches(drawn, 8, 80, 24, seed=11)
    assert batches.ends == [24, 48, 72, 80]
    epochs = [list(batches.epoch(np.random.default_rng(k))) for k in range(4)]
    assert [len(e) for e in epochs] == [3, 3, 3, 1]
    stream = np.random.default_rng(11)  # as lstmkit.random.as_generator(11)
    expected = [(8, int(stream.integers(2**63))) for _ in range(10)]
    assert [b for e in epochs for b in e] == expected
    assert len({seed for _, seed in expected}) == 10
    with pytest.raises(ValueError, match="epoch: all 4 epochs of the budget of 80 were drawn"):
        batches.epoch()


def test_online_batches_are_built_when_read():
    made = []
    batches = OnlineBatches(lambda n, seed: made.append(seed) or seed, 4, 12, 12, seed=0)
    epoch = batches.epoch()
    assert made == [] and len(epoch) == 3
    assert list(epoch) == made and len(made) == 3


@pytest.mark.parametrize("name", ["batch_size", "budget", "every"])
@pytest.mark.parametrize("value", [0, -3, 2.5, True])
def test_online_arguments_are_checked(name, value):
    arguments = {"batch_size": 4, "budget": 12, "every": 6, name: value}
    with pytest.raises(ValueError, match=f"{name} must be a positive integer; got {value!r}"):
        OnlineBatches(drawn, **arguments)
