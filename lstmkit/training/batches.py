"""Where the Trainer's mini-batches come from: the `Batches` protocol and its two kinds.

A `Batches` object hands the Trainer one epoch of mini-batches at a time:

    batches.epoch(rng)   the epoch's batches, in the order they are trained on (a sized,
                         lazily built sequence); `rng` is the epoch's generator, None when the
                         Trainer evaluates (no shuffling then)
    len(batches)         the number of batches in an epoch (at most: some kinds vary by one)
    batches.carries_state
                         True when batch k + 1 continues batch k: the Trainer then calls
                         `step(batch, training, carry)` and hands each step the `carry` the
                         step before returned (truncated backpropagation through time)

Two kinds are here:
- `LengthBatches`: independent sequences, sorted by length with random tie-breaking, cut
  into batches and shuffled (`lstmkit.data.length_batches`). The Trainer wraps a plain data
  set (`len`, `lengths`, `batch(indices)`) in one, so callers that pass data sets are served
  as before.
- `StreamChunks`: B parallel streams read left to right in chunks of `length` columns, the
  chunks in order, each epoch from a random start offset; the state the step ends a chunk in
  is the state the next chunk starts from.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from lstmkit.data.batching import length_batches


@runtime_checkable
class Batches(Protocol):
    """The Trainer's source of mini-batches; see the module docstring."""

    carries_state: bool

    def epoch(self, rng: np.random.Generator | None) -> Sequence: ...

    def __len__(self) -> int: ...


class _Lazy(Sequence):
    """`make(item)` for each of `items`, built only when read (one batch in memory at a time)."""

    def __init__(self, items: Sequence, make: Callable):
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, k):
        return self.make(self.items[k])


class LengthBatches:
    """Mini-batches of `batch_size` sequences of similar length from `data`.

    `data` has `len(data)`, `data.lengths` (one per sequence) and `data.batch(indices)` (the
    batch of those sequences), like `lstmkit.data.SequenceData`. With `shuffle` the batches
    of an epoch are drawn from its `rng` (`length_batches(data.lengths, batch_size, rng)`);
    without it, or with rng None, they come in length order.
    """

    carries_state = False

    def __init__(self, data, batch_size: int, shuffle: bool = True):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        self.data, self.batch_size, self.shuffle = data, batch_size, shuffle

    def epoch(self, rng: np.random.Generator | None) -> Sequence:
        shuffle = self.shuffle and rng is not None
        indices = length_batches(self.data.lengths, self.batch_size, rng, shuffle=shuffle)
        return _Lazy(indices, self.data.batch)

    def __len__(self) -> int:
        return math.ceil(len(self.data) / self.batch_size)


@dataclass
class StreamChunk:
    """Columns [start, start + length) of every stream: (B, L) inputs and targets, the mask
    of the targets that count (None: all of them), and `start`, the first column."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None
    start: int


class StreamChunks:
    """Consecutive chunks of B parallel streams, in order, for truncated BPTT.

    `inputs` and `targets` are (B, W) arrays, `targets[b, t]` being what the model should
    predict after reading `inputs[b, : t + 1]` (for a language model over a (B, W + 1)
    array of ids: `inputs = ids[:, :-1]`, `targets = ids[:, 1:]`). Epoch e yields the chunks

        inputs[:, s : s + length], targets[:, s : s + length]   for s = o, o + length, ... < W

    where the offset o is drawn as `rng.integers(min(length, W))` when `random_offset` (so
    chunk boundaries fall on other columns each epoch; the columns before o are not read that
    epoch) and is 0 otherwise or when `rng` is None. `mask` (B, W) bool, optional, marks the
    targets that count (e.g. to leave a warm-up unscored); it is sliced like the targets.

    `carries_state` is True: the Trainer hands the state the step returned for one chunk to
    the step of the next, and starts each epoch (and each evaluation) from None (zeros).
    """

    carries_state = True

    def __init__(self, inputs, targets, length: int, mask=None, random_offset: bool = False):
        inputs, targets = np.asarray(inputs), np.asarray(targets)
        if inputs.ndim != 2 or inputs.shape[1] < 1:
            raise ValueError(f"inputs must be a (B, W) array with W >= 1; got shape {inputs.shape}")
        if targets.shape != inputs.shape:
            raise ValueError(
                f"targets must have the shape of inputs {inputs.shape}; got {targets.shape}"
            )
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != inputs.shape or mask.dtype != bool:
                raise ValueError(
                    f"mask must be a bool array of shape {inputs.shape}; got "
                    f"{mask.dtype} {mask.shape}"
                )
        if isinstance(length, bool) or not isinstance(length, int | np.integer) or length < 1:
            raise ValueError(f"length must be a positive integer; got {length!r}")
        self.inputs, self.targets, self.mask = inputs, targets, mask
        self.length, self.random_offset = int(length), random_offset

    @property
    def width(self) -> int:
        """W, the columns of each stream."""
        return self.inputs.shape[1]

    def epoch(self, rng: np.random.Generator | None) -> Sequence:
        offset = 0
        if self.random_offset and rng is not None:
            offset = int(rng.integers(min(self.length, self.width)))
        return _Lazy(range(offset, self.width, self.length), self._chunk)

    def _chunk(self, start: int) -> StreamChunk:
        columns = slice(start, start + self.length)
        mask = None if self.mask is None else self.mask[:, columns]
        return StreamChunk(self.inputs[:, columns], self.targets[:, columns], mask, start)

    def __len__(self) -> int:
        return math.ceil(self.width / self.length)
