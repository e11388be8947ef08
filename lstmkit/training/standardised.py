"""Sequences standardised per channel as each batch is built, never all at once.

    z = nan_to_num((x - mean) / scale, nan=0)  as float32, for the sequences of one batch

A data set for the Trainer (`len`, `lengths`, `batch(indices)`, `targets`) over the caller's
own sequences, e.g. views of a memory-mapped padded array (`np.load(path, mmap_mode="r")`):
only the batch's sequences are read and standardised, so the training data are never copied
whole. The batches equal those of `SequenceData` over the standardised sequences, bit for bit.
"""

import numpy as np

from lstmkit.data.sequences import SequenceBatch, pad_sequences


def standardise(sequence, mean, scale) -> np.ndarray:
    """One (T, C) sequence standardised, NaN (missing) becoming 0, as float32."""
    z = (sequence - mean) / scale
    return np.nan_to_num(z, nan=0.0).astype(np.float32)


class StandardisedSequences:
    """`sequences` (a list of (T_i, C) arrays, left as they are), `targets` (one per
    sequence), `mean` and `scale` (per channel)."""

    def __init__(self, sequences, targets, mean, scale):
        self.sequences, self.targets = sequences, np.asarray(targets)
        self.mean, self.scale = mean, scale
        self.lengths = np.array([len(s) for s in sequences], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sequences)

    def batch(self, indices) -> SequenceBatch:
        indices = np.asarray(indices)
        chosen = [standardise(self.sequences[i], self.mean, self.scale) for i in indices]
        x, lengths = pad_sequences(chosen, dtype=np.float32)
        return SequenceBatch(x=x, lengths=lengths, y=self.targets[indices], indices=indices)

    def subset(self, indices) -> "StandardisedSequences":
        """The sequences at `indices` (views: nothing copied)."""
        chosen = [self.sequences[i] for i in indices]
        return StandardisedSequences(chosen, self.targets[indices], self.mean, self.scale)
