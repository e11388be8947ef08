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
- `OnlineBatches`: online learning, a fresh batch from a generator at every step, a budget of
  items in all; an "epoch" is the stretch of steps between two checks (every `every` items).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from lstmkit.data.batching import length_batches
from lstmkit.random import as_generator


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


class OnlineBatches:
    """Fresh batches for online learning: step s (from 1) trains on `generate(batch_size,
    seed_s)`, a new batch never seen before, until `budget` items have been drawn; the run is
    cut into "epochs" at the points where the Trainer should check the model.

    `generate(n, seed)` returns a batch of n items built from the int `seed` (e.g. a task's
    generator of synthetic sequences). The seeds are drawn one per step, `seed_s =
    int(rng.integers(2**63))`, from ONE generator of `seed` that runs on from one epoch to the
    next: these epochs are stretches of a single online run, not passes over data, so
    `epoch(rng)` hands out the next stretch and does not use the Trainer's `rng`. (A Trainer
    resumed from a checkpoint would therefore start the stream again: not for resumed runs.)

    Epoch k ends after the first step whose items drawn, s * batch_size, reach k * `every`,
    and the last ends at the step that reaches `budget` (s * batch_size >= budget, so up to
    batch_size - 1 items past it are drawn). `ends[k]` is the number of items drawn when epoch
    k + 1 ends; `len(ends)` is the number of epochs to give the Trainer. With batch_size 32,
    every 4000 and budget 100000: 125 steps an epoch, 25 epochs, ends 4000, 8000, ..., 100000.
    """

    carries_state = False

    def __init__(self, generate, batch_size: int, budget: int, every: int, seed=None):
        for name, value in (("batch_size", batch_size), ("budget", budget), ("every", every)):
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")
        self.generate, self.batch_size = generate, int(batch_size)
        self.budget, self.every = int(budget), int(every)
        self.rng = as_generator(seed)
        steps = math.ceil(self.budget / self.batch_size)
        # a multiple of `every` lies in ((s - 1) * batch_size, s * batch_size]
        ends = [
            s for s in range(1, steps + 1) if (s * self.batch_size) % self.every < self.batch_size
        ]
        if not ends or ends[-1] != steps:
            ends.append(steps)
        self.ends = [s * self.batch_size for s in ends]
        self.epochs_drawn = 0

    def epoch(self, rng: np.random.Generator | None = None) -> Sequence:
        """The next epoch's batches (built lazily, one at a time); `rng` is not used."""
        if self.epochs_drawn == len(self.ends):
            raise ValueError(
                f"epoch: all {len(self.ends)} epochs of the budget of {self.budget} were drawn"
            )
        first = 0 if self.epochs_drawn == 0 else self.ends[self.epochs_drawn - 1]
        steps = (self.ends[self.epochs_drawn] - first) // self.batch_size
        self.epochs_drawn += 1
        seeds = [int(self.rng.integers(2**63)) for _ in range(steps)]
        return _Lazy(seeds, self._batch)

    def _batch(self, seed: int):
        return self.generate(self.batch_size, seed)

    def __len__(self) -> int:
        """The most steps in an epoch."""
        starts = [0, *self.ends[:-1]]
        return max(end - start for start, end in zip(starts, self.ends, strict=True)) // (
            self.batch_size
        )
