"""Variable-length sequences kept as they are, padded only when a batch is formed."""

from dataclasses import dataclass

import numpy as np


def pad_sequences(sequences, dtype=np.float32, value=0.0) -> tuple[np.ndarray, np.ndarray]:
    """A list of (T_i, C) arrays (or (T_i,) id arrays) -> (padded (N, T_max, ...), lengths (N,)).

    Positions past a sequence's length hold `value`; nothing is truncated.
    """
    if len(sequences) == 0:
        raise ValueError("pad_sequences needs at least one sequence; got none")
    arrays = [np.asarray(s) for s in sequences]
    tail = arrays[0].shape[1:]
    for index, array in enumerate(arrays):
        if array.ndim == 0 or array.shape[1:] != tail or array.shape[0] == 0:
            expected = (-1, *tail)  # -1: any number of steps
            raise ValueError(
                f"sequences[{index}] must be a non-empty array shaped like sequences[0], "
                f"{expected} with -1 any length; got {array.shape}"
            )
    lengths = np.array([len(a) for a in arrays], dtype=np.int64)
    padded = np.full((len(arrays), int(lengths.max()), *tail), value, dtype=dtype)
    for index, array in enumerate(arrays):
        padded[index, : len(array)] = array
    return padded, lengths


@dataclass
class SequenceBatch:
    """One padded mini-batch: x (n, T_max, ...), lengths (n,), targets (n, ...) or None, and
    the indices of its items in the data set."""

    x: np.ndarray
    lengths: np.ndarray
    y: np.ndarray | None
    indices: np.ndarray


class SequenceData:
    """Sequences of different lengths with optional per-sequence targets.

    `sequences` is a list of (T_i, C) arrays (or (T_i,) integer ids), or a padded array
    (N, T, ...) together with `lengths`. Targets are an array with one row per sequence
    (labels, values, vectors). With `per_step_targets=True` the targets are per time step,
    (N, T, ...) padded like the sequences, and each batch's targets are cut to that batch's
    longest sequence, as its inputs are. `batch(indices)` pads just the chosen sequences to
    their own longest length.
    """

    def __init__(
        self, sequences, targets=None, lengths=None, dtype=np.float32, per_step_targets=False
    ):
        if lengths is not None:
            padded = np.asarray(sequences)
            lengths = np.asarray(lengths, dtype=np.int64)
            if (
                lengths.shape != (len(padded),)
                or lengths.min() < 1
                or lengths.max() > padded.shape[1]
            ):
                raise ValueError(
                    f"lengths must have shape ({len(padded)},) with values in 1..{padded.shape[1]}"
                )
            sequences = [padded[n, :length] for n, length in enumerate(lengths)]
        self.sequences = [np.asarray(s) for s in sequences]
        self.lengths = np.array([len(s) for s in self.sequences], dtype=np.int64)
        self.targets = None if targets is None else np.asarray(targets)
        if self.targets is not None and len(self.targets) != len(self.sequences):
            raise ValueError(
                f"targets must have one entry per sequence ({len(self.sequences)}); "
                f"got {len(self.targets)}"
            )
        self.dtype = dtype
        self.per_step_targets = bool(per_step_targets)

    def __len__(self) -> int:
        return len(self.sequences)

    def batch(self, indices) -> SequenceBatch:
        indices = np.asarray(indices)
        x, lengths = pad_sequences([self.sequences[i] for i in indices], dtype=self.dtype)
        y = None if self.targets is None else self.targets[indices]
        if y is not None and self.per_step_targets:
            y = y[:, : x.shape[1]]
        return SequenceBatch(x=x, lengths=lengths, y=y, indices=indices)
